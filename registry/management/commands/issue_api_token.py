"""`manage.py issue_api_token EMAIL` (ARCHITECTURE §7): the operator's way to give anyone a token.

Tokens are stored hashed, so an existing one cannot be printed again: every run issues a new token
(valid --days days, 365 by default) and prints it as the last line. The MFA policy applies to
signing in, not to tokens issued here.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.choices import TOKEN_LIFETIMES
from config.errors import ApplicationError
from registry.account_services import OPERATOR_TOKEN_DAYS, api_token_issue


class Command(BaseCommand):
    help = ("Issue a new API token for a user and print it; the token is the last line of the output. "
            "It is stored hashed and cannot be shown again.")

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--days", type=int, default=OPERATOR_TOKEN_DAYS,
                            choices=sorted({*TOKEN_LIFETIMES, OPERATOR_TOKEN_DAYS}),
                            help=f"how long the token stays valid (default {OPERATOR_TOKEN_DAYS})")
        parser.add_argument("--name", default="Issued by the operator", help="a label the owner sees on their page")

    def handle(self, *args, **options):
        email = options["email"].strip()
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with e-mail {email}. Create one first with `manage.py create_user`.")
        if not user.is_active:
            raise CommandError(f"User {user.email} is deactivated; an API token would not work.")
        try:
            token, key = api_token_issue(user=user, actor=None, name=options["name"], lifetime_days=options["days"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"New API token for {user.email}, valid until {token.expires_at:%Y-%m-%d %H:%M %Z}; "
                          "it is shown only now (send it as 'Authorization: Token <token>'):")
        self.stdout.write(key)
