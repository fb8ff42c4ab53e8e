"""Writes of the application process: drafts, transitions, artifacts and results.

Every state change goes through application_transition, which locks the row, checks the source
state, the caller's role and the guards, saves, and writes the event row and the audit entry in
the same transaction, with its side effects (notifications, check runs, the report) as outbox rows.
"""


from django.contrib.auth import get_user_model
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import actor_label
from accounts.choices import Role
from accounts.roles import user_has_role
from certification.checks.runs import _check_runs_enqueue
from certification.choices import (
    EVALUATOR_RESULTS,
    CheckRunStatus,
)
from certification.choices import (
    ApplicationAction as A,
)
from certification.choices import (
    ApplicationStatus as S,
)
from certification.choices import (
    CaseResultValue as R,
)
from certification.models import (
    Application,
    ApplicationEvent,
    Artifact,
    Assignment,
    CaseResult,
    CaseResultVersion,
    CheckRun,
)
from certification.process.notifications import _staff_notify_submission, _vendor_notify_transition
from certification.process.selectors import independence_gate
from certification.process.uploads import ALLOWED_TYPES
from certification.process.workbench import conflict_reason
from certification.process.workflow import (
    TRANSITIONS,
    Context,
    blocking_guard,
    is_vendor_member,
    role_permits,
)
from config.errors import (
    ApplicationError,
    ConflictOfInterest,
    GuardFailed,
    NotFoundError,
    PermissionDeniedError,
    TransitionNotAllowed,
)
from config.uploads import upload_inspect
from registry.choices import ArtifactKind, RequirementMethod
from registry.models import ProductVersion, Scheme
from registry.selectors import vendor_for_user
from registry.services import certificate_issue
from trust.outbox import outbox_enqueue
from trust.services import audit_append

UPLOAD_STATES = {S.DRAFT, S.RETURNED}


# Applications ----------------------------------------------------------------------------------

def application_create(*, actor, product_version: ProductVersion, scheme: Scheme, level: str) -> Application:
    """Open a draft for one of the caller's own product versions against the current scheme version."""
    vendor = vendor_for_user(actor)
    if vendor is None or not user_has_role(actor, Role.VENDOR):
        raise PermissionDeniedError(_("Only a vendor's members may apply for certification."))
    if product_version.product.vendor_id != vendor.pk:
        raise NotFoundError(_("Not found."))
    if not scheme.is_current:
        raise ApplicationError(_("This scheme version is no longer open for applications."), code="scheme_retired")
    if level not in scheme.levels():
        raise ApplicationError(
            _("Level '%(level)s' is not offered by scheme %(scheme)s.") % {"level": level, "scheme": scheme.code},
            code="invalid_level", details={"level": [level]},
        )
    with transaction.atomic():
        app = Application.objects.create(
            product_version=product_version, vendor=vendor, scheme=scheme, level=level, created_by=actor
        )
        ApplicationEvent.objects.create(application=app, action=A.CREATE, from_status="", to_status=app.status,
                                        actor=actor, actor_repr=actor_label(actor))
        audit_append(actor=actor, action="application.create", obj=app,
                     after={"status": app.status, "scheme": f"{scheme.code}@{scheme.version}", "level": level,
                            "product_version": product_version.pk})
    return app


def _cases_prepare(app: Application) -> list[CheckRun]:
    """Create the case rows for the scheme and level and (re)queue one check run per automated one."""
    requirements = [r for r in app.scheme.requirements.all() if r.applies_to(app.level)]
    existing = {c.requirement_id: c for c in app.cases.all()}
    now = timezone.now()
    runs = []
    for req in requirements:
        case = existing.get(req.pk) or CaseResult.objects.create(application=app, requirement=req)
        if req.method != RequirementMethod.AUTOMATED:
            continue
        if case.result != R.PENDING:
            case.result = R.PENDING
            case.evidence = {}
            case.save(update_fields=["result", "evidence", "updated_at"])
        run, created = CheckRun.objects.get_or_create(
            case=case, defaults={"application": app, "check_key": req.check_key, "enqueued_at": now}
        )
        if not created:
            run.generation += 1
            run.status = CheckRunStatus.QUEUED
            run.enqueued_at = now
            run.started_at = run.finished_at = None
            run.error = ""
            run.save()
        runs.append(run)
    return runs


def _evaluators_resolve(app: Application, emails: list[str]) -> list:
    User = get_user_model()
    emails = sorted({(e or "").strip().lower() for e in emails if (e or "").strip()})
    users = list(User.objects.filter(email__in=emails, is_active=True, groups__name=Role.EVALUATOR))
    unknown = sorted(set(emails) - {u.email for u in users})
    if unknown:
        raise ApplicationError(_("These are not evaluators: %(emails)s.") % {"emails": ", ".join(unknown)},
                               code="unknown_evaluator", details={"evaluators": unknown})
    for user in users:
        reason = conflict_reason(evaluator=user, vendor_id=app.vendor_id)
        if reason:
            raise ConflictOfInterest(reason, details={"evaluator": user.email})
    return users


def application_transition(
    *, application: Application, action: str, actor, note: str = "", evaluators: list[str] | None = None
) -> Application:
    """Take `action` on the application, or raise saying exactly why not."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ApplicationError(_("Unknown action: %(action)s") % {"action": action}, code="unknown_action",
                               details={"allowed": list(TRANSITIONS)})
    note = (note or "").strip()
    after_event = []  # side effects that name the event: written to the outbox in this transaction
    with transaction.atomic():
        app = Application.objects.select_for_update().select_related("scheme", "vendor").get(pk=application.pk)
        if not role_permits(app, actor, transition.role):
            raise PermissionDeniedError(_("You may not '%(action)s' this application.") % {"action": action})
        if app.status not in transition.sources:
            raise TransitionNotAllowed(
                _("An application that is '%(status)s' cannot be '%(action)s'.")
                % {"status": app.get_status_display(), "action": action},
                details={"status": app.status, "action": action},
            )
        blocked = blocking_guard(Context(app, actor, {"note": note, "evaluators": evaluators}), transition,
                                 include_input=True)
        if blocked:
            spec, reason = blocked
            # Missing input is the caller's mistake (400); any other guard is the state of things (409).
            raise (ApplicationError(reason, code="input_required") if spec.needs_input else GuardFailed(reason))
        from_status = app.status
        data: dict = {}
        now = timezone.now()

        if action == A.SUBMIT:
            runs = _cases_prepare(app)
            app.submitted_at = now
            data["check_runs"] = [r.pk for r in runs]
            _check_runs_enqueue(runs)
            after_event.append(_staff_notify_submission)
        elif action == A.ASSIGN:
            users = _evaluators_resolve(app, evaluators or [])
            for user in users:
                Assignment.objects.get_or_create(application=app, evaluator=user, defaults={"assigned_by": actor})
            data["evaluators"] = [u.email for u in users]
        elif action == A.COMPLETE:
            app.completed_at = now
            _evaluation_report_enqueue(app.pk, now)
        elif action == A.CERTIFY:
            certificate = certificate_issue(
                product_version=app.product_version, scheme=app.scheme, level=app.level, actor=actor,
                data={"application": app.pk},
            )
            app.certificate = certificate
            app.decided_at = now
            data["certificate"] = certificate.serial
        elif action in (A.REJECT, A.UPHOLD):
            app.decided_at = now
        elif action == A.OVERTURN:
            app.decided_at = None

        app.status = transition.target
        app.save()
        event = ApplicationEvent.objects.create(
            application=app, action=action, from_status=from_status, to_status=app.status, actor=actor,
            actor_repr=actor_label(actor), note=note, data=data,
        )
        audit_append(actor=actor, action=f"application.{action}", obj=app, before={"status": from_status},
                     after={"status": app.status}, data={"note": note, **data})
        _vendor_notify_transition(event)
        for fn in after_event:
            fn(event)
    return app


def _evaluation_report_enqueue(application_id: int, completed_at) -> None:
    """Render the evaluation report of this completion, through the outbox (inside the transaction)."""
    outbox_enqueue(kind="evaluation_report.render",
                   key=f"evaluation_report.render:{application_id}:{completed_at.isoformat()}",
                   payload={"application_id": application_id}, summary=f"#{application_id}")

# Artifacts -------------------------------------------------------------------------------------

def artifact_upload(*, application: Application, actor, kind: str, file, declared_sha256: str = "") -> Artifact:
    """Store an uploaded artifact under its SHA-256 after checking size, kind and sniffed content type."""
    if not is_vendor_member(application, actor):
        raise NotFoundError(_("Not found."))
    if kind not in ArtifactKind.values:
        raise ApplicationError(_("Unknown artifact kind."), code="invalid", details={"kind": list(ArtifactKind.values)})
    upload = upload_inspect(file, allowed_types=ALLOWED_TYPES[kind], accepted_as=str(ArtifactKind(kind).label),
                            declared_sha256=declared_sha256)
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        if app.status not in UPLOAD_STATES:
            raise TransitionNotAllowed(_("Artifacts can only be added while the application is a draft or returned."))
        artifact = Artifact(application=app, kind=kind, original_name=upload.name, sha256=upload.sha256,
                            size=upload.size, content_type=upload.content_type, uploaded_by=actor)
        artifact.file.save(upload.sha256, File(file), save=False)
        artifact.save()
        audit_append(actor=actor, action="artifact.upload", obj=artifact,
                     after={"application": app.pk, "kind": kind, "sha256": upload.sha256, "size": upload.size,
                            "content_type": upload.content_type, "name": artifact.original_name})
    return artifact


# Results ---------------------------------------------------------------------------------------

def case_result_record(*, application: Application, requirement_code: str, actor, result: str,
                       notes: str = "") -> CaseResult:
    """An assigned evaluator records a manual or document result; every change is kept as a version."""
    if result not in EVALUATOR_RESULTS:
        raise ApplicationError(_("Result must be pass, fail or not_applicable."), code="invalid",
                               details={"result": [str(v) for v in EVALUATOR_RESULTS]})
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        if not role_permits(app, actor, Role.EVALUATOR):
            raise PermissionDeniedError(_("Only an evaluator assigned to this application may record results."))
        independence_gate(application=app, user=actor)
        if app.status != S.IN_EVALUATION:
            raise TransitionNotAllowed(_("Results can only be recorded while the application is in evaluation."))
        case = (app.cases.select_for_update().select_related("requirement")
                .filter(requirement__code=requirement_code).first())
        if case is None:
            raise NotFoundError(_("Requirement %(code)s is not part of this application's scheme and level.")
                                % {"code": requirement_code})
        if case.requirement.method == RequirementMethod.AUTOMATED and case.result in (R.PENDING, R.RUNNING):
            raise TransitionNotAllowed(_("This automated check has not finished yet."))
        old_result, old_notes = case.result, case.notes
        case.result, case.notes, case.updated_by = result, (notes or "").strip(), actor
        case.save()
        CaseResultVersion.objects.create(case=case, old_result=old_result, new_result=result, old_notes=old_notes,
                                         new_notes=case.notes, actor=actor, actor_repr=actor_label(actor))
        audit_append(actor=actor, action="case.record", obj=case, before={"result": old_result, "notes": old_notes},
                     after={"result": result, "notes": case.notes},
                     data={"application": app.pk, "requirement": requirement_code})
    return case


