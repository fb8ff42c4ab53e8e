"""The SBOM checks: sbom.valid (the SBOM parses; its inventory is stored) and sbom.vulnerabilities
(the inventory is matched against the local OSV advisories, VEX applied, the level's threshold held).

The two run as separate check runs whose order is not guaranteed, so sbom.vulnerabilities parses
the SBOM itself when the stored inventory is missing or was built from other artifacts. Both write
under the application's row lock, so running them at the same time or twice changes nothing more.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from certification.checks import CheckOutcome, register
from certification.choices import CaseResultValue as R
from certification.models import Application
from certification.vulndb.findings import (
    EVIDENCE_FINDINGS_MAX,
    WARNINGS_MAX,
    advisory_sources,
    finding_evidence,
    findings_refresh,
    findings_summary,
    inventory_current,
    sbom_artifacts,
    sbom_documents_parse,
    sbom_inventory_store,
    vulnerability_threshold,
)


def _no_sbom() -> CheckOutcome:
    return CheckOutcome(R.FAIL, _("No SBOM was uploaded."), {"documents": []}, reason={"code": "no_sbom"})


def _parse_failed(parsed) -> CheckOutcome:
    first = parsed.errors[0]
    summary = _("The SBOM %(name)s could not be read: %(reason)s") % {"name": first["name"],
                                                                      "reason": first["reason"]}
    return CheckOutcome(R.FAIL, summary, {"documents": parsed.documents, "errors": parsed.errors},
                        reason={"code": "sbom_unreadable", "params": {"name": first["name"], "problem": first["code"]}})


@register("sbom.valid")
def sbom_valid(application) -> CheckOutcome:
    """Every SBOM artifact parses (CycloneDX or SPDX); the normalised inventory replaces the stored one."""
    artifacts = sbom_artifacts(application)
    if not artifacts:
        return _no_sbom()
    parsed = sbom_documents_parse(artifacts=artifacts)
    if not parsed.ok:
        return _parse_failed(parsed)
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        stored = sbom_inventory_store(application=app, parsed=parsed)
    evidence = {
        "documents": parsed.documents,
        "format": parsed.documents[0]["format"], "spec_version": parsed.documents[0]["spec_version"],
        "component_count": stored, "vex_statements": len(parsed.vex),
        "warnings": [w for d in parsed.documents for w in d["warnings"]][:WARNINGS_MAX],
    }
    if stored == 0:
        return CheckOutcome(R.FAIL, _("The SBOM lists no components."), evidence, reason={"code": "sbom_empty"})
    return CheckOutcome(R.PASS, _("The SBOM is valid and lists %(n)d components.") % {"n": stored}, evidence)


@register("sbom.vulnerabilities")
def sbom_vulnerabilities(application) -> CheckOutcome:
    """No open finding at or above the severity threshold of the scheme for the application's level."""
    artifacts = sbom_artifacts(application)
    if not artifacts:
        return _no_sbom()
    parsed = None
    if not inventory_current(application=application, artifacts=artifacts):
        parsed = sbom_documents_parse(artifacts=artifacts)  # outside the lock: parsing may take a while
        if not parsed.ok:
            return _parse_failed(parsed)
    threshold = vulnerability_threshold(scheme=application.scheme, level=application.level)
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        if parsed is not None and not inventory_current(application=app, artifacts=artifacts):
            sbom_inventory_store(application=app, parsed=parsed)
        result = findings_refresh(application=app, certificate=None)
    summary = findings_summary(result.findings, threshold)
    failing = summary.pop("failing")
    sources = advisory_sources(result.findings)
    evidence = {
        **summary,
        "components": result.components,
        "components_without_purl": result.without_purl,
        "failing_findings": [finding_evidence(f, sources) for f in failing[:EVIDENCE_FINDINGS_MAX]],
        "failing_total": len(failing),
        # CC-BY-4.0 advisory databases require attribution wherever their records are shown.
        "attribution": sorted(set(sources.values()) - {""}),
        "warnings": result.warnings[:WARNINGS_MAX],
    }
    if failing:
        return CheckOutcome(
            R.FAIL,
            _("%(n)d open vulnerabilities at or above the '%(threshold)s' threshold.")
            % {"n": len(failing), "threshold": threshold},
            evidence,
            reason={"code": "vulnerabilities", "params": {"n": len(failing), "threshold": threshold}},
        )
    return CheckOutcome(
        R.PASS,
        _("No open vulnerability at or above the '%(threshold)s' threshold (%(open)d open below it).")
        % {"threshold": threshold, "open": summary["open"]},
        evidence,
    )
