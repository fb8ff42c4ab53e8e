"""The application page, shared by every role, and the actions taken from it."""

import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from accounts.roles import user_has_role
from certification.checks.runs import check_run_retry
from certification.choices import ApplicationAction, CheckRunStatus
from certification.choices import ApplicationStatus as S
from certification.choices import CaseResultValue as R
from certification.forms import (
    ArtifactUploadForm,
)
from certification.models import Application, CheckRun, ConflictDeclaration
from certification.process.scoring import application_pass_outcome
from certification.process.selectors import (
    DECIDED_STATES,
    VENDOR_SIDE_ACTIONS,
    application_get,
    artifact_get,
    conflict_blocking,
    evaluation_report_latest,
    independence_gate,
    sbom_component_list,
)
from certification.process.services import (
    UPLOAD_STATES,
    application_transition,
    artifact_upload,
)
from certification.process.workbench import (
    clarification_ask,
    clarification_reply,
    independence_declare,
    independence_declared,
)
from certification.process.workflow import (
    TRANSITIONS,
    Context,
    available_actions,
    blocking_guard,
    guard_reason,
    is_assigned_evaluator,
    is_vendor_member,
    role_permits,
)
from certification.views.common import ACTION_STYLES
from config.downloads import stored_file_response
from config.errors import ApplicationError, NotFoundError
from registry.choices import ArtifactKind, RequirementMethod
from registry.templatetags.registry_labels import choice_label

# The application page, shared by every role ----------------------------------------------------

def _action_entries(app, user) -> list[dict]:
    entries = []
    for name in available_actions(app, user):
        transition = TRANSITIONS[name]
        entries.append({
            "name": name,
            "label": ApplicationAction(name).label,
            "reason_required": any(spec.check is guard_reason for spec in transition.guards),
            "assign": name == ApplicationAction.ASSIGN,
            "style": ACTION_STYLES.get(name, ""),
        })
    return entries


def _blocked_actions(app, user) -> list[dict]:
    """Actions the user's role could take in this state but a guard blocks, with the guard's reason."""
    blocked = []
    for name, transition in TRANSITIONS.items():
        if app.status not in transition.sources or not role_permits(app, user, transition.role):
            continue
        found = blocking_guard(Context(app, user), transition, include_input=False)
        if found:
            blocked.append({"name": name, "label": ApplicationAction(name).label, "reason": found[1]})
    return blocked


def _evaluator_choices(app) -> list[dict]:
    users = get_user_model().objects.filter(groups__name=Role.EVALUATOR, is_active=True).order_by("email")
    # The vendor's declarations in one query, judged by the selectors' rule, rather than a query per evaluator.
    conflicted = {d.evaluator_id for d in ConflictDeclaration.objects.filter(vendor_id=app.vendor_id)
                  if conflict_blocking(declaration=d)}
    return [{"email": u.email, "name": u.display_name, "conflict": u.pk in conflicted} for u in users]


def _can_score(app: Application, user, case) -> bool:
    """An assigned evaluator scores during the evaluation, but not an automated case while its check runs."""
    return is_assigned_evaluator(app, user) and app.status == S.IN_EVALUATION and not (
        case.requirement.method == RequirementMethod.AUTOMATED and case.result in (R.PENDING, R.RUNNING))


def _evidence_text(case) -> str:
    return json.dumps(case.evidence, ensure_ascii=False, indent=2, default=str) if case.evidence else ""


def _application_context(request, app: Application, **extra) -> dict:
    user = request.user
    vendor_view = is_vendor_member(app, user)
    assigned = is_assigned_evaluator(app, user)
    events = []
    for event in app.events.all():
        own_side = event.action in VENDOR_SIDE_ACTIONS
        events.append({
            "event": event,
            # Vendors see who acted on their side; the certification body acts as one.
            "who": event.actor_repr if (not vendor_view or own_side) else _("Certification body"),
            "evaluators": [] if vendor_view else event.data.get("evaluators", []),
            "certificate": event.data.get("certificate"),
            "to_label": choice_label(S, event.to_status),
        })
    cases = []
    for case in app.cases.all():  # prefetched by application_get, in scheme order, with the requirement
        cases.append({
            "case": case,
            "requirement": case.requirement,
            "automated": case.requirement.method == RequirementMethod.AUTOMATED,
            "evidence": _evidence_text(case),
            "can_score": _can_score(app, user, case),
        })
    check_runs = list(app.check_runs.select_related("case__requirement"))
    can_retry = user_has_role(user, Role.STAFF) or assigned
    actions = _action_entries(app, user)
    # The certification body sees the pass rule at any time; the vendor once a decision is made (as in the API).
    show_outcome = app.status in DECIDED_STATES if vendor_view else app.status != S.DRAFT
    outcome = application_pass_outcome(application=app) if show_outcome and cases else None
    staff_view = user_has_role(user, Role.STAFF)
    context = {
        "application": app,
        "vendor_view": vendor_view,
        # An assigned evaluator states independence from the vendor before working on the application.
        "independence_needed": assigned and not independence_declared(application=app, evaluator=user),
        "clarifications": list(app.clarifications.filter(parent=None).prefetch_related("replies")),
        "can_ask": assigned or staff_view,
        "can_reply": vendor_view or assigned or staff_view,
        "assigned": assigned,
        "events": events,
        "artifacts": list(app.artifacts.all()),
        # Vulnerability findings from the SBOM check, where that part of the process exists.
        "findings": sorted(app.findings.all(), key=lambda f: (f.status, f.osv_id)),  # prefetched
        "upload_form": extra.pop("upload_form", None) or ArtifactUploadForm(),
        "can_upload": vendor_view and app.status in UPLOAD_STATES,
        "cases": cases,
        "check_runs": check_runs,
        "checks_running": any(run.status in (CheckRunStatus.QUEUED, CheckRunStatus.RUNNING) for run in check_runs),
        "check_status_labels": {value: str(label) for value, label in CheckRunStatus.choices},
        "report": _report_for(user, app),
        "has_components": app.sbom_components.exists(),
        "can_retry": can_retry,
        "actions": actions,
        "blocked_actions": _blocked_actions(app, user),
        "evaluators": _evaluator_choices(app) if any(a["assign"] for a in actions) else [],
        "outcome": outcome,
        "assignments": [] if vendor_view else list(app.assignments.select_related("evaluator")),
        "posted": request.POST if request.method == "POST" else {},
        "posted_evaluators": request.POST.getlist("evaluators") if request.method == "POST" else [],
        "required_kinds": [choice_label(ArtifactKind, k) for k in app.scheme.documents_for(app.level)],
    }
    context.update(extra)
    return context


def _application_load(request, pk: int) -> Application:
    """The application through the scoping selector (another vendor's is 404), read afresh each call."""
    try:
        return application_get(user=request.user, pk=pk)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc


def _report_for(user, app: Application):
    """The evaluation report copy this user may download, or None."""
    if app.completed_at is None:
        return None
    try:
        return evaluation_report_latest(user=user, application_id=app.pk)
    except NotFoundError:
        return None


def _application_render(request, app: Application, *, status: int = 200, **extra):
    return render(request, "certification/application_detail.html", _application_context(request, app, **extra),
                  status=status)


@login_required
def application_detail(request, pk: int):
    return _application_render(request, _application_load(request, pk))


@require_POST
@login_required
def application_action(request, pk: int):
    app = _application_load(request, pk)
    action = request.POST.get("action", "")
    try:
        app = application_transition(
            application=app, action=action, actor=request.user, note=request.POST.get("note", ""),
            evaluators=request.POST.getlist("evaluators") or None,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _application_render(request, _application_load(request, pk), status=exc.status_code)
    label = ApplicationAction(action).label
    messages.success(request, _("Done: %(action)s. The application is now “%(status)s”.")
                     % {"action": label, "status": app.get_status_display()})
    return redirect("certification:application_detail", pk=app.pk)


@require_POST
@login_required
def artifact_upload_view(request, pk: int):
    app = _application_load(request, pk)
    form = ArtifactUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of document and a file to upload."))
        return _application_render(request, app, status=400, upload_form=form)
    try:
        artifact = artifact_upload(application=app, actor=request.user, kind=form.cleaned_data["kind"],
                                   file=form.cleaned_data["file"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _application_render(request, _application_load(request, pk), status=exc.status_code,
                                   upload_form=form)
    messages.success(request, _("“%(name)s” uploaded (SHA-256 %(sha)s).")
                     % {"name": artifact.original_name, "sha": artifact.sha256[:16] + "…"})
    return redirect("certification:application_detail", pk=app.pk)


@require_POST
@login_required
def check_retry_view(request, pk: int, run_id: int):
    app = _application_load(request, pk)
    run = CheckRun.objects.select_related("application").filter(pk=run_id, application=app).first()
    if run is None:
        raise Http404(_("Not found."))
    try:
        check_run_retry(check_run=run, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _application_render(request, _application_load(request, pk), status=exc.status_code)
    messages.success(request, _("The check was queued again."))
    return redirect("certification:application_detail", pk=app.pk)


def _service_post(request, pk: int, call, success: str):
    """Run one service for a POST on the application page: redirect on success, re-render on refusal."""
    app = _application_load(request, pk)
    try:
        call(app)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _application_render(request, _application_load(request, pk), status=exc.status_code)
    messages.success(request, success)
    return redirect("certification:application_detail", pk=app.pk)


@require_POST
@login_required
def independence_view(request, pk: int):
    return _service_post(request, pk, lambda app: independence_declare(application=app, evaluator=request.user),
                         _("Your statement of independence is recorded."))


@require_POST
@login_required
def clarification_ask_view(request, pk: int):
    return _service_post(
        request, pk,
        lambda app: clarification_ask(application=app, actor=request.user, body=request.POST.get("body", ""),
                                      requirement_code=request.POST.get("requirement_code", "")),
        _("Your question was sent to the vendor."),
    )


@require_POST
@login_required
def clarification_reply_view(request, pk: int, clarification_id: int):
    def reply(app):
        parent = app.clarifications.filter(pk=clarification_id).first()
        if parent is None:
            raise NotFoundError(_("Not found."))
        return clarification_reply(parent=parent, actor=request.user, body=request.POST.get("body", ""))

    return _service_post(request, pk, reply, _("Your reply was sent."))




@login_required
def component_list(request, pk: int):
    """The SBOM component inventory, for the vendor and the certification body (same filter as the API)."""
    from certification.api.filtersets import SbomComponentFilterSet

    app = _application_load(request, pk)
    try:
        independence_gate(application=app, user=request.user)
    except ApplicationError as exc:
        messages.warning(request, exc.message)
        return redirect("certification:application_detail", pk=app.pk)
    filterset = SbomComponentFilterSet(request.GET, queryset=sbom_component_list(application=app))
    page_obj = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "certification/component_list.html", {
        "application": app, "filterset": filterset, "page_obj": page_obj, "total": page_obj.paginator.count,
    })


@login_required
def artifact_download(request, pk: int, artifact_id: int):
    app = _application_load(request, pk)
    try:
        independence_gate(application=app, user=request.user)
        item = artifact_get(application=app, pk=artifact_id)
        return stored_file_response(field_file=item.file, name=item.original_name, content_type=item.content_type,
                                    sha256=item.sha256)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    except ApplicationError as exc:
        messages.warning(request, exc.message)
        return redirect("certification:application_detail", pk=app.pk)
