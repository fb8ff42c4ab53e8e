"""Writes of the certification process: applications, artifacts, assignments, results, checks.

Every state change goes through application_transition, which locks the row, checks the source
state, the caller's role and the guards, saves, and writes the event row and the audit entry in
the same transaction. Notifications and background work are enqueued only after commit.
"""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.roles import user_has_role
from config.errors import (
    ApplicationError,
    ConflictOfInterest,
    GuardFailed,
    NotFoundError,
    PayloadTooLarge,
    PermissionDeniedError,
    TransitionNotAllowed,
    UnsupportedMediaType,
)
from registry.choices import ArtifactKind, RequirementMethod
from registry.models import ProductVersion, Scheme
from registry.selectors import vendor_for_user
from registry.services import certificate_issue
from trust.services import audit_append

from .choices import (
    EVALUATOR_RESULTS,
    CheckRunStatus,
)
from .choices import (
    ApplicationAction as A,
)
from .choices import (
    ApplicationStatus as S,
)
from .choices import (
    CaseResultValue as R,
)
from .models import (
    Application,
    ApplicationEvent,
    Artifact,
    Assignment,
    CaseResult,
    CaseResultVersion,
    CheckRun,
    Clarification,
    ConflictDeclaration,
    EvidenceFile,
    IndependenceStatement,
)
from .selectors import conflicts_blocking, independence_gate
from .sniff import sniff, type_allowed
from .workflow import TRANSITIONS, Context, blocking_guard, is_vendor_member, role_permits

UPLOAD_STATES = {S.DRAFT, S.RETURNED}


def _actor_repr(actor) -> str:
    return getattr(actor, "email", "") or "system"


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
                                        actor=actor, actor_repr=_actor_repr(actor))
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


def conflict_reason(*, evaluator, vendor_id: int) -> str | None:
    """Why the evaluator may not evaluate this vendor now (a declared relation within cooling-off)."""
    declaration = conflicts_blocking(evaluator=evaluator, vendor_id=vendor_id).select_related("vendor").first()
    if declaration is None:
        return None
    return _(
        "%(evaluator)s declared a relation (%(relation)s) with %(vendor)s that ended less than two years ago "
        "or is ongoing; they cannot be assigned."
    ) % {"evaluator": evaluator.email, "relation": declaration.get_relation_display(),
         "vendor": declaration.vendor.legal_name}


def application_transition(
    *, application: Application, action: str, actor, note: str = "", evaluators: list[str] | None = None
) -> Application:
    """Take `action` on the application, or raise saying exactly why not."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ApplicationError(_("Unknown action: %(action)s") % {"action": action}, code="unknown_action",
                               details={"allowed": list(TRANSITIONS)})
    note = (note or "").strip()
    after_commit = []
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
            after_commit.append(lambda: _check_runs_enqueue(runs))
            after_commit.append(lambda: _staff_notify_submission(app.pk))
        elif action == A.ASSIGN:
            users = _evaluators_resolve(app, evaluators or [])
            for user in users:
                Assignment.objects.get_or_create(application=app, evaluator=user, defaults={"assigned_by": actor})
            data["evaluators"] = [u.email for u in users]
        elif action == A.COMPLETE:
            app.completed_at = now
            after_commit.append(lambda: _evaluation_report_enqueue(app.pk))
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
            actor_repr=_actor_repr(actor), note=note, data=data,
        )
        audit_append(actor=actor, action=f"application.{action}", obj=app, before={"status": from_status},
                     after={"status": app.status}, data={"note": note, **data})
        transaction.on_commit(lambda: _vendor_notify_transition(event.pk))
        for fn in after_commit:
            transaction.on_commit(fn)
    return app


def _check_runs_enqueue(runs: list[CheckRun]) -> None:
    from .tasks import check_run_execute_task

    for run in runs:
        check_run_execute_task.delay(run.pk, run.generation)


def _evaluation_report_enqueue(application_id: int) -> None:
    from . import tasks

    task = getattr(tasks, "evaluation_report_render_task", None)
    if task is not None:
        task.delay(application_id)


def _vendor_notify_transition(event_id: int) -> None:
    from accounts.tasks import email_send_task
    from registry.models import VendorMembership

    event = (ApplicationEvent.objects.select_related("application__product_version__product", "application__scheme")
             .get(pk=event_id))
    app = event.application
    user_ids = list(VendorMembership.objects.filter(vendor_id=app.vendor_id).values_list("user_id", flat=True))
    # Codes, not labels: the template renders labels once per recipient, in that recipient's language.
    context = {
        "application_id": app.pk, "product": str(app.product_version), "action": event.action,
        "from_status": event.from_status, "to_status": event.to_status, "note": event.note,
        "scheme": f"{app.scheme.code} v{app.scheme.version}", "level": app.level,
        "certificate": (event.data or {}).get("certificate", ""),
        "appeal_window_days": settings.APPEAL_WINDOW_DAYS,
    }
    email_send_task.delay(user_ids, "application_transition", context)


def _staff_notify_submission(application_id: int) -> None:
    from accounts.tasks import email_send_task

    app = Application.objects.select_related("product_version__product", "vendor", "scheme").get(pk=application_id)
    User = get_user_model()
    staff_ids = list(User.objects.filter(groups__name=Role.STAFF, is_active=True).values_list("pk", flat=True))
    context = {"application_id": app.pk, "product": str(app.product_version), "vendor": app.vendor.legal_name,
               "scheme": app.scheme.code, "level": app.level}
    email_send_task.delay(staff_ids, "application_submitted", context, settings.STAFF_NOTIFICATION_EMAILS)


# Artifacts -------------------------------------------------------------------------------------

def artifact_upload(*, application: Application, actor, kind: str, file, declared_sha256: str = "") -> Artifact:
    """Store an uploaded artifact under its SHA-256 after checking size, kind and sniffed content type."""
    if not is_vendor_member(application, actor):
        raise NotFoundError(_("Not found."))
    if kind not in ArtifactKind.values:
        raise ApplicationError(_("Unknown artifact kind."), code="invalid", details={"kind": list(ArtifactKind.values)})
    if file is None:
        raise ApplicationError(_("No file was uploaded."), code="invalid", details={"file": ["required"]})
    size = file.size
    limit = settings.ARTIFACT_MAX_BYTES
    if size > limit:
        raise PayloadTooLarge(_("The file is larger than the limit of %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
                              details={"size": size, "limit": limit})
    if size == 0:
        raise ApplicationError(_("The file is empty."), code="empty_file")
    digest = hashlib.sha256()
    file.seek(0)
    head = b""
    for chunk in file.chunks():
        if len(head) < 65536:
            head += chunk[: 65536 - len(head)]
        digest.update(chunk)
    sha256 = digest.hexdigest()
    declared = (declared_sha256 or "").strip().lower()
    if declared and declared != sha256:
        raise ApplicationError(
            _("The file's SHA-256 does not match the hash you declared."), code="hash_mismatch",
            details={"declared": declared, "actual": sha256},
        )
    content_type = sniff(head)
    if not type_allowed(kind, content_type):
        raise UnsupportedMediaType(
            _("A file of type %(type)s is not accepted as %(kind)s.")
            % {"type": content_type, "kind": ArtifactKind(kind).label},
            details={"content_type": content_type},
        )
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        if app.status not in UPLOAD_STATES:
            raise TransitionNotAllowed(_("Artifacts can only be added while the application is a draft or returned."))
        file.seek(0)
        artifact = Artifact(application=app, kind=kind, original_name=(file.name or "upload")[-255:],
                            sha256=sha256, size=size, content_type=content_type, uploaded_by=actor)
        artifact.file.save(sha256, File(file), save=False)
        artifact.save()
        audit_append(actor=actor, action="artifact.upload", obj=artifact,
                     after={"application": app.pk, "kind": kind, "sha256": sha256, "size": size,
                            "content_type": content_type, "name": artifact.original_name})
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
                                         new_notes=case.notes, actor=actor, actor_repr=_actor_repr(actor))
        audit_append(actor=actor, action="case.record", obj=case, before={"result": old_result, "notes": old_notes},
                     after={"result": result, "notes": case.notes},
                     data={"application": app.pk, "requirement": requirement_code})
    return case


def conflict_declare(*, evaluator, vendor, relation: str, started_on, ended_on=None, note: str = ""):
    if not user_has_role(evaluator, Role.EVALUATOR):
        raise PermissionDeniedError(_("Only evaluators declare conflicts of interest."))
    if ended_on and ended_on < started_on:
        raise ApplicationError(_("The end date is before the start date."), code="invalid")
    with transaction.atomic():
        decl = ConflictDeclaration.objects.create(evaluator=evaluator, vendor=vendor, relation=relation,
                                                  started_on=started_on, ended_on=ended_on, note=note)
        audit_append(actor=evaluator, action="conflict.declare", obj=decl,
                     after={"vendor": vendor.pk, "relation": relation, "started_on": started_on,
                            "ended_on": ended_on})
    return decl


# Automated checks ------------------------------------------------------------------------------

def check_run_execute(*, check_run_id: int, generation: int) -> str:
    """Run one automated check at most once per generation; safe to call again after a crash."""
    from .checks import check_execute

    with transaction.atomic():
        run = CheckRun.objects.select_for_update().filter(pk=check_run_id).first()
        if run is None or run.generation != generation or run.status == CheckRunStatus.DONE:
            return "skipped"
        run.status = CheckRunStatus.RUNNING
        run.attempts += 1
        run.started_at = timezone.now()
        run.save(update_fields=["status", "attempts", "started_at"])
        CaseResult.objects.filter(pk=run.case_id).update(result=R.RUNNING, updated_at=timezone.now())

    application = Application.objects.select_related("scheme").get(pk=run.application_id)
    outcome = check_execute(run.check_key, application)  # outside the lock: may take a while

    with transaction.atomic():
        run = CheckRun.objects.select_for_update().get(pk=check_run_id)
        if run.generation != generation or run.status == CheckRunStatus.DONE:
            return "skipped"  # a concurrent delivery finished first
        case = CaseResult.objects.select_for_update().get(pk=run.case_id)
        old = case.result
        case.result = outcome.result
        case.evidence = outcome.evidence
        case.notes = outcome.summary
        case.updated_by = None
        case.save()
        CaseResultVersion.objects.create(case=case, old_result=old, new_result=case.result, new_notes=case.notes,
                                         actor_repr="system:" + run.check_key)
        run.status = CheckRunStatus.DONE
        run.finished_at = timezone.now()
        run.executions += 1
        run.error = ""
        run.save(update_fields=["status", "finished_at", "executions", "error"])
        audit_append(actor=None, action="check.complete", obj=run,
                     after={"result": case.result}, data={"application": run.application_id, "check": run.check_key})
    return outcome.result


def check_run_fail(*, check_run_id: int, generation: int, error: str) -> None:
    """Record that a check could not run after all retries; the case shows 'error'."""
    with transaction.atomic():
        run = CheckRun.objects.select_for_update().filter(pk=check_run_id).first()
        if run is None or run.generation != generation or run.status == CheckRunStatus.DONE:
            return
        run.status = CheckRunStatus.ERROR
        run.error = error[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        CaseResult.objects.filter(pk=run.case_id).update(result=R.ERROR, evidence={"error": error[:2000]},
                                                          updated_at=timezone.now())
        audit_append(actor=None, action="check.error", obj=run, data={"error": error[:500]})


def check_run_retry(*, check_run: CheckRun, actor) -> CheckRun:
    """Staff or an assigned evaluator re-queues a check that ended in error."""
    if not (user_has_role(actor, Role.STAFF) or role_permits(check_run.application, actor, Role.EVALUATOR)):
        raise PermissionDeniedError(_("You may not re-run this check."))
    with transaction.atomic():
        run = CheckRun.objects.select_for_update().get(pk=check_run.pk)
        if run.status != CheckRunStatus.ERROR:
            raise TransitionNotAllowed(_("Only a check that ended in error can be re-run."))
        run.generation += 1
        run.status = CheckRunStatus.QUEUED
        run.enqueued_at = timezone.now()
        run.save()
        CaseResult.objects.filter(pk=run.case_id).update(result=R.PENDING)
        audit_append(actor=actor, action="check.retry", obj=run)
        transaction.on_commit(lambda: _check_runs_enqueue([run]))
    return run


def check_runs_sweep(*, stale_seconds: int | None = None) -> int:
    """Re-enqueue check runs left queued or running too long (a lost message or a dead worker)."""
    stale_seconds = stale_seconds if stale_seconds is not None else settings.CHECK_RUN_STALE_SECONDS
    cutoff = timezone.now() - timezone.timedelta(seconds=stale_seconds)
    stale = list(CheckRun.objects.filter(
        Q(status=CheckRunStatus.QUEUED, enqueued_at__lt=cutoff) | Q(status=CheckRunStatus.RUNNING, started_at__lt=cutoff)
    ))
    CheckRun.objects.filter(pk__in=[run.pk for run in stale]).update(enqueued_at=timezone.now())
    _check_runs_enqueue(stale)
    return len(stale)



# Evaluator's workbench ---------------------------------------------------------------------------

def independence_declare(*, application: Application, evaluator) -> IndependenceStatement:
    """An assigned evaluator states, before seeing the application, that no relation with its vendor
    falls within the cooling-off period; a declared conflict makes the statement impossible."""
    if not role_permits(application, evaluator, Role.EVALUATOR):
        raise NotFoundError(_("Not found."))
    reason = conflict_reason(evaluator=evaluator, vendor_id=application.vendor_id)
    if reason:
        raise ConflictOfInterest(reason)
    with transaction.atomic():
        statement, created = IndependenceStatement.objects.get_or_create(application=application, evaluator=evaluator)
        if created:
            audit_append(actor=evaluator, action="independence.declare", obj=application,
                         data={"evaluator": evaluator.email, "vendor": application.vendor_id})
    return statement


def independence_declared(*, application: Application, evaluator) -> bool:
    return application.independence_statements.filter(evaluator_id=evaluator.pk).exists()


def clarification_ask(*, application: Application, actor, body: str, requirement_code: str = ""):
    """An assigned evaluator (or staff) asks the vendor a question; the vendor is told by e-mail."""
    if not (role_permits(application, actor, Role.EVALUATOR) or user_has_role(actor, Role.STAFF)):
        raise NotFoundError(_("Not found."))
    independence_gate(application=application, user=actor)
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("Write the question."), code="invalid", details={"body": ["required"]})
    if requirement_code and not application.cases.filter(requirement__code=requirement_code).exists():
        raise NotFoundError(_("Requirement %(code)s is not part of this application's scheme and level.")
                            % {"code": requirement_code})
    with transaction.atomic():
        item = Clarification.objects.create(application=application, requirement_code=requirement_code,
                                            author=actor, author_repr=_actor_repr(actor), body=body)
        audit_append(actor=actor, action="clarification.ask", obj=application,
                     data={"clarification": item.pk, "requirement": requirement_code})
        transaction.on_commit(lambda: _clarification_notify(item.pk))
    return item


def clarification_reply(*, parent, actor, body: str):
    """The vendor or the certification body replies in a clarification thread."""
    app = parent.application
    allowed = (is_vendor_member(app, actor) or role_permits(app, actor, Role.EVALUATOR)
               or user_has_role(actor, Role.STAFF))
    if not allowed:
        raise NotFoundError(_("Not found."))
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("Write the reply."), code="invalid", details={"body": ["required"]})
    root = parent.parent or parent
    with transaction.atomic():
        item = Clarification.objects.create(application=app, parent=root, requirement_code=root.requirement_code,
                                            author=actor, author_repr=_actor_repr(actor), body=body)
        audit_append(actor=actor, action="clarification.reply", obj=app, data={"clarification": item.pk,
                                                                               "thread": root.pk})
        transaction.on_commit(lambda: _clarification_notify(item.pk))
    return item


def _clarification_notify(clarification_id: int) -> None:
    from accounts.tasks import email_send_task
    from registry.models import VendorMembership

    item = Clarification.objects.select_related("application").get(pk=clarification_id)
    app = item.application
    if item.author_id and is_vendor_member(app, item.author):
        recipients = list(app.assignments.values_list("evaluator_id", flat=True))
    else:
        recipients = list(VendorMembership.objects.filter(vendor_id=app.vendor_id).values_list("user_id", flat=True))
    email_send_task.delay(recipients, "clarification", {"application_id": app.pk, "author": item.author_repr,
                                                        "body": item.body[:2000],
                                                        "requirement": item.requirement_code})


def evidence_file_attach(*, application: Application, requirement_code: str, actor, file) -> EvidenceFile:
    """An assigned evaluator attaches a file to a case result; stored under its SHA-256."""
    if not role_permits(application, actor, Role.EVALUATOR):
        raise PermissionDeniedError(_("Only an evaluator assigned to this application may attach evidence."))
    independence_gate(application=application, user=actor)
    if application.status != S.IN_EVALUATION:
        raise TransitionNotAllowed(_("Evidence can only be attached while the application is in evaluation."))
    case = application.cases.filter(requirement__code=requirement_code).first()
    if case is None:
        raise NotFoundError(_("Requirement %(code)s is not part of this application's scheme and level.")
                            % {"code": requirement_code})
    if file is None or not file.size:
        raise ApplicationError(_("No file was uploaded."), code="invalid", details={"file": ["required"]})
    if file.size > settings.ARTIFACT_MAX_BYTES:
        raise PayloadTooLarge(_("The file is larger than the limit of %(mb)s MB.")
                              % {"mb": settings.ARTIFACT_MAX_BYTES // (1024 * 1024)})
    digest, head = hashlib.sha256(), b""
    for chunk in file.chunks():
        head += chunk[: max(0, 65536 - len(head))]
        digest.update(chunk)
    with transaction.atomic():
        file.seek(0)
        item = EvidenceFile(case=case, original_name=(file.name or "evidence")[-255:], sha256=digest.hexdigest(),
                            size=file.size, content_type=sniff(head), uploaded_by=actor)
        item.file.save(item.sha256, File(file), save=False)
        item.save()
        audit_append(actor=actor, action="evidence.attach", obj=case,
                     data={"sha256": item.sha256, "name": item.original_name, "requirement": requirement_code})
    return item
