"""Celery application: one app for web, worker and beat, configured from Django settings."""

import os

from celery import Celery, signals
from celery.worker.consumer import Consumer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class QuickReconnectConsumer(Consumer):
    """A worker that tries the broker again every second or two while it is away. Celery's own schedule
    waits 2, 4, 6, ... up to 30 s between tries, so after a Redis restart a worker could sit idle for
    half a minute with work waiting (CELERY_WORKER_CONSUMER names this class)."""

    def ensure_connected(self, conn):
        original = conn.ensure_connection

        def ensure_connection(errback=None, max_retries=None, **kwargs):
            kwargs.setdefault("interval_start", 1)
            kwargs.setdefault("interval_step", 1)
            kwargs.setdefault("interval_max", 2)
            return original(errback, max_retries, **kwargs)

        conn.ensure_connection = ensure_connection
        try:
            return super().ensure_connected(conn)
        finally:
            del conn.ensure_connection


@signals.task_prerun.connect
def _replica_unpin(**kwargs) -> None:
    """Each task starts reading from the replica (if any); its own writes pin the rest of it to the primary."""
    from config.db_routers import replica_pin

    replica_pin(False)
