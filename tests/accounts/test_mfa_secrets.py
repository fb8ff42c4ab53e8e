"""Second-factor secrets are encrypted at rest, still work, survive a key rotation and old rows migrate."""

from importlib import import_module

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps
from django.db import connection

from accounts.mfa import totp_code_now, user_totp_activate
from accounts.secrets import PREFIX, secret_decrypt, secret_encrypt
from tests.factories import TEST_TOTP_SECRET, UserFactory

pytestmark = pytest.mark.django_db

migration = import_module("accounts.migrations.0004_encrypt_mfa_secrets")


def test_totp_secret_and_recovery_seed_are_stored_encrypted_and_still_work(roles_ready):
    user = UserFactory(role="evaluator")
    user_totp_activate(user=user, secret=TEST_TOTP_SECRET)
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    codes = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    assert totp.data["secret"].startswith(PREFIX) and TEST_TOTP_SECRET not in str(totp.data)
    assert codes.data["seed"].startswith(PREFIX)
    assert TOTP(totp).validate_code(totp_code_now(TEST_TOTP_SECRET))
    recovery = RecoveryCodes(codes)
    assert recovery.validate_code(recovery.get_unused_codes()[0])


def test_a_rotated_secret_key_kept_as_fallback_still_opens_secrets(settings):
    stored = secret_encrypt("JBSWY3DPEHPK3PXP")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-for-the-test", [settings.SECRET_KEY]
    assert secret_decrypt(stored) == "JBSWY3DPEHPK3PXP"
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(ValueError):
        secret_decrypt(stored)


def test_migration_encrypts_secrets_stored_in_the_clear(roles_ready):
    user = UserFactory(role="certifier")
    user_totp_activate(user=user, secret=TEST_TOTP_SECRET)
    Authenticator.objects.filter(user=user, type="totp").update(data={"secret": TEST_TOTP_SECRET})
    assert secret_decrypt(TEST_TOTP_SECRET) == TEST_TOTP_SECRET  # an old row is still read as it is
    with connection.schema_editor() as editor:
        migration.forwards(apps, editor)
        migration.forwards(apps, editor)  # idempotent: no double encryption
    totp = Authenticator.objects.get(user=user, type="totp")
    assert totp.data["secret"].startswith(PREFIX) and secret_decrypt(totp.data["secret"]) == TEST_TOTP_SECRET
    assert TOTP(totp).validate_code(totp_code_now(TEST_TOTP_SECRET))
