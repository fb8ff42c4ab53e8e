"""Bad input gets a clear error in the one error format, and changes nothing."""

import os

import pytest

from tests.api.helpers import API, assert_error, auth, row_counts
from tests.factories import PDF_BYTES, SchemeFactory, installer_bytes, upload

pytestmark = pytest.mark.django_db


def _media_files(settings) -> list[str]:
    found = []
    for root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found.extend(os.path.join(root, f) for f in files)
    return found


def test_errors_api_unknown_scheme_is_400(api_client, vendor_member, product_version):
    before = row_counts()
    error = assert_error(auth(api_client, vendor_member).post(f"{API}applications/", {
        "product_version": product_version.pk, "scheme": "no-such-scheme", "level": "basic"}, format="json"),
        400, "invalid")
    assert "scheme" in error["details"]
    assert row_counts() == before


def test_errors_api_unknown_level_is_400(api_client, vendor_member, product_version, scheme):
    before = row_counts()
    auth(api_client, vendor_member)
    error = assert_error(api_client.post(f"{API}applications/", {
        "product_version": product_version.pk, "scheme": scheme.code, "level": "ultra"}, format="json"), 400)
    assert "level" in error["details"]
    # a real level that this scheme does not offer
    basic_only = SchemeFactory(thresholds={"basic": 60}, required_documents={"basic": []})
    error = assert_error(api_client.post(f"{API}applications/", {
        "product_version": product_version.pk, "scheme": basic_only.code, "level": "high"}, format="json"),
        400, "invalid_level")
    assert error["details"] == {"level": ["high"]}
    assert row_counts() == before


def test_errors_api_missing_fields_are_400(api_client, vendor_member):
    before = row_counts()
    error = assert_error(auth(api_client, vendor_member).post(f"{API}applications/", {}, format="json"), 400)
    assert {"product_version", "scheme", "level"} <= set(error["details"])
    assert row_counts() == before


def test_errors_api_oversize_artifact_is_413(api_client, vendor_member, draft, settings):
    settings.ARTIFACT_MAX_BYTES = 1024
    before = row_counts()
    auth(api_client, vendor_member)
    # just over the limit: read, measured, refused
    error = assert_error(api_client.post(f"{API}applications/{draft.pk}/artifacts/", {
        "kind": "installer", "file": upload("setup.bin", installer_bytes(2048))}, format="multipart"),
        413, "too_large")
    assert error["details"] == {"limit": 1024}  # stopped while streaming, never stored
    # far over the limit: refused from Content-Length, before the body is read
    error = assert_error(api_client.post(f"{API}applications/{draft.pk}/artifacts/", {
        "kind": "installer", "file": upload("big.bin", installer_bytes(256 * 1024))}, format="multipart"),
        413, "too_large")
    assert error["details"]["content_length"] > 256 * 1024
    assert row_counts() == before
    assert _media_files(settings) == []


def test_errors_api_oversize_upload_stops_reading_at_the_limit():
    """Whatever Content-Length said, the upload handler stops the stream once the file passes the limit."""
    from django.core.files.uploadhandler import StopUpload

    from config.api.uploads import UploadSizeLimit

    guard = UploadSizeLimit(limit=1000)
    assert guard.receive_data_chunk(b"x" * 600, 0) == b"x" * 600
    with pytest.raises(StopUpload):
        guard.receive_data_chunk(b"x" * 600, 600)
    assert guard.exceeded


def test_errors_api_wrong_file_type_is_415(api_client, vendor_member, draft, settings):
    before = row_counts()
    error = assert_error(auth(api_client, vendor_member).post(f"{API}applications/{draft.pk}/artifacts/", {
        "kind": "user_guide", "file": upload("guide.pdf", installer_bytes())}, format="multipart"),
        415, "unsupported_media_type")
    assert error["details"]["content_type"] != "application/pdf"
    assert row_counts() == before
    assert _media_files(settings) == []


def test_errors_api_artifact_needs_multipart_415(api_client, vendor_member, draft):
    before = row_counts()
    assert_error(auth(api_client, vendor_member).post(f"{API}applications/{draft.pk}/artifacts/",
                                                      {"kind": "user_guide"}, format="json"),
                 415, "unsupported_media_type")
    assert row_counts() == before


def test_errors_api_bad_artifact_fields_are_400(api_client, vendor_member, draft):
    before = row_counts()
    auth(api_client, vendor_member)
    error = assert_error(api_client.post(f"{API}applications/{draft.pk}/artifacts/", {
        "kind": "firmware", "file": upload("g.pdf", PDF_BYTES)}, format="multipart"), 400)
    assert "kind" in error["details"]
    error = assert_error(api_client.post(f"{API}applications/{draft.pk}/artifacts/", {"kind": "user_guide"},
                                         format="multipart"), 400)
    assert "file" in error["details"]
    error = assert_error(api_client.post(f"{API}applications/{draft.pk}/artifacts/", {
        "kind": "user_guide", "file": upload("g.pdf", PDF_BYTES), "declared_sha256": "0" * 64},
        format="multipart"), 400, "hash_mismatch")
    assert row_counts() == before


def test_errors_api_illegal_action_is_409(api_client, vendor_member, with_artifacts, journey):
    app = journey(with_artifacts, "submitted")
    before = row_counts()
    error = assert_error(auth(api_client, vendor_member).post(f"{API}applications/{app.pk}/actions/",
                                                              {"action": "submit"}, format="json"),
                         409, "transition_not_allowed")
    assert error["details"] == {"status": "submitted", "action": "submit"}
    assert row_counts() == before


def test_errors_api_blocked_guard_is_409(api_client, vendor_member, draft):
    before = row_counts()
    error = assert_error(auth(api_client, vendor_member).post(f"{API}applications/{draft.pk}/actions/",
                                                              {"action": "submit"}, format="json"),
                         409, "guard_failed")
    assert "Hướng dẫn sử dụng" in error["message"]  # the label, in the caller's language
    assert row_counts() == before


def test_errors_api_wrong_role_is_403(api_client, vendor_member, evaluator, staff, with_artifacts, journey, commit):
    from certification.process.services import application_transition

    app = journey(with_artifacts, "submitted")
    before = row_counts()
    assert_error(auth(api_client, vendor_member).post(f"{API}applications/{app.pk}/actions/",
                                                      {"action": "assign", "evaluators": [evaluator.email]},
                                                      format="json"), 403, "permission_denied")
    # a vendor cannot record results of its own evaluation
    with commit():
        app = application_transition(application=app, action="assign", actor=staff, evaluators=[evaluator.email])
    before = row_counts()
    assert_error(api_client.put(f"{API}applications/{app.pk}/cases/FW-01/", {"result": "pass"}, format="json"),
                 403, "permission_denied")
    assert row_counts() == before
    app.refresh_from_db()
    assert app.status == "in_evaluation"


def test_errors_api_unknown_action_and_missing_reason_are_400(api_client, staff, with_artifacts, journey):
    app = journey(with_artifacts, "submitted")
    before = row_counts()
    auth(api_client, staff)
    error = assert_error(api_client.post(f"{API}applications/{app.pk}/actions/", {"action": "approve"},
                                         format="json"), 400, "unknown_action")
    assert "submit" in error["details"]["allowed"]
    assert_error(api_client.post(f"{API}applications/{app.pk}/actions/", {"action": "return", "note": "  "},
                                 format="json"), 400, "input_required")
    assert_error(api_client.post(f"{API}applications/{app.pk}/actions/", {"action": "assign", "evaluators": []},
                                 format="json"), 400, "input_required")
    assert_error(api_client.post(f"{API}applications/{app.pk}/actions/", {"action": "assign",
                                                                          "evaluators": ["nobody@lab.vn"]},
                                 format="json"), 400, "unknown_evaluator")
    assert row_counts() == before


def test_errors_api_unknown_case_result_is_400(api_client, evaluator, with_artifacts, journey):
    app = journey(with_artifacts, "in_evaluation")
    auth(api_client, evaluator)
    assert_error(api_client.put(f"{API}applications/{app.pk}/cases/FW-01/", {"result": "pass"}, format="json"),
                 403, "independence_required")
    assert api_client.post(f"{API}applications/{app.pk}/independence/", {}, format="json").status_code == 201
    before = row_counts()
    assert_error(api_client.put(f"{API}applications/{app.pk}/cases/FW-01/", {"result": "maybe"}, format="json"),
                 400, "invalid")
    assert_error(api_client.put(f"{API}applications/{app.pk}/cases/NOPE-99/", {"result": "pass"}, format="json"),
                 404, "not_found")
    assert row_counts() == before


def test_errors_api_unauthenticated_is_401(anon, draft, product_version, scheme):
    before = row_counts()
    for response in (
        anon.get(f"{API}applications/"),
        anon.get(f"{API}applications/{draft.pk}/"),
        anon.post(f"{API}applications/", {"product_version": product_version.pk, "scheme": scheme.code,
                                         "level": "basic"}, format="json"),
        anon.post(f"{API}applications/{draft.pk}/actions/", {"action": "withdraw"}, format="json"),
        anon.post(f"{API}products/", {"name": "X", "category": "firewall"}, format="json"),
    ):
        assert_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"] == "Token"
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = anon.get(f"{API}applications/")
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"
    assert row_counts() == before


def test_errors_api_certificate_actions_need_staff(api_client, vendor_member, staff, scheme):
    from tests.api.helpers import certified_product

    _product, certificate = certified_product(scheme=scheme)
    before = row_counts()
    url = f"{API}certificates/{certificate.serial}/actions/"
    assert_error(api_client.post(url, {"action": "revoke", "reason": "x"}, format="json"), 401)
    assert_error(auth(api_client, vendor_member).post(url, {"action": "revoke", "reason": "x"}, format="json"),
                 403, "permission_denied")
    auth(api_client, staff)
    assert_error(api_client.post(url, {"action": "revoke"}, format="json"), 400, "reason_required")
    assert_error(api_client.post(url, {"action": "reinstate"}, format="json"), 409, "transition_not_allowed")
    assert_error(api_client.post(url, {"action": "destroy"}, format="json"), 400, "unknown_action")
    assert_error(api_client.post(f"{API}certificates/VN-CSP-1999-99999/actions/", {"action": "revoke",
                                                                                   "reason": "x"}, format="json"),
                 404, "not_found")
    assert row_counts() == before


def test_errors_api_405_404_and_parse_errors_use_the_format(anon, vendor_member, api_client):
    response = auth(api_client, vendor_member).delete(f"{API}products/")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]
    auth(api_client, None)
    assert_error(anon.get(f"{API}no-such-endpoint/"), 404, "not_found")
    assert_error(anon.get(f"{API}certificates/VN-CSP-1999-99999/"), 404, "not_found")
    assert_error(anon.get(f"{API}schemes/no-such-scheme/"), 404, "not_found")
    assert_error(anon.get(f"{API}vendors/999999/"), 404, "not_found")
    response = auth(api_client, vendor_member).post(f"{API}products/", data=b'{"name": ',
                                                    content_type="application/json")
    assert_error(response, 400, "parse_error")
    assert_error(anon.get(f"{API}products/", {"certificate_status": "forever"}), 400, "invalid")


def test_errors_api_messages_follow_the_callers_language(anon):
    english = assert_error(anon.get(f"{API}vendors/999999/", HTTP_ACCEPT_LANGUAGE="en"), 404)
    vietnamese = assert_error(anon.get(f"{API}vendors/999999/", HTTP_ACCEPT_LANGUAGE="vi"), 404)
    assert english["message"] == "Not found."
    assert vietnamese["message"] != english["message"]
    # the same for a service's error, and for the catch-all of unknown paths
    english = assert_error(anon.get(f"{API}schemes/nope/", HTTP_ACCEPT_LANGUAGE="en"), 404)
    vietnamese = assert_error(anon.get(f"{API}schemes/nope/", HTTP_ACCEPT_LANGUAGE="vi"), 404)
    assert english["message"] == "Not found." and vietnamese["message"] != english["message"]


def test_errors_api_throttled_is_429(anon, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    from registry.api.views import SchemeListView

    class OnePerMinute(AnonRateThrottle):
        rate = "1/minute"
        scope = "test-one"

    monkeypatch.setattr(SchemeListView, "throttle_classes", [OnePerMinute])
    assert anon.get(f"{API}schemes/").status_code == 200
    response = anon.get(f"{API}schemes/")
    error = assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert error["details"]["retry_after"] > 0
