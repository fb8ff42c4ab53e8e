"""The application page, shared by every role, and the actions taken from it."""

import json
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from accounts.choices import Role
from accounts.templatetags.site import body_name
from certification.checks.errors import error_message, failure_message
from certification.checks.runs import check_run_retry
from certification.choices import ApplicationAction, CheckRunStatus
from certification.choices import ApplicationStatus as S
from certification.forms import ArtifactReplaceForm, ArtifactUploadForm
from certification.models import Artifact, CheckRun, ConflictDeclaration
from certification.process.artifacts import artifact_remove, artifact_replace
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
from certification.views.common import too_long as _too_long
from certification.vulndb.status import vulndb_status
from config.bounds import TEXT_MAX_LENGTH
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
    ApplicationAction.UPHOLD: gettext_lazy("The rejection will stand for good: the decision on an appeal is final and "
                                "the vendor cannot appeal it again."),
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
    """The evidence as recorded, less the parsers' own words about a failure (their codes stay; the page
    says the reason in the reader's language)."""
    if not case.evidence:
        return ""
    evidence = dict(case.evidence)
    if isinstance(evidence.get("errors"), list):
        evidence["errors"] = [{k: v for k, v in e.items() if k != "reason"} if isinstance(e, dict) else e
                              for e in evidence["errors"]]
    return json.dumps(evidence, ensure_ascii=False, indent=2, default=str)


def _application_context(request, access, **extra) -> dict:
    app = access.application
    vendor_view = access.sees_as_vendor
    events = []
    for event in app.events.all():
        own_side = event.action in VENDOR_SIDE_ACTIONS
        events.append({
            "event": event,
            # Vendors see who acted on their side; the certification body acts as one.
            "who": event.actor_repr if (not vendor_view or own_side) else body_name(),
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
            "reason": case_reason(case),
        })
    check_runs = [{"run": run, "reason": error_message(run.error_code, run.incident) if run.error_code else ""}
                  for run in app.check_runs.select_related("case__requirement")]
    actions = _action_entries(access)
    outcome = application_pass_outcome(application=app) if access.sees_pass_rule and cases else None
    clarifications = [c for c in app.clarifications.all() if c.parent_id is None]
    replies: dict[int, list] = {}
    for item in app.clarifications.all():
        if item.parent_id:
            replies.setdefault(item.parent_id, []).append(item)
    waiting = {c.pk for c in questions_awaiting_vendor(app)}
    # which of the page's forms was sent and refused: it shows the error at its field, with what was typed
    refused_form, refused_id = extra.pop("refused_form", ""), extra.pop("refused_id", None)
    for entry in actions:
        entry["refused"] = refused_form == "action" and refused_id == entry["name"]
    context = {
        "application": app,
        "access": access,
        "vendor_view": vendor_view,
        "independence_needed": access.independence_needed,
        "threads": [{"question": c, "replies": replies.get(c.pk, []), "waiting": c.pk in waiting,
                     "refused_reply": refused_form == "reply" and refused_id == c.pk,
                     "refused_close": refused_form == "close" and refused_id == c.pk}
                    for c in clarifications],
        "events": events,
        "artifacts": list(app.artifacts.all()),
        # Vulnerability findings from the SBOM check, where that part of the process exists.
        "findings": sorted(app.findings.all(), key=lambda f: (f.status, f.osv_id)),  # prefetched
        "upload_form": extra.pop("upload_form", None) or ArtifactUploadForm(),
        "cases": cases,
        "check_runs": check_runs,
        "checks_running": any(r["run"].status in (CheckRunStatus.QUEUED, CheckRunStatus.RUNNING) for r in check_runs),
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
        "artifact_history": list(Artifact.history.filter(application=app, retired_at__isnull=False)
                                 .select_related("superseded_by").order_by("retired_at", "id")),
        "answer_files": {a.clarification_id: a for a in Artifact.history.filter(application=app,
                                                                                clarification__isnull=False)},
        "answer_targets": _answer_targets(app, access),
        "replace_form": extra.pop("replace_form", None) or ArtifactReplaceForm(),
        "replace_target": extra.pop("replace_target", None),
        "decision": _decision(app, access),
        "waiting": _waiting_for_vendor(app, access, waiting),
        "vulndb": vulndb_status() if _shows_findings(app) else None,
        "refused": {"message": getattr(request, "refused_message", ""),
                    "field": getattr(request, "refused_field", ""), "ask": refused_form == "ask"},
        "text_max": TEXT_MAX_LENGTH,
    }
    context.update(extra)
    return context


def case_reason(case) -> str:
    """Why an automated case failed or could not run, in the reader's language (never raw error text)."""
    evidence = case.evidence or {}
    if case.result == "error":
        error = evidence.get("error") if isinstance(evidence.get("error"), dict) else {}
        return error_message(error.get("code", "crashed"), error.get("incident", ""))
    if case.result == "fail" and isinstance(evidence.get("reason"), dict):
        return failure_message(evidence["reason"])
    return ""


def _shows_findings(app) -> bool:
    """Findings matter here: the scheme matches the SBOM against advisories, or findings exist."""
    return bool(app.findings.all()) or any(c.requirement.check_key == "sbom.vulnerabilities" for c in app.cases.all())


def _answer_targets(app, access) -> list[tuple[str, str]]:
    """What a file sent with an answer may be: a new version of a current file, or a new kind of file."""
    if not (access.may_answer_with_file or access.may_upload):
        return []
    targets = [(f"replace:{a.pk}", _("New version of: %(kind)s — %(name)s")
                % {"kind": a.get_kind_display(), "name": a.original_name}) for a in app.artifacts.all()]
    targets += [(f"add:{value}", _("A new file: %(kind)s") % {"kind": label}) for value, label in ArtifactKind.choices]
    return targets


def _decision(app, access) -> dict | None:
    """The decision the page leads with: a rejection's reason and the appeal deadline, or the certificate."""
    if app.status in (S.REJECTED, S.APPEALED):
        events = [e for e in app.events.all() if e.action in (ApplicationAction.REJECT, ApplicationAction.UPHOLD)]
        last = events[-1] if events else None
        decided = app.decided_at or (last.created_at if last else None)
        deadline = decided + timedelta(days=settings.APPEAL_WINDOW_DAYS) if decided else None
        return {"kind": "rejected", "note": last.note if last else "", "decided_at": decided, "deadline": deadline,
                "upheld": bool(last and last.action == ApplicationAction.UPHOLD), "appealed": app.status == S.APPEALED,
                "may_appeal": ApplicationAction.APPEAL in access.actions,
                "deadline_passed": bool(deadline and timezone.now() > deadline)}
    if app.status == S.CERTIFIED and app.certificate_id:
        return {"kind": "certified", "certificate": app.certificate}
    if app.status == S.RETURNED:
        last = next((e for e in reversed(list(app.events.all())) if e.action == ApplicationAction.RETURN), None)
        return {"kind": "returned", "note": last.note if last else ""}
    return None


def _waiting_for_vendor(app, access, waiting_questions: set) -> list[str]:
    """What this application waits for from the vendor, said to the vendor."""
    if not access.is_vendor:
        return []
    items = []
    if waiting_questions:
        items.append(ngettext("%(n)d question from the certification body waits for your answer.",
                              "%(n)d questions from the certification body wait for your answer.",
                              len(waiting_questions)) % {"n": len(waiting_questions)})
    if app.status in (S.DRAFT, S.RETURNED):
        present = {a.kind for a in app.artifacts.all()}
        missing = [choice_label(ArtifactKind, k) for k in app.scheme.documents_for(app.level) if k not in present]
        if missing:
            items.append(_("Upload the required documents: %(kinds)s.") % {"kinds": ", ".join(str(m) for m in missing)})
        elif ApplicationAction.SUBMIT in access.actions:
            items.append(_("Everything required is uploaded: submit the application when you are ready."))
    return items


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
    refused = _refusal(request, pk, refused_form="action", refused_id=action)
    if message := _too_long(request, "note"):
        messages.error(request, message)
        return refused(400)
    if action in CONFIRM_ACTIONS and request.POST.get("confirm") != "yes":
        message = _("Confirm the action: tick the box that says you understand what will happen.")
        messages.error(request, message)
        request.refused_message, request.refused_field = message, "confirm"
        return refused(400)
    try:
        app = application_transition(
            application=access.application, action=action, actor=request.user, note=request.POST.get("note", ""),
            evaluators=request.POST.getlist("evaluators") or None,
            requirements=request.POST.getlist("requirements") or None,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        request.refused_message = exc.message
        request.refused_field = "evaluators" if exc.details and "evaluators" in exc.details or \
            exc.code in ("conflict_of_interest", "unknown_evaluator") else "note"
        return refused(exc.status_code)
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


def _artifact_or_404(access, artifact_id: int):
    item = next((a for a in access.application.artifacts.all() if a.pk == artifact_id), None)  # current ones
    if item is None:
        raise Http404(_("Not found."))
    return item


@require_POST
@application_page(details=False)
def artifact_replace_view(request, access, artifact_id: int):
    """A new version of one of the vendor's files, before the evaluation starts (the old one is kept)."""
    pk = access.application.pk
    access.require(access.is_vendor, _("Only the vendor's members upload its artifacts."))
    old = _artifact_or_404(access, artifact_id)
    form = ArtifactReplaceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the new version of the file."))
        return _application_render(request, access, status=400, replace_form=form, replace_target=old.pk)
    try:
        artifact = artifact_replace(artifact=old, actor=request.user, file=form.cleaned_data["file"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _refusal(request, pk, replace_form=form, replace_target=old.pk)(exc.status_code)
    messages.success(request, _("“%(old)s” was replaced by “%(new)s”; the earlier version stays on record.")
                     % {"old": old.original_name, "new": artifact.original_name})
    return redirect("certification:application_detail", pk=pk)


@require_POST
@application_page(details=False)
def artifact_remove_view(request, access, artifact_id: int):
    pk = access.application.pk
    access.require(access.is_vendor, _("Only the vendor's members upload its artifacts."))
    old = _artifact_or_404(access, artifact_id)
    return service_post(request, access, lambda app: artifact_remove(artifact=old, actor=request.user),
                        _("“%(name)s” was removed; it stays on record as removed.") % {"name": old.original_name},
                        _refusal(request, pk))


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
    refused = _refusal(request, access.application.pk, refused_form="ask")
    if message := _too_long(request, "body"):
        messages.error(request, message)
        return refused(400)
    return service_post(
        request, access,
        lambda app: clarification_ask(application=app, actor=request.user, body=request.POST.get("body", ""),
                                      requirement_code=request.POST.get("requirement_code", "")),
        _("Your question was sent to the vendor."), refused,
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
    file = request.FILES.get("file")
    refused = _refusal(request, access.application.pk, refused_form="reply", refused_id=parent.pk)
    if message := _too_long(request, "body"):
        messages.error(request, message)
        return refused(400)
    return service_post(request, access,
                        lambda app: clarification_reply(parent=parent, actor=request.user,
                                                        body=request.POST.get("body", ""), file=file,
                                                        target=request.POST.get("target", "")),
                        _("Your answer was sent with the new file; the checks that read it run again.") if file
                        else _("Your reply was sent."), refused)


@require_POST
@application_page()
def clarification_close_view(request, access, clarification_id: int):
    question = _thread(access, clarification_id)
    refused = _refusal(request, access.application.pk, refused_form="close", refused_id=question.pk)
    if message := _too_long(request, "reason"):
        messages.error(request, message)
        return refused(400)
    return service_post(request, access,
                        lambda app: clarification_close(question=question, actor=request.user,
                                                        reason=request.POST.get("reason", "")),
                        _("The question is closed."), refused)


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
