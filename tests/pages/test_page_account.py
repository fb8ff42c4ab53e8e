"""A person's own account pages: API tokens, signed-in devices, personal data, closing the account,
the privacy notice, and allauth's pages wearing the site's frame."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, User
from tests.factories import UserFactory, api_token_key
from trust.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture
def buyer(roles_ready):
    return UserFactory(role="procurement", email="mua.sam@bo.gov.vn")


# API tokens ------------------------------------------------------------------------------------

def test_page_tokens_make_show_once_and_revoke(client, buyer):
    client.force_login(buyer)
    url = reverse("registry:api_tokens")
    assert "Bạn chưa có mã truy cập API nào." in client.get(url).content.decode()

    response = client.post(url, {"name": "Hệ thống mua sắm", "lifetime_days": "30"})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url)
    html = page.content.decode()
    key = re.search(r'<pre class="evidence break-all">([^<]+)</pre>', html).group(1)
    token = ApiToken.objects.get(user=buyer)
    assert token.prefix == key[:8] and "chỉ được hiển thị một lần" in html
    assert page["Cache-Control"] == "no-store"
    assert key not in client.get(url).content.decode()  # shown once

    response = client.post(reverse("registry:api_token_revoke", args=[token.pk]), follow=True)
    assert "đã bị thu hồi" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_reason == "owner"


@pytest.mark.parametrize("data, field_error", [
    ({"name": "", "lifetime_days": "90"}, "Trường này là bắt buộc."),
    ({"name": "x", "lifetime_days": "7"}, "Hãy chọn một lựa chọn hợp lệ"),
])
def test_page_tokens_bad_input_is_400_and_makes_nothing(client, buyer, data, field_error):
    client.force_login(buyer)
    before = AuditEntry.objects.count()
    response = client.post(reverse("registry:api_tokens"), data)
    assert response.status_code == 400 and field_error in response.content.decode()
    assert not ApiToken.objects.exists() and AuditEntry.objects.count() == before


def test_page_tokens_of_someone_else_are_404(client, buyer, roles_ready):
    other = UserFactory(role="procurement")
    api_token_key(other)
    token = ApiToken.objects.get(user=other)
    client.force_login(buyer)
    assert client.post(reverse("registry:api_token_revoke", args=[token.pk])).status_code == 404
    assert client.get(reverse("registry:api_token_revoke", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "test" not in client.get(reverse("registry:api_tokens")).content.decode().split("Mã truy cập của bạn")[1]


def test_page_tokens_revoking_twice_says_so(client, buyer):
    client.force_login(buyer)
    api_token_key(buyer)
    token = ApiToken.objects.get(user=buyer)
    client.post(reverse("registry:api_token_revoke", args=[token.pk]))
    response = client.post(reverse("registry:api_token_revoke", args=[token.pk]), follow=True)
    assert "Mã truy cập này đã bị thu hồi." in response.content.decode()


@pytest.mark.parametrize("name", ["registry:api_tokens", "registry:personal_data", "registry:personal_data_download",
                                  "accounts:overview", "usersessions_list", "mfa_index"])
def test_page_account_pages_need_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


# Signed-in devices ------------------------------------------------------------------------------

def test_page_sessions_list_and_sign_out_everywhere(client, buyer):
    other_device = Client(HTTP_USER_AGENT="Other browser")
    for device in (client, other_device):
        device.post(reverse("account_login"), {"login": buyer.email, "password": PASSWORD},
                    HTTP_USER_AGENT="Other browser" if device is other_device else "This browser")
    html = client.get(reverse("usersessions_list")).content.decode()
    assert "Other browser" in html and "Đăng xuất trên mọi thiết bị khác" in html
    response = client.post(reverse("usersessions_list"), follow=True)
    assert "đã được đăng xuất trên mọi thiết bị khác" in response.content.decode()
    assert other_device.get(reverse("accounts:overview")).status_code == 302  # signed out there
    assert client.get(reverse("accounts:overview")).status_code == 200  # not here


# Personal data ----------------------------------------------------------------------------------

def test_page_personal_data_download(client, buyer):
    client.force_login(buyer)
    html = client.get(reverse("registry:personal_data")).content.decode()
    assert "Tải dữ liệu của bạn" in html and "Đóng tài khoản" in html
    response = client.get(reverse("registry:personal_data_download"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["sections"]["account"]["email"] == "mua.sam@bo.gov.vn"


def test_page_account_delete_wrong_password_is_400_and_changes_nothing(client, buyer):
    client.force_login(buyer)
    before = AuditEntry.objects.count()
    response = client.post(reverse("registry:account_delete"), {"password": "wrong", "confirm": "on"})
    assert response.status_code == 400 and "Mật khẩu không đúng." in response.content.decode()
    response = client.post(reverse("registry:account_delete"), {"password": PASSWORD})
    assert response.status_code == 400  # the confirmation box is required
    buyer.refresh_from_db()
    assert buyer.is_active and buyer.email == "mua.sam@bo.gov.vn" and AuditEntry.objects.count() == before


def test_page_account_delete_signs_out_and_pseudonymises(client, buyer):
    client.force_login(buyer)
    response = client.post(reverse("registry:account_delete"), {"password": PASSWORD, "confirm": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("registry:product_list")
    assert "Tài khoản của bạn đã được đóng" in response.content.decode()
    assert "_auth_user_id" not in client.session
    user = User.objects.get(pk=buyer.pk)
    assert user.email.startswith("deleted-user-") and not user.is_active


# The privacy notice and the frame of allauth's pages --------------------------------------------

def test_page_privacy_notice_in_both_languages(client):
    html = client.get(reverse("registry:privacy_notice")).content.decode()
    assert "Nghị định 13/2023/NĐ-CP" in html and "Quyền của bạn" in html
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("registry:privacy_notice")).content.decode()
    assert "Decree 13/2023/ND-CP" in html and "Your rights" in html
    assert f'href="{reverse("registry:privacy_notice")}"' in client.get("/").content.decode()  # in the footer


def _in_site_frame(html: str) -> None:
    assert '<html lang="vi">' in html and 'class="brand-mark"' in html  # our base.html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from outside
    # the CSP forbids inline code: scripts are files of our own, or JSON data that never runs
    assert not re.search(r'<script(?![^>]*(src="/static/|type="application/json"))', html) and "style=" not in html


@pytest.mark.parametrize("path", [
    "/accounts/login/", "/accounts/password/reset/", "/accounts/password/reset/done/", "/accounts/signup/",
    "/accounts/confirm-email/not-a-key/", "/accounts/password/reset/key/1-bad/", "/privacy/",
    "/vendors/register/done/",
])
def test_page_anonymous_account_pages_are_ours_and_vietnamese(client, path):
    response = client.get(path, follow=True)
    assert response.status_code == 200
    _in_site_frame(response.content.decode())


@pytest.mark.parametrize("path", [
    "/accounts/", "/accounts/password/change/", "/accounts/email/", "/accounts/2fa/", "/accounts/sessions/",
    "/accounts/tokens/", "/accounts/personal-data/", "/accounts/logout/", "/accounts/2fa/recovery-codes/",
])
def test_page_signed_in_account_pages_are_ours_and_vietnamese(client, evaluator, path):
    client.post(reverse("account_login"), {"login": evaluator.email, "password": PASSWORD})
    from django.core.cache import cache

    from accounts.mfa import totp_code_now
    from tests.factories import TEST_TOTP_SECRET

    cache.clear()
    client.post(reverse("mfa_authenticate"), {"code": totp_code_now(TEST_TOTP_SECRET)})
    response = client.get(path, follow=True)
    assert response.status_code == 200, response.redirect_chain
    _in_site_frame(response.content.decode())
