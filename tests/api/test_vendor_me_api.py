"""GET/PATCH /api/v1/vendors/me/: a vendor member's own company profile."""

import pytest

from registry.models import Vendor
from tests.api.helpers import API, assert_error, auth
from trust.models import AuditEntry

pytestmark = pytest.mark.django_db
ME = f"{API}vendors/me/"


def test_vendor_me_api_returns_the_full_profile_of_an_unverified_vendor(api_client, unverified_vendor_member):
    vendor = unverified_vendor_member.vendor_membership.vendor
    body = auth(api_client, unverified_vendor_member).get(ME).json()
    assert body["id"] == vendor.pk and body["tax_code"] == vendor.tax_code
    assert body["verified_at"] is None and body["security_contact_email"] == vendor.security_contact_email
    assert body["province"] == "01" and body["province_display"]


def test_vendor_me_api_shows_verified_at(api_client, unverified_vendor_member, staff):
    from registry.services import vendor_verify

    vendor_verify(vendor=unverified_vendor_member.vendor_membership.vendor, actor=staff)
    assert auth(api_client, unverified_vendor_member).get(ME).json()["verified_at"]


def test_vendor_me_api_patch_updates_through_the_service(api_client, unverified_vendor_member):
    response = auth(api_client, unverified_vendor_member).patch(
        ME, {"address": "Số 1 Đại Cồ Việt, Hà Nội", "website": "https://vendor-a.vn"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["address"] == "Số 1 Đại Cồ Việt, Hà Nội"
    vendor = Vendor.objects.get(pk=unverified_vendor_member.vendor_membership.vendor_id)
    assert vendor.website == "https://vendor-a.vn"
    assert AuditEntry.objects.order_by("-sequence").first().action == "vendor.update"


def test_vendor_me_api_patch_ignores_verified_at(api_client, unverified_vendor_member):
    response = auth(api_client, unverified_vendor_member).patch(ME, {"verified_at": "2025-01-01T00:00:00Z"}, format="json")
    assert response.status_code == 200 and response.json()["verified_at"] is None
    assert Vendor.objects.get(pk=unverified_vendor_member.vendor_membership.vendor_id).verified_at is None


def test_vendor_me_api_tax_code_change_is_locked(api_client, vendor_member):
    vendor = vendor_member.vendor_membership.vendor
    before = AuditEntry.objects.count()
    response = auth(api_client, vendor_member).patch(ME, {"tax_code": "0399999999", "address": "X"}, format="json")
    error = assert_error(response, 400, "tax_code_locked")
    assert "tax_code" in error["details"]
    vendor.refresh_from_db()
    assert vendor.tax_code != "0399999999" and vendor.address == "" and AuditEntry.objects.count() == before


def test_vendor_me_api_invalid_value_is_400(api_client, vendor_member):
    response = auth(api_client, vendor_member).patch(ME, {"legal_name": ""}, format="json")
    assert "legal_name" in assert_error(response, 400)["details"]


@pytest.mark.parametrize("role", ["staff", "evaluator", "procurement"])
def test_vendor_me_api_other_users_get_404(api_client, request, role):
    user = request.getfixturevalue(role)
    assert_error(auth(api_client, user).get(ME), 404)
    assert_error(auth(api_client, user).patch(ME, {"address": "X"}, format="json"), 404)


def test_vendor_me_api_needs_authentication(anon):
    assert_error(anon.get(ME), 401)


def test_vendor_me_api_is_in_the_schema(anon):
    schema = anon.get(f"{API}schema/", HTTP_ACCEPT="application/json").json()
    assert {"get", "patch"} <= set(schema["paths"]["/api/v1/vendors/me/"])
