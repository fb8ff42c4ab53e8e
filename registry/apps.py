from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from .account_services import account_signals_connect
        from .caching import public_cache_signals_connect
        from .personal_data import personal_data_sections_register

        account_signals_connect()
        public_cache_signals_connect()
        personal_data_sections_register()
        from registry import outbox  # noqa: F401  (registers this app's kinds of outbox message)
        from trust.keys import RESIGN_HOOKS
        from trust.services import AUDIT_CHECKS

        from .integrity import certificates_match_events
        from .signing import certificate_records_resign

        if certificates_match_events not in AUDIT_CHECKS:
            AUDIT_CHECKS.append(certificates_match_events)
        if certificate_records_resign not in RESIGN_HOOKS:
            RESIGN_HOOKS.append(certificate_records_resign)
