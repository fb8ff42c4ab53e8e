from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = _("Trust")

    def ready(self) -> None:
        # The e-mail kind of the outbox, and the worker heartbeat signals.
        from . import emails, workers  # noqa: F401
