from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = _("Certification")

    def ready(self) -> None:
        from .personal_data import personal_data_sections_register

        personal_data_sections_register()
        from certification import outbox  # noqa: F401  (registers this app's kinds of outbox message)
        _public_cache_connect()


def _public_cache_connect() -> None:
    """The public in-evaluation list and statistics read applications: a change invalidates the cache."""
    from django.db.models.signals import post_save

    from registry.caching import public_cache_bump

    from .models import Application

    def changed(sender, **kwargs):
        public_cache_bump()

    post_save.connect(changed, sender=Application, weak=False, dispatch_uid="public-cache-application")
