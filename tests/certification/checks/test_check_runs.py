from datetime import timedelta

import pytest
from django.utils import timezone

from certification.checks import CHECKS, check_execute
from certification.checks.runs import check_run_execute, check_runs_sweep
from certification.choices import CheckRunStatus
from certification.models import CheckRun
from certification.process.services import application_transition
from certification.tasks import check_run_execute_task
from trust.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(with_artifacts, journey):
    return journey(with_artifacts, "submitted")


def _case(app, code):
    return app.cases.select_related("requirement").get(requirement__code=code)


def test_checks_run_on_submit_with_evidence(submitted):
    integrity = _case(submitted, "INT-01")
    assert integrity.result == "pass"
    rows = integrity.evidence["artifacts"]
    assert {r["kind"] for r in rows} == {"installer", "user_guide"} and all(r["match"] for r in rows)
    docs = _case(submitted, "DOC-01")
    assert docs.result == "pass" and docs.evidence["missing"] == []
    assert set(CheckRun.objects.filter(application=submitted).values_list("status", flat=True)) == {"done"}


def test_checks_artifact_integrity_detects_tampering(submitted):
    artifact = submitted.artifacts.get(kind="installer")
    with open(artifact.file.path, "ab") as fh:
        fh.write(b"tampered")
    outcome = check_execute("artifact.integrity", submitted)
    assert outcome.result == "fail"
    row = next(r for r in outcome.evidence["artifacts"] if r["kind"] == "installer")
    assert row["match"] is False and row["sha256_actual"] != row["sha256_recorded"]


def test_checks_docs_complete_reports_missing(submitted):
    submitted.scheme.required_documents = {"basic": ["user_guide", "admin_guide"]}
    outcome = check_execute("docs.complete", submitted)
    assert outcome.result == "fail" and outcome.evidence["missing"] == ["admin_guide"]


def test_checks_unknown_key_is_an_error_not_a_crash(submitted):
    outcome = check_execute("no.such.check", submitted)
    assert outcome.result == "error"


def test_check_run_execute_is_idempotent(submitted):
    run = CheckRun.objects.filter(application=submitted).first()
    assert run.executions == 1
    assert check_run_execute(check_run_id=run.pk, generation=run.generation) == "skipped"
    assert check_run_execute(check_run_id=run.pk, generation=run.generation - 1) == "skipped"
    run.refresh_from_db()
    assert run.executions == 1


def test_check_runs_sweep_reenqueues_stale_runs(submitted, commit):
    run = CheckRun.objects.filter(application=submitted).first()
    CheckRun.objects.filter(pk=run.pk).update(status=CheckRunStatus.RUNNING,
                                              started_at=timezone.now() - timedelta(hours=1))
    fresh = CheckRun.objects.exclude(pk=run.pk).first()
    CheckRun.objects.filter(pk=fresh.pk).update(status=CheckRunStatus.QUEUED, enqueued_at=timezone.now())
    # The stale run's delivery was settled already: it gets a new generation and a new outbox row.
    with commit():
        assert check_runs_sweep(stale_seconds=600) == 1  # only the stale one; delivered eagerly in tests
    run.refresh_from_db()
    assert run.status == CheckRunStatus.DONE and run.executions == 2
    assert OutboxMessage.objects.get(key=f"check_run:{run.pk}:{run.generation}").status == "sent"
    assert CheckRun.objects.get(pk=fresh.pk).status == CheckRunStatus.QUEUED


def test_check_task_records_error_when_check_crashes(submitted, monkeypatch, caplog):
    def broken(application):
        raise ValueError("parser exploded")

    monkeypatch.setitem(CHECKS, "artifact.integrity", broken)
    run = CheckRun.objects.get(application=submitted, check_key="artifact.integrity")
    CheckRun.objects.filter(pk=run.pk).update(status=CheckRunStatus.QUEUED, generation=run.generation + 1)
    check_run_execute_task.apply(args=[run.pk, run.generation + 1])
    run.refresh_from_db()
    assert run.status == CheckRunStatus.ERROR and run.error_code == "crashed" and run.incident.startswith("CHK-")
    # the raw text is in the log under the reference, never in what people read
    assert "parser exploded" not in run.error and run.incident in run.error
    assert "parser exploded" not in str(run.case.evidence) and "parser exploded" not in run.case.notes
    assert any(run.incident in r.getMessage() and "parser exploded" in r.getMessage() for r in caplog.records)
    assert run.case.result == "error"


def test_checks_resubmission_reruns_checks(with_artifacts, journey, staff, vendor_member, commit):
    app = journey(with_artifacts, "returned")
    run = CheckRun.objects.filter(application=app).first()
    generation = run.generation
    with commit():
        application_transition(application=app, action="submit", actor=vendor_member)
    run.refresh_from_db()
    assert run.generation == generation + 1 and run.status == CheckRunStatus.DONE


def test_checks_registry_has_issue_two_checks():
    assert {"artifact.integrity", "docs.complete"} <= set(CHECKS)


def test_check_run_crash_retries_through_the_outbox_then_records_the_error(with_artifacts, journey, monkeypatch):
    """A check that keeps crashing (a poison input) is retried with backoff, then dead-lettered: the case
    shows 'error' and the rest of the queue was never held up."""
    from trust.outbox import outbox_deliver

    def broken(application):
        raise ValueError("parser exploded")

    monkeypatch.setitem(CHECKS, "artifact.integrity", broken)
    app = journey(with_artifacts, "submitted")
    run = CheckRun.objects.get(application=app, check_key="artifact.integrity")
    message = OutboxMessage.objects.get(key=f"check_run:{run.pk}:{run.generation}")
    assert message.status == "pending" and message.attempts == 1 and "parser exploded" in message.last_error
    assert CheckRun.objects.get(application=app, check_key="docs.complete").status == CheckRunStatus.DONE
    while message.status == "pending":
        OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
        outbox_deliver(message_id=message.pk)
        message.refresh_from_db()
    assert message.status == "failed" and message.attempts == message.max_attempts == 5
    run.refresh_from_db()
    assert run.status == CheckRunStatus.ERROR and run.error_code == "crashed"
    assert "parser exploded" not in run.error and run.incident in run.error
    assert run.case.result == "error"
