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
