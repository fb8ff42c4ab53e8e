"""Celery tasks: they take ids, only call services, and are safe to run twice.

Checks, reports and re-matching are now delivered through the outbox (certification.outbox); these
tasks stay for messages queued before it, and for calling a service through Celery by hand."""

from celery import shared_task
from django.db import OperationalError

from certification.checks.runs import check_run_execute, check_run_fail, check_runs_sweep


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
def check_run_execute_task(self, check_run_id: int, generation: int) -> str:
    try:
        return check_run_execute(check_run_id=check_run_id, generation=generation)
    except OperationalError as exc:  # database briefly unavailable: try again later
        if self.request.retries >= self.max_retries:
            check_run_fail(check_run_id=check_run_id, generation=generation, error=str(exc))
            return "error"
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc
    except Exception as exc:  # a bug or bad data in a check: retry with backoff, then record the error
        if self.request.retries >= self.max_retries or self.request.is_eager:
            check_run_fail(check_run_id=check_run_id, generation=generation, error=f"{type(exc).__name__}: {exc}")
            return "error"
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc


@shared_task(acks_late=True)
def check_run_sweep_task() -> int:
    return check_runs_sweep()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
def advisory_rematch_task(self) -> int:
    """Match certified products' SBOMs again after an advisory import; safe to run twice."""
    from certification.vulndb.findings import certified_products_rematch

    try:
        return len(certified_products_rematch().flagged)
    except OperationalError as exc:  # database briefly unavailable: try again later
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
def evaluation_report_render_task(self, application_id: int) -> str:
    """Render and store the evaluation report of the application's latest completion (both copies); safe
    to run twice: one file per copy and completion is kept."""
    from certification.reports.render import evaluation_report_generate

    try:
        reports = evaluation_report_generate(application_id=application_id)
    except (OSError, OperationalError) as exc:  # storage or database briefly unavailable: try again later
        raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
    return ", ".join(r.file.name for r in reports) or "skipped"
