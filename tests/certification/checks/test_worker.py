"""Celery: the configuration that makes a crash lose nothing, and the journey through a real worker."""

import threading
import time
from pathlib import Path

import pytest
from celery import signals
from django.conf import settings
from django.core import mail
from django.core.files.storage import default_storage

from certification.choices import CheckRunStatus
from certification.models import Application, CheckRun
from certification.process.services import application_transition, case_result_record
from certification.process.workbench import independence_declare
from config.celery import app as celery_app
from registry.models import Certificate
from trust.models import OutboxMessage

QUEUES = {"checks", "documents", "celery", "signing", "webhooks", "exports"}
ROUTED = {
    "certification.tasks.check_run_execute_task": "checks",
    "registry.tasks.certificate_render_pdf_task": "documents",
    "accounts.tasks.email_send_task": "celery",
    "certification.tasks.check_run_sweep_task": "celery",
    "registry.tasks.certificate_expire_due_task": "celery",
    "trust.tasks.outbox_sweep_task": "celery",
    # only the signing worker holds the private keys
    "trust.tasks.tree_head_sign_task": "signing",
}


# Configuration (no broker needed) ------------------------------------------------------------

def test_worker_config_delivery_guarantees():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json" and list(conf.accept_content) == ["json"]
    # Redis redelivers an unacknowledged message after the visibility timeout: it stays above the longest
    # hard time limit of a delivery, so a task still running on a live worker is never handed to another.
    from trust.outbox import CLAIM_MARGIN_SECONDS, OUTBOX_KINDS

    longest = max(kind.time_limit for kind in OUTBOX_KINDS.values()) + CLAIM_MARGIN_SECONDS
    assert conf.broker_transport_options["visibility_timeout"] > longest


def test_worker_config_fast_recovery_numbers_fit_together():
    """A killed worker's work runs again within 30 s: its heartbeat goes stale, then the next sweep hands
    its claims on. Staleness tolerates two missed beats; Redis down never hangs a publish."""
    assert settings.WORKER_STALE_SECONDS >= 3 * settings.WORKER_HEARTBEAT_SECONDS
    assert settings.WORKER_STALE_SECONDS + settings.OUTBOX_SWEEP_SECONDS <= 30
    sweep = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]
    assert sweep["task"] == "trust.tasks.outbox_sweep_task"
    assert sweep["schedule"] == settings.OUTBOX_SWEEP_SECONDS and sweep["options"]["priority"] == 0
    assert sweep["options"]["expires"] >= settings.OUTBOX_SWEEP_SECONDS
    conf = celery_app.conf
    assert conf.broker_transport_options["socket_connect_timeout"] <= 2
    assert conf.broker_connection_max_retries is None  # a worker waits for Redis, it does not exit
    assert conf.worker_consumer == "config.celery:QuickReconnectConsumer"


def test_worker_config_queues_and_routes():
    conf = celery_app.conf
    assert conf.task_default_queue == "celery"
    assert {q.name for q in conf.task_queues} == QUEUES  # a worker without -Q consumes all four
    import accounts.tasks  # noqa: F401  (registers the tasks without the worker's autodiscovery)
    import certification.tasks  # noqa: F401
    import registry.tasks  # noqa: F401
    import trust.tasks  # noqa: F401

    for name, queue in ROUTED.items():
        assert name in celery_app.tasks, name
        assert celery_app.amqp.router.route({}, name)["queue"].name == queue, name


def test_worker_config_tasks_ack_late():
    for name in ("certification.tasks.check_run_execute_task", "registry.tasks.certificate_render_pdf_task",
                 "accounts.tasks.email_send_task"):
        task = celery_app.tasks[name]
        assert task.acks_late is True, name
    assert celery_app.tasks["certification.tasks.check_run_execute_task"].reject_on_worker_lost is True


def test_worker_config_stack_script_consumes_every_queue():
    script = (Path(settings.BASE_DIR) / "scripts" / "stack").read_text()
    line = next(ln for ln in script.splitlines() if " worker " in ln and "celery" in ln)
    queues = line.split("-Q", 1)[1].split()[0].split(",") if "-Q" in line else sorted(QUEUES)
    assert set(queues) == QUEUES


# A real worker on Redis ----------------------------------------------------------------------

def _wait_for(predicate, *, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def task_threads():
    """Which thread ran each task: proof that the work happened on the worker, not in the test."""
    seen: dict[str, set] = {}

    def record(sender=None, **kwargs):
        seen.setdefault(sender.name, set()).add(threading.get_ident())

    signals.task_prerun.connect(record, weak=False)
    yield seen
    signals.task_prerun.disconnect(record)


@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_runs_checks_and_renders_certificate(celery_worker_live, task_threads, with_artifacts, vendor_member,
                                                    staff, evaluator, certifier):
    assert celery_app.conf.task_always_eager is False
    mail.outbox.clear()
    app = with_artifacts
    application_transition(application=app, action="submit", actor=vendor_member)  # commits; enqueues after

    def checks_done():
        runs = list(CheckRun.objects.filter(application=app))
        return len(runs) == 2 and all(r.status == CheckRunStatus.DONE for r in runs) and runs

    _wait_for(checks_done, what="both automated checks to finish on the worker")
    cases = {c.requirement.code: c for c in app.cases.select_related("requirement")}
    assert cases["INT-01"].result == "pass"
    assert {row["kind"] for row in cases["INT-01"].evidence["artifacts"]} == {"installer", "user_guide"}
    assert all(row["match"] for row in cases["INT-01"].evidence["artifacts"])
    assert cases["DOC-01"].result == "pass"
    assert cases["DOC-01"].evidence["missing"] == [] and cases["DOC-01"].evidence["required"] == ["user_guide"]
    assert all(r.executions == 1 for r in CheckRun.objects.filter(application=app))

    application_transition(application=app, action="assign", actor=staff, evaluators=[evaluator.email])
    independence_declare(application=app, evaluator=evaluator)
    for code in ("FW-01", "FW-02", "DOC-02"):
        case_result_record(application=app, requirement_code=code, actor=evaluator, result="pass", notes="OK")
    application_transition(application=app, action="complete", actor=evaluator)
    application_transition(application=app, action="certify", actor=certifier)
    certificate = Certificate.objects.get(pk=Application.objects.get(pk=app.pk).certificate_id)

    def pdf_stored():
        cert = Certificate.objects.get(pk=certificate.pk)
        return cert.pdf_sha256 and cert

    certificate = _wait_for(pdf_stored, what="the certificate PDF to be rendered on the worker", timeout=120)
    # signed record, then PDF rendered (documents) and PAdES-signed (signing): named by the record's fingerprint
    fingerprint = certificate.records.order_by("-version").first().fingerprint
    assert certificate.pdf.name == f"certificates/{certificate.serial}-{fingerprint[:16]}.pdf"
    with default_storage.open(certificate.pdf.name, "rb") as fh:
        assert fh.read(5) == b"%PDF-"

    # Notices went through the default queue: one per vendor-facing transition, one to staff per submission.
    _wait_for(lambda: len([m for m in mail.outbox if m.to == [vendor_member.email]]) == 4,
              what="the vendor's four notices")
    assert len([m for m in mail.outbox if m.to == [staff.email]]) == 1

    # Every side effect (checks, PDF, e-mails) was an outbox row delivered by the worker's thread.
    main = threading.get_ident()
    name = "trust.tasks.outbox_deliver_task"
    assert task_threads.get(name) and main not in task_threads[name], f"{name} did not run on the worker"
    assert not OutboxMessage.objects.exclude(status="sent").exists()
    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    assert kinds == {"check_run.execute", "certificate.sign", "certificate.render_pdf", "certificate.sign_pdf",
                     "email"}
