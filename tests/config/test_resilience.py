"""A committed request never answers 500; an unreachable database or Redis answers 503, in the API's error
format under /api/, with Retry-After."""

import pytest
from django.db import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from certification.models import Application
from tests.api.helpers import assert_error, auth

pytestmark = pytest.mark.django_db


def _boom(exc):
    def raise_(*args, **kwargs):
        raise exc

    return raise_


@pytest.mark.parametrize("exc", [OperationalError("could not connect to server"),
                                 RedisConnectionError("Error 111 connecting to 127.0.0.1:6379")])
def test_resilience_api_backend_down_is_503_in_the_error_format(api_client, monkeypatch, exc):
    monkeypatch.setattr("registry.api.views.scheme_list", _boom(exc))
    response = api_client.get("/api/v1/schemes/")
    error = assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"] == "10" and error["details"] == {"retry_after": 10}
    assert "json" in response["Content-Type"]


def test_resilience_page_database_down_is_a_503_page(client, monkeypatch):
    monkeypatch.setattr("registry.views.product_public_list", _boom(OperationalError("server closed")))
    response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "10"
    body = response.content.decode()
    assert "Hệ thống tạm thời gián đoạn" in body and "Briefly unavailable" in body


def test_resilience_other_errors_still_fail_loudly(api_client, monkeypatch):
    monkeypatch.setattr("registry.api.views.scheme_list", _boom(ValueError("a bug")))
    with pytest.raises(ValueError):
        api_client.get("/api/v1/schemes/")


@pytest.mark.django_db(transaction=True)  # the change must really commit before the answer fails
def test_resilience_api_committed_change_is_never_reported_as_failed(with_artifacts, vendor_member, monkeypatch):
    from rest_framework.test import APIClient

    monkeypatch.setattr("certification.api.views.application_access_full", _boom(OperationalError("server closed")))
    client = auth(APIClient(), vendor_member)
    response = client.post(f"/api/v1/applications/{with_artifacts.pk}/actions/", {"action": "submit"},
                           format="json")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "committed"
    assert Application.objects.get(pk=with_artifacts.pk).status == "submitted"


@pytest.mark.django_db(transaction=True)
def test_resilience_page_committed_change_redirects_with_a_notice(with_artifacts, vendor_member, monkeypatch):
    from django.test import Client

    monkeypatch.setattr("certification.views.application.redirect", _boom(OperationalError("server closed")))
    client = Client()
    client.force_login(vendor_member)
    page = f"/work/applications/{with_artifacts.pk}/"
    response = client.post(f"{page}actions/", {"action": "submit"}, HTTP_REFERER=f"http://testserver{page}")
    assert response.status_code == 303 and response["Location"] == f"http://testserver{page}"
    assert Application.objects.get(pk=with_artifacts.pk).status == "submitted"


def test_resilience_throttles_keep_answering_while_redis_is_down(api_client, settings, monkeypatch, caplog):
    from rest_framework.throttling import AnonRateThrottle

    from tests.faults.harness import free_port

    settings.CACHES = {"default": {"BACKEND": "config.cache.ResilientRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}

    class TwoPerMinute(AnonRateThrottle):
        rate = "2/minute"

    monkeypatch.setattr("registry.api.views.SchemeListView.throttle_classes", [TwoPerMinute])
    statuses = [api_client.get("/api/v1/schemes/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # counted in local memory: the limit still holds, nothing fails
    assert sum("Redis does not answer" in r.getMessage() for r in caplog.records) == 1
