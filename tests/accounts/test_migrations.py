"""The move from DRF authtoken: old keys keep working, hashed, and the clear-text table is gone."""

from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection

from accounts.models import ApiToken
from accounts.tokens import api_token_check
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

migration = import_module("accounts.migrations.0003_existing_tokens_and_addresses")


def test_migration_hashes_old_tokens_drops_their_table_and_verifies_addresses(roles_ready):
    from allauth.account.models import EmailAddress

    user = UserFactory(role="procurement")
    EmailAddress.objects.filter(user=user).delete()  # as before allauth
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp with time zone"
                       " NOT NULL, user_id bigint NOT NULL)" if connection.vendor == "postgresql" else
                       "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created datetime NOT NULL,"
                       " user_id bigint NOT NULL)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, CURRENT_TIMESTAMP, %s)", [old_key, user.pk])

    with connection.schema_editor() as editor:
        migration.forwards(apps, editor)

    assert "authtoken_token" not in connection.introspection.table_names()
    token = ApiToken.objects.get(user=user)
    assert old_key not in (token.key_hash, token.name) and token.prefix == old_key[:8]
    assert api_token_check(old_key).token == token
    assert (token.expires_at - token.created_at).days >= migration.MIGRATED_TOKEN_DAYS - 1
    address = EmailAddress.objects.get(user=user)
    assert address.email == user.email and address.verified and address.primary
