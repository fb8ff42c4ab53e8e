from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def _ensure_roles(sender, **kwargs):
    # Permissions exist only after every app migrated; run once, for the last app.
    if sender.name == "certification":
        from .roles import roles_ensure

        roles_ensure()
