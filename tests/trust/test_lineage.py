"""The regulator's export: one ZIP with the whole lineage, JSON and CSV, and proofs that verify."""

import base64
import io
import json
import zipfile

import pytest
import rfc8785
from django.urls import reverse

from registry.services import certificate_transition
from trust import merkle
from trust.signing import document_verify, keys_from_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified(journey, with_artifacts, staff, commit):
    app = journey(with_artifacts, "certified")
    with commit():
        certificate_transition(certificate=app.certificate, action="suspend", actor=staff, reason="Kiểm tra đột xuất")
    return app


def test_lineage_zip_has_everything_with_proofs(as_staff, certified):
    certificate = certified.certificate
    response = as_staff.get(reverse("certification:certificate_lineage", args=[certificate.serial]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {"README.txt", "lineage.json", "keys.json", "applications.csv", "results.csv",
                                       "events.csv"}
    lineage = json.loads(archive.read("lineage.json"))
    keys = keys_from_document(json.loads(archive.read("keys.json")))
    head = lineage["tree_head"]
    assert document_verify(head, keys).ok
    root = base64.b64decode(head["root_hash"])
    actions = [e["entry"]["action"] for e in lineage["audit_entries"]]
    for needed in ("application.create", "application.submit", "application.assign", "case.record",
                   "application.complete", "application.certify", "certificate.issue", "certificate.suspend"):
        assert needed in actions, needed
    for item in lineage["audit_entries"]:
        proof = item["proof"]
        leaf = merkle.leaf_hash(rfc8785.dumps(item["entry"]))
        assert merkle.inclusion_verify(leaf, item["leaf_index"], proof["tree_size"],
                                       [base64.b64decode(p) for p in proof["audit_path"]], root)
    (cert,) = lineage["certificates"]
    assert [e["action"] for e in cert["events"]] == ["issue", "suspend"]
    assert [r["record"]["status"] for r in cert["signed_records"]] == ["active", "suspended"]
    (app,) = lineage["applications"]
    assert app["evaluators"] == ["evaluator@lab.vn"] and app["results"]
    events_csv = archive.read("events.csv").decode("utf-8-sig")
    assert events_csv.splitlines()[0].startswith("sequence,leaf_index,created_at,actor,action")
    assert "certificate.suspend" in events_csv
    product = as_staff.get(reverse("certification:product_lineage", args=[certificate.product_id]))
    assert product.status_code == 200 and zipfile.ZipFile(io.BytesIO(product.content)).namelist()


@pytest.fixture
def as_staff(client, staff):
    client.force_login(staff)
    return client


@pytest.mark.parametrize("who", ["anonymous", "vendor_member", "certifier", "procurement"])
def test_lineage_is_for_staff_only(client, certified, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("certification:certificate_lineage", args=[certified.certificate.serial]))
    assert response.status_code in (302, 403)
    assert response.status_code == (302 if who == "anonymous" else 403)


def test_lineage_unknown_certificate_is_404(as_staff):
    assert as_staff.get(reverse("certification:certificate_lineage", args=["VN-CSP-1999-00000"])).status_code == 404
    assert as_staff.get(reverse("certification:product_lineage", args=[10**9])).status_code == 404
