"""The whole certification journey through API v1, checking available_actions at every step."""

import hashlib

import pytest

from tests.api.helpers import API, auth
from tests.factories import PDF_BYTES, installer_bytes, upload

pytestmark = pytest.mark.django_db


def _app(client, user, app_id) -> dict:
    response = auth(client, user).get(f"{API}applications/{app_id}/")
    assert response.status_code == 200, response.content
    return response.json()


def _act(client, user, app_id, action, **body) -> dict:
    response = auth(client, user).post(f"{API}applications/{app_id}/actions/", {"action": action, **body},
                                       format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_journey_api_vendor_to_certificate(api_client, vendor_member, staff, evaluator, certifier, scheme):
    from registry.selectors import vendor_for_user
    from trust.services import audit_verify

    vendor = vendor_for_user(vendor_member)

    # The vendor registers a product and a version under its own vendor.
    response = auth(api_client, vendor_member).post(f"{API}products/", {
        "name": "Tường lửa Bảo mật Đà Nẵng", "name_en": "Da Nang Secure Firewall", "category": "firewall",
        "mvn_researched": True, "mvn_developed": True, "mvn_produced": True, "mvn_source_owner": True,
    }, format="json")
    assert response.status_code == 201, response.content
    product = response.json()
    assert product["vendor"]["id"] == vendor.pk
    # The claims alone carry no mark: staff review an attestation with evidence first.
    assert product["made_in_vietnam"] is False and product["certificates"] == []

    response = api_client.post(f"{API}products/{product['id']}/versions/", {"version": "2.0.0"}, format="json")
    assert response.status_code == 201, response.content
    version_id = response.json()["id"]

    # A draft: nothing to submit yet, the required user guide is missing.
    response = api_client.post(f"{API}applications/", {"product_version": version_id, "scheme": scheme.code,
                                                       "level": "basic"}, format="json")
    assert response.status_code == 201, response.content
    app = response.json()
    app_id = app["id"]
    assert app["status"] == "draft"
    assert app["scheme"] == scheme.code and app["scheme_version"] == scheme.version
    assert app["product"]["id"] == product["id"] and app["vendor"]["id"] == vendor.pk
    assert app["available_actions"] == ["withdraw"]
    assert app["certificate"] is None and app["findings"] == [] and app["cases"] == []
    assert [e["action"] for e in app["events"]] == ["create"]

    # Artifacts: the installer and the user guide; the API answers with the hash and size.
    installer = installer_bytes()
    for kind, name, content in (("installer", "setup.bin", installer), ("user_guide", "guide.pdf", PDF_BYTES)):
        response = api_client.post(f"{API}applications/{app_id}/artifacts/",
                                   {"kind": kind, "file": upload(name, content)}, format="multipart")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["sha256"] == hashlib.sha256(content).hexdigest()
        assert body["size"] == len(content) and body["kind"] == kind and body["original_name"] == name

    app = _app(api_client, vendor_member, app_id)
    assert app["available_actions"] == ["submit", "withdraw"]
    assert {a["kind"] for a in app["artifacts"]} == {"installer", "user_guide"}

    # Submit: the automated checks run after commit.
    app = _act(api_client, vendor_member, app_id, "submit")
    assert app["status"] == "submitted"
    app = _app(api_client, vendor_member, app_id)
    cases = {c["requirement_code"]: c for c in app["cases"]}
    assert cases["INT-01"]["result"] == "pass" and cases["DOC-01"]["result"] == "pass"
    assert cases["INT-01"]["method"] == "automated" and cases["INT-01"]["evidence"]["artifacts"]
    assert cases["FW-01"]["result"] == "pending"
    assert app["available_actions"] == ["withdraw"]
    assert _app(api_client, staff, app_id)["available_actions"] == ["return", "assign"]
    assert _app(api_client, certifier, app_id)["available_actions"] == []

    # Staff assigns the evaluator.
    app = _act(api_client, staff, app_id, "assign", evaluators=[evaluator.email])
    assert app["status"] == "in_evaluation"
    assert _app(api_client, vendor_member, app_id)["available_actions"] == ["withdraw"]

    # The evaluator declares independence from the vendor before seeing the details, then records
    # each manual and document case; every change is kept.
    response = auth(api_client, evaluator).get(f"{API}applications/{app_id}/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "independence_required"
    assert api_client.post(f"{API}applications/{app_id}/independence/", {}, format="json").status_code == 201
    assert _app(api_client, evaluator, app_id)["available_actions"] == []  # manual cases still open
    auth(api_client, evaluator)
    response = api_client.put(f"{API}applications/{app_id}/cases/FW-01/", {"result": "fail", "notes": "Lỗi"},
                              format="json")
    assert response.status_code == 200, response.content
    for code in ("FW-01", "FW-02", "DOC-02"):
        response = api_client.put(f"{API}applications/{app_id}/cases/{code}/", {"result": "pass", "notes": "Đạt"},
                                  format="json")
        assert response.status_code == 200, response.content
    case = response.json()
    assert case["requirement_code"] == "DOC-02" and case["result"] == "pass" and case["notes"] == "Đạt"
    assert [h["new_result"] for h in case["history"]] == ["pass"]
    fw01 = api_client.put(f"{API}applications/{app_id}/cases/FW-01/", {"result": "pass"}, format="json").json()
    assert [(h["old_result"], h["new_result"]) for h in fw01["history"]] == [
        ("pending", "fail"), ("fail", "pass"), ("pass", "pass")]
    assert fw01["history"][0]["actor"] == evaluator.email

    assert _app(api_client, evaluator, app_id)["available_actions"] == ["complete"]
    app = _act(api_client, evaluator, app_id, "complete")
    assert app["status"] == "evaluated"
    assert app["available_actions"] == []  # an evaluator never decides

    # The certifier certifies; the certificate is published.
    assert _app(api_client, certifier, app_id)["available_actions"] == ["certify", "reject"]
    app = _act(api_client, certifier, app_id, "certify")
    assert app["status"] == "certified" and app["available_actions"] == []
    serial = app["certificate"]
    assert serial and serial.startswith("VN-CSP-")
    assert [e["action"] for e in app["events"]] == ["create", "submit", "assign", "complete", "certify"]
    assert _app(api_client, vendor_member, app_id)["available_actions"] == []

    # The public sees it everywhere.
    auth(api_client, None)
    response = api_client.get(f"{API}products/", {"q": "bao mat da nang"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [p["id"] for p in results] == [product["id"]]
    assert results[0]["certificates"][0]["serial"] == serial

    response = api_client.get(f"{API}certificates/{serial}/")
    assert response.status_code == 200
    cert = response.json()
    assert cert["status"] == "active" and cert["level"] == "basic"
    assert cert["product"]["id"] == product["id"] and cert["product_version"]["version"] == "2.0.0"
    assert cert["vendor"]["tax_code"] == vendor.tax_code and cert["scheme"]["code"] == scheme.code
    assert cert["verify_url"].endswith(f"/verify/{serial}/")
    assert cert["pdf_url"].endswith(f"/certificates/{serial}/pdf/")

    response = api_client.post(f"{API}certificates/status/", {"serials": [serial, "VN-CSP-1999-00001"]},
                               format="json")
    assert response.status_code == 200
    statuses = {r["serial"]: r["status"] for r in response.json()["results"]}
    assert statuses == {serial: "active", "VN-CSP-1999-00001": "not_found"}

    # Staff suspends it through the API; the public status follows.
    response = auth(api_client, staff).post(f"{API}certificates/{serial}/actions/",
                                            {"action": "suspend", "reason": "Lỗ hổng nghiêm trọng"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "suspended"
    assert response.json()["status_reason"] == "Lỗ hổng nghiêm trọng"
    assert audit_verify().ok
