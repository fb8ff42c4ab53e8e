from celery import shared_task

from .notifications import email_send


# Kept for messages queued before the outbox existed; new e-mails are outbox rows (trust.emails).
@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=30)
def email_send_task(self, user_ids: list[int], template: str, context: dict, extra_addresses=None,
                    language=None) -> int:
    try:
        return email_send(user_ids=user_ids, extra_addresses=extra_addresses, template=template, context=context,
                          language=language)
    except OSError as exc:  # SMTP down: retry with backoff rather than lose the notice
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
