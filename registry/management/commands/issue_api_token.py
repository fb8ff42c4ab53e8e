from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from trust.services import audit_append


class Command(BaseCommand):
    help = "Print the API token of a user (created on first use). The token is the last line of the output."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, **options):
        email = options["email"].strip()
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with e-mail {email}. Create one first with `manage.py create_user`.")
        if not user.is_active:
            raise CommandError(f"User {user.email} is deactivated; an API token would not work.")
        with transaction.atomic():
            token, created = Token.objects.get_or_create(user=user)
            if created:
                # The key itself never goes into the audit log.
                audit_append(actor=None, action="api_token.issue", obj=user, data={"user": user.email})
        state = "New API token" if created else "Existing API token"
        self.stdout.write(f"{state} for {user.email} (send it as 'Authorization: Token <token>'):")
        self.stdout.write(token.key)
