from celery import shared_task

from .keys import SigningUnavailable


@shared_task(bind=True, acks_late=True, max_retries=10)
def tree_head_sign_task(self, force: bool = False) -> int:
    """Sign a tree head over the current log (on the signing queue: the web process holds no key)."""
    from .transparency import tree_head_sign

    try:
        return tree_head_sign(force=force).tree_size
    except SigningUnavailable as exc:
        raise self.retry(exc=exc, countdown=min(600, 10 * 2**self.request.retries)) from exc
