"""Celery app for the fault tests' workers: the real app plus a check that takes a while, so a batch of
submissions is still running when a fault is injected.

Started as `celery -A tests.support.fault_worker worker`; FAULT_CHECK_SECONDS sets how long the check runs.
"""

import os
import time

import django

from config.celery import app  # noqa: F401, I001  (the worker's app)

django.setup()

from certification.checks import CheckOutcome, register  # noqa: E402


@register("test.sleep")
def sleep_check(application) -> CheckOutcome:
    seconds = float(os.environ.get("FAULT_CHECK_SECONDS", "1"))
    time.sleep(seconds)
    return CheckOutcome("pass", f"slept {seconds} s", {"pid": os.getpid()})
