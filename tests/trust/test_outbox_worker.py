"""Bad input on a real worker: poison messages are dead-lettered or dropped and never block the queue."""

import time

import pytest
from django.core import mail
from django.db import transaction

from trust.choices import OutboxStatus as S
from trust.models import OutboxMessage
from trust.outbox import OUTBOX_KINDS, outbox_enqueue, outbox_kind_register, outbox_sweep
from trust.tasks import outbox_deliver_task

pytestmark = [pytest.mark.redis, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _wait(predicate, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def poison_kind():
    def handler(payload, message):
        raise KeyError("the payload lacks what the handler needs")

    outbox_kind_register("test.poison", handler=handler, label="Poison", max_attempts=2)
    yield
    OUTBOX_KINDS.pop("test.poison", None)


def test_outbox_worker_poison_messages_never_block_the_queue(celery_worker_live, poison_kind, roles_ready,
                                                             settings):
    from config.celery import app
    from tests.factories import UserFactory
    from trust.emails import email_enqueue

    settings.OUTBOX_BACKOFF_SECONDS = 0  # retries come due at once; the sweeper publishes them
    user = UserFactory(email="reader@vendor.vn")
    mail.outbox.clear()
    # A message that is not even JSON, and one whose payload is not a message id: dropped by the worker.
    with app.connection_for_write() as conn:
        conn.default_channel.basic_publish(conn.default_channel.prepare_message(
            b"{not json", content_type="application/json", content_encoding="utf-8"),
            exchange="", routing_key="celery")
    outbox_deliver_task.apply_async(args=["DROP TABLE"], queue="celery")
    with transaction.atomic():
        poison = outbox_enqueue(kind="test.poison", key="poison", payload={})
        gone = outbox_enqueue(kind="certificate.render_pdf", key="gone", payload={"certificate_id": 10**9})
        email = email_enqueue(template="vendor_verified", context={"legal_name": "A", "tax_code": "1"},
                              key="after-the-poison", user_ids=[user.pk])[0]

    _wait(lambda: OutboxMessage.objects.get(pk=email.pk).status == S.SENT, "the e-mail behind the poison")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    _wait(lambda: OutboxMessage.objects.get(pk=gone.pk).status == S.CLOSED, "the deleted object's row")
    assert "no longer exists" in OutboxMessage.objects.get(pk=gone.pk).result

    def dead_lettered():
        outbox_sweep()  # beat's job: publish the retry once it is due
        return OutboxMessage.objects.get(pk=poison.pk).status == S.FAILED

    _wait(dead_lettered, "the poison message to reach the dead letter")
    poison.refresh_from_db()
    assert poison.attempts == 2 and "KeyError" in poison.last_error
