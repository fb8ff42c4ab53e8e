"""What `audit_verify` checks of the registry: every certificate row against its events in the audit log.

The audit log is the signed history (its entries are the transparency log's leaves, covered by signed tree
heads). A certificate's status and dates are re-derived from it, entry by entry, and every row whose
stored values differ is named: an `UPDATE ... SET status='active'` by hand is caught here.
"""

from registry.models import Certificate, CertificateEvent
from trust.canonical import to_jsonable
from trust.models import AuditEntry

DERIVED_FIELDS = ["status", "status_reason", "issued_at", "valid_until", "status_changed_at", "serial", "level",
                  "vendor_legal_name", "vendor_tax_code", "sbom_sha256"]
STATUS_ACTIONS = {"issue", "suspend", "reinstate", "revoke", "expire", "renew"}


def certificates_match_events() -> list[str]:
    derived: dict[str, dict] = {}
    for object_id, after in (AuditEntry.objects.filter(object_type="registry.certificate")
                             .order_by("sequence").values_list("object_id", "after").iterator(chunk_size=5000)):
        if after:
            derived.setdefault(object_id, {}).update(after)
    last_event: dict[int, str] = {}
    for certificate_id, action, to_status in (CertificateEvent.objects.order_by("created_at", "id")
                                              .values_list("certificate_id", "action", "to_status")
                                              .iterator(chunk_size=5000)):
        if action in STATUS_ACTIONS:
            last_event[certificate_id] = to_status
    problems = []
    for row in Certificate.objects.order_by("pk").values("pk", *DERIVED_FIELDS).iterator(chunk_size=5000):
        state = derived.get(str(row["pk"]))
        if state is None:
            problems.append(f"certificate {row['serial']} (id {row['pk']}): no issuance in the audit log")
            continue
        stored = to_jsonable(row)
        for name in DERIVED_FIELDS:
            if name in state and state[name] != stored[name]:
                problems.append(f"certificate {row['serial']} (id {row['pk']}): {name} is {stored[name]!r} but "
                                f"its signed events say {state[name]!r}")
        event_status = last_event.get(row["pk"])
        if event_status is not None and event_status != row["status"]:
            problems.append(f"certificate {row['serial']} (id {row['pk']}): status is {row['status']!r} but its "
                            f"last certificate event says {event_status!r}")
    return problems
