"""Reads of the certification process and who may see which application. Pages and the API both
scope through here, so no view can forget a vendor boundary."""

from datetime import timedelta

from django.conf import settings
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.roles import user_has_role
from certification.access import (
    application_access_get,
    application_light_queryset,
    application_scope,
)
from certification.choices import (
    ApplicationAction,
    CaseResultValue,
    CheckRunStatus,
)
from certification.models import (
    Application,
    ApplicationEvent,
    Artifact,
    CaseResult,
    CaseResultVersion,
    CheckRun,
    Clarification,
    ConflictDeclaration,
    EvidenceFile,
    Finding,
    SbomComponent,
)
from config.errors import NotFoundError, PermissionDeniedError
from registry.models import ProductVersion, Vendor, VendorMembership


def _with_related(qs: QuerySet) -> QuerySet:
    """Everything the API and pages show of an application, and what available_actions reads, in a
    fixed number of queries however many applications are listed."""
    cases = CaseResult.objects.select_related("requirement").order_by("requirement__order", "requirement__code")
    related = [
        Prefetch("cases", queryset=cases),
        "artifacts",
        Prefetch("events", queryset=ApplicationEvent.objects.order_by("created_at", "id")),
        Prefetch("clarifications", queryset=Clarification.objects.order_by("created_at", "id")),
        "assignments",
        "independence_statements",
        "check_runs",
        # the advisory's source (its database and licence) rides along in the same query
        Prefetch("findings", queryset=Finding.objects.annotate(advisory_source=F("advisory__source"))),
    ]
    return qs.select_related(
        "product_version__product", "vendor", "scheme", "certificate"
    ).prefetch_related(*related)


def application_list(*, user) -> QuerySet:
    """Applications the user may see, newest first, with everything needed to show them."""
    scope = application_scope(user=user)
    if scope is None:
        return Application.objects.none()
    return _with_related(Application.objects.filter(scope)).order_by("-created_at", "-pk")


def application_access_full(*, user, pk, details: bool = True):
    """The caller's access to one application loaded with everything the page and the API show of it."""
    return application_access_get(user=user, pk=pk, queryset=_with_related(Application.objects.all()),
                                  details=details)


def product_version_get(*, pk) -> ProductVersion:
    """A product version by id; whether the caller may apply for it is the service's rule."""
    version = ProductVersion.objects.select_related("product").filter(pk=pk).first()
    if version is None:
        raise NotFoundError("Not found.")
    return version


# Evaluator's workbench ---------------------------------------------------------------------------
# Reads behind the API's workbench resources. Each takes an application already scoped by
# certification.access, so "may this caller see it at all" is answered once, above.

# Events the vendor takes itself; the rest are the certification body's, which acts as one to the vendor.
VENDOR_SIDE_ACTIONS = frozenset({ApplicationAction.CREATE, ApplicationAction.SUBMIT, ApplicationAction.WITHDRAW,
                                 ApplicationAction.APPEAL})
def _progress(rows) -> list[dict]:
    """Per group, in the order the groups first appear: cases, final results and what they are."""
    groups: dict[str, dict] = {}
    for group, result in rows:
        g = groups.setdefault(group, {"group": group, "total": 0, "final": 0, "pass": 0, "fail": 0, "na": 0,
                                      "open": 0})
        g["total"] += 1
        if result == CaseResultValue.PASS:
            g["pass"] += 1
        elif result == CaseResultValue.FAIL:
            g["fail"] += 1
        elif result == CaseResultValue.NOT_APPLICABLE:
            g["na"] += 1
        else:  # pending, running and error all wait for something
            g["open"] += 1
        g["final"] = g["pass"] + g["fail"] + g["na"]
    return list(groups.values())


def _cases_ordered(application: Application) -> list[CaseResult]:
    if "cases" in getattr(application, "_prefetched_objects_cache", {}):  # a list: no query per row
        return sorted(application.cases.all(), key=lambda c: (c.requirement.order, c.requirement.code))
    return list(application.cases.select_related("requirement").order_by("requirement__order", "requirement__code"))


def application_progress(*, application: Application) -> list[dict]:
    """Progress of the evaluation per requirement group (total, final, pass, fail, na, open)."""
    return _progress((c.requirement.group, c.result) for c in _cases_ordered(application))


def _error_text(code: str, incident: str) -> str:
    """What a check that could not run says, in the caller's language (never the raw error: see the log)."""
    from certification.checks.errors import error_message

    return error_message(code, incident) if code else ""


def _check_row(run, requirement_code: str) -> dict:
    return {"requirement_code": requirement_code, "check_key": run.check_key, "status": run.status,
            "attempts": run.attempts, "enqueued_at": run.enqueued_at, "started_at": run.started_at,
            "finished_at": run.finished_at, "error": _error_text(run.error_code, run.incident)}


def application_checks(*, application: Application) -> list[dict]:
    """The live state of every automated check of the application, in scheme order."""
    codes = {c.pk: (c.requirement.order, c.requirement.code) for c in _cases_ordered(application)}
    runs = sorted(application.check_runs.all(), key=lambda r: (codes.get(r.case_id, (0, "")), r.pk))
    return [_check_row(r, codes.get(r.case_id, (0, ""))[1]) for r in runs]


def check_run_row(*, run) -> dict:
    """One check run in the shape of application_checks (the run with case__requirement loaded)."""
    return _check_row(run, run.case.requirement.code)


def application_live_state(*, user, pk) -> dict:
    """What a page polls while checks run: status, checks and per-case results. Another vendor's
    application is 'not found', as everywhere; an evaluator sees it after their statement."""
    app = application_access_get(user=user, pk=pk, queryset=application_light_queryset(user=user)).application
    row = {"id": app.pk, "status": app.status, "updated_at": app.updated_at}
    # One query: each case with its requirement and, for automated ones, its check run (a left join).
    cases = list(
        CaseResult.objects.filter(application_id=pk).order_by("requirement__order", "requirement__code")
        .values("result", "updated_at", "requirement__code", "requirement__group", "check_run__check_key",
                "check_run__status", "check_run__attempts", "check_run__enqueued_at", "check_run__started_at",
                "check_run__finished_at", "check_run__error_code", "check_run__incident")
    )
    checks = [
        {"requirement_code": c["requirement__code"], "check_key": c["check_run__check_key"],
         "status": c["check_run__status"], "attempts": c["check_run__attempts"],
         "enqueued_at": c["check_run__enqueued_at"], "started_at": c["check_run__started_at"],
         "finished_at": c["check_run__finished_at"],
         "error": _error_text(c["check_run__error_code"], c["check_run__incident"])}
        for c in cases if c["check_run__check_key"] is not None
    ]
    return {
        **row,
        "checks": checks,
        "cases": [{"requirement_code": c["requirement__code"], "result": c["result"], "updated_at": c["updated_at"]}
                  for c in cases],
        "progress": _progress((c["requirement__group"], c["result"]) for c in cases),
    }


def case_get(*, application: Application, requirement_code: str) -> CaseResult:
    """One case of the application with its history and evidence files loaded."""
    case = (
        CaseResult.objects.filter(application=application, requirement__code=requirement_code)
        .select_related("requirement")
        .prefetch_related(
            Prefetch("versions", queryset=CaseResultVersion.objects.order_by("created_at", "id")),
            Prefetch("evidence_files", queryset=EvidenceFile.objects.select_related("uploaded_by")
                     .order_by("uploaded_at", "id")),
        )
        .first()
    )
    if case is None:
        raise NotFoundError(_("Requirement %(code)s is not part of this application's scheme and level.")
                            % {"code": requirement_code})
    return case


def artifact_get(*, application: Application, pk) -> Artifact:
    """An artifact of the application; whoever may see the application's details may read it."""
    item = Artifact.history.filter(pk=pk, application=application).first()  # earlier versions stay downloadable
    if item is None:
        raise NotFoundError("Not found.")
    return item


def evidence_file_get(*, application: Application, pk) -> EvidenceFile:
    """An evidence file of one of the application's cases; whoever sees the application may read it."""
    item = EvidenceFile.objects.filter(pk=pk, case__application=application).first()
    if item is None:
        raise NotFoundError("Not found.")
    return item


def clarification_list(*, application: Application) -> QuerySet:
    """The application's question threads, oldest first, each with its replies."""
    replies = Clarification.objects.order_by("created_at", "id")
    return (Clarification.objects.filter(application=application, parent=None)
            .prefetch_related(Prefetch("replies", queryset=replies)).order_by("created_at", "id"))


def clarification_get(*, application: Application, pk) -> Clarification:
    item = Clarification.objects.filter(application=application, pk=pk).select_related("parent").first()
    if item is None:
        raise NotFoundError(_("There is no such question in this application."))
    return item


def vendor_member_ids(*, application: Application) -> set[int]:
    """The users who speak for the application's vendor (to tell their words from the body's)."""
    return set(VendorMembership.objects.filter(vendor_id=application.vendor_id).values_list("user_id", flat=True))


def sbom_component_list(*, application: Application) -> QuerySet:
    """The component inventory taken from the application's SBOMs."""
    return SbomComponent.objects.filter(application=application).order_by("name", "version", "id")


def check_runs_by_key(*, application: Application, check_key: str) -> list[CheckRun]:
    """The application's check runs under one check key, those that ended in error first."""
    runs = list(CheckRun.objects.filter(application=application, check_key=check_key)
                .select_related("case__requirement").order_by("id"))
    if not runs:
        raise NotFoundError(_("This application has no automated check %(key)s.") % {"key": check_key})
    for run in runs:
        run.application = application  # the scoped row, with its assignments already loaded
    return sorted(runs, key=lambda r: r.status != CheckRunStatus.ERROR)


# Conflicts of interest ---------------------------------------------------------------------------

def conflict_list(*, user) -> QuerySet:
    """Staff see every declaration; an evaluator sees their own; nobody else any."""
    qs = ConflictDeclaration.objects.select_related("evaluator", "vendor").order_by("-declared_at", "-id")
    if user_has_role(user, Role.STAFF):
        return qs
    if user_has_role(user, Role.EVALUATOR):
        return qs.filter(evaluator=user)
    raise PermissionDeniedError(_("Only evaluators and staff see conflict-of-interest declarations."))


def conflict_vendor_get(*, ref) -> Vendor:
    """A vendor named by its id (a number) or its tax code (text; a text of digits that is no tax code
    is tried as an id)."""
    vendor = None
    if isinstance(ref, int) and not isinstance(ref, bool):
        vendor = Vendor.objects.filter(pk=ref).first()
    elif isinstance(ref, str) and ref.strip():
        ref = ref.strip()
        vendor = Vendor.objects.filter(tax_code=ref).first()
        if vendor is None and ref.isdigit() and len(ref) <= 18:
            vendor = Vendor.objects.filter(pk=int(ref)).first()
    if vendor is None:
        raise NotFoundError(_("There is no vendor with this id or tax code."))
    return vendor


# A declared relation blocks assignment while it lasts and for CONFLICT_COOLING_OFF_DAYS after it ends.

def conflict_cooling_off_until(*, declaration: ConflictDeclaration):
    """The last day the declaration blocks assignments; None while the relation is ongoing."""
    if declaration.ended_on is None:
        return None
    return declaration.ended_on + timedelta(days=settings.CONFLICT_COOLING_OFF_DAYS)


def conflict_blocking(*, declaration: ConflictDeclaration) -> bool:
    """Whether the declaration blocks assignment today."""
    until = conflict_cooling_off_until(declaration=declaration)
    return until is None or until >= timezone.localdate()


def conflicts_blocking(*, evaluator, vendor_id: int) -> QuerySet:
    """The evaluator's declarations that block assignment to the vendor today (same rule, in SQL)."""
    cutoff = timezone.localdate() - timedelta(days=settings.CONFLICT_COOLING_OFF_DAYS)
    return (ConflictDeclaration.objects.filter(evaluator=evaluator, vendor_id=vendor_id)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=cutoff)))


# Evaluation report -------------------------------------------------------------------------------

def evaluation_report_latest(*, user, application_id):
    """The latest evaluation report of an application the user may see, in the copy meant for them.

    Staff, certifiers and the assigned evaluators (after their statement of independence) get the
    certification body's copy as soon as it is rendered. The vendor's members get the vendor's copy
    (which names none of the body's people) once a decision was taken, as with the pass rule's
    breakdown, which the report prints. Anyone else, and another vendor's application: not found.
    """
    from certification.models import EvaluationReport

    access = application_access_get(user=user, pk=application_id)
    edition = access.report_edition
    if edition is None:
        raise NotFoundError(_("The evaluation report is available to the vendor once the certification decision "
                              "has been taken."), code="report_not_available")
    report = (EvaluationReport.objects.filter(application=access.application, edition=edition)
              .order_by("-generation").first())
    if report is None:
        raise NotFoundError(_("The evaluation report has not been produced yet."), code="report_not_ready")
    report.application = access.application  # the scoped row, already loaded
    return report
