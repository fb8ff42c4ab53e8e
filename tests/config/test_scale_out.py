"""Scale-out settings: the replica router, S3-compatible storage and Celery queues, all from the environment."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connections, transaction

from config.db_routers import (
    PrimaryReplicaRouter,
    ReplicaPinMiddleware,
    replica_pin,
    replica_pinned,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _settings(env: dict, expression: str):
    code = f"import json, config.settings.local as s; print(json.dumps({expression}, default=str))"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "DATABASE_REPLICA"))}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def test_s3_storage_and_replica_come_from_the_environment():
    env = {"S3_MEDIA_BUCKET": "registry-media", "S3_STATIC_BUCKET": "registry-static",
           "S3_ENDPOINT_URL": "https://minio.registry.gov.vn", "STATIC_URL": "https://static.registry.gov.vn/static/",
           "DATABASE_REPLICA_URL": "postgres://reader@db-replica:5432/registry"}
    storages = _settings(env, "s.STORAGES")
    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storages["default"]["OPTIONS"]["bucket_name"] == "registry-media"
    assert storages["default"]["OPTIONS"]["endpoint_url"] == "https://minio.registry.gov.vn"
    assert storages["default"]["OPTIONS"]["querystring_auth"] is True
    assert storages["staticfiles"]["OPTIONS"]["bucket_name"] == "registry-static"
    csp = _settings(env, "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['style-src']")
    assert csp == ["'self'", "https://static.registry.gov.vn"]
    replica = _settings(env, "s.DATABASES['replica']")
    assert replica["HOST"] == "db-replica" and replica["TEST"] == {"MIRROR": "default"}
    plain = _settings({}, "[s.STORAGES['default']['BACKEND'], 'replica' in s.DATABASES]")
    assert plain == ["django.core.files.storage.FileSystemStorage", False]


def test_s3_storage_class_loads():
    from storages.backends.s3 import S3Storage

    storage = S3Storage(bucket_name="registry-media", endpoint_url="http://127.0.0.1:9", access_key="a",
                        secret_key="b", querystring_auth=True)
    assert storage.bucket_name == "registry-media"


def test_replica_router_reads_from_the_replica_unless_pinned():
    router = PrimaryReplicaRouter()
    connections.databases["replica"] = {**connections.databases["default"]}
    try:
        replica_pin(False)
        assert router.db_for_read(None) == "replica"
        router.db_for_write(None)  # after a write, this request or task reads its own writes
        assert replica_pinned() and router.db_for_read(None) == "default"
        assert router.allow_migrate("replica", "registry") is False and router.allow_migrate("default", "registry")
    finally:
        del connections.databases["replica"]
        replica_pin(False)
    assert router.db_for_read(None) == "default"  # no replica configured: always the primary


@pytest.mark.django_db
def test_replica_router_uses_the_primary_inside_a_transaction():
    connections.databases["replica"] = {**connections.databases["default"]}
    try:
        replica_pin(False)
        with transaction.atomic():
            assert PrimaryReplicaRouter().db_for_read(None) == "default"
    finally:
        del connections.databases["replica"]


def test_replica_pin_cookie_after_a_write(rf):
    from django.http import HttpResponse

    from config.db_routers import replica_pin

    connections.databases["replica"] = {**connections.databases["default"]}
    replica_pin(False)  # a write made earlier in this process, outside any request, pins what follows
    try:
        middleware = ReplicaPinMiddleware(lambda request: HttpResponse("ok"))
        assert "db_primary" in middleware(rf.post("/x/")).cookies
        assert "db_primary" not in middleware(rf.get("/x/")).cookies
        seen = []
        ReplicaPinMiddleware(lambda request: seen.append(replica_pinned()) or HttpResponse())(
            rf.get("/x/", HTTP_COOKIE="db_primary=1"))
        assert seen == [True] and not replica_pinned()
    finally:
        del connections.databases["replica"]


def test_celery_queues_per_kind_of_work(settings):
    routes = settings.CELERY_TASK_ROUTES
    assert routes["registry.tasks.webhook_delivery_attempt_task"]["queue"] == "webhooks"
    assert routes["registry.tasks.open_data_dump_task"]["queue"] == "exports"
    assert {q.name for q in settings.CELERY_TASK_QUEUES} >= {"celery", "checks", "documents", "webhooks", "exports"}


def test_replica_each_task_starts_unpinned():
    from celery import signals

    from config.db_routers import replica_pin, replica_pinned

    replica_pin(True)  # the previous task in this worker wrote
    signals.task_prerun.send(sender=None, task_id="t", task=None, args=(), kwargs={})
    assert not replica_pinned()
