"""A vendor renews a certificate or adds a new version to it from the pages, as through the API; the
service decides (the form only shapes the choice), and a refused application changes nothing."""

import re

import pytest
from django.urls import reverse

from certification.models import Application
from registry.selectors import vendor_for_user
from tests.factories import ProductVersionFactory

pytestmark = pytest.mark.django_db


def _post(client, **fields):
    return client.post(reverse("certification:application_create"),
                       {f"application-{name}": value for name, value in fields.items()})


def test_vendor_renews_and_extends_a_certificate_from_the_pages(client, vendor_member, other_vendor_member, journey,
                                                               with_artifacts):
    app = journey(with_artifacts, "certified")
    certificate = app.certificate
    client.force_login(vendor_member)
    dashboard = client.get(reverse("certification:vendor_dashboard")).content.decode()
    assert f"?kind=renewal&amp;certificate={certificate.serial}" in dashboard
    assert f"?kind=maintenance&amp;certificate={certificate.serial}" in dashboard

    # the dashboard's link fills in the certificate, its scheme, level and version
    form = client.get(reverse("certification:application_create"),
                      {"kind": "renewal", "certificate": certificate.serial}).content.decode()
    assert re.search(r'<input[^>]*value="renewal"[^>]*checked', form)
    assert re.search(rf'<option value="{certificate.serial}"[^>]*selected', form)
    assert re.search(rf'<option value="{app.product_version_id}"[^>]*selected', form)

    common = {"certificate": certificate.serial, "scheme": app.scheme_id, "level": app.level}
    response = _post(client, kind="renewal", product_version=app.product_version_id, **common)
    assert response.status_code == 302
    renewal = Application.objects.latest("pk")
    assert renewal.kind == "renewal" and renewal.renewal_of_id == certificate.pk and renewal.status == "draft"

    # a new version without an impact analysis: the error at the field, nothing created
    version = ProductVersionFactory(product=app.product_version.product, version="2.0")
    before = Application.objects.count()
    response = _post(client, kind="maintenance", product_version=version.pk, **common)
    html = response.content.decode()
    assert response.status_code == 400 and 'id="id_application-impact_analysis_error"' in html
    assert Application.objects.count() == before

    manual = app.cases.exclude(requirement__method="automated").select_related("requirement").first().requirement
    response = _post(client, kind="maintenance", product_version=version.pk, impact_analysis="Sửa lỗi giao diện",
                     affected_requirements=f"{manual.code}, ", **common)
    assert response.status_code == 302
    maintenance = Application.objects.latest("pk")
    assert maintenance.kind == "maintenance" and maintenance.maintenance_of_id == certificate.pk
    assert maintenance.affected_requirements == [manual.code]

    # a renewal needs a certificate; another vendor cannot name this one
    before = Application.objects.count()
    assert _post(client, kind="renewal", product_version=app.product_version_id, scheme=app.scheme_id,
                 level=app.level).status_code == 400
    client.force_login(other_vendor_member)
    theirs = ProductVersionFactory(product__vendor=vendor_for_user(other_vendor_member))
    assert _post(client, kind="renewal", product_version=theirs.pk, **common).status_code == 400
    assert Application.objects.count() == before
