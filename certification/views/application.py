"""The application page, shared by every role, and the actions taken from it."""

import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.choices import Role
from certification.checks.runs import check_run_retry
from certification.choices import ApplicationAction, CheckRunStatus
from certification.choices import ApplicationStatus as S
from certification.forms import ArtifactUploadForm
from certification.models import CheckRun, ConflictDeclaration
from certification.process.scoring import application_pass_outcome
from certification.process.selectors import (
    VENDOR_SIDE_ACTIONS,
    artifact_get,
    conflict_blocking,
    conflict_cooling_off_until,
    evaluation_report_latest,
    sbom_component_list,
)
from certification.process.services import application_transition, artifact_upload
from certification.process.workbench import (
    clarification_ask,
    clarification_close,
    clarification_reply,
    independence_declare,
)
from certification.process.workflow import TRANSITIONS, guard_reason, questions_awaiting_vendor
from certification.views.common import ACTION_STYLES, application_page, service_post
from config.downloads import stored_file_response
from config.errors import ApplicationError, NotFoundError
from registry.choices import ArtifactKind, RequirementMethod
from registry.templatetags.registry_labels import choice_label

# Irreversible or weighty actions the page asks to confirm, saying what will happen.
CONFIRM_ACTIONS = {
    ApplicationAction.COMPLETE: gettext_lazy("Completing the evaluation freezes every result and sends the application to "
                                  "a certifier for the decision. You cannot record results afterwards."),
    ApplicationAction.CERTIFY: gettext_lazy("A certificate will be issued and published in the public registry."),
    ApplicationAction.REJECT: gettext_lazy("The application will be rejected; the vendor may appeal within the appeal "
                                "window."),
    ApplicationAction.WITHDRAW: gettext_lazy("The application will be withdrawn for good; to be evaluated again, the "
                                  "vendor starts a new application."),
}


def _action_entries(access) -> list[dict]:
    entries = []
    for name in access.actions:
        transition = TRANSITIONS[name]
        entries.append({
            "name": name,
            "label": ApplicationAction(name).label,
            "reason_required": any(spec.check is guard_reason for spec in transition.guards),
            "assign": name == ApplicationAction.ASSIGN,
            "contested": name in (ApplicationAction.APPEAL, ApplicationAction.OVERTURN),
            "confirm": CONFIRM_ACTIONS.get(name, ""),
            "style": ACTION_STYLES.get(name, ""),
        })
    return entries


def _evaluator_choices(app) -> list[dict]:
    """Every active evaluator for the picker: their open workload, and the declared relation that stops them
    from evaluating this vendor (judged by the selectors' rule; one query for all the vendor's declarations)."""
    users = (get_user_model().objects.filter(groups__name=Role.EVALUATOR, is_active=True)
             .annotate(workload=Count("assignments", filter=Q(assignments__application__status=S.IN_EVALUATION),
                                      distinct=True))
             .order_by("full_name", "email"))
    conflicts = {}
    for declaration in ConflictDeclaration.objects.filter(vendor_id=app.vendor_id).order_by("declared_at"):
        if conflict_blocking(declaration=declaration):
            conflicts[declaration.evaluator_id] = {
                "relation": declaration.get_relation_display(),
                "until": conflict_cooling_off_until(declaration=declaration),
            }
    return [{"email": u.email, "name": u.display_name, "workload": u.workload, "conflict": conflicts.get(u.pk)}
            for u in users]


def _evidence_text(case) -> str:
    return json.dumps(case.evidence, ensure_ascii=False, indent=2, default=str) if case.evidence else ""


def _application_context(request, access, **extra) -> dict:
    app = access.application
    vendor_view = access.sees_as_vendor
    events = []
    for event in app.events.all():
        own_side = event.action in VENDOR_SIDE_ACTIONS
        events.append({
            "event": event,
            # Vendors see who acted on their side; the certification body acts as one.
            "who": event.actor_repr if (not vendor_view or own_side) else _("Certification body"),
            "evaluators": [] if vendor_view else event.data.get("evaluators", []),
            "certificate": event.data.get("certificate"),
            "requirements": event.data.get("requirements", []),
            "to_label": choice_label(S, event.to_status),
        })
    cases = []
    for case in app.cases.all():  # prefetched by the selector, in scheme order, with the requirement
        cases.append({
            "case": case,
            "requirement": case.requirement,
            "automated": case.requirement.method == RequirementMethod.AUTOMATED,
            "evidence": _evidence_text(case),
            "can_score": access.may_score_case(case),
        })
    check_runs = list(app.check_runs.select_related("case__requirement"))
    actions = _action_entries(access)
    outcome = application_pass_outcome(application=app) if access.sees_pass_rule and cases else None
    clarifications = [c for c in app.clarifications.all() if c.parent_id is None]
    replies: dict[int, list] = {}
    for item in app.clarifications.all():
        if item.parent_id:
            replies.setdefault(item.parent_id, []).append(item)
    waiting = {c.pk for c in questions_awaiting_vendor(app)}
    context = {
        "application": app,
        "access": access,
        "vendor_view": vendor_view,
        "independence_needed": access.independence_needed,
        "threads": [{"question": c, "replies": replies.get(c.pk, []), "waiting": c.pk in waiting}
                    for c in clarifications],
        "events": events,
        "artifacts": list(app.artifacts.all()),
        # Vulnerability findings from the SBOM check, where that part of the process exists.
        "findings": sorted(app.findings.all(), key=lambda f: (f.status, f.osv_id)),  # prefetched
        "upload_form": extra.pop("upload_form", None) or ArtifactUploadForm(),
        "cases": cases,
        "check_runs": check_runs,
        "checks_running": any(run.status in (CheckRunStatus.QUEUED, CheckRunStatus.RUNNING) for run in check_runs),
        "check_status_labels": {value: str(label) for value, label in CheckRunStatus.choices},
        "report": _report_for(request.user, access),
        "has_components": app.sbom_components.exists(),
        "actions": actions,
        "blocked_actions": [{"name": name, "label": ApplicationAction(name).label, "reason": reason}
                            for name, reason in access.blocked_actions],
        "evaluators": _evaluator_choices(app) if any(a["assign"] for a in actions) else [],
        "outcome": outcome,
        "assignments": [] if vendor_view else list(app.assignments.select_related("evaluator")),
        "posted": request.POST if request.method == "POST" else {},
        "posted_evaluators": request.POST.getlist("evaluators") if request.method == "POST" else [],
        "required_kinds": [choice_label(ArtifactKind, k) for k in app.scheme.documents_for(app.level)],
    }
    context.update(extra)
    return context


def _report_for(user, access):
    """The evaluation report copy this user may download, or None."""
    if access.application.completed_at is None or access.report_edition is None:
        return None
    try:
        return evaluation_report_latest(user=user, application_id=access.application.pk)
    except NotFoundError:
        return None


def _application_render(request, access, *, status: int = 200, **extra):
    return render(request, "certification/application_detail.html", _application_context(request, access, **extra),
                  status=status)


def _refusal(request, pk: int, **extra):
    """Re-render the application page, read afresh, after a refused POST."""
    def render_status(status: int):
        from certification.process.selectors import application_access_full

        return _application_render(request, application_access_full(user=request.user, pk=pk, details=False),
                                   status=status, **extra)
    return render_status


@application_page(details=False)
def application_detail(request, access):
    return _application_render(request, access)


@require_POST
@application_page(details=False)
def application_action(request, access):
    pk = access.application.pk
    action = request.POST.get("action", "")
    if action in CONFIRM_ACTIONS and request.POST.get("confirm") != "yes":
        messages.error(request, _("Confirm the action: tick the box that says you understand what will happen."))
        return _refusal(request, pk)(400)
    try:
        app = application_transition(
            application=access.application, action=action, actor=request.user, note=request.POST.get("note", ""),
            evaluators=request.POST.getlist("evaluators") or None,
            requirements=request.POST.getlist("requirements") or None,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _refusal(request, pk)(exc.status_code)
    messages.success(request, _("Done: %(action)s. The application is now “%(status)s”.")
                     % {"action": ApplicationAction(action).label, "status": app.get_status_display()})
    return redirect("certification:application_detail", pk=pk)


@require_POST
@application_page(details=False)
def artifact_upload_view(request, access):
    pk = access.application.pk
    access.require(access.is_vendor, _("Only the vendor's members upload its artifacts."))
    form = ArtifactUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of document and a file to upload."))
        return _application_render(request, access, status=400, upload_form=form)
    try:
        artifact = artifact_upload(application=access.application, actor=request.user,
                                   kind=form.cleaned_data["kind"], file=form.cleaned_data["file"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _refusal(request, pk, upload_form=form)(exc.status_code)
    messages.success(request, _("“%(name)s” uploaded (SHA-256 %(sha)s).")
                     % {"name": artifact.original_name, "sha": artifact.sha256[:16] + "…"})
    return redirect("certification:application_detail", pk=pk)


@require_POST
@application_page()
def check_retry_view(request, access, run_id: int):
    run = CheckRun.objects.filter(pk=run_id, application=access.application).first()
    if run is None:
        raise Http404(_("Not found."))
    run.application = access.application  # the scoped row, with what its access reads
    return service_post(request, access, lambda app: check_run_retry(check_run=run, actor=request.user),
                        _("The check was queued again."), _refusal(request, access.application.pk))


@require_POST
@application_page(details=False)
def independence_view(request, access):
    return service_post(request, access, lambda app: independence_declare(application=app, evaluator=request.user),
                        _("Your statement of independence is recorded."), _refusal(request, access.application.pk))


@require_POST
@application_page()
def clarification_ask_view(request, access):
    return service_post(
        request, access,
        lambda app: clarification_ask(application=app, actor=request.user, body=request.POST.get("body", ""),
                                      requirement_code=request.POST.get("requirement_code", "")),
        _("Your question was sent to the vendor."), _refusal(request, access.application.pk),
    )


def _thread(access, clarification_id: int):
    item = next((c for c in access.application.clarifications.all() if c.pk == clarification_id), None)
    if item is None:
        raise Http404(_("Not found."))
    return item


@require_POST
@application_page()
def clarification_reply_view(request, access, clarification_id: int):
    parent = _thread(access, clarification_id)
    return service_post(request, access,
                        lambda app: clarification_reply(parent=parent, actor=request.user,
                                                        body=request.POST.get("body", "")),
                        _("Your reply was sent."), _refusal(request, access.application.pk))


@require_POST
@application_page()
def clarification_close_view(request, access, clarification_id: int):
    question = _thread(access, clarification_id)
    return service_post(request, access,
                        lambda app: clarification_close(question=question, actor=request.user,
                                                        reason=request.POST.get("reason", "")),
                        _("The question is closed."), _refusal(request, access.application.pk))


@require_safe
@application_page()
def component_list(request, access):
    """The SBOM component inventory, for the vendor and the certification body (same filter as the API)."""
    from certification.api.filtersets import SbomComponentFilterSet

    filterset = SbomComponentFilterSet(request.GET, queryset=sbom_component_list(application=access.application))
    page_obj = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "certification/component_list.html", {
        "application": access.application, "filterset": filterset, "page_obj": page_obj,
        "total": page_obj.paginator.count,
    })


@require_safe
@application_page()
def artifact_download(request, access, artifact_id: int):
    try:
        item = artifact_get(application=access.application, pk=artifact_id)
        return stored_file_response(field_file=item.file, name=item.original_name, content_type=item.content_type,
                                    sha256=item.sha256)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
