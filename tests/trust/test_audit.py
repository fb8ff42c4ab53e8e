import json

import pytest
from django.core.management import call_command
from django.db import transaction

from tests.support.tamper import triggers_off
from trust.models import AuditEntry, MerkleNode
from trust.services import audit_append, audit_verify
from trust.transparency import tree_head_sign

pytestmark = pytest.mark.django_db


def _append(n: int):
    for i in range(n):
        with transaction.atomic():
            audit_append(actor=None, action="test.event", object_type="thing", object_id=str(i),
                         after={"value": i, "text": "Đà Nẵng"})


def test_audit_chain_verifies_and_detects_edit(capsys):
    _append(5)
    assert audit_verify().ok
    call_command("audit_verify")
    with triggers_off():
        AuditEntry.objects.filter(sequence=3).update(after={"value": 99, "text": "Đà Nẵng"})
    report = audit_verify()
    assert not report.ok and report.broken_sequence == 3
    with pytest.raises(SystemExit) as exc:
        call_command("audit_verify")
    assert exc.value.code == 1
    assert "#3" in capsys.readouterr().err


def test_audit_chain_detects_deletion():
    _append(4)
    with triggers_off():
        AuditEntry.objects.filter(sequence=2).delete()
    report = audit_verify()
    assert not report.ok and report.broken_sequence == 2


def test_audit_verify_catches_deleting_the_newest_entries(capsys):
    """Deleting the last rows leaves a valid chain: the stored subtrees and the signed head still catch it."""
    _append(8)
    tree_head_sign()
    assert audit_verify().ok
    with triggers_off():
        AuditEntry.objects.filter(sequence__gt=5).delete()
    report = audit_verify()
    assert not report.ok and report.broken_sequence is None  # the chain itself is intact
    assert any("only 5 entries" in p for p in report.problems)
    assert any("beyond the last one" in p for p in report.problems)


def test_audit_verify_with_saved_head_catches_a_rewritten_history(tmp_path, capsys):
    """Rewrite an entry and recompute every hash, node and the stored heads: only a head saved elsewhere,
    whose signature the attacker cannot forge, still tells."""
    _append(6)
    head = tree_head_sign().document
    saved = tmp_path / "head.json"
    saved.write_text(json.dumps(head))
    call_command("audit_verify", "--head", str(saved))
    assert "extends the saved head of size 6" in capsys.readouterr().out
    _append(3)
    call_command("audit_verify", "--head", str(saved))  # grew: still extends it
    # the attacker rewrites entry 2 and re-hashes everything after it consistently
    from trust.models import TreeHead
    from trust.services import _entry_hash
    from trust.transparency import entry_leaf_hash

    with triggers_off():
        entries = list(AuditEntry.objects.order_by("sequence"))
        prev = entries[0].hash
        for entry in entries[1:]:
            if entry.sequence == 2:
                entry.after = {"value": 1, "text": "Hà Nội"}
            entry.prev_hash = prev
            entry.hash = _entry_hash(prev, entry.event())
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
    assert audit_verify().ok  # self-consistent again: the chain alone cannot tell
    with pytest.raises(SystemExit):
        call_command("audit_verify", "--head", str(saved))
    err = capsys.readouterr().err
    assert "no longer extends it" in err and "does NOT extend the saved head" in err


def test_audit_verify_reports_a_tampered_leaf_and_a_forged_head(tmp_path, capsys):
    _append(4)
    with triggers_off():
        AuditEntry.objects.filter(sequence=3).update(leaf_hash="0" * 64)
    report = audit_verify()
    assert any("#3: stored leaf hash" in p for p in report.problems)
    head = tree_head_sign(force=True).document
    head["tree_size"] = 3  # a head that was never signed
    saved = tmp_path / "forged.json"
    saved.write_text(json.dumps(head))
    with pytest.raises(SystemExit):
        call_command("audit_verify", "--head", str(saved))
    err = capsys.readouterr().err
    assert "saved head:" in err and ("does not match" in err or "không khớp" in err)
    saved.write_text("not json")
    with pytest.raises(Exception, match="Cannot read the saved head"):
        call_command("audit_verify", "--head", str(saved))


@pytest.mark.django_db(transaction=True)
def test_audit_append_requires_transaction():
    with pytest.raises(RuntimeError):
        audit_append(actor=None, action="x", object_type="t", object_id="1")
