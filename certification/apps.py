from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self) -> None:
        from .personal_data import personal_data_sections_register

        personal_data_sections_register()
        from certification import outbox  # noqa: F401  (registers this app's kinds of outbox message)
