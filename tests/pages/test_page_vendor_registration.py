"""Vendor self-registration, the company profile page and staff verification, through the pages."""

import pytest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime

from accounts.models import User
from registry.models import Vendor, VendorMembership
from tests.factories import VendorFactory
from trust.models import AuditEntry

pytestmark = pytest.mark.django_db

FORM = {
    "email": "giamdoc@baomatviet.vn",
    "full_name": "Trần Văn Minh",
    "password1": "Tường-lửa-vững-chắc-2025",
    "password2": "Tường-lửa-vững-chắc-2025",
    "language": "vi",
    "legal_name": "Công ty Cổ phần Bảo Mật Việt",
    "name_en": "Bao Mat Viet JSC",
    "tax_code": "0108765432",
    "province": "01",
    "address": "1 Tràng Tiền, Hoàn Kiếm",
    "website": "https://baomatviet.vn",
    "security_contact_email": "psirt@baomatviet.vn",
}


def counts() -> dict:
    return {m.__name__: m.objects.count() for m in (User, Vendor, VendorMembership, AuditEntry)}


def test_page_vendor_registration_linked_from_login(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("registry:vendor_register")}"' in html and "Đăng ký nhà cung cấp" in html


def test_page_vendor_registration_form_is_in_vietnamese(client):
    response = client.get(reverse("registry:vendor_register"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Đăng ký nhà cung cấp" in html and "Mã số thuế" in html and 'name="password2"' in html
    assert 'value="79"' in html  # the province select


def test_page_vendor_registration_confirm_address_then_sign_in_to_the_dashboard(client, roles_ready):
    import re

    from django.core import mail

    mail.outbox.clear()
    response = client.post(reverse("registry:vendor_register"), FORM)
    assert response.status_code == 302 and response["Location"] == reverse("registry:vendor_register_done")
    assert "_auth_user_id" not in client.session  # not signed in before the address is confirmed
    html = client.get(response["Location"]).content.decode()
    assert "Kiểm tra hộp thư" in html
    user = User.objects.get(email="giamdoc@baomatviet.vn")
    assert user.vendor_membership.vendor.tax_code == "0108765432"

    # Signing in before confirming only sends the link again.
    response = client.post(reverse("account_login"), {"login": FORM["email"], "password": FORM["password1"]})
    assert response.status_code == 302 and "_auth_user_id" not in client.session

    [message, *_again] = mail.outbox
    assert message.to == [FORM["email"]] and "Xác nhận" in message.subject  # in the language chosen on the form
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    path = link.split("testserver", 1)[-1]
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302

    response = client.post(reverse("account_login"), {"login": FORM["email"], "password": FORM["password1"]},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("certification:vendor_dashboard")
    html = response.content.decode()
    assert "Công ty Cổ phần Bảo Mật Việt" in html and "chưa được xác minh" in html
    assert int(client.session["_auth_user_id"]) == user.pk


def _answer(client, data) -> tuple:
    """What a registrant sees: status, where they are sent, and that page without its CSRF token."""
    import re

    from django.test import Client

    fresh = Client()
    response = fresh.post(reverse("registry:vendor_register"), data)
    page = fresh.get(response["Location"]).content.decode() if response.status_code == 302 else ""
    return response.status_code, response.get("Location"), re.sub(r'value="[^"]{40,}"', "", page)


def test_page_vendor_registration_known_email_or_tax_code_answers_like_a_new_one(client, roles_ready):
    from tests.factories import UserFactory

    new = _answer(client, FORM)
    assert new[0] == 302
    VendorFactory(tax_code="0108000006")
    UserFactory(email="da.co@baomatviet.vn")
    before = counts()
    known_tax_code = _answer(client, {**FORM, "email": "moi@baomatviet.vn", "tax_code": "0108000006"})
    known_email = _answer(client, {**FORM, "email": "da.co@baomatviet.vn", "tax_code": "0108000014"})
    known_both = _answer(client, {**FORM, "email": "giamdoc@baomatviet.vn"})
    assert new == known_tax_code == known_email == known_both
    assert counts() == before


def test_page_vendor_registration_invalid_tax_code_is_400_and_creates_nothing(client, roles_ready):
    before = counts()
    response = client.post(reverse("registry:vendor_register"), {**FORM, "tax_code": "123"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Mã số thuế gồm 10 chữ số" in html and 'class="errorlist"' in html
    assert 'value="giamdoc@baomatviet.vn"' in html  # what was typed is kept
    assert counts() == before and "_auth_user_id" not in client.session


def test_page_vendor_registration_mismatched_passwords_is_400(client, roles_ready):
    before = counts()
    response = client.post(reverse("registry:vendor_register"), {**FORM, "password2": "khác-hẳn-mật-khẩu-1"})
    assert response.status_code == 400 and "Hai mật khẩu không khớp" in response.content.decode()
    assert counts() == before


def test_page_vendor_profile_edits_everything_but_the_tax_code(client, unverified_vendor_member):
    vendor = unverified_vendor_member.vendor_membership.vendor
    client.force_login(unverified_vendor_member)
    html = client.get(reverse("certification:vendor_profile")).content.decode()
    assert vendor.tax_code in html and "readonly" in html and 'name="tax_code"' not in html
    response = client.post(reverse("certification:vendor_profile"), {
        "legal_name": "Công ty TNHH Mới", "name_en": "New Co", "province": "48", "address": "Đà Nẵng",
        "website": "https://moi.vn", "security_contact_email": "psirt@moi.vn", "tax_code": "0399999999",
    })
    assert response.status_code == 302 and response["Location"] == reverse("certification:vendor_profile")
    vendor.refresh_from_db()
    assert vendor.legal_name == "Công ty TNHH Mới" and vendor.province == "48" and vendor.address == "Đà Nẵng"
    assert vendor.tax_code != "0399999999"
    assert AuditEntry.objects.order_by("-sequence").first().action == "vendor.update"


def test_page_vendor_profile_invalid_input_is_400(client, unverified_vendor_member):
    client.force_login(unverified_vendor_member)
    response = client.post(reverse("certification:vendor_profile"), {"legal_name": "", "province": "01"})
    assert response.status_code == 400 and 'class="errorlist"' in response.content.decode()


def test_page_vendor_profile_is_for_vendor_members(client, staff):
    client.force_login(staff)
    assert client.get(reverse("certification:vendor_profile")).status_code == 403


def test_page_vendor_registration_staff_verify_and_public_page(client, roles_ready, staff, make_certificate):
    from django.core import mail

    client.post(reverse("registry:vendor_register"), FORM)
    vendor = Vendor.objects.get(tax_code="0108765432")

    client.force_login(staff)
    html = client.get(reverse("certification:staff_queue")).content.decode()
    verify_url = reverse("certification:vendor_verify", args=[vendor.pk])
    assert "Nhà cung cấp chờ xác minh" in html and "0108765432" in html and f'action="{verify_url}"' in html
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(email=FORM["email"]).update(verified=True)
    mail.outbox.clear()
    response = client.post(verify_url)
    assert response.status_code == 302 and response["Location"] == reverse("certification:staff_queue")
    vendor.refresh_from_db()
    assert vendor.verified_at is not None
    assert [m.to for m in mail.outbox] == [["giamdoc@baomatviet.vn"]]
    assert f'action="{verify_url}"' not in client.get(reverse("certification:staff_queue")).content.decode()
    assert client.post(verify_url).status_code == 409  # verifying twice

    from tests.factories import ProductFactory

    make_certificate(product=ProductFactory(vendor=vendor))
    html = client.get(reverse("registry:vendor_detail", args=[vendor.pk])).content.decode()
    assert "Đã xác minh" in html, html
    assert date_format(localtime(vendor.verified_at), "SHORT_DATE_FORMAT") in html


def test_page_vendor_verify_is_staff_only(client, unverified_vendor_member):
    vendor = unverified_vendor_member.vendor_membership.vendor
    client.force_login(unverified_vendor_member)
    assert client.post(reverse("certification:vendor_verify", args=[vendor.pk])).status_code == 403
    vendor.refresh_from_db()
    assert vendor.verified_at is None


def test_page_vendor_dashboard_has_no_notice_once_verified(client, unverified_vendor_member, staff):
    from registry.services import vendor_verify

    vendor_verify(vendor=unverified_vendor_member.vendor_membership.vendor, actor=staff)
    client.force_login(unverified_vendor_member)
    assert "chưa được xác minh" not in client.get(reverse("certification:vendor_dashboard")).content.decode()


def test_page_vendor_registration_staff_queue_caps_the_waiting_list(client, staff, monkeypatch):
    monkeypatch.setattr("certification.views.staff.UNVERIFIED_SHOWN", 2)
    vendors = [VendorFactory(verified_at=None) for _ in range(3)]
    client.force_login(staff)
    html = client.get(reverse("certification:staff_queue")).content.decode()
    assert vendors[0].tax_code in html and vendors[1].tax_code in html and vendors[2].tax_code not in html
    assert "trong tổng số 3" in html
