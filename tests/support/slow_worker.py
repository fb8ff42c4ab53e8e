"""Celery app for the worker-kill test: the real app plus a check that blocks until released.

Started as `celery -A tests.support.slow_worker worker`; SLOW_CHECK_DIR names the folder where the
check writes `started-<n>` (holding its pid) and waits for `release`.
"""

import os
import time
from pathlib import Path

import django

from config.celery import app  # noqa: F401, I001  (the worker's app)

django.setup()

from certification.checks import CheckOutcome, register  # noqa: E402


@register("test.slow")
def slow_check(application) -> CheckOutcome:
    folder = Path(os.environ["SLOW_CHECK_DIR"])
    n = len(list(folder.glob("started-*"))) + 1
    (folder / f"started-{n}").write_text(str(os.getpid()))
    deadline = time.monotonic() + 120
    while not (folder / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return CheckOutcome("pass", "slow check finished", {"execution": n})
