"""The regulator's export: the whole lineage of a certificate or a product, in one ZIP for staff.

applications (kind, status, who and when), their events, case results with every change, the
certificate's events and signed records, and every audit entry about them with its inclusion proof
in the latest signed tree head, so the export can be checked against the transparency log without
trusting the registry (README.txt in the archive says how).
"""

import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone

from certification.models import Application, CaseResultVersion
from config.csvsafe import csv_writer
from registry.models import Certificate, CertificateEvent, CertificateRecord, Product
from trust.canonical import to_jsonable
from trust.keys import keys_document
from trust.models import AuditEntry
from trust.transparency import inclusion_proofs, tree_head_latest, tree_size

README = """Lineage export of the cybersecurity product certification registry.

lineage.json   applications, decisions, results, certificate events, signed records, and every audit
               entry about them with its RFC 9162 inclusion proof ("proof") in the signed tree head
               ("tree_head"); keys.json holds the public keys that signed the records and the head.
applications.csv, results.csv, events.csv   the same, flat, for spreadsheets.

To check an entry without trusting the registry: leaf = SHA-256(0x00 || RFC 8785 form of "entry"); fold
the audit path as RFC 9162 section 2.1.3.2 says; the result must equal the head's root_hash, and the head's
signature must verify against keys.json (see docs/trust.md of the registry: verify_record.py, monitor.py).
"""


def _applications(*, certificates: list[Certificate], product: Product | None):
    condition = Q(certificate__in=certificates) | Q(renewal_of__in=certificates) | Q(maintenance_of__in=certificates)
    if product is not None:
        condition |= Q(product_version__product=product)
    return (Application.objects.filter(condition).distinct().select_related("scheme", "product_version")
            .prefetch_related("events", "cases__requirement", "assignments__evaluator").order_by("created_at", "pk"))


def lineage_build(*, certificates: list[Certificate], product: Product | None = None) -> dict:
    """Everything that made and changed the given certificates (and, for a product, all its applications)."""
    applications = list(_applications(certificates=certificates, product=product))
    case_ids = [c.pk for a in applications for c in a.cases.all()]
    versions: dict[int, list] = {}
    for v in CaseResultVersion.objects.filter(case_id__in=case_ids).order_by("created_at", "id"):
        versions.setdefault(v.case_id, []).append({"kind": v.kind, "from": v.old_result, "to": v.new_result,
                                                   "notes": v.new_notes, "by": v.actor_repr, "at": v.created_at})
    objects = Q(object_type="registry.certificate", object_id__in=[str(c.pk) for c in certificates])
    objects |= Q(object_type="certification.application", object_id__in=[str(a.pk) for a in applications])
    objects |= Q(object_type="certification.caseresult", object_id__in=[str(i) for i in case_ids])
    if product is not None:
        objects |= Q(object_type="registry.product", object_id=str(product.pk))
    entries = list(AuditEntry.objects.filter(objects).order_by("sequence"))
    head = tree_head_latest()
    size = head.tree_size if head is not None else tree_size()
    proofs = {p["leaf_index"]: p for p in inclusion_proofs(leaf_indexes=[e.leaf_index for e in entries], size=size)}
    return to_jsonable({
        "exported_at": timezone.now(),
        "product": None if product is None else {"id": product.pk, "name": product.name,
                                                 "vendor": product.vendor.legal_name,
                                                 "tax_code": product.vendor.tax_code},
        "certificates": [{
            "serial": c.serial, "status": c.status, "status_reason": c.status_reason, "issued_at": c.issued_at,
            "valid_until": c.valid_until, "level": c.level, "scheme": f"{c.scheme.code}@{c.scheme.version}",
            "events": [{"action": e.action, "from": e.from_status, "to": e.to_status, "by": e.actor_repr,
                        "reason": e.reason, "data": e.data, "at": e.created_at}
                       for e in CertificateEvent.objects.filter(certificate=c).order_by("created_at", "id")],
            "signed_records": [{"version": r.version, "record": r.record, "signature": r.signature,
                                "fingerprint": r.fingerprint, "signed_at": r.created_at}
                               for r in CertificateRecord.objects.filter(certificate=c).order_by("version", "id")],
        } for c in certificates],
        "applications": [{
            "id": a.pk, "kind": a.kind, "status": a.status, "product_version": a.product_version.version,
            "scheme": f"{a.scheme.code}@{a.scheme.version}", "level": a.level,
            "certificate": a.certificate.serial if a.certificate_id else None,
            "impact_analysis": a.impact_analysis, "affected_requirements": a.affected_requirements,
            "created_at": a.created_at, "submitted_at": a.submitted_at, "completed_at": a.completed_at,
            "decided_at": a.decided_at, "evaluators": [x.evaluator.email for x in a.assignments.all()],
            "events": [{"action": e.action, "from": e.from_status, "to": e.to_status, "by": e.actor_repr,
                        "note": e.note, "data": e.data, "at": e.created_at}
                       for e in sorted(a.events.all(), key=lambda e: (e.created_at, e.id))],
            "results": [{"requirement": c.requirement.code, "result": c.result, "deviation": c.deviation_result,
                         "notes": c.notes, "changes": versions.get(c.pk, [])} for c in a.cases.all()],
        } for a in applications],
        "audit_entries": [{"leaf_index": e.leaf_index, "entry": e.leaf_entry(), "proof": proofs.get(e.leaf_index)}
                          for e in entries],
        "tree_head": head.document if head is not None else None,
    })


def lineage_zip(*, lineage: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README)
        archive.writestr("lineage.json", json.dumps(lineage, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder))
        archive.writestr("keys.json", json.dumps(keys_document(), indent=2))
        archive.writestr("applications.csv", _csv(
            ["id", "kind", "status", "product_version", "scheme", "level", "certificate", "created_at", "submitted_at",
             "decided_at", "evaluators"],
            [[a["id"], a["kind"], a["status"], a["product_version"], a["scheme"], a["level"], a["certificate"] or "",
              a["created_at"], a["submitted_at"] or "", a["decided_at"] or "", " ".join(a["evaluators"])]
             for a in lineage["applications"]]))
        archive.writestr("results.csv", _csv(
            ["application", "requirement", "result", "deviation", "change_kind", "from", "to", "by", "at"],
            [[a["id"], r["requirement"], r["result"], r["deviation"], ch["kind"], ch["from"], ch["to"], ch["by"],
              ch["at"]] for a in lineage["applications"] for r in a["results"] for ch in (r["changes"] or [{}])
             if ch] + [[a["id"], r["requirement"], r["result"], r["deviation"], "", "", "", "", ""]
                       for a in lineage["applications"] for r in a["results"] if not r["changes"]]))
        archive.writestr("events.csv", _csv(
            ["sequence", "leaf_index", "created_at", "actor", "action", "object_type", "object_id", "object",
             "tree_size", "leaf_hash", "audit_path"],
            [[e["entry"]["sequence"], e["leaf_index"], e["entry"]["created_at"], e["entry"]["actor"],
              e["entry"]["action"], e["entry"]["object_type"], e["entry"]["object_id"], e["entry"]["object_repr"],
              (e["proof"] or {}).get("tree_size", ""), (e["proof"] or {}).get("leaf_hash", ""),
              " ".join((e["proof"] or {}).get("audit_path", []))] for e in lineage["audit_entries"]]))
    return buffer.getvalue()


def _csv(header: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()  # BOM: spreadsheets read the Vietnamese as UTF-8
