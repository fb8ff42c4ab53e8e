"""The application resources: shape of the representation and a query count that does not grow."""

import pytest

from tests.api.helpers import API, auth
from tests.factories import PDF_BYTES, ProductVersionFactory, installer_bytes, upload

pytestmark = pytest.mark.django_db


def _application_with_artifacts(*, vendor_member, scheme):
    from certification.process.services import application_create, artifact_upload
    from registry.selectors import vendor_for_user

    version = ProductVersionFactory(product__vendor=vendor_for_user(vendor_member))
    app = application_create(actor=vendor_member, product_version=version, scheme=scheme, level="basic")
    artifact_upload(application=app, actor=vendor_member, kind="installer", file=upload("setup.bin", installer_bytes()))
    artifact_upload(application=app, actor=vendor_member, kind="user_guide", file=upload("guide.pdf", PDF_BYTES))
    return app


def _list_queries(client, user, django_assert_max_num_queries) -> tuple[int, int]:
    auth(client, user)
    with django_assert_max_num_queries(20) as ctx:
        response = client.get(f"{API}applications/")
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()["count"]


def test_applications_api_list_queries_do_not_grow(api_client, vendor_member, staff, evaluator, certifier, scheme,
                                                   journey, django_assert_max_num_queries):
    """available_actions reads prefetched rows, so a longer list costs no more queries, for every role."""

    def add(n):
        for _ in range(n):
            _application_with_artifacts(vendor_member=vendor_member, scheme=scheme)  # draft: submit guard
            journey(_application_with_artifacts(vendor_member=vendor_member, scheme=scheme), "in_evaluation")
            journey(_application_with_artifacts(vendor_member=vendor_member, scheme=scheme), "evaluated")

    add(1)
    few = {u.email: _list_queries(api_client, u, django_assert_max_num_queries)
           for u in (vendor_member, staff, evaluator, certifier)}
    add(3)
    many = {u.email: _list_queries(api_client, u, django_assert_max_num_queries)
            for u in (vendor_member, staff, evaluator, certifier)}
    for email in few:
        assert few[email][0] == many[email][0], email
    assert many[vendor_member.email][1] == 12 and many[evaluator.email][1] == 8


def test_applications_api_representation(api_client, vendor_member, evaluator, scheme, journey):
    app = journey(_application_with_artifacts(vendor_member=vendor_member, scheme=scheme), "in_evaluation")
    assert auth(api_client, evaluator).post(f"{API}applications/{app.pk}/independence/").status_code == 201
    body = auth(api_client, evaluator).get(f"{API}applications/{app.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert set(body) == {"id", "status", "product_version", "product", "vendor", "scheme", "scheme_version", "level",
                         "available_actions", "cases", "progress", "checks", "findings", "artifacts", "events", "kind",
                         "certificate", "created_at", "submitted_at", "pass_rule", "independence"}
    assert body["status"] == "in_evaluation" and body["submitted_at"] and body["findings"] == []
    case = body["cases"][0]
    assert set(case) == {"requirement_code", "group", "title", "method", "mandatory", "result", "notes", "evidence", "deviation",
                         "updated_at"}
    assert [c["requirement_code"] for c in body["cases"]] == ["FW-01", "FW-02", "DOC-02", "INT-01", "DOC-01"]
    assert case["title"] == "Blocks traffic by policy"
    vietnamese = auth(api_client, evaluator).get(f"{API}applications/{app.pk}/", HTTP_ACCEPT_LANGUAGE="vi").json()
    assert vietnamese["cases"][0]["title"] == "Chặn lưu lượng theo chính sách"
    artifact = body["artifacts"][0]
    assert set(artifact) == {"id", "kind", "original_name", "sha256", "size", "content_type", "uploaded_at"}
    event = body["events"][-1]
    assert set(event) == {"action", "from_status", "to_status", "actor", "note", "created_at"}
    assert event["action"] == "assign" and event["to_status"] == "in_evaluation"


def test_applications_api_status_filter(api_client, vendor_member, draft, scheme, journey):
    submitted = journey(_application_with_artifacts(vendor_member=vendor_member, scheme=scheme), "submitted")
    auth(api_client, vendor_member)
    ids = [a["id"] for a in api_client.get(f"{API}applications/", {"status": "submitted"}).json()["results"]]
    assert ids == [submitted.pk]
    ids = [a["id"] for a in api_client.get(f"{API}applications/", {"status": "draft"}).json()["results"]]
    assert ids == [draft.pk]
