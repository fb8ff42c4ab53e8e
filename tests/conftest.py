import os
import shutil

import pytest

from tests.factories import (
    PDF_BYTES,
    ProductVersionFactory,
    UserFactory,
    VendorFactory,
    installer_bytes,
    scheme_with_requirements,
    upload,
    vendor_user,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _evaluation_reports(request, monkeypatch):
    """Rendering two report PDFs on every 'complete' costs seconds per test; only tests marked
    `reports` (and the real-worker tests, in their own process) render them."""
    if request.node.get_closest_marker("reports") is None:
        monkeypatch.setattr("certification.process.services._evaluation_report_enqueue", lambda *args, **kwargs: None)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


@pytest.fixture(autouse=True)
def _cache_clear():
    """Every test starts with an empty cache (public pages and search counts are cached, registry.caching)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def roles_ready(db):
    from accounts.roles import roles_ensure

    roles_ensure()


@pytest.fixture
def staff(roles_ready):
    return UserFactory(role="staff", email="staff@cert.gov.vn")


@pytest.fixture
def evaluator(roles_ready):
    return UserFactory(role="evaluator", email="evaluator@lab.vn")


@pytest.fixture
def evaluator2(roles_ready):
    return UserFactory(role="evaluator", email="evaluator2@lab.vn")


@pytest.fixture
def certifier(roles_ready):
    return UserFactory(role="certifier", email="certifier@cert.gov.vn")


@pytest.fixture
def certifier2(roles_ready):
    return UserFactory(role="certifier", email="certifier2@cert.gov.vn")


@pytest.fixture
def procurement(roles_ready):
    return UserFactory(role="procurement", email="buyer@ministry.gov.vn")


@pytest.fixture
def vendor_member(roles_ready):
    return vendor_user(email="owner@vendor-a.vn")


@pytest.fixture
def unverified_vendor_member(roles_ready):
    """A member of a vendor staff have not verified yet (it may prepare drafts, not submit them)."""
    return vendor_user(VendorFactory(verified_at=None), email="owner@vendor-new.vn")


@pytest.fixture
def other_vendor_member(roles_ready):
    return vendor_user(email="owner@vendor-b.vn")


@pytest.fixture
def scheme(db):
    return scheme_with_requirements()


@pytest.fixture
def product_version(vendor_member):
    from registry.selectors import vendor_for_user

    return ProductVersionFactory(product__vendor=vendor_for_user(vendor_member))


@pytest.fixture
def draft(vendor_member, product_version, scheme):
    from certification.process.services import application_create

    return application_create(actor=vendor_member, product_version=product_version, scheme=scheme, level="basic")


@pytest.fixture
def with_artifacts(draft, vendor_member):
    from certification.process.services import artifact_upload

    artifact_upload(application=draft, actor=vendor_member, kind="installer",
                    file=upload("setup.bin", installer_bytes()))
    artifact_upload(application=draft, actor=vendor_member, kind="user_guide",
                    file=upload("guide.pdf", PDF_BYTES))
    return draft


def journey_to(status: str, *, app, vendor_member, staff, evaluator, certifier, commit, results=None):
    """Drive an application through the services to the given status."""
    from certification.process.services import application_transition, case_result_record
    from certification.process.workbench import independence_declare

    def t(**kwargs):
        with commit():
            return application_transition(**kwargs)

    order = ["submitted", "in_evaluation", "evaluated", "certified"]
    if status in ("returned",):
        t(application=app, action="submit", actor=vendor_member)
        return t(application=app, action="return", actor=staff, note="Thiếu tài liệu")
    app = t(application=app, action="submit", actor=vendor_member)
    if status == "submitted":
        return app
    app = t(application=app, action="assign", actor=staff, evaluators=[evaluator.email])
    if status == "in_evaluation":
        return app
    independence_declare(application=app, evaluator=evaluator)
    for case in app.cases.select_related("requirement").exclude(requirement__method="automated"):
        case_result_record(application=app, requirement_code=case.requirement.code, actor=evaluator,
                           result=(results or {}).get(case.requirement.code, "pass"), notes="OK")
    app = t(application=app, action="complete", actor=evaluator)
    if status == "evaluated":
        return app
    if status in ("rejected", "appealed"):
        app = t(application=app, action="reject", actor=certifier, note="Không đạt")
        if status == "appealed":
            app = t(application=app, action="appeal", actor=vendor_member, note="Xin xem xét lại")
        return app
    assert status in order
    return t(application=app, action="certify", actor=certifier)


@pytest.fixture
def journey(vendor_member, staff, evaluator, certifier, django_capture_on_commit_callbacks):
    def run(app, status, **kwargs):
        return journey_to(status, app=app, vendor_member=vendor_member, staff=staff, evaluator=evaluator,
                          certifier=certifier, commit=lambda: django_capture_on_commit_callbacks(execute=True),
                          **kwargs)

    return run


class CommitRunningClient:
    """Wraps a test client so on_commit callbacks (tasks, e-mail) run after each request, as in production."""

    def __init__(self, client, capture):
        self._client, self._capture = client, capture

    def __getattr__(self, name):
        attr = getattr(self._client, name)
        if name in ("get", "post", "put", "patch", "delete", "head", "options"):
            def wrapped(*args, **kwargs):
                with self._capture(execute=True):
                    return attr(*args, **kwargs)
            return wrapped
        return attr


@pytest.fixture
def client(django_capture_on_commit_callbacks):
    from django.test import Client

    return CommitRunningClient(Client(), django_capture_on_commit_callbacks)


@pytest.fixture
def api_client(django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    return CommitRunningClient(APIClient(), django_capture_on_commit_callbacks)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """`with commit(): service(...)` runs the callbacks the service registered, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)




# A real Celery worker on Redis ----------------------------------------------------------------

WORKER_QUEUES = ("checks", "documents", "celery", "signing", "webhooks", "exports")


def redis_test_url(db: int) -> str:
    """REDIS_URL with its database replaced by `db`, or a pytest skip saying why Redis can't be used."""
    from urllib.parse import urlsplit, urlunsplit

    from django.conf import settings

    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: this test needs a real Redis broker")
    parts = urlsplit(settings.REDIS_URL)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"Redis at {parts.netloc} does not answer ({exc}): this test needs a real Redis broker")
    return url


def _celery_pools_reset(app) -> None:
    # The app and kombu's global pool groups cache connections per broker URL: close and forget them all,
    # or a later publish reuses a pool of the previous broker (or a closed one).
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_worker_live(transactional_db):
    """A real Celery worker (solo pool, in a thread of this process) consuming the checks, documents and
    celery queues from Redis, with eager execution off. The broker is a Redis database of its own
    (CELERY_TEST_REDIS_DB, default 15) on REDIS_URL's server, flushed before and after; skips with a
    reason where REDIS_URL is unset or Redis does not answer. Needs django_db(transaction=True), so the
    worker thread sees committed rows and on_commit callbacks really run."""
    import redis
    from celery.contrib.testing import tasks as _testing_tasks  # noqa: F401  (registers celery.ping)
    from celery.contrib.testing.worker import start_worker
    from django.db import connection

    from config.celery import app

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the in-memory SQLite test database locks whole tables across threads and fails at once "
                    "instead of waiting, so a worker thread cannot share it: run with DATABASE_URL (PostgreSQL)")
    url = redis_test_url(int(os.environ.get("CELERY_TEST_REDIS_DB", "15")))
    client = redis.Redis.from_url(url)
    client.flushdb()
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "worker_hijack_root_logger")}
    app.conf.update(task_always_eager=False, broker_url=url, worker_hijack_root_logger=False)
    _celery_pools_reset(app)
    try:
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, queues=list(WORKER_QUEUES),
                          loglevel="WARNING", shutdown_timeout=30) as worker:
            yield worker
    finally:
        app.conf.update(saved)
        _celery_pools_reset(app)
        client.flushdb()
        client.close()
