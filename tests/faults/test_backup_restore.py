"""Backup (PostgreSQL dump plus media) and the restore drill, on the private PostgreSQL cluster.

Reproduce: `.venv/bin/python -m pytest -q -s -p no:randomly tests/faults/test_backup_restore.py`
"""

import os
import subprocess
import sys

import pytest

from tests.faults.harness import PG_BIN, ROOT

pytestmark = [pytest.mark.faults, pytest.mark.postgres]


def _run(stack, *args) -> subprocess.CompletedProcess:
    env = {**stack.env, "PATH": f"{PG_BIN}:{os.environ.get('PATH', '')}", "PYTHON": sys.executable}
    return subprocess.run([str(ROOT / "scripts" / args[0]), *args[1:]], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_fault_backup_restores_and_verifies(fault_stack, tmp_path):
    stack = fault_stack
    stack.seed(3)  # applications with artifacts: audit entries and stored files
    backup = tmp_path / "backup"
    made = _run(stack, "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert {p.name for p in backup.iterdir()} == {"database.dump", "media.tar.gz", "SHA256SUMS"}

    drill = _run(stack, "restore", "--drill", str(backup))
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert "Audit chain intact" in drill.stdout and "Stored files intact: 6 checked." in drill.stdout
    scratch = stack.pg.sql("SELECT datname FROM pg_database WHERE datname LIKE 'registry_drill_%'")
    assert scratch == []  # the drill cleans up after itself

    with open(backup / "media.tar.gz", "r+b") as fh:  # a damaged backup is refused before anything is restored
        fh.seek(100)
        fh.write(b"\0" * 16)
    damaged = _run(stack, "restore", "--drill", str(backup))
    assert damaged.returncode != 0 and "FAILED" in damaged.stdout + damaged.stderr

    # A history edited before the backup (by the database owner, past any trigger) fails the drill.
    stack.pg.sql("SET session_replication_role = replica; "
                 "UPDATE trust_auditentry SET data = '{\"edited\": true}' WHERE sequence = 2", stack.database)
    edited = tmp_path / "edited"
    assert _run(stack, "backup", str(edited)).returncode == 0
    drill = _run(stack, "restore", "--drill", str(edited))
    assert drill.returncode == 1 and "Audit chain broken at entry #2" in drill.stderr
