"""The transparency log in the database and its public API: stored subtrees, proofs that verify against
the signed head, entries that hash to the leaves, and no fork under concurrent writers."""

import base64
import threading

import pytest
import rfc8785
from django.db import connection, transaction
from django.urls import reverse

from trust import merkle
from trust.keys import keys_published
from trust.models import AuditEntry, MerkleNode
from trust.services import audit_append, audit_verify
from trust.signing import document_verify
from trust.transparency import root_hash, tree_head_sign

pytestmark = pytest.mark.django_db


def _append(n: int, start: int = 0):
    for i in range(start, start + n):
        with transaction.atomic():
            audit_append(actor=None, action="test.event", object_type="thing", object_id=str(i),
                         after={"value": i, "name": "Công ty Bảo mật Việt"}, data={"ratio": 0.25})


def _leaves():
    return [bytes.fromhex(h) for h in AuditEntry.objects.order_by("sequence").values_list("leaf_hash", flat=True)]


def test_transparency_stored_tree_matches_the_definition():
    _append(11)
    leaves = _leaves()
    for size in range(1, 12):
        assert root_hash(size) == merkle.root_of(leaves[:size])
    # every complete aligned subtree is stored once: 11 leaves close 5 + 2 + 1 nodes
    assert MerkleNode.objects.count() == 8


def test_transparency_api_head_proof_consistency_entries(api_client, django_assert_max_num_queries):
    _append(7)
    head = tree_head_sign().document
    api_head = api_client.get(reverse("trust_api:tree_head")).json()
    assert api_head == head and document_verify(api_head, keys_published()).ok
    root = base64.b64decode(head["root_hash"])
    entries = api_client.get(reverse("trust_api:entries"), {"start": 0, "end": 7}).json()["entries"]
    leaves = [merkle.leaf_hash(rfc8785.dumps(entry)) for entry in entries]  # the client's own computation
    assert leaves == _leaves() and merkle.root_of(leaves) == root
    for index in range(7):
        with django_assert_max_num_queries(4):
            proof = api_client.get(reverse("trust_api:inclusion_proof"), {"leaf_index": index, "tree_size": 7}).json()
        path = [base64.b64decode(p) for p in proof["audit_path"]]
        assert base64.b64decode(proof["leaf_hash"]) == leaves[index]
        assert merkle.inclusion_verify(leaves[index], index, 7, path, root)
    _append(5, start=7)
    new_head = tree_head_sign().document
    proof = api_client.get(reverse("trust_api:consistency_proof"), {"first": 7, "second": 12}).json()
    assert merkle.consistency_verify(7, 12, root, base64.b64decode(new_head["root_hash"]),
                                     [base64.b64decode(p) for p in proof["proof"]])


@pytest.mark.parametrize("params", [
    {"leaf_index": 5, "tree_size": 3}, {"leaf_index": 0, "tree_size": 99}, {"leaf_index": -1, "tree_size": 3},
    {"leaf_index": "x", "tree_size": 3}, {"leaf_index": 2**70, "tree_size": 3}, {},
])
def test_transparency_proof_bad_requests_are_400(api_client, params):
    _append(3)
    response = api_client.get(reverse("trust_api:inclusion_proof"), params)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


def test_transparency_consistency_and_entries_bad_requests_are_400(api_client):
    _append(3)
    for params in ({"first": 3, "second": 2}, {"first": 1, "second": 9}, {"first": 0, "second": 2}):
        assert api_client.get(reverse("trust_api:consistency_proof"), params).status_code == 400
    assert api_client.get(reverse("trust_api:entries"), {"start": 2, "end": 1}).status_code == 400
    assert api_client.get(reverse("trust_api:entries"), {"start": 10}).json()["entries"] == []


def test_transparency_head_is_published_with_a_short_cache(api_client):
    _append(1)
    response = api_client.get(reverse("trust_api:tree_head"))  # signed on first request when none exists yet
    assert response.status_code == 200 and response.json()["tree_size"] >= 1
    assert "max-age=" in response["Cache-Control"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_transparency_concurrent_writers_never_fork_the_log():
    """8 threads x 200 appends, each its own transaction: one chain, one tree, every node once."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite serialises writers by locking the whole file")
    errors = []

    def writer(n):
        try:
            for i in range(200):
                with transaction.atomic():
                    audit_append(actor=None, action="test.concurrent", object_type="thread", object_id=f"{n}-{i}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert AuditEntry.objects.count() == 1600
    assert list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True)) == list(range(1, 1601))
    report = audit_verify()
    assert report.ok, report.problems
    assert root_hash(1600) == merkle.root_of(_leaves())
    assert MerkleNode.objects.count() == 1600 - bin(1600).count("1")
