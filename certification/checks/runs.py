"""Durable check runs: execute at most once per generation, record errors, retry, sweep.

A CheckRun row is the state people see (queued, running, done, error; the case's result); its
delivery goes through the outbox like every other side effect (one row per run and generation,
key `check_run:<id>:<generation>`), so a check gets the same claims, heartbeats, backoff, dead
letter and sweeper as an e-mail, and there is one place to watch.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.actors import actor_label
from certification.access import application_access
from certification.choices import (
    CaseResultValue as R,
)
from certification.choices import (
    CheckRunStatus,
)
from certification.models import (
    Application,
    CaseResult,
    CaseResultVersion,
    CheckRun,
)
from config.errors import (
    TransitionNotAllowed,
)
from trust.choices import OutboxStatus
from trust.models import OutboxMessage
from trust.outbox import outbox_enqueue
from trust.services import audit_append


def _check_runs_enqueue(runs: list[CheckRun]) -> None:
    """Write one outbox row per run and generation; call inside the transaction that queued them."""
    for run in runs:
        outbox_enqueue(kind="check_run.execute", key=f"check_run:{run.pk}:{run.generation}", obj=run,
                       payload={"check_run_id": run.pk, "generation": run.generation},
                       summary=f"{run.check_key} #{run.application_id}")


# Automated checks ------------------------------------------------------------------------------

def check_run_execute(*, check_run_id: int, generation: int) -> str:
    """Run one automated check at most once per generation; safe to call again after a crash."""
    from certification.checks import check_execute

    with transaction.atomic():
        run = CheckRun.objects.select_for_update().filter(pk=check_run_id).first()
        if run is None or run.generation != generation or run.status == CheckRunStatus.DONE:
            return "skipped"
        run.status = CheckRunStatus.RUNNING
        run.attempts += 1
        run.started_at = timezone.now()
        run.save(update_fields=["status", "attempts", "started_at"])
        CaseResult.objects.filter(pk=run.case_id).update(result=R.RUNNING, updated_at=timezone.now())

    application = Application.objects.select_related("scheme").get(pk=run.application_id)
    outcome = check_execute(run.check_key, application)  # outside the lock: may take a while

    with transaction.atomic():
        run = CheckRun.objects.select_for_update().get(pk=check_run_id)
        if run.generation != generation or run.status == CheckRunStatus.DONE:
            return "skipped"  # a concurrent delivery finished first
        case = CaseResult.objects.select_for_update().get(pk=run.case_id)
        old = case.result
        case.result = outcome.result
        case.evidence = outcome.evidence
        case.notes = outcome.summary
        case.updated_by = None
        case.save()
        CaseResultVersion.objects.create(case=case, old_result=old, new_result=case.result, new_notes=case.notes,
                                         actor_repr=actor_label("system:" + run.check_key), kind="check")
        run.status = CheckRunStatus.DONE
        run.finished_at = timezone.now()
        run.executions += 1
        run.error, run.error_code, run.incident = "", "", ""
        if outcome.result == R.ERROR:  # the check itself said it cannot run (an unknown check key)
            run.error_code = (outcome.evidence.get("error") or {}).get("code", "crashed")
        run.save(update_fields=["status", "finished_at", "executions", "error", "error_code", "incident"])
        audit_append(actor=None, action="check.complete", obj=run,
                     after={"result": case.result}, data={"application": run.application_id, "check": run.check_key})
    return outcome.result


def check_run_fail(*, check_run_id: int, generation: int, error: str, code: str = "") -> None:
    """Record that a check could not run after all retries; the case shows 'error'.

    The raw `error` goes to the log under an incident reference; the run, the case and the audit entry keep
    only a reason code and that reference (certification.checks.errors), which pages translate."""
    from certification.checks.errors import error_log, error_message

    with transaction.atomic():
        run = CheckRun.objects.select_for_update().filter(pk=check_run_id).first()
        if run is None or run.generation != generation or run.status == CheckRunStatus.DONE:
            return
        code, incident = error_log(raw=error, where=f"check run {run.pk} ({run.check_key})", code=code)
        run.status = CheckRunStatus.ERROR
        run.error_code, run.incident = code, incident
        with translation.override("en"):  # the record's language, like check summaries
            run.error = error_message(code, incident)
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "error_code", "incident", "finished_at"])
        CaseResult.objects.filter(pk=run.case_id).update(
            result=R.ERROR, evidence={"error": {"code": code, "incident": incident}}, notes=run.error,
            updated_at=timezone.now())
        audit_append(actor=None, action="check.error", obj=run, data={"code": code, "incident": incident})


def check_run_requeue(*, run: CheckRun) -> CheckRun:
    """Queue a locked check run again under a new generation (a late message for the old one does nothing);
    the caller enqueues it after commit."""
    run.generation += 1
    run.status = CheckRunStatus.QUEUED
    run.enqueued_at = timezone.now()
    run.started_at = run.finished_at = None
    run.error, run.error_code, run.incident = "", "", ""
    run.save()
    CaseResult.objects.filter(pk=run.case_id).update(result=R.PENDING, updated_at=timezone.now())
    return run


def check_run_retry(*, check_run: CheckRun, actor) -> CheckRun:
    """Staff or an assigned evaluator (after their statement) re-queues a check that ended in error."""
    access = application_access(user=actor, application=check_run.application)
    access.require_details()
    access.require(access.may_retry, _("You may not re-run this check."))
    with transaction.atomic():
        run = CheckRun.objects.select_for_update().get(pk=check_run.pk)
        if run.status != CheckRunStatus.ERROR:
            raise TransitionNotAllowed(_("Only a check that ended in error can be re-run."))
        check_run_requeue(run=run)
        audit_append(actor=actor, action="check.retry", obj=run)
        _check_runs_enqueue([run])
    return run


def check_runs_sweep(*, stale_seconds: int | None = None) -> int:
    """Reconcile check runs left queued or running too long with the outbox: a run whose delivery row is
    missing (queued before the outbox existed) or was already settled gets a fresh delivery.

    Dead workers and lost messages are the outbox sweeper's job; this only catches what it cannot see.
    """
    stale_seconds = stale_seconds if stale_seconds is not None else settings.CHECK_RUN_STALE_SECONDS
    now = timezone.now()
    cutoff = now - timezone.timedelta(seconds=stale_seconds)
    stale = list(CheckRun.objects.filter(
        Q(status=CheckRunStatus.QUEUED, enqueued_at__lt=cutoff) | Q(status=CheckRunStatus.RUNNING, started_at__lt=cutoff)
    ))
    pending = set(OutboxMessage.objects.filter(
        key__in=[f"check_run:{run.pk}:{run.generation}" for run in stale], status=OutboxStatus.PENDING,
    ).values_list("key", flat=True))
    orphans = [run for run in stale if f"check_run:{run.pk}:{run.generation}" not in pending]
    for run in orphans:
        with transaction.atomic():
            run = CheckRun.objects.select_for_update().get(pk=run.pk)
            if run.status == CheckRunStatus.DONE:
                continue
            # A new generation: the settled delivery of the old one stays as it was.
            run.generation += 1
            run.status = CheckRunStatus.QUEUED
            run.enqueued_at = now
            run.save(update_fields=["generation", "status", "enqueued_at"])
            audit_append(actor=None, action="check.requeue", obj=run, data={"generation": run.generation})
            _check_runs_enqueue([run])
    return len(orphans)



