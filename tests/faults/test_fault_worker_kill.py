"""A worker's whole process group is killed (SIGKILL) in the middle of a batch of 30 submissions.

Reproduce: `.venv/bin/python -m pytest -q -s -p no:randomly tests/faults/test_fault_worker_kill.py`
"""

import time

import pytest

from tests.faults.harness import outcome, report, run_parallel, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]

APPLICATIONS = 30
CHECKS_PER_APPLICATION = 4
RECOVERY_BOUND = 30  # seconds: the bound; by design WORKER_STALE_SECONDS + OUTBOX_SWEEP_SECONDS = 20


def _claims(stack, prefix: str) -> list[int]:
    rows = stack.pg.sql("SELECT id FROM trust_outboxmessage WHERE status = 'pending' "
                        f"AND claimed_by LIKE '{prefix}@%%'", stack.database)
    return [pk for (pk,) in rows]


def test_fault_worker_killed_mid_batch(fault_stack):
    stack = fault_stack
    stack.env["FAULT_CHECK_SECONDS"] = "0.6"  # the batch keeps both workers busy for several seconds
    apps = stack.start(workers=("alpha", "bravo"), applications=APPLICATIONS)

    answers = run_parallel(stack.submit, apps)
    held = wait_for(lambda: len(_claims(stack, "alpha")) >= 2 and _claims(stack, "alpha"), timeout=60,
                    what="the first worker to be busy with the batch")
    killed_at = time.monotonic()
    stack.kill_group("alpha")
    held = _claims(stack, "alpha")  # what it held when it died
    assert held, "the killed worker held nothing: the test proves nothing"

    def recovered():
        ids = ",".join(map(str, held))
        rows = stack.pg.sql(f"SELECT status, claimed_by FROM trust_outboxmessage WHERE id IN ({ids})",
                            stack.database)
        return all(status != "pending" or (claimed and not claimed.startswith("alpha@")) for status, claimed in rows)

    try:
        wait_for(recovered, timeout=90, what="the killed worker's work to run again", interval=0.1)
        recovery = time.monotonic() - killed_at
        wait_for(lambda: outcome(stack.pg, stack.database, stack.mail).unsettled == 0, timeout=150,
                 what="every outbox message to be settled", interval=0.5)
        finished = time.monotonic() - killed_at
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{stack.logs()}") from exc
    result = outcome(stack.pg, stack.database, stack.mail)

    report("worker_kill", {
        "command": "pytest -q -s -p no:randomly tests/faults/test_fault_worker_kill.py",
        "requests sent": len(answers),
        "errors": sum(1 for a in answers if a.status != 200),
        "slowest request (s)": round(max(a.seconds for a in answers), 2),
        "claims held by the killed worker": len(held),
        "recovery time (s, kill -> its work running again)": round(recovery, 1),
        "all work settled after the kill (s)": round(finished, 1),
        "check runs done / expected": f"{result.check_runs_done} / {APPLICATIONS * CHECKS_PER_APPLICATION}",
        "check runs executed twice": sum(n for ex, n in result.executions.items() if ex != 1),
        "e-mails sent / outbox e-mail rows": f"{sum(result.mails_by_id.values())} / {result.email_rows}",
        "e-mails lost": result.lost_emails,
        "e-mails duplicated": result.duplicated_emails,
        "outbox": dict(sorted((f"{k}:{s}", n) for (k, s), n in result.outbox.items())),
    })

    # Every request was answered (none hung past the client's 30 s timeout), and every one succeeded.
    assert all(a.status == 200 for a in answers), [a for a in answers if a.status != 200]
    assert result.submitted == APPLICATIONS
    assert recovery <= RECOVERY_BOUND, f"the killed worker's work waited {recovery:.1f} s"
    # Every check run finished exactly once; every case got exactly one system result.
    assert result.check_runs == result.check_runs_done == APPLICATIONS * CHECKS_PER_APPLICATION
    assert set(result.executions) == {1}
    assert set(result.case_versions) == {1}
    # Every notification (the vendor's and staff's, per submission) was delivered exactly once.
    assert result.email_rows == 2 * APPLICATIONS
    assert result.emails_sent_once, (result.lost_emails, result.duplicated_emails)
    assert {status for (_, status) in result.outbox} == {"sent"}
