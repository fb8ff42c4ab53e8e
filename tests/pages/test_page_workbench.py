import pytest
from django.urls import reverse

from certification.models import ConflictDeclaration

pytestmark = pytest.mark.django_db


def test_conflict_list_declares_a_relation(client, evaluator, vendor_member):
    from registry.selectors import vendor_for_user

    vendor = vendor_for_user(vendor_member)
    client.force_login(evaluator)
    url = reverse("certification:conflict_list")
    response = client.post(url, {"tax_code": vendor.tax_code, "relation": "consulting", "started_on": "2024-01-01",
                                 "ended_on": "", "note": "Tư vấn triển khai"})
    assert response.status_code == 302
    declaration = ConflictDeclaration.objects.get(evaluator=evaluator)
    assert declaration.vendor == vendor and declaration.ended_on is None
    assert vendor.legal_name in client.get(url).content.decode()


def test_conflict_list_bad_input_changes_nothing(client, evaluator):
    client.force_login(evaluator)
    url = reverse("certification:conflict_list")
    response = client.post(url, {"tax_code": "0000000000", "relation": "consulting", "started_on": "2024-01-01"})
    assert response.status_code == 400 and "Không có nhà cung cấp" in response.content.decode()
    response = client.post(url, {"tax_code": "", "relation": "family", "started_on": "2025-01-01",
                                 "ended_on": "2024-01-01"})
    assert response.status_code == 400
    assert not ConflictDeclaration.objects.exists()


def test_conflict_list_only_for_evaluators(client, vendor_member):
    client.force_login(vendor_member)
    assert client.get(reverse("certification:conflict_list")).status_code == 403


def test_application_hidden_until_independence_declared(client, with_artifacts, journey, evaluator):
    app = journey(with_artifacts, "in_evaluation")
    client.force_login(evaluator)
    url = reverse("certification:application_detail", args=[app.pk])
    html = client.get(url).content.decode()
    assert "certification:independence_declare" not in html
    assert reverse("certification:independence_declare", args=[app.pk]) in html
    assert "FW-01" not in html  # the cases stay hidden
    client.post(reverse("certification:independence_declare", args=[app.pk]))
    assert "FW-01" in client.get(url).content.decode()


def test_application_page_polls_live_state_while_checks_run(client, with_artifacts, journey, vendor_member):
    from certification.models import CheckRun

    app = journey(with_artifacts, "submitted")
    CheckRun.objects.filter(application=app).update(status="running")
    client.force_login(vendor_member)
    html = client.get(reverse("certification:application_detail", args=[app.pk])).content.decode()
    assert f'data-live-url="/api/v1/applications/{app.pk}/status/"' in html
    assert "/static/js/application-live.js" in html and 'id="check-status-labels"' in html
    assert client.get(f"/api/v1/applications/{app.pk}/status/").json()["checks"][0]["status"] == "running"
    CheckRun.objects.filter(application=app).update(status="done")
    html = client.get(reverse("certification:application_detail", args=[app.pk])).content.decode()
    assert "data-live-url" not in html


@pytest.mark.reports
def test_application_page_links_evaluation_report(client, with_artifacts, journey, certifier, vendor_member):
    app = journey(with_artifacts, "evaluated")
    client.force_login(certifier)
    html = client.get(reverse("certification:application_detail", args=[app.pk])).content.decode()
    url = reverse("certification:evaluation_report_download", args=[app.pk])
    assert url in html
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.force_login(vendor_member)  # the vendor's copy only after the decision
    assert url not in client.get(reverse("certification:application_detail", args=[app.pk])).content.decode()


def test_component_inventory_page(client, with_artifacts, vendor_member, other_vendor_member, evaluator, staff):
    from certification.models import SbomComponent

    app = with_artifacts
    artifact = app.artifacts.first()
    for name in ("lodash", "jackson-databind", "express"):
        SbomComponent.objects.create(application=app, artifact=artifact, name=name, version="1.0.0",
                                     purl=f"pkg:npm/{name}@1.0.0", purl_type="npm", licenses=["MIT"])
    url = reverse("certification:component_list", args=[app.pk])
    client.force_login(vendor_member)
    html = client.get(url, {"q": "jackson"}).content.decode()
    assert "jackson-databind" in html and "lodash" not in html
    assert url in client.get(reverse("certification:application_detail", args=[app.pk])).content.decode()
    client.force_login(other_vendor_member)
    assert client.get(url).status_code == 404
    client.force_login(staff)
    assert "express" in client.get(url).content.decode()


def test_artifact_download_scoped_and_gated(client, with_artifacts, journey, evaluator, other_vendor_member,
                                            vendor_member):
    from tests.factories import PDF_BYTES

    app = journey(with_artifacts, "in_evaluation")
    guide = app.artifacts.get(kind="user_guide")
    url = reverse("certification:artifact_download", args=[app.pk, guide.pk])
    client.force_login(vendor_member)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment")
    client.force_login(other_vendor_member)
    assert client.get(url).status_code == 404
    client.force_login(evaluator)
    assert client.get(url).status_code == 302  # to the statement of independence first
    client.post(reverse("certification:independence_declare", args=[app.pk]))
    assert client.get(url).status_code == 200
