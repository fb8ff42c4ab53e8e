"""PostgreSQL is restarted (stopped with its connections cut, down for a few seconds, started) while 30
submissions arrive.

Reproduce: `.venv/bin/python -m pytest -q -s -p no:randomly tests/faults/test_fault_postgres.py`
"""

import threading
import time

import pytest

from tests.faults.harness import outcome, report, run_parallel, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]

APPLICATIONS = 30
CHECKS_PER_APPLICATION = 4
DOWN_SECONDS = 3


def _status(stack, app_id: int) -> str:
    return stack.pg.sql(f"SELECT status FROM certification_application WHERE id = {app_id}", stack.database)[0][0]


def _traces(stack, app_id: int) -> tuple[int, int, int]:
    """Rows a submission writes: its event, its check runs, its outbox rows."""
    db = stack.database
    events = stack.pg.sql("SELECT count(*) FROM certification_applicationevent "
                          f"WHERE application_id = {app_id} AND action = 'submit'", db)[0][0]
    runs = stack.pg.sql(f"SELECT count(*) FROM certification_checkrun WHERE application_id = {app_id}", db)[0][0]
    rows = stack.pg.sql("SELECT count(*) FROM trust_outboxmessage WHERE object_type = 'certification.application' "
                        f"AND object_id = '{app_id}'", db)[0][0]
    return events, runs, rows


def test_fault_postgres_restarted_under_load(fault_stack):
    stack = fault_stack
    apps = stack.start(workers=("alpha",), applications=APPLICATIONS)

    marks = {}

    def restart():
        time.sleep(1.0)
        marks["stop"] = time.monotonic()
        stack.pg.stop("fast")  # cuts every connection, as a crash or a failover would
        time.sleep(DOWN_SECONDS)
        stack.pg.start()
        marks["start"] = time.monotonic()

    restarter = threading.Thread(target=restart)
    restarter.start()

    def paced_submit(item):
        index, app = item
        time.sleep(index * 0.2)  # 30 submissions over six seconds, across the restart
        return app, stack.submit(app)

    first = run_parallel(paced_submit, list(enumerate(apps)), workers=APPLICATIONS)
    restarter.join()
    answers = [answer for _, answer in first]

    # Whatever was refused changed nothing; the client sends it again once the database is back.
    refused = [(app, answer) for app, answer in first if answer.status == 503]
    clean = {app["id"]: (_status(stack, app["id"]), _traces(stack, app["id"])) for app, _ in refused}
    retries = [stack.submit(app) for app, _ in refused]
    back_at = time.monotonic()
    try:
        wait_for(lambda: outcome(stack.pg, stack.database, stack.mail).unsettled == 0, timeout=120,
                 what="every outbox message to be settled after the restart", interval=0.5)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{stack.logs()}") from exc
    settled = time.monotonic() - marks["start"]
    result = outcome(stack.pg, stack.database, stack.mail)
    first_ok_after = min((a.started + a.seconds for a in answers + retries
                          if a.status == 200 and a.started > marks["stop"]), default=back_at)

    report("postgres_restart", {
        "command": "pytest -q -s -p no:randomly tests/faults/test_fault_postgres.py",
        "database down (s)": round(marks["start"] - marks["stop"], 1),
        "requests sent": len(answers) + len(retries),
        "first round: 200 / 202 (saved, answer failed) / 503 (refused cleanly) / other":
            f"{sum(a.status == 200 for a in answers)} / {sum(a.status == 202 for a in answers)} / "
            f"{sum(a.status == 503 for a in answers)} / {sum(a.status not in (200, 202, 503) for a in answers)}",
        "errors (500, HTML, no answer)": sum(a.status not in (200, 202, 503) or "json" not in a.content_type
                                             for a in answers + retries),
        "committed but reported as failed": sum(1 for app_id, (status, _) in clean.items() if status != "draft"),
        "slowest request (s)": round(max(a.seconds for a in answers + retries), 2),
        "recovery: database back -> first request served (s)": round(max(first_ok_after - marks["start"], 0), 1),
        "recovery: database back -> every message delivered (s)": round(settled, 1),
        "check runs done / expected": f"{result.check_runs_done} / {APPLICATIONS * CHECKS_PER_APPLICATION}",
        "check runs executed twice": sum(n for ex, n in result.executions.items() if ex != 1),
        "e-mails sent / outbox e-mail rows": f"{sum(result.mails_by_id.values())} / {result.email_rows}",
        "e-mails lost": result.lost_emails,
        "e-mails duplicated": result.duplicated_emails,
    })

    # No request hangs or answers 500/HTML: it is saved (200, or 202 when only the answer failed) or
    # refused with 503 in the error format and Retry-After.
    for answer in answers + retries:
        assert answer.status in (200, 202, 503) and "json" in answer.content_type, answer
        if answer.status == 503:
            assert answer.is_error_format() and "Retry-After" in answer.headers, answer
    # What failed cleanly changed nothing, and a committed change was never reported as a failure.
    for app_id, (status, traces) in clean.items():
        assert status == "draft" and traces == (0, 0, 0), (app_id, status, traces)
    assert all(a.status == 200 for a in retries), retries
    assert result.submitted == APPLICATIONS
    assert result.check_runs == result.check_runs_done == APPLICATIONS * CHECKS_PER_APPLICATION
    assert set(result.executions) == {1} and set(result.case_versions) == {1}
    assert result.email_rows == 2 * APPLICATIONS
    assert result.emails_sent_once, (result.lost_emails, result.duplicated_emails)
    assert {status for (_, status) in result.outbox} == {"sent"}
