"""Writes of the application process: drafts, transitions, artifacts and results.

Every state change goes through application_transition, which locks the row, checks the source
state, the caller's role and the guards, saves, and writes the event row and the audit entry in
the same transaction, with its side effects (notifications, check runs, the report) as outbox rows.
"""


from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.actors import actor_label
from accounts.choices import Role
from certification.access import application_access, application_base_queryset, may_apply
from certification.checks.runs import _check_runs_enqueue, check_run_requeue
from certification.choices import EVALUATOR_RESULTS, FINAL_RESULTS, ApplicationKind, CheckRunStatus
from certification.choices import ApplicationAction as A
from certification.choices import CaseResultValue as R
from certification.models import (
    Application,
    ApplicationEvent,
    Artifact,
    Assignment,
    CaseResult,
    CaseResultVersion,
    CheckRun,
)
from certification.process.artifacts import artifact_version_store
from certification.process.notifications import _staff_notify_submission, _vendor_notify_transition
from certification.process.uploads import ALLOWED_TYPES
from certification.process.workbench import conflict_reason
from certification.process.workflow import TRANSITIONS, Context, blocking_guard, role_permits
from config.errors import (
    ApplicationError,
    ConflictOfInterest,
    GuardFailed,
    NotFoundError,
    PermissionDeniedError,
    TransitionNotAllowed,
)
from config.uploads import upload_inspect
from registry.choices import ArtifactKind, CertificateStatus, RequirementMethod
from registry.models import Certificate, ProductVersion, Scheme
from registry.selectors import vendor_for_user
from registry.services import certificate_issue, certificate_maintain, certificate_renew
from trust.outbox import outbox_enqueue
from trust.services import audit_append


def application_lock(application_id: int):
    """The application row locked for a change, with what its access and guards read."""
    app = (application_base_queryset().select_for_update(of=("self",)).filter(pk=application_id).first())
    if app is None:
        raise NotFoundError(_("Not found."))
    return app


# Applications ----------------------------------------------------------------------------------

def application_create(*, actor, product_version: ProductVersion, scheme: Scheme, level: str,
                       renewal_of: Certificate | None = None, maintenance_of: Certificate | None = None,
                       impact_analysis: str = "", affected_requirements: list[str] | None = None) -> Application:
    """Open a draft for one of the caller's own product versions against the current scheme version: a first
    certification, the renewal of a certificate, or the maintenance of one (a new version joins it after
    an impact analysis; the affected requirements and every automated check are evaluated again)."""
    if not may_apply(actor):
        raise PermissionDeniedError(_("Only a vendor's members may apply for certification."))
    vendor = vendor_for_user(actor)
    if product_version.product.vendor_id != vendor.pk:
        raise NotFoundError(_("Not found."))
    if not scheme.is_current:
        raise ApplicationError(_("This scheme version is no longer open for applications."), code="scheme_retired")
    if level not in scheme.levels():
        raise ApplicationError(
            _("Level '%(level)s' is not offered by scheme %(scheme)s.") % {"level": level, "scheme": scheme.code},
            code="invalid_level", details={"level": [level]},
        )
    kind, affected = _application_kind_check(
        vendor=vendor, product_version=product_version, scheme=scheme, level=level, renewal_of=renewal_of,
        maintenance_of=maintenance_of, impact_analysis=impact_analysis, affected_requirements=affected_requirements)
    with transaction.atomic():
        app = Application.objects.create(
            product_version=product_version, vendor=vendor, scheme=scheme, level=level, created_by=actor, kind=kind,
            renewal_of=renewal_of, maintenance_of=maintenance_of, impact_analysis=(impact_analysis or "").strip(),
            affected_requirements=affected,
        )
        ApplicationEvent.objects.create(application=app, action=A.CREATE, from_status="", to_status=app.status,
                                        actor=actor, actor_repr=actor_label(actor))
        target = app.target_certificate
        audit_append(actor=actor, action="application.create", obj=app,
                     after={"status": app.status, "scheme": f"{scheme.code}@{scheme.version}", "level": level,
                            "product_version": product_version.pk, "kind": kind,
                            "certificate": target.serial if target else None, "affected_requirements": affected})
    return app


def _application_kind_check(*, vendor, product_version, scheme, level, renewal_of, maintenance_of,
                            impact_analysis, affected_requirements) -> tuple[str, list[str]]:
    """The kind of a new application and its affected requirements, or why it cannot be opened."""
    if renewal_of is not None and maintenance_of is not None:
        raise ApplicationError(_("An application renews a certificate or maintains it, not both."), code="invalid")
    certificate = renewal_of or maintenance_of
    if certificate is None:
        return ApplicationKind.CERTIFICATION, []
    if certificate.vendor_id != vendor.pk:
        raise NotFoundError(_("Not found."))  # another vendor's certificate: as if it did not exist
    if certificate.product_id != product_version.product_id:
        raise ApplicationError(_("The version must be of the certified product."), code="invalid",
                               details={"product_version": [str(product_version.pk)]})
    if certificate.scheme.code != scheme.code or certificate.level != level:
        raise ApplicationError(_("Use the certificate's scheme (%(scheme)s) and level (%(level)s).")
                               % {"scheme": certificate.scheme.code, "level": certificate.level}, code="invalid")
    if renewal_of is not None:
        if renewal_of.status not in (CertificateStatus.ACTIVE, CertificateStatus.EXPIRED):
            raise GuardFailed(_("Only an active or expired certificate can be renewed."))
        return ApplicationKind.RENEWAL, []
    if maintenance_of.status != CertificateStatus.ACTIVE:
        raise GuardFailed(_("Only an active certificate can take in a new version."))
    if maintenance_of.covered_versions.filter(product_version=product_version).exists():
        raise ApplicationError(_("This version is already covered by the certificate."), code="invalid")
    details = {}
    if not (impact_analysis or "").strip():
        details["impact_analysis"] = [str(_("Describe what changed in this version and what it affects."))]
    codes = sorted({str(c).strip() for c in (affected_requirements or []) if str(c).strip()})
    known = {r.code for r in scheme.requirements.all() if r.applies_to(level)}
    unknown = [c for c in codes if c not in known]
    if unknown:
        details["affected_requirements"] = [str(_("Not requirements of this scheme and level: %(codes)s.")
                                                % {"codes": ", ".join(unknown)})]
    if details:
        raise ApplicationError(_("The maintenance application needs an impact analysis and the affected "
                                 "requirements."), code="invalid", details=details)
    return ApplicationKind.MAINTENANCE, codes


def _cases_prepare(app: Application) -> list[CheckRun]:
    """Create the case rows for the scheme and level and (re)queue one check run per automated one."""
    requirements = [r for r in app.scheme.requirements.all() if r.applies_to(app.level)]
    if app.kind == ApplicationKind.MAINTENANCE:  # the affected requirements and every automated check
        affected = set(app.affected_requirements or [])
        requirements = [r for r in requirements if r.code in affected or r.method == RequirementMethod.AUTOMATED]
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
            run.error, run.error_code, run.incident = "", "", ""
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


def _contested_requirements(app: Application, codes) -> list[str]:
    """Requirement codes named by an appeal or an overturn, checked against the application's cases."""
    codes = sorted({str(c).strip() for c in (codes or []) if str(c).strip()})
    known = {c.requirement.code for c in app.cases.select_related("requirement")}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ApplicationError(
            _("These requirements are not part of this application: %(codes)s.") % {"codes": ", ".join(unknown)},
            code="invalid", details={"requirements": unknown},
        )
    return codes


def _cases_reopen(app: Application, codes: list[str], *, actor) -> list[CheckRun]:
    """Put contested cases back to pending (automated ones are run again) for a new evaluation."""
    runs = []
    for case in app.cases.select_for_update().select_related("requirement").filter(requirement__code__in=codes):
        old_result, old_notes = case.result, case.notes
        case.result, case.deviation_result, case.deviation_justification = R.PENDING, "", ""
        case.deviation_by, case.deviation_at = None, None
        case.save()
        CaseResultVersion.objects.create(case=case, kind="reopened", old_result=old_result, new_result=R.PENDING,
                                         old_notes=old_notes, new_notes=case.notes, actor=actor,
                                         actor_repr=actor_label(actor))
        if case.requirement.method == RequirementMethod.AUTOMATED and hasattr(case, "check_run"):
            runs.append(check_run_requeue(run=case.check_run))
    return runs


def application_transition(
    *, application: Application, action: str, actor, note: str = "", evaluators: list[str] | None = None,
    requirements: list[str] | None = None,
) -> Application:
    """Take `action` on the application, or raise saying exactly why not.

    `requirements` names contested requirement codes: the vendor's, on appeal; the certifier's, on
    overturn (defaulting to the appeal's), which are then evaluated again before a new decision.
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ApplicationError(_("Unknown action: %(action)s") % {"action": action}, code="unknown_action",
                               details={"allowed": list(TRANSITIONS)})
    note = (note or "").strip()
    after_event = []  # side effects that name the event: written to the outbox in this transaction
    with transaction.atomic():
        app = application_lock(application.pk)
        access = application_access(user=actor, application=app)
        if not role_permits(access, transition.role):
            raise PermissionDeniedError(_("You may not '%(action)s' this application.") % {"action": action})
        if app.status not in transition.sources:
            raise TransitionNotAllowed(
                _("An application that is '%(status)s' cannot be '%(action)s'.")
                % {"status": app.get_status_display(), "action": action},
                details={"status": app.status, "action": action},
            )
        if action in (A.APPEAL, A.OVERTURN):
            requirements = _contested_requirements(app, requirements)
            if action == A.OVERTURN and not requirements:
                appeal = next((e for e in reversed(list(app.events.all())) if e.action == A.APPEAL), None)
                requirements = list((appeal.data or {}).get("requirements", [])) if appeal else []
        ctx = Context(access, {"note": note, "evaluators": evaluators, "requirements": requirements})
        blocked = blocking_guard(ctx, transition, include_input=True)
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
            certificate = _certificate_grant(app, actor=actor)
            app.certificate = certificate
            app.decided_at = now
            data["certificate"] = certificate.serial
        elif action in (A.REJECT, A.UPHOLD):
            app.decided_at = now
        elif action == A.APPEAL:
            data["requirements"] = requirements
        elif action == A.OVERTURN:
            # The certifier(s) whose decision falls do not take the new one.
            deciders = sorted({e.actor_id for e in app.events.all() if e.action in (A.REJECT, A.UPHOLD) and e.actor_id})
            data.update({"requirements": requirements, "overturned_deciders": deciders})
            app.decided_at = None
            if requirements:
                runs = _cases_reopen(app, requirements, actor=actor)
                app.completed_at = None
                _check_runs_enqueue(runs)

        app.status = transition.target_state(ctx)
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
    app._prefetched_objects_cache = {}  # read before the change: callers reading relations get them afresh
    return app


def _certificate_grant(app: Application, *, actor):
    """What a certification decision publishes: a new certificate, a renewed one, or a new covered version."""
    sbom = app.artifacts.filter(kind=ArtifactKind.SBOM).order_by("-uploaded_at", "-id").first()
    sbom_sha256 = sbom.sha256 if sbom else ""
    data = {"application": app.pk}
    if app.kind == ApplicationKind.RENEWAL:
        return certificate_renew(certificate=app.renewal_of, actor=actor, data=data)
    if app.kind == ApplicationKind.MAINTENANCE:
        data.update(impact_analysis=app.impact_analysis, affected_requirements=app.affected_requirements)
        return certificate_maintain(certificate=app.maintenance_of, product_version=app.product_version,
                                    actor=actor, sbom_sha256=sbom_sha256, data=data)
    return certificate_issue(product_version=app.product_version, scheme=app.scheme, level=app.level, actor=actor,
                             data=data, sbom_sha256=sbom_sha256)


def _evaluation_report_enqueue(application_id: int, completed_at) -> None:
    """Render the evaluation report of this completion, through the outbox (inside the transaction)."""
    outbox_enqueue(kind="evaluation_report.render",
                   key=f"evaluation_report.render:{application_id}:{completed_at.isoformat()}",
                   payload={"application_id": application_id}, summary=f"#{application_id}")

# Artifacts -------------------------------------------------------------------------------------

def artifact_upload(*, application: Application, actor, kind: str, file, declared_sha256: str = "") -> Artifact:
    """Store an uploaded artifact under its SHA-256 after checking size, kind and sniffed content type."""
    if kind not in ArtifactKind.values:
        raise ApplicationError(_("Unknown artifact kind."), code="invalid", details={"kind": list(ArtifactKind.values)})
    if not application_access(user=actor, application=application).is_vendor:
        raise PermissionDeniedError(_("Only the vendor's members upload its artifacts."))
    upload = upload_inspect(file, allowed_types=ALLOWED_TYPES[kind], accepted_as=str(ArtifactKind(kind).label),
                            declared_sha256=declared_sha256)
    with transaction.atomic():
        app = application_lock(application.pk)
        if not application_access(user=actor, application=app).may_upload:
            raise TransitionNotAllowed(_("Files can be added until the evaluation starts; during it, send them with "
                                         "your answer to a question."))
        return artifact_version_store(app=app, actor=actor, kind=kind, upload=upload, file=file, replaces=None)


# Results ---------------------------------------------------------------------------------------

def case_result_record(*, application: Application, requirement_code: str, actor, result: str,
                       notes: str = "") -> CaseResult:
    """An assigned evaluator records a manual or document result; every change is kept as a version.

    Automated results change only by running the check again; a failing result needs a note.
    """
    if result not in EVALUATOR_RESULTS:
        raise ApplicationError(_("Result must be pass, fail or not_applicable."), code="invalid",
                               details={"result": [str(v) for v in EVALUATOR_RESULTS]})
    notes = (notes or "").strip()
    if result == R.FAIL and not notes:
        raise ApplicationError(_("Say why the requirement fails: a failing result needs a note."),
                               code="invalid", details={"notes": [str(_("Required for a failing result."))]})
    with transaction.atomic():
        app = application_lock(application.pk)
        access = application_access(user=actor, application=app)
        access.require(access.is_assigned_evaluator,
                       _("Only an evaluator assigned to this application may record results."))
        access.require_details()
        if not access.may_score:
            raise TransitionNotAllowed(_("Results can only be recorded while the application is in evaluation."))
        case = (app.cases.select_for_update().select_related("requirement")
                .filter(requirement__code=requirement_code).first())
        if case is None:
            raise NotFoundError(_("Requirement %(code)s is not part of this application's scheme and level.")
                                % {"code": requirement_code})
        if not access.may_score_case(case):
            raise TransitionNotAllowed(
                _("%(code)s is an automated check: its result changes only by running the check again.")
                % {"code": requirement_code}, code="automated_result")
        old_result, old_notes = case.result, case.notes
        case.result, case.notes, case.updated_by = result, notes, actor
        case.save()
        CaseResultVersion.objects.create(case=case, old_result=old_result, new_result=result, old_notes=old_notes,
                                         new_notes=case.notes, actor=actor, actor_repr=actor_label(actor))
        audit_append(actor=actor, action="case.record", obj=case, before={"result": old_result, "notes": old_notes},
                     after={"result": result, "notes": case.notes},
                     data={"application": app.pk, "requirement": requirement_code})
    return case


def case_deviation_record(*, application: Application, requirement_code: str, actor, result: str,
                          justification: str) -> CaseResult:
    """A certifier free of the evaluation records a justified deviation from a case's result (a false
    positive of an automated check, say) before deciding; the recorded result stays as it was, the
    pass rule reads the deviation, and the report shows both."""
    justification = (justification or "").strip()
    if result not in EVALUATOR_RESULTS:
        raise ApplicationError(_("Result must be pass, fail or not_applicable."), code="invalid",
                               details={"result": [str(v) for v in EVALUATOR_RESULTS]})
    if not justification:
        raise ApplicationError(_("A deviation needs a justification."), code="invalid",
                               details={"justification": [str(_("Required."))]})
    with transaction.atomic():
        app = application_lock(application.pk)
        access = application_access(user=actor, application=app)
        access.require(access.may_decide, _("Only a certifier who took no part in the evaluation records a "
                                            "deviation."))
        if not access.may_record_deviation:
            raise TransitionNotAllowed(_("A deviation is recorded after the evaluation and before the decision."))
        case = (app.cases.select_for_update().select_related("requirement")
                .filter(requirement__code=requirement_code).first())
        if case is None:
            raise NotFoundError(_("Requirement %(code)s is not part of this application's scheme and level.")
                                % {"code": requirement_code})
        if case.result not in FINAL_RESULTS:
            raise TransitionNotAllowed(_("Only a final result can be deviated from."))
        before = {"result": case.result, "deviation": case.deviation_result}
        case.deviation_result, case.deviation_justification = result, justification
        case.deviation_by, case.deviation_at = actor, timezone.now()
        case.save()
        CaseResultVersion.objects.create(case=case, kind="deviation", old_result=case.result, new_result=result,
                                         new_notes=justification, actor=actor, actor_repr=actor_label(actor))
        audit_append(actor=actor, action="case.deviation", obj=case, before=before,
                     after={"result": case.result, "deviation": result, "justification": justification},
                     data={"application": app.pk, "requirement": requirement_code})
    return case
