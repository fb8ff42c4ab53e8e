"""Redis is stopped (killed: its queues are lost) during submissions, then started again, empty.

Reproduce: `.venv/bin/python -m pytest -q -s -p no:randomly tests/faults/test_fault_redis.py`
"""

import time

import pytest

from tests.faults.harness import outcome, report, run_parallel, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]

APPLICATIONS = 30
CHECKS_PER_APPLICATION = 4
OUTAGE_SECONDS = 10
READS = ["/api/v1/products/", "/api/v1/certificates/", "/api/v1/schemes/", "/", "/healthz"]


def _answered_well(answer) -> bool:
    """200, or a 503 in the error format with Retry-After; an API path never answers HTML."""
    if answer.path.startswith("/api/") and "json" not in answer.content_type:
        return False
    if answer.status == 503:
        return answer.is_error_format() and "Retry-After" in answer.headers
    return answer.status == 200


def test_fault_redis_stopped_during_submissions(fault_stack):
    stack = fault_stack
    apps = stack.start(workers=("alpha",), applications=APPLICATIONS)
    before, during, after = apps[:10], apps[10:20], apps[20:]

    answers = run_parallel(stack.submit, before)
    stack.redis.stop()
    stopped_at = time.monotonic()
    submits, reads, readiness = [], [], []
    pending = list(during)
    while time.monotonic() - stopped_at < OUTAGE_SECONDS:
        if pending:
            submits.append(stack.submit(pending.pop()))
        reads.extend(run_parallel(stack.get, READS, workers=5))
        readiness.append(stack.get("/readyz"))
        time.sleep(0.3)
    submits.extend(stack.submit(app) for app in pending)
    stack.redis.start()
    restarted_at = time.monotonic()
    answers += submits
    answers += run_parallel(stack.submit, after)
    reads_after = run_parallel(stack.get, READS, workers=5)

    restarts = []

    def settled() -> bool:
        # The worker runs under a supervisor in production (docs/operations.md: Restart=always). kombu 5.7
        # can end a worker that acks, on its old channel, a task it finished while the broker was away
        # (AttributeError in kombu.transport.redis); the supervisor starts it again and nothing is lost,
        # since every delivery is idempotent and the sweeper publishes what was never acknowledged.
        if not stack.procs["alpha"].alive():
            restarts.append(stack.procs["alpha"].tail(3))
            stack.start_worker("alpha")
        return outcome(stack.pg, stack.database, stack.mail).unsettled == 0

    try:
        wait_for(settled, timeout=120, what="every outbox message to be settled after Redis came back",
                 interval=0.5)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{stack.logs()}") from exc
    recovery = time.monotonic() - restarted_at
    result = outcome(stack.pg, stack.database, stack.mail)
    everything = answers + reads + readiness + reads_after
    refused = [a for a in submits if a.status == 503]

    report("redis_outage", {
        "command": "pytest -q -s -p no:randomly tests/faults/test_fault_redis.py",
        "outage (s)": OUTAGE_SECONDS,
        "requests sent": len(everything),
        "submissions: accepted / refused with 503 / other":
            f"{sum(a.status == 200 for a in answers)} / {len(refused)} / "
            f"{sum(a.status not in (200, 503) for a in answers)}",
        "reads during the outage: 200 / total": f"{sum(a.status == 200 for a in reads)} / {len(reads)}",
        "errors (5xx other than 503 in the error format, HTML from the API, no answer)":
            sum(not _answered_well(a) for a in everything),
        "slowest request during the outage (s)": round(max(a.seconds for a in submits + reads), 2),
        "/readyz during the outage": sorted({a.json()["status"] for a in readiness}),
        "recovery time (s, Redis back -> every message delivered)": round(recovery, 1),
        "check runs done / expected": f"{result.check_runs_done} / {APPLICATIONS * CHECKS_PER_APPLICATION}",
        "check runs executed twice": sum(n for ex, n in result.executions.items() if ex != 1),
        "e-mails sent / outbox e-mail rows": f"{sum(result.mails_by_id.values())} / {result.email_rows}",
        "e-mails lost": result.lost_emails,
        "e-mails duplicated": result.duplicated_emails,
        "worker restarts by the supervisor (a kombu crash on a late ack)": len(restarts),
    })

    # Every request was answered (none hung past the client's 30 s timeout), never with a 500 or HTML from
    # the API; a refused write (503) changed nothing.
    assert all(_answered_well(a) for a in everything), [a for a in everything if not _answered_well(a)]
    for answer in refused:
        app_id = int(answer.path.split("/")[4])
        assert stack.pg.sql(f"SELECT status FROM certification_application WHERE id = {app_id}",
                            stack.database)[0][0] == "draft"
    assert all(a.status == 200 for a in reads + reads_after), "public reads must keep answering"
    # Writes whose work waits in the outbox are accepted while Redis is down.
    assert all(a.status == 200 for a in answers), [a for a in answers if a.status != 200]
    assert result.submitted == APPLICATIONS
    # /readyz tells the load balancer it is a degraded mode, not an outage.
    assert {a.status for a in readiness} == {200} and {a.json()["status"] for a in readiness} == {"degraded"}
    assert all(not a.json()["checks"]["redis"]["ok"] for a in readiness)
    assert result.check_runs == result.check_runs_done == APPLICATIONS * CHECKS_PER_APPLICATION
    assert set(result.executions) == {1} and set(result.case_versions) == {1}
    assert result.email_rows == 2 * APPLICATIONS
    assert result.emails_sent_once, (result.lost_emails, result.duplicated_emails)
    assert {status for (_, status) in result.outbox} == {"sent"}
