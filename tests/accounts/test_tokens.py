"""API token keys: hashed at rest, expiring, revocable, and refused with a clear reason."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from accounts.tokens import api_token_check, api_token_key_hash
from tests.factories import UserFactory, api_token_key

pytestmark = pytest.mark.django_db


def test_api_token_check_accepts_a_live_key_and_stores_only_its_hash(roles_ready):
    user = UserFactory(role="procurement")
    key = api_token_key(user, last_used_at=None)
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == api_token_key_hash(key) and key not in (token.key_hash, token.prefix)
    assert token.prefix == key[:8]
    check = api_token_check(key)
    assert check.ok and check.token == token and check.token.user == user
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("change, reason", [
    ({"expires_at": timezone.now() - datetime.timedelta(seconds=1)}, "expired"),
    ({"revoked_at": timezone.now(), "revoked_reason": "owner"}, "revoked"),
])
def test_api_token_check_refuses_expired_and_revoked(roles_ready, change, reason):
    key = api_token_key(UserFactory(role="procurement"))
    ApiToken.objects.update(**change)
    check = api_token_check(key)
    assert not check.ok and check.reason == reason


def test_api_token_check_refuses_unknown_and_inactive(roles_ready):
    user = UserFactory(role="procurement")
    key = api_token_key(user)
    assert api_token_check("x" * 43).reason == "unknown"
    assert api_token_check("").reason == "unknown"
    assert api_token_check("x" * 500).reason == "unknown"
    user.is_active = False
    user.save()
    assert api_token_check(key).reason == "inactive"


def test_api_token_check_costs_one_query_and_writes_last_use_once_a_minute(roles_ready,
                                                                         django_assert_num_queries):
    key = api_token_key(UserFactory(role="procurement"), last_used_at=None)
    with django_assert_num_queries(2):  # the lookup, and recording the first use
        api_token_check(key)
    with django_assert_num_queries(1):
        api_token_check(key)
    later = timezone.now() + datetime.timedelta(minutes=2)
    with django_assert_num_queries(2):
        api_token_check(key, now=later)
