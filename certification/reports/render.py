"""The evaluation report: a bilingual PDF rendered when an evaluator completes an evaluation.

It records what was evaluated (product, version, vendor, scheme, level, artifacts with their hashes),
by whom and when, the result of every requirement, the pass rule's outcome with its per-group
breakdown, the automated checks' summaries and the vulnerability findings. Like the certificate it is
printed in Vietnamese first and English second whatever the reader's language, typeset in the Noto
fonts and rendered with the certificate's offline URL fetcher (registry.documents), so rendering
never reaches the network.

Each completion (EvaluationReport.generation = the number of 'complete' events) gets two copies: the
certification body's, which names the evaluators, and the vendor's, which does not (to a vendor the
body's people act as one, as on the pages and in the API). A render task delivered twice, or two
workers racing, leave exactly one file and one row per copy.
"""

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, IntegerField, Value, When
from django.utils import timezone, translation

from certification.choices import ApplicationAction, FindingStatus, ReportEdition, SeverityRating
from certification.choices import CaseResultValue as R
from certification.models import (
    Application,
    ApplicationEvent,
    Artifact,
    Assignment,
    CaseResult,
    EvaluationReport,
    Finding,
    SbomComponent,
)
from certification.process.scoring import application_pass_outcome
from certification.vulndb.findings import severity_at_or_above, vulnerability_threshold
from registry.choices import ArtifactKind, Level, RequirementMethod
from registry.documents import DATE_FORMAT, bilingual, document_context, pdf_render
from trust.canonical import canonical_json

logger = logging.getLogger(__name__)

FINDINGS_MAX = 200  # rows printed; the counts above the table always cover every finding
DATETIME_FORMAT = "%d/%m/%Y %H:%M"

# Requirement groups of the scheme files (certification/schemes/scheme.schema.json). The report is
# bilingual whatever the reader's language, so both names are data here, as scheme titles are.
GROUP_NAMES = {
    "documentation": ("Tài liệu", "Documentation"),
    "administration": ("Quản trị", "Administration"),
    "logging": ("Ghi nhật ký", "Logging"),
    "performance": ("Hiệu năng", "Performance"),
    "self_protection": ("Tự bảo vệ", "Self-protection"),
    "protection": ("Chức năng bảo vệ", "Protection"),
    "vulnerability": ("Lỗ hổng và toàn vẹn", "Vulnerabilities and integrity"),
    "origin": ("Nguồn gốc sản phẩm", "Product origin"),
}

SEVERITY_ORDER = ["critical", "high", "medium", "low", "none", "unknown"]


def _choice(choices, code: str) -> dict:
    try:
        return bilingual(choices(code).label)
    except ValueError:
        return {"vi": code, "en": code}


def _group(code: str) -> dict:
    vi, en = GROUP_NAMES.get(code, (code, code))
    return {"code": code, "vi": vi, "en": en}


def _local(value, fmt: str = DATETIME_FORMAT) -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""


def _last_events(application: Application) -> dict[str, ApplicationEvent]:
    """The latest event of each action (a resubmission replaces the earlier submission's date)."""
    latest: dict[str, ApplicationEvent] = {}
    for event in ApplicationEvent.objects.filter(application=application).order_by("created_at", "id"):
        latest[event.action] = event
    return latest


def evaluation_report_generation(*, application: Application) -> int:
    """Which completion a report made now belongs to: the number of 'complete' events so far."""
    return ApplicationEvent.objects.filter(application=application, action=ApplicationAction.COMPLETE).count()


def _findings(application: Application) -> dict:
    rank = Case(*[When(severity=s, then=Value(i)) for i, s in enumerate(SEVERITY_ORDER)],
                default=Value(len(SEVERITY_ORDER)), output_field=IntegerField())
    open_first = Case(When(status=FindingStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    qs = Finding.objects.filter(application=application)
    counts = list(qs.values("status", "severity").annotate(n=Count("id")).order_by())
    total = sum(c["n"] for c in counts)
    open_by_severity = {s: 0 for s in SEVERITY_ORDER}
    by_status: dict[str, int] = {}
    for c in counts:
        by_status[c["status"]] = by_status.get(c["status"], 0) + c["n"]
        if c["status"] == FindingStatus.OPEN:
            open_by_severity[c["severity"]] = open_by_severity.get(c["severity"], 0) + c["n"]
    rows = list(
        qs.annotate(advisory_source=F("advisory__source"), _open=open_first, _rank=rank)
        .order_by("_open", "_rank", "osv_id", "component_name", "id")[:FINDINGS_MAX]
    )
    sources = sorted(set(qs.exclude(advisory__source="").values_list("advisory__source", flat=True).distinct()))
    threshold = vulnerability_threshold(scheme=application.scheme, level=application.level)
    return {
        "total": total,
        "shown": len(rows),
        "truncated": total > len(rows),
        "open": sum(open_by_severity.values()),
        "open_by_severity": [{"code": s, **_choice(SeverityRating, s), "n": open_by_severity[s]}
                             for s in SEVERITY_ORDER],
        "by_status": [{"code": s, **_choice(FindingStatus, s), "n": n} for s, n in sorted(by_status.items())],
        "threshold": {"code": threshold, **_choice(SeverityRating, threshold)},
        "at_threshold": sum(n for s, n in open_by_severity.items() if severity_at_or_above(s, threshold)),
        "rows": [
            {"component": f.component_name, "version": f.version, "purl": f.purl, "osv_id": f.osv_id,
             "aliases": [a for a in (f.aliases or []) if a != f.osv_id][:3],
             "severity": {"code": f.severity, **_choice(SeverityRating, f.severity)},
             "score": f.score, "fixed_version": f.fixed_version,
             "status": {"code": f.status, **_choice(FindingStatus, f.status)},
             "source": f.advisory_source}
            for f in rows
        ],
        "sources": sources,
        "components": SbomComponent.objects.filter(application=application).count(),
    }


def _sbom_facts(application: Application, cases: list) -> dict:
    """What the report can truly say about the SBOM: the documents uploaded (and whether they could be read),
    the components recorded from them, and the vulnerability database they were matched against."""
    from certification.vulndb.status import vulndb_status

    evidence = {}
    for case in cases:
        key = case.requirement.check_key
        if key in ("sbom.valid", "sbom.vulnerabilities") and isinstance(case.evidence, dict):
            evidence[key] = case.evidence
    parsed = {d.get("name"): d for d in evidence.get("sbom.valid", {}).get("documents", []) if isinstance(d, dict)}
    failed = {e.get("name"): e.get("code", "") for e in evidence.get("sbom.valid", {}).get("errors", [])
              if isinstance(e, dict)}
    documents = []
    for artifact in Artifact.objects.filter(application=application, kind=ArtifactKind.SBOM).order_by("uploaded_at", "id"):
        doc = parsed.get(artifact.original_name, {})
        documents.append({"name": artifact.original_name, "sha256": artifact.sha256,
                          "format": doc.get("format", ""), "spec_version": doc.get("spec_version", ""),
                          "components": doc.get("component_count", doc.get("components")),
                          "unreadable": artifact.original_name in failed})
    status = vulndb_status()
    return {
        "documents": documents,
        "components": SbomComponent.objects.filter(application=application).count(),
        "without_purl": evidence.get("sbom.vulnerabilities", {}).get("components_without_purl"),
        "checked": "sbom.vulnerabilities" in evidence,
        "vulndb": {"advisories": status["advisories"],
                   "last_import": _local(status["last_import"]) if status["last_import"] else "",
                   "stale": status["stale"], "stale_days": status["stale_days"]},
    }


def _outcome(application: Application) -> dict:
    outcome = application_pass_outcome(application=application)
    explain = {}
    for lang in ("vi", "en"):
        with translation.override(lang):
            explain[lang] = outcome.explain()
    return {
        "passed": outcome.passed,
        "score": outcome.score,
        "threshold": outcome.threshold,
        "explain": explain,
        "failed_mandatory": outcome.failed_mandatory,
        "open_cases": outcome.open_cases,
        "groups": [
            {**_group(g.group), "total": g.total, "passed": g.passed, "failed": g.failed,
             "not_applicable": g.not_applicable, "open": g.open, "score": g.score,
             "weight_passed": g.weight_passed, "weight_counted": g.weight_counted}
            for g in outcome.groups
        ],
    }


def evaluation_report_context(*, application: Application, generation: int, edition: str = ReportEdition.BODY,
                              generated_at=None) -> dict:
    """Everything the report prints; also what the tests and the data fingerprint read. The vendor's
    copy leaves out who evaluated (names, e-mails, who completed), nothing else."""
    app = (Application.objects.select_related("product_version__product", "vendor", "scheme")
           .get(pk=application.pk))
    generated_at = generated_at or timezone.now()
    product, version, vendor, scheme = app.product_version.product, app.product_version, app.vendor, app.scheme
    events = _last_events(app)
    complete = events.get(ApplicationAction.COMPLETE)
    cases = list(CaseResult.objects.filter(application=app).select_related("requirement", "check_run")
                 .order_by("requirement__order", "requirement__code"))
    assignments = list(Assignment.objects.filter(application=app).select_related("evaluator")
                       .order_by("assigned_at", "id"))
    artifacts = list(Artifact.objects.filter(application=app).order_by("kind", "uploaded_at", "id"))

    case_rows = []
    for c in cases:
        req = c.requirement
        case_rows.append({
            "code": req.code, "title_vi": req.title_vi, "title_en": req.title_en, "group": _group(req.group),
            "method": {"code": req.method, **_choice(RequirementMethod, req.method)},
            "mandatory": req.mandatory, "weight": req.weight,
            "result": {"code": c.result, **_choice(R, c.result)}, "notes": c.notes,
        })
    automated = []
    for c in cases:
        if c.requirement.method != RequirementMethod.AUTOMATED:
            continue
        run = getattr(c, "check_run", None)
        automated.append({
            "code": c.requirement.code, "check_key": c.requirement.check_key,
            "result": {"code": c.result, **_choice(R, c.result)}, "notes": c.notes,
            "finished_at": _local(run.finished_at) if run else "", "attempts": run.attempts if run else 0,
        })
    findings = _findings(app)
    sbom = _sbom_facts(app, cases)
    outcome = _outcome(app)
    counts = {"total": len(cases), "pass": 0, "fail": 0, "not_applicable": 0, "open": 0}
    for c in cases:
        key = c.result if c.result in (R.PASS, R.FAIL, R.NOT_APPLICABLE) else "open"
        counts[key] += 1

    # What the report attests, in canonical form: its SHA-256 is printed, so a reader holding the
    # registry's data can tell this report matches it (the file's own hash cannot be printed inside it).
    fingerprint_data = {
        "application": app.pk, "generation": generation,
        "product": product.name, "version": version.version, "vendor_tax_code": vendor.tax_code,
        "scheme": f"{scheme.code}@{scheme.version}", "level": app.level,
        "completed_at": app.completed_at,
        "evaluators": [a.evaluator.email for a in assignments],
        "cases": [[c.requirement.code, c.result, c.notes] for c in cases],
        "score": str(outcome["score"]), "passed": outcome["passed"],
        "artifacts": [[a.kind, a.sha256] for a in artifacts],
        "findings_total": findings["total"],
    }
    return {
        **document_context(product=product, version=version.version, vendor=vendor, scheme=scheme),
        "application_id": app.pk,
        "reference": f"BCDG-{app.pk:06d}-{generation}",
        "generation": generation,
        "edition": edition,
        "names_people": edition == ReportEdition.BODY,
        "level": _choice(Level, app.level),
        "dates": {
            "submitted": _local(events[ApplicationAction.SUBMIT].created_at if ApplicationAction.SUBMIT in events
                                else app.submitted_at),
            "assigned": _local(events[ApplicationAction.ASSIGN].created_at) if ApplicationAction.ASSIGN in events
            else "",
            "completed": _local(complete.created_at if complete else app.completed_at),
        },
        "completed_by": complete.actor_repr if complete and edition == ReportEdition.BODY else "",
        "evaluators": [{"name": a.evaluator.full_name, "email": a.evaluator.email,
                        "assigned_at": _local(a.assigned_at, DATE_FORMAT)} for a in assignments]
        if edition == ReportEdition.BODY else [],
        "evaluator_count": len(assignments),
        "outcome": outcome,
        "counts": counts,
        "cases": case_rows,
        "automated": automated,
        "artifacts": [{"kind": _choice(ArtifactKind, a.kind), "name": a.original_name, "size": _size(a.size),
                       "sha256": a.sha256} for a in artifacts],
        "findings": findings,
        "sbom": sbom,
        "generated_at": _local(generated_at, "%d/%m/%Y %H:%M:%S"),
        "generated_at_iso": timezone.localtime(generated_at).isoformat(timespec="seconds"),
        "time_zone": settings.TIME_ZONE,
        "fingerprint": hashlib.sha256(canonical_json(fingerprint_data)).hexdigest(),
    }


def evaluation_report_render(*, application: Application, generation: int, edition: str = ReportEdition.BODY,
                             generated_at=None) -> bytes:
    """Render one copy of the bilingual evaluation report (A4 portrait, as many pages as it takes)."""
    context = evaluation_report_context(application=application, generation=generation, edition=edition,
                                        generated_at=generated_at)
    return pdf_render(template="certification/evaluation_report_pdf.html", context=context)


def evaluation_report_name(*, completed_at, edition: str) -> str:
    stamp = timezone.localtime(completed_at or timezone.now()).strftime("%Y%m%dT%H%M%S")
    suffix = "" if edition == ReportEdition.BODY else f"-{edition}"
    return f"evaluation-report-{stamp}{suffix}.pdf"


def _report_store(application: Application, *, generation: int, edition: str) -> EvaluationReport:
    existing = EvaluationReport.objects.filter(application=application, generation=generation,
                                               edition=edition).first()
    if existing is not None:
        return existing
    generated_at = timezone.now()
    pdf = evaluation_report_render(application=application, generation=generation, edition=edition,
                                   generated_at=generated_at)
    report = EvaluationReport(application=application, generation=generation, edition=edition,
                              sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), generated_at=generated_at)
    name = evaluation_report_name(completed_at=application.completed_at, edition=edition)
    with transaction.atomic():
        Application.objects.select_for_update().filter(pk=application.pk).first()
        existing = EvaluationReport.objects.filter(application=application, generation=generation,
                                                   edition=edition).first()
        if existing is not None:
            return existing  # another worker finished first; its file stands
        report.file.save(name, ContentFile(pdf), save=False)
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:  # unreachable under the lock; kept so a stray file never outlives a lost race
            report.file.storage.delete(report.file.name)
            return EvaluationReport.objects.get(application=application, generation=generation, edition=edition)
    logger.info("Evaluation report (%s) for application #%s stored as %s", edition, application.pk, report.file.name)
    return report


def evaluation_report_generate(*, application_id: int) -> list[EvaluationReport]:
    """Render and store both copies of the report of the application's latest completion; idempotent.

    Returns the stored reports (existing ones are returned as they are, not rendered again), or an
    empty list when the application does not exist or was never completed. Rendering happens outside
    any transaction; each row is written under a lock on the application, so racing workers store a
    single file per copy.
    """
    application = Application.objects.filter(pk=application_id).first()
    if application is None:
        return []
    generation = evaluation_report_generation(application=application)
    if generation == 0:
        return []
    return [_report_store(application, generation=generation, edition=edition) for edition in ReportEdition.values]
