"""`manage.py demo_totp EMAIL`: scriptable demo sign-in, never a real person's code."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.mfa import DEMO_TOTP_SECRET, totp_code_now, user_totp_activate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("demo_totp", *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_demo_totp_prints_the_current_code_of_a_demo_account(roles_ready, settings):
    settings.DEBUG = True
    user = UserFactory(role="certifier", email="certifier@demo.vn", mfa=False)
    user_totp_activate(user=user, secret=DEMO_TOTP_SECRET)
    assert run("certifier@demo.vn") == totp_code_now(DEMO_TOTP_SECRET)


def test_demo_totp_refuses_without_debug_and_for_real_secrets(roles_ready, settings):
    UserFactory(role="certifier", email="real@cert.gov.vn")  # the factory's own secret, not the demo one
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        run("real@cert.gov.vn")
    settings.DEBUG = True
    with pytest.raises(CommandError, match="published demo secret"):
        run("real@cert.gov.vn")
    with pytest.raises(CommandError, match="no TOTP"):
        run("nobody@demo.vn")
