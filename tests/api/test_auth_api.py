"""Token authentication in the API: expired, revoked and unknown tokens, and the lockout (429)."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from tests.api.helpers import API, assert_error, row_counts
from tests.factories import UserFactory, api_token_key

pytestmark = pytest.mark.django_db
PROTECTED = f"{API}applications/"


@pytest.fixture
def buyer(roles_ready):
    return UserFactory(role="procurement")


def _get(api_client, key, *, address="127.0.0.1", language="vi"):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client.get(PROTECTED, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)


def test_auth_api_live_token_works(api_client, buyer):
    assert _get(api_client, api_token_key(buyer)).status_code == 200


@pytest.mark.parametrize("change, vi, en", [
    ({"expires_at": timezone.now() - datetime.timedelta(minutes=1)}, "đã hết hạn", "has expired"),
    ({"revoked_at": timezone.now(), "revoked_reason": "owner"}, "đã bị thu hồi", "was revoked"),
])
def test_auth_api_expired_or_revoked_token_is_401_in_the_callers_language(api_client, buyer, change, vi, en):
    key = api_token_key(buyer)
    ApiToken.objects.update(**change)
    before = row_counts()
    error = assert_error(_get(api_client, key), 401, "authentication_failed")
    assert vi in error["message"]
    assert en in assert_error(_get(api_client, key, language="en"), 401)["message"]
    assert row_counts() == before


def test_auth_api_token_of_a_closed_account_is_401(api_client, buyer):
    key = api_token_key(buyer)
    buyer.is_active = False
    buyer.save()
    assert "closed" in assert_error(_get(api_client, key, language="en"), 401)["message"]


def test_auth_api_malformed_header_is_401(api_client, buyer):
    api_client.credentials(HTTP_AUTHORIZATION="Token two parts")
    response = api_client.get(PROTECTED)
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"


def test_auth_api_repeated_unknown_tokens_lock_the_address_out(api_client, buyer, settings):
    settings.AXES_FAILURE_LIMIT = 3
    good = api_token_key(buyer)
    for _ in range(2):
        assert_error(_get(api_client, "guess-" + "x" * 30, address="203.0.113.5"), 401)
    response = _get(api_client, "guess-" + "y" * 30, address="203.0.113.5", language="en")
    error = assert_error(response, 429, "locked_out")
    assert int(response["Retry-After"]) == 15 * 60 and error["details"] == {"retry_after": 15 * 60}
    assert "from your address" in error["message"]
    assert "địa chỉ của bạn" in assert_error(_get(api_client, "guess-z", address="203.0.113.5"), 429)["message"]
    # a real key still works from there, and other addresses are not affected
    assert _get(api_client, good, address="203.0.113.5").status_code == 200
    assert_error(_get(api_client, "guess-w", address="198.51.100.8"), 401)
    # public answers need no token and stay open
    api_client.credentials()
    assert api_client.get(f"{API}products/", REMOTE_ADDR="203.0.113.5").status_code == 200


def test_auth_api_expired_tokens_do_not_count_towards_the_lockout(api_client, buyer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    key = api_token_key(buyer, expires_at=timezone.now() - datetime.timedelta(days=1))
    for _ in range(4):
        assert_error(_get(api_client, key), 401, "authentication_failed")


def test_auth_api_token_costs_one_query(api_client, buyer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(key):
        api_client.credentials(**({"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}))
        with CaptureQueriesContext(connection) as captured:
            api_client.get(f"{API}schemes/does-not-exist/")
        return len(captured)

    # the lookup only: no lockout query for a real key
    assert queries(api_token_key(buyer)) == queries(None) + 1
