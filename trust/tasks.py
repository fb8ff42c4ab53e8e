"""Celery tasks of the outbox: they take ids, call the outbox services, and are safe to run twice."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .keys import SigningUnavailable
from .outbox import outbox_deliver, outbox_sweep

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=8, ignore_result=True)
def outbox_deliver_task(self, message_id) -> str:
    """Deliver one outbox message. A payload that is not a message id is a poison message: logged and
    acknowledged, never retried, so it cannot block its queue."""
    try:
        message_id = int(message_id)
    except (TypeError, ValueError):
        logger.error("outbox_deliver_task: rejected a message whose payload is not a message id: %r",
                     message_id)
        return "rejected"
    try:
        return outbox_deliver(message_id=message_id, nodename=self.request.hostname)
    except (OperationalError, InterfaceError) as exc:  # the database is away while claiming or settling
        if self.request.is_eager or self.request.retries >= self.max_retries:
            return "database unavailable: left to the sweeper"
        raise self.retry(exc=exc, countdown=min(2 ** self.request.retries, 30)) from exc


@shared_task(acks_late=True, ignore_result=True)
def outbox_sweep_task() -> str:
    report = outbox_sweep()
    return (f"released {report.released}, dispatched {report.dispatched}, failed {report.failed}, "
            f"purged {report.purged}")


@shared_task(bind=True, acks_late=True, max_retries=10)
def tree_head_sign_task(self, force: bool = False) -> int:
    """Sign a tree head over the current log (on the signing queue: the web process holds no key)."""
    from .transparency import tree_head_sign

    try:
        return tree_head_sign(force=force).tree_size
    except SigningUnavailable as exc:
        raise self.retry(exc=exc, countdown=min(600, 10 * 2**self.request.retries)) from exc
