"""SBOM inventory, vulnerability findings and the watch over certified products.

The inventory of an application is the normalised component list of its SBOM artifacts
(SbomComponent rows) plus the VEX statements they carry (SbomVexStatement rows). Findings are
the components that fall in an advisory's affected ranges; VEX statements mark them not affected
or resolved. All writes for one application happen under a lock on its row, so the two SBOM checks
(which may run at the same time on different workers) and a re-match after an import never
interleave, and running any of them again gives the same rows (idempotent).
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation

from accounts.choices import Role
from certification.choices import SEVERITY_RANK, FindingStatus, SeverityRating
from certification.models import (
    Advisory,
    Application,
    Artifact,
    Finding,
    SbomComponent,
    SbomVexStatement,
)
from certification.sbom import Component, SbomError, sbom_parse
from certification.vulndb.matching import components_match
from registry.choices import ArtifactKind, CertificateStatus

DEFAULT_THRESHOLD = "critical"
EVIDENCE_FINDINGS_MAX = 50
WARNINGS_MAX = 50

# CycloneDX analysis states (and their OpenVEX/CSAF cousins) -> finding status.
VEX_STATUS = {
    "not_affected": FindingStatus.NOT_AFFECTED,
    "false_positive": FindingStatus.NOT_AFFECTED,
    "known_not_affected": FindingStatus.NOT_AFFECTED,
    "resolved": FindingStatus.RESOLVED,
    "resolved_with_pedigree": FindingStatus.RESOLVED,
    "fixed": FindingStatus.RESOLVED,
    "exploitable": FindingStatus.OPEN,
    "in_triage": FindingStatus.OPEN,
    "affected": FindingStatus.OPEN,
    "under_investigation": FindingStatus.OPEN,
}


# Thresholds ------------------------------------------------------------------------------------

def vulnerability_threshold(*, scheme, level: str) -> str:
    """The lowest severity that fails: the scheme's setting for the level, "critical" when absent."""
    value = str((scheme.vulnerability_thresholds or {}).get(level) or "").lower()
    return value if value in SEVERITY_RANK else DEFAULT_THRESHOLD


def severity_at_or_above(severity: str, threshold: str) -> bool:
    # An unknown severity has no rank and never reaches a threshold by itself; evidence counts it apart.
    return severity in SEVERITY_RANK and SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]


# Parsing and storing the inventory ---------------------------------------------------------------

@dataclass
class ParsedDocuments:
    documents: list[dict] = field(default_factory=list)  # per artifact: format, spec, counts, warnings
    components: list[tuple[int, Component]] = field(default_factory=list)  # (artifact id, component)
    vex: list[tuple[int, object]] = field(default_factory=list)  # (artifact id, VexStatement)
    errors: list[dict] = field(default_factory=list)  # per artifact that failed: code, reason

    @property
    def ok(self) -> bool:
        return not self.errors


def sbom_artifacts(application) -> list[Artifact]:
    return list(Artifact.objects.filter(application_id=application.pk, kind=ArtifactKind.SBOM).order_by("id"))


def sbom_documents_parse(*, artifacts: list[Artifact]) -> ParsedDocuments:
    """Parse every SBOM artifact with the SBOM parser; a failure is recorded per artifact."""
    limit = settings.ARTIFACT_MAX_BYTES
    out = ParsedDocuments()
    for artifact in artifacts:
        try:
            with artifact.file.open("rb") as fh:
                data = fh.read(limit + 1)  # one byte past the limit lets the parser say "too large"
        except OSError as exc:
            from certification.checks.errors import error_log

            _code, incident = error_log(raw=repr(exc), where=f"reading SBOM artifact {artifact.pk}", code="storage")
            out.errors.append({"artifact": artifact.pk, "name": artifact.original_name, "code": "unreadable",
                               "reason": f"The stored file cannot be read (reference {incident}).",
                               "incident": incident})
            continue
        try:
            parsed = sbom_parse(data, filename=artifact.original_name, max_bytes=limit)
        except SbomError as exc:
            out.errors.append({"artifact": artifact.pk, "name": artifact.original_name,
                               "code": exc.code, "reason": exc.reason})
            continue
        warnings = [str(w) for w in parsed.warnings]
        out.documents.append({
            "artifact": artifact.pk, "name": artifact.original_name, "format": parsed.format,
            "spec_version": parsed.spec_version, "encoding": parsed.encoding,
            "components": len(parsed.components), "vex_statements": len(parsed.vex),
            "warnings": warnings[:WARNINGS_MAX], "warnings_total": len(warnings),
        })
        out.components += [(artifact.pk, c) for c in parsed.components]
        out.vex += [(artifact.pk, v) for v in parsed.vex]
    return out


def _component_row(application_id: int, artifact_id: int, c: Component) -> SbomComponent:
    return SbomComponent(
        application_id=application_id, artifact_id=artifact_id,
        name=(c.name or c.purl_name or "?")[:300], version=c.version[:200], purl=c.purl,
        purl_type=c.purl_type[:30], purl_namespace=c.purl_namespace[:300], purl_name=c.purl_name[:300],
        cpe=c.cpe, licenses=list(c.licenses), hashes=dict(c.hashes), bom_ref=c.bom_ref,
    )


def _component_key(row: SbomComponent) -> tuple:
    return (row.artifact_id, row.name, row.version, row.purl, row.bom_ref)


def sbom_inventory_store(*, application: Application, parsed: ParsedDocuments) -> int:
    """Make the stored inventory equal to the parsed documents; rows that did not change are kept.

    Keeping unchanged rows keeps their findings (and so first_seen); rows of components that are
    gone are deleted with their findings. Call inside a transaction holding the application's lock.
    """
    wanted: dict[tuple, SbomComponent] = {}
    for artifact_id, component in parsed.components:
        row = _component_row(application.pk, artifact_id, component)
        wanted.setdefault(_component_key(row), row)  # duplicates in an SBOM collapse into one row
    existing = {_component_key(r): r for r in SbomComponent.objects.filter(application_id=application.pk)}
    stale = [r.pk for key, r in existing.items() if key not in wanted]
    if stale:
        SbomComponent.objects.filter(pk__in=stale).delete()
    new_rows = [row for key, row in wanted.items() if key not in existing]
    SbomComponent.objects.bulk_create(new_rows, batch_size=1000)
    # Light fields (licences, hashes, namespace) may change without changing identity: refresh them.
    refresh = []
    for key, row in wanted.items():
        old = existing.get(key)
        if old is not None and (old.licenses, old.hashes, old.cpe, old.purl_type, old.purl_namespace,
                                old.purl_name) != (row.licenses, row.hashes, row.cpe, row.purl_type,
                                                   row.purl_namespace, row.purl_name):
            row.pk = old.pk
            refresh.append(row)
    if refresh:
        SbomComponent.objects.bulk_update(refresh, ["licenses", "hashes", "cpe", "purl_type", "purl_namespace",
                                                    "purl_name"], batch_size=1000)
    SbomVexStatement.objects.filter(application_id=application.pk).delete()
    SbomVexStatement.objects.bulk_create([
        SbomVexStatement(application_id=application.pk, artifact_id=artifact_id,
                         vulnerability_id=v.vulnerability_id[:100], affects=list(v.affects),
                         state=v.state[:40].lower(), justification=v.justification[:100], detail=v.detail[:4000])
        for artifact_id, v in parsed.vex
    ])
    return len(wanted)


def inventory_current(*, application: Application, artifacts: list[Artifact]) -> bool:
    """Whether the stored inventory was built from exactly the application's current SBOM artifacts."""
    stored = set(SbomComponent.objects.filter(application_id=application.pk)
                 .values_list("artifact_id", flat=True).distinct())
    stored |= set(SbomVexStatement.objects.filter(application_id=application.pk)
                  .values_list("artifact_id", flat=True).distinct())
    return bool(stored) and stored == {a.pk for a in artifacts}


# Findings --------------------------------------------------------------------------------------

def _ref_forms(ref: str) -> set[str]:
    """A VEX `affects` ref may be a bom-ref, a purl or a BOM-Link (urn:cdx:serial/version#bom-ref)."""
    forms = {ref}
    if ref.startswith("urn:cdx:") and "#" in ref:
        forms.add(ref.split("#", 1)[1])
    return forms


def _vex_for(statements: list[SbomVexStatement], known_refs: set[str], component: SbomComponent,
             advisory) -> SbomVexStatement | None:
    """The VEX statement that speaks for this component and advisory (by id or any alias), if any.

    A statement naming this component wins over a product-level one (a ref to the product itself,
    or to nothing in the inventory); among equals, the later statement wins.
    """
    ids = {advisory.osv_id.upper(), *(a.upper() for a in advisory.aliases or [])}
    own_refs = {r for r in (component.bom_ref, component.purl) if r}
    specific = general = None
    for statement in statements:
        if statement.vulnerability_id.upper() not in ids:
            continue
        refs = set().union(*(_ref_forms(r) for r in statement.affects)) if statement.affects else set()
        if refs & own_refs:
            specific = statement
        elif not refs or not (refs & known_refs):
            general = statement
    return specific or general


@dataclass
class FindingsResult:
    findings: list[Finding] = field(default_factory=list)  # all current findings of the application
    new: list[Finding] = field(default_factory=list)  # created now, or whose severity rose
    warnings: list[str] = field(default_factory=list)
    components: int = 0
    without_purl: int = 0


def findings_refresh(*, application: Application, certificate=None, threshold: str | None = None) -> FindingsResult:
    """Match the stored inventory against the advisories and bring the Finding rows up to date.

    Call inside a transaction that holds the application's row lock. `new` lists findings created
    by this call, plus existing ones whose severity rose to the threshold (when one is given).
    """
    components = list(SbomComponent.objects.filter(application_id=application.pk))
    statements = list(SbomVexStatement.objects.filter(application_id=application.pk))
    known_refs = {r for c in components for r in (c.bom_ref, c.purl) if r}
    matched = components_match(components)
    result = FindingsResult(warnings=list(dict.fromkeys(matched.warnings)), components=matched.components,
                            without_purl=matched.without_purl)
    existing = {(f.component_id, f.advisory_id): f
                for f in Finding.objects.filter(application_id=application.pk).select_related("advisory")}
    now = timezone.now()
    to_create, to_update = [], []
    for match in matched.matches:
        component, advisory = match.component, match.advisory
        statement = _vex_for(statements, known_refs, component, advisory)
        status = VEX_STATUS.get(statement.state, FindingStatus.OPEN) if statement else FindingStatus.OPEN
        values = {
            "purl": component.purl, "component_name": component.name, "version": component.version,
            "osv_id": advisory.osv_id, "aliases": list(advisory.aliases or []),
            "severity": advisory.severity_rating, "score": advisory.severity_score,
            "fixed_version": match.fixed_version[:200], "status": status,
            "vex_justification": statement.justification if statement else "",
            "vex_detail": statement.detail if statement else "", "last_seen": now,
        }
        finding = existing.pop((component.pk, advisory.pk), None)
        if finding is None:
            finding = Finding(application_id=application.pk, component=component, advisory=advisory,
                              certificate=certificate, **values)
            to_create.append(finding)
            result.new.append(finding)
        else:
            rose = (threshold is not None and not severity_at_or_above(finding.severity, threshold)
                    and severity_at_or_above(values["severity"], threshold))
            for name, value in values.items():
                setattr(finding, name, value)
            if certificate is not None and finding.certificate_id is None:
                finding.certificate = certificate
            finding.advisory = advisory
            to_update.append(finding)
            if rose:
                result.new.append(finding)
        result.findings.append(finding)
    # Findings no longer matched: the advisory was withdrawn or its ranges no longer cover the version.
    for finding in existing.values():
        if finding.status == FindingStatus.OPEN:
            finding.status = FindingStatus.WITHDRAWN if finding.advisory.withdrawn else FindingStatus.FIXED
            to_update.append(finding)
        result.findings.append(finding)
    Finding.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        Finding.objects.bulk_update(to_update, ["purl", "component_name", "version", "osv_id", "aliases", "severity",
                                                "score", "fixed_version", "status", "vex_justification",
                                                "vex_detail", "last_seen", "certificate"], batch_size=1000)
    return result


def finding_evidence(finding: Finding, sources: dict[int, str]) -> dict:
    return {
        "purl": finding.purl, "component": finding.component_name, "version": finding.version,
        "advisory_id": finding.osv_id, "aliases": finding.aliases, "severity": finding.severity,
        "score": float(finding.score) if finding.score is not None else None,
        "fixed_version": finding.fixed_version, "status": finding.status,
        "source": sources.get(finding.advisory_id, ""),
    }


def advisory_sources(findings: list[Finding]) -> dict[int, str]:
    ids = {f.advisory_id for f in findings}
    return dict(Advisory.objects.filter(pk__in=ids).values_list("pk", "source")) if ids else {}


def _severity_sort_key(finding: Finding):
    return (-SEVERITY_RANK.get(finding.severity, -1), -(finding.score or 0), finding.osv_id, finding.component_name)


def findings_summary(findings: list[Finding], threshold: str) -> dict:
    """Counts by severity (open findings) and by status, and the open findings at the threshold."""
    open_findings = [f for f in findings if f.status == FindingStatus.OPEN]
    by_severity = Counter(f.severity for f in open_findings)
    failing = sorted((f for f in open_findings if severity_at_or_above(f.severity, threshold)), key=_severity_sort_key)
    return {
        "threshold": threshold,
        "total": len(findings),
        "open": len(open_findings),
        "by_severity": {s: by_severity.get(s, 0) for s in SeverityRating.values},
        "by_status": dict(Counter(f.status for f in findings)),
        "failing": failing,
    }


# Watching certified products ---------------------------------------------------------------------

@dataclass
class RematchReport:
    applications: int = 0
    new_findings: int = 0
    flagged: list[str] = field(default_factory=list)  # certificate serials


def certified_products_rematch() -> RematchReport:
    """Match the SBOMs of products with an active or suspended certificate again (after an import).

    A finding new to the certificate (or whose severity rose) at or above the scheme's threshold for
    the certificate's level flags the certificate for staff review and notifies staff and the
    vendor; the certificate's status is not changed.
    """
    from registry.services import certificate_flag_for_review

    report = RematchReport()
    app_ids = list(
        Application.objects.filter(certificate__status__in=[CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED],
                                   sbom_components__isnull=False)
        .values_list("pk", flat=True).distinct().order_by("pk")
    )
    alerts: dict[int, list[Finding]] = {}
    certificates = {}
    for app_id in app_ids:
        with transaction.atomic():
            app = (Application.objects.select_for_update(of=("self",))
                   .select_related("certificate__scheme").get(pk=app_id))
            certificate = app.certificate
            if certificate is None or certificate.status not in (CertificateStatus.ACTIVE,
                                                                 CertificateStatus.SUSPENDED):
                continue
            threshold = vulnerability_threshold(scheme=certificate.scheme, level=certificate.level)
            result = findings_refresh(application=app, certificate=certificate, threshold=threshold)
        report.applications += 1
        report.new_findings += len(result.new)
        serious = [f for f in result.new
                   if f.status == FindingStatus.OPEN and severity_at_or_above(f.severity, threshold)]
        if serious:
            alerts.setdefault(certificate.pk, []).extend(serious)
            certificates[certificate.pk] = (certificate, threshold)
    for cert_id, findings in alerts.items():
        certificate, threshold = certificates[cert_id]
        findings.sort(key=_severity_sort_key)
        sources = advisory_sources(findings)
        items = [finding_evidence(f, sources) for f in findings]
        reason = _review_reason(items, threshold)
        with transaction.atomic():  # the flag and its e-mails (outbox rows) commit together
            certificate_flag_for_review(certificate=certificate, reason=reason,
                                        data={"findings": items[:EVIDENCE_FINDINGS_MAX], "threshold": threshold})
            _review_notify(certificate.pk, items, threshold, finding_ids=sorted(f.pk for f in findings))
        report.flagged.append(certificate.serial)
    return report


def _review_reason(items: list[dict], threshold: str) -> str:
    # Stored in English, the record's language, like check evidence; the e-mails are translated.
    parts = []
    for item in items[:5]:
        aliases = f" ({', '.join(item['aliases'][:3])})" if item["aliases"] else ""
        fixed = f", fixed in {item['fixed_version']}" if item["fixed_version"] else ""
        parts.append(f"{item['advisory_id']}{aliases} in {item['component']} {item['version']} "
                     f"[{item['severity']}{fixed}]")
    more = f" and {len(items) - 5} more" if len(items) > 5 else ""
    return (f"New vulnerability finding(s) at or above the '{threshold}' threshold: "
            + "; ".join(parts) + more + ".")


def _review_notify(certificate_id: int, items: list[dict], threshold: str, *, finding_ids: list[int]) -> None:
    from registry.models import Certificate, VendorMembership
    from trust.emails import email_enqueue

    certificate = Certificate.objects.select_related("product", "product_version", "vendor").get(pk=certificate_id)
    User = get_user_model()
    staff_ids = list(User.objects.filter(groups__name=Role.STAFF, is_active=True).values_list("pk", flat=True))
    vendor_ids = list(VendorMembership.objects.filter(vendor_id=certificate.vendor_id)
                      .values_list("user_id", flat=True))
    with translation.override("en"):  # English msgids: each recipient's template translates them
        labels = {value: str(label) for value, label in SeverityRating.choices}
    context = {
        "serial": certificate.serial, "product": str(certificate.product_version),
        "vendor": certificate.vendor.legal_name, "threshold": labels.get(threshold, threshold),
        "findings": [{**item, "severity_label": labels.get(item["severity"], item["severity"])}
                     for item in items[:EVIDENCE_FINDINGS_MAX]],
        "more": max(0, len(items) - EVIDENCE_FINDINGS_MAX),
        "sources": sorted({item["source"] for item in items if item["source"]}),
    }
    digest = hashlib.sha256(",".join(map(str, finding_ids)).encode()).hexdigest()[:16]
    email_enqueue(template="certificate_review", context=context, key=f"certificate_review:{certificate_id}:{digest}",
                  user_ids=sorted(set(staff_ids) | set(vendor_ids)), addresses=settings.STAFF_NOTIFICATION_EMAILS,
                  obj=certificate)
