from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = _("Trust")

    def ready(self) -> None:
        from accounts.personal_data import personal_data_section

        from .models import AuditEntry

        @personal_data_section("audit_entries")
        def audit_entries(user):
            """What the person did, as the audit log recorded it (kept when the account is closed)."""
            return [{"sequence": e.sequence, "created_at": e.created_at.isoformat(), "actor": e.actor_repr,
                     "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
                     "object": e.object_repr, "data": e.data}
                    for e in AuditEntry.objects.filter(actor=user).order_by("sequence").iterator(chunk_size=2000)]
        # The e-mail kind of the outbox, and the worker heartbeat signals.
        from . import emails, workers  # noqa: F401
