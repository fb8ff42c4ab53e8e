"""The whole certification journey through the pages, as people would click it (no JavaScript)."""

import pytest
from django.urls import reverse

from certification.models import Application
from registry.models import Certificate, Product
from tests.factories import PDF_BYTES, installer_bytes, upload

pytestmark = pytest.mark.django_db


def _post(client, url, data, *, expect=302, **kwargs):
    response = client.post(url, data, **kwargs)
    assert response.status_code == expect, response.content.decode()[:3000]
    return response


def test_page_journey_vendor_to_public_certificate(client, scheme, vendor_member, staff, evaluator, certifier):
    # Vendor signs in with the e-mail form and lands on the vendor desk.
    response = client.post(reverse("accounts:login"), {"login": vendor_member.email,
                                                       "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).redirect_chain[-1][0] == reverse(
        "certification:vendor_dashboard")

    _post(client, reverse("certification:product_create"), {
        "product-name": "Tường lửa Sen Vàng", "product-name_en": "Golden Lotus Firewall",
        "product-category": "firewall", "product-description_vi": "Bảo vệ mạng doanh nghiệp.",
        "product-description_en": "Protects enterprise networks.",
        "product-mvn_researched": "on", "product-mvn_developed": "on", "product-mvn_produced": "on",
        "product-mvn_source_owner": "on",
    })
    product = Product.objects.get(name="Tường lửa Sen Vàng")
    assert not product.made_in_vietnam  # the claims wait for staff to review an attestation with evidence

    _post(client, reverse("certification:version_create"),
          {"version-product": product.pk, "version-version": "3.1.0"})
    version = product.versions.get(version="3.1.0")

    response = _post(client, reverse("certification:application_create"), {
        "application-product_version": version.pk, "application-scheme": scheme.pk, "application-level": "basic"})
    app = Application.objects.get(product_version=version)
    assert response["Location"] == reverse("certification:application_detail", args=[app.pk])

    detail = client.get(reverse("certification:application_detail", args=[app.pk]))
    assert detail.status_code == 200
    assert b'enctype="multipart/form-data"' in detail.content

    url = reverse("certification:artifact_upload", args=[app.pk])
    _post(client, url, {"kind": "installer", "file": upload("setup.bin", installer_bytes())})
    _post(client, url, {"kind": "user_guide", "file": upload("guide.pdf", PDF_BYTES)})
    assert app.artifacts.count() == 2

    _post(client, reverse("certification:application_action", args=[app.pk]), {"action": "submit", "note": ""})
    app.refresh_from_db()
    assert app.status == "submitted"

    # Staff assigns an evaluator from the multi-select.
    client.force_login(staff)
    page = client.get(reverse("certification:staff_queue"))
    assert f"#{app.pk}".encode() in page.content
    detail = client.get(reverse("certification:application_detail", args=[app.pk]))
    assert evaluator.email.encode() in detail.content
    _post(client, reverse("certification:application_action", args=[app.pk]),
          {"action": "assign", "evaluators": [evaluator.email], "note": ""})
    app.refresh_from_db()
    assert app.status == "in_evaluation"

    # The evaluator scores every manual and document case; automated checks ran after submission.
    client.force_login(evaluator)
    assert f"#{app.pk}".encode() in client.get(reverse("certification:evaluator_queue")).content
    assert client.post(reverse("certification:independence_declare", args=[app.pk])).status_code == 302
    for case in app.cases.select_related("requirement").exclude(requirement__method="automated"):
        url = reverse("certification:case_score", args=[app.pk, case.requirement.code])
        assert client.get(url).status_code == 200
        _post(client, url, {"result": "pass", "notes": "Đạt yêu cầu"})
    assert set(app.cases.values_list("result", flat=True)) == {"pass"}
    _post(client, reverse("certification:application_action", args=[app.pk]), {"action": "complete", "note": "", "confirm": "yes"})
    app.refresh_from_db()
    assert app.status == "evaluated"

    # The certifier sees the pass rule by group and certifies.
    client.force_login(certifier)
    assert f"#{app.pk}".encode() in client.get(reverse("certification:certifier_queue")).content
    detail = client.get(reverse("certification:application_detail", args=[app.pk]))
    assert b'value="certify"' in detail.content
    assert "Chức năng bảo vệ".encode() in detail.content and "Quản trị và xác thực".encode() in detail.content
    _post(client, reverse("certification:application_action", args=[app.pk]), {"action": "certify", "note": "", "confirm": "yes"})
    app.refresh_from_db()
    assert app.status == "certified"
    certificate = Certificate.objects.get(pk=app.certificate_id)

    # The public registry shows it, and its verification page says it is active, in both languages.
    client.logout()
    listing = client.get(reverse("registry:product_list"), {"q": "tuong lua sen vang"})
    assert "Tường lửa Sen Vàng" in listing.content.decode()
    assert certificate.serial in listing.content.decode()
    verify = client.get(reverse("registry:certificate_verify", args=[certificate.serial]))
    assert verify.status_code == 200
    assert "Còn hiệu lực" in verify.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    verify = client.get(reverse("registry:certificate_verify", args=[certificate.serial]))
    assert "Active" in verify.content.decode()
    assert "Còn hiệu lực" not in verify.content.decode()
