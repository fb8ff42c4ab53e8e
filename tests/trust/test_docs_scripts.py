"""The stand-alone scripts of docs/trust.md, run as a stranger would: a separate Python process that
talks to the registry over HTTP and uses only cryptography and rfc8785."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from tests.support.tamper import triggers_off
from trust.models import AuditEntry
from trust.services import audit_append

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_docs_include_the_scripts_verbatim():
    text = (DOCS / "trust.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert (DOCS / "verify_record.py").read_text(encoding="utf-8") in blocks
    assert (DOCS / "monitor.py").read_text(encoding="utf-8") in blocks
    assert len((DOCS / "verify_record.py").read_text().splitlines()) <= 50


def _monitor(live_server, state, *args):
    return subprocess.run([sys.executable, str(DOCS / "monitor.py"), f"{live_server.url}/api/v1", str(state), *args],
                          capture_output=True, text=True, timeout=120)


def _append(n, start=0):
    for i in range(start, start + n):
        with transaction.atomic():  # committed: the live server's thread sees it, and the head is signed
            audit_append(actor=None, action="test.monitor", object_type="thing", object_id=str(i),
                         after={"n": i, "tên": "Giám sát"})


@pytest.mark.django_db(transaction=True)
def test_docs_monitor_follows_the_log_and_catches_a_rewrite(live_server, tmp_path):
    state = tmp_path / "head.json"
    _append(5)
    first = _monitor(live_server, state)
    assert first.returncode == 0 and first.stdout.startswith("OK: 5 entries"), first.stdout + first.stderr
    _append(6, start=5)
    second = _monitor(live_server, state)
    assert second.returncode == 0 and "extends the saved head of 5" in second.stdout, second.stdout + second.stderr
    assert json.loads(state.read_text())["tree_size"] == 11
    # History is rewritten and re-hashed by someone who cannot sign: the old signed head no longer matches
    from trust.models import MerkleNode, TreeHead
    from trust.services import _entry_hash
    from trust.transparency import entry_leaf_hash, tree_head_sign

    with transaction.atomic(), triggers_off():
        entries = list(AuditEntry.objects.order_by("sequence"))
        prev = entries[0].hash
        for entry in entries[1:]:
            if entry.sequence == 3:
                entry.after = {"n": 2, "tên": "Đã sửa"}
            entry.prev_hash, entry.hash = prev, _entry_hash(prev, entry.event())
            entry.leaf_hash = entry_leaf_hash(entry)
            entry.save()
            prev = entry.hash
        MerkleNode.objects.all().delete()
        TreeHead.objects.all().delete()
        from trust import merkle

        tree = merkle.StreamingTree()
        for entry in entries:
            for level, index, h in tree.append(bytes.fromhex(entry.leaf_hash)):
                MerkleNode.objects.create(level=level, index=index, hash=h.hex())
        _append(1, start=11)
    tree_head_sign()  # the registry (or the attacker with the key) signs the rewritten tree
    third = _monitor(live_server, state)
    assert third.returncode == 1 and "ALERT" in third.stdout and "rewritten" in third.stdout, third.stdout
