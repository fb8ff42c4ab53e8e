"""A real Celery worker is killed in the middle of a check; the check still completes exactly once."""

import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from certification.choices import CheckRunStatus
from certification.models import CaseResultVersion, CheckRun
from certification.process.services import (
    application_create,
    application_transition,
    artifact_upload,
)
from registry.choices import RequirementMethod
from tests.factories import (
    PDF_BYTES,
    ProductVersionFactory,
    RequirementFactory,
    SchemeFactory,
    upload,
)

pytestmark = [pytest.mark.redis, pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REDIS_DB = 14  # a database of its own, flushed by this test only


def _redis_url() -> str:
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: the worker-kill test needs a real Redis broker")
    parts = urlsplit(settings.REDIS_URL)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{REDIS_DB}", "", ""))
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis at {settings.REDIS_URL} does not answer: {exc}")
    return url


def _database_url() -> str:
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL is not PostgreSQL: a separate worker process cannot share the SQLite test database")
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def worker_env(tmp_path):
    from config.celery import app

    broker = _redis_url()
    env = {**os.environ, "REDIS_URL": broker, "DATABASE_URL": _database_url(),
           "DJANGO_SETTINGS_MODULE": "config.settings.test", "TEST_MEDIA_ROOT": settings.MEDIA_ROOT,
           "SLOW_CHECK_DIR": str(tmp_path)}
    old = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = broker
    _reset_pool(app)
    yield env, tmp_path
    app.conf.task_always_eager, app.conf.broker_url = old
    _reset_pool(app)


def _reset_pool(app):
    # Producer pools cache connections to the previous broker URL, in the app and in kombu.
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    pools.reset()
    app.amqp._producer_pool = None


def _start_worker(env) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "celery", "-A", "tests.support.slow_worker", "worker", "-Q", "checks",
           "--pool", "prefork", "--concurrency", "1", "--without-gossip", "--without-mingle", "-l", "warning"]
    return subprocess.Popen(cmd, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_worker_killed_mid_check_completes_exactly_once(worker_env, roles_ready):
    env, folder = worker_env
    from tests.factories import UserFactory, vendor_user

    vendor = vendor_user()
    UserFactory(role="staff")
    scheme = SchemeFactory(required_documents={"basic": ["user_guide"]})
    RequirementFactory(scheme=scheme, code="SLOW-01", method=RequirementMethod.AUTOMATED, check_key="test.slow")
    from registry.selectors import vendor_for_user

    version = ProductVersionFactory(product__vendor=vendor_for_user(vendor))
    app = application_create(actor=vendor, product_version=version, scheme=scheme, level="basic")
    artifact_upload(application=app, actor=vendor, kind="user_guide", file=upload("guide.pdf", PDF_BYTES))

    worker = _start_worker(env)
    try:
        application_transition(application=app, action="submit", actor=vendor)  # commits, then enqueues
        started = _wait(lambda: (folder / "started-1").exists() and (folder / "started-1").read_text(), 60,
                        "the first execution to start")
        run = CheckRun.objects.get(application=app)
        assert run.status == CheckRunStatus.RUNNING
        os.kill(int(started), signal.SIGKILL)  # the pool process running the check dies mid-check
        (folder / "release").write_text("go")
        _wait(lambda: CheckRun.objects.get(pk=run.pk).status == CheckRunStatus.DONE, 60,
              "the redelivered check to finish")
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    run.refresh_from_db()
    assert (folder / "started-2").exists(), "the check was not delivered again after the kill"
    assert run.executions == 1 and run.attempts == 2
    assert run.case.result == "pass" and run.case.evidence == {"execution": 2}
    assert CaseResultVersion.objects.filter(case=run.case, new_result="pass").count() == 1
