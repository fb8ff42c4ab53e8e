"""/healthz and /readyz: what a load balancer and an operator see."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.faults.harness import free_port
from trust.models import OutboxMessage, WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_health_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_health_readyz_embedded_mode_is_ready(client, settings):
    settings.REDIS_URL = ""
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["mode"] == "embedded"
    assert body["checks"]["outbox"] == {"ok": True, "pending": 0, "failed": 0, "oldest_pending_seconds": None,
                                        "ms": body["checks"]["outbox"]["ms"]}


def test_health_readyz_redis_down_is_degraded_not_an_outage(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "degraded"
    assert not body["checks"]["redis"]["ok"] and "Connection" in body["checks"]["redis"]["error"]
    assert not body["checks"]["workers"]["ok"]  # nobody wrote a heartbeat
    strict = client.get("/readyz?strict=1")
    assert strict.status_code == 503 and strict["Retry-After"] == "10"


@pytest.mark.redis
def test_health_readyz_ready_with_redis_and_workers(client, settings):
    from tests.conftest import redis_test_url

    settings.REDIS_URL = redis_test_url(3)
    WorkerHeartbeat.objects.create(name="a@h|1", hostname="a@h", pid=1, processes=[2],
                                   queues=["celery", "checks", "documents"])
    body = client.get("/readyz").json()
    assert body["status"] == "ok", body
    assert body["checks"]["workers"]["queues"] == ["celery", "checks", "documents"]


def test_health_readyz_names_queues_without_a_worker(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    WorkerHeartbeat.objects.create(name="a@h|1", hostname="a@h", pid=1, processes=[2], queues=["checks"])
    WorkerHeartbeat.objects.create(name="b@h|1", hostname="b@h", pid=1, processes=[2], queues=["celery"],
                                   seen_at=timezone.now() - timedelta(minutes=5))  # stale: not counted
    workers = client.get("/readyz").json()["checks"]["workers"]
    assert not workers["ok"] and workers["error"].endswith("celery, documents")


def test_health_readyz_old_undelivered_message_is_degraded(client, settings):
    settings.REDIS_URL = ""
    OutboxMessage.objects.create(key="old", kind="email", created_at=timezone.now() - timedelta(hours=1))
    body = client.get("/readyz").json()
    assert body["status"] == "degraded" and body["checks"]["outbox"]["error"].startswith("the oldest")


def test_health_readyz_database_down_is_unavailable(client, monkeypatch):
    def down():
        raise RuntimeError("could not connect to server")

    monkeypatch.setattr("trust.views._database", down)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"
    assert response["Retry-After"] == "10" and "outbox" not in response.json()["checks"]
