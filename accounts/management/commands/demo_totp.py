"""`manage.py demo_totp EMAIL`: the current sign-in code of a demo account (DEBUG only).

Demo evaluators, certifiers, staff and the admin have TOTP with the secret published in README.md;
this prints what an authenticator app would show now, as the last line, so a person trying the demo
or a browser test can sign in. It refuses to run without DEBUG and for any account whose secret is
not the published demo one, so it can never reveal a real person's code.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.mfa import DEMO_TOTP_SECRET, totp_code_now


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (DEBUG only); the code is the last line."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp runs only with DEBUG on (the demo), never in production.")
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first() if user else None
        if totp is None:
            raise CommandError(f"{email} has no TOTP authenticator (run `manage.py seed_demo` first).")
        if decrypt(totp.data["secret"]) != DEMO_TOTP_SECRET:
            raise CommandError(f"{email} does not use the published demo secret; its code is its owner's alone.")
        self.stdout.write(f"Current code for {user.email} (changes every 30 seconds; each code works once):")
        self.stdout.write(totp_code_now(DEMO_TOTP_SECRET))
