"""Signing in as people would: e-mail and password, the second factor for the roles that need it,
its setup before any work page opens, and the lockout after repeated failures."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.mfa import totp_code_now
from tests.factories import TEST_TOTP_SECRET, UserFactory, vendor_user
from trust.models import AuditEntry
from trust.services import audit_verify

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # allauth remembers used TOTP codes in the cache
    yield
    cache.clear()


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def test_sign_in_vendor_needs_no_second_factor(client, vendor_member):
    response = sign_in(client, vendor_member.email)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:home")
    assert int(client.session["_auth_user_id"]) == vendor_member.pk


@pytest.mark.parametrize("role_fixture, desk", [
    ("evaluator", "certification:evaluator_queue"),
    ("certifier", "certification:certifier_queue"),
    ("staff", "certification:staff_queue"),
])
def test_sign_in_asks_the_code_of_roles_that_need_it(client, request, role_fixture, desk):
    user = request.getfixturevalue(role_fixture)
    response = sign_in(client, user.email)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # the password alone signs no one in
    page = client.get(reverse("mfa_authenticate")).content.decode()
    assert "Nhập mã xác thực" in page and 'autocomplete="one-time-code"' in page

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "Mã không đúng." in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code_now(TEST_TOTP_SECRET)}, follow=True)
    assert int(client.session["_auth_user_id"]) == user.pk
    assert response.redirect_chain[-1][0] == reverse(desk) and response.status_code == 200


def test_sign_in_wrong_password_is_refused_in_vietnamese(client, vendor_member):
    response = sign_in(client, vendor_member.email, "wrong-password")
    assert response.status_code == 200
    assert "Địa chỉ thư điện tử hoặc mật khẩu không đúng." in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", ["evaluator", "certifier", "staff"])
def test_mfa_no_work_or_admin_page_opens_until_totp_is_set_up(client, roles_ready, role):
    user = UserFactory(role=role, mfa=False)
    client.force_login(user)
    for path in (reverse("accounts:home"), "/work/", reverse("certification:evaluator_queue"),
                 reverse("certification:staff_queue"), reverse("admin:index"), reverse("registry:api_tokens"),
                 reverse("registry:product_list")):
        response = client.get(path, follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate")), path
        assert any(url == reverse("mfa_activate_totp") for url, _ in response.redirect_chain), path
    # their own account pages stay open, so they can set it up
    assert client.get(reverse("accounts:overview")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("registry:privacy_notice")).status_code == 200


def test_mfa_session_without_totp_counts_for_nothing_in_the_api(client, roles_ready):
    client.force_login(UserFactory(role="staff", mfa=False))
    assert client.get("/api/v1/applications/").status_code == 401
    assert client.get("/api/v1/products/").status_code == 200  # public answers still work


def test_mfa_setup_turns_totp_on_audits_it_and_opens_the_desk(client, roles_ready):
    from allauth.mfa.models import Authenticator

    user = UserFactory(role="evaluator", mfa=False)
    response = sign_in(client, user.email, follow=True)
    # setting up a second factor asks for the password once more, as any change to how the account is protected
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert "Vai trò của bạn bắt buộc xác thực hai yếu tố" in response.content.decode()
    response = client.post(response.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    page = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in page and "http" not in page.split('src="data:', 1)[1][:20]
    secret = response.context["form"].secret

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "123456"})
    assert wrong.status_code == 200 and "Mã không đúng." in wrong.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()

    client.post(reverse("mfa_activate_totp"), {"code": totp_code_now(secret)})
    assert set(Authenticator.objects.filter(user=user).values_list("type", flat=True)) == {"totp",
                                                                                         "recovery_codes"}
    assert AuditEntry.objects.filter(action="mfa.add", object_id=str(user.pk)).count() == 2
    assert audit_verify().ok
    assert client.get(reverse("certification:evaluator_queue")).status_code == 200


def test_admin_signs_in_through_the_site_sign_in(client, staff):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


# Lockout -------------------------------------------------------------------------------------

def test_lockout_after_repeated_wrong_passwords_for_one_account(client, vendor_member, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert sign_in(client, vendor_member.email, "wrong-password").status_code == 200
    response = sign_in(client, vendor_member.email, "wrong-password")
    assert response.status_code == 429 and int(response["Retry-After"]) == 15 * 60
    html = response.content.decode()
    assert "Tạm khóa đăng nhập" in html and "15 phút" in html
    # even the right password is refused while locked, with the same clear page
    response = sign_in(client, vendor_member.email)
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # the same account from another address is locked too (per account)
    assert sign_in(client, vendor_member.email, REMOTE_ADDR="10.9.9.9").status_code == 429


def test_lockout_per_address_across_accounts(client, roles_ready, settings):
    settings.AXES_FAILURE_LIMIT = 3
    users = [vendor_user(email=f"nguoi{i}@vendor.vn") for i in range(4)]
    for user in users[:3]:
        sign_in(client, user.email, "wrong-password", REMOTE_ADDR="203.0.113.7")
    assert sign_in(client, users[3].email, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert sign_in(client, users[3].email, REMOTE_ADDR="198.51.100.1").status_code == 302  # other address


def test_lockout_page_in_english(client, vendor_member, settings):
    settings.AXES_FAILURE_LIMIT = 1
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = sign_in(client, vendor_member.email, "wrong-password")
    assert response.status_code == 429 and "Sign-in locked for a while" in response.content.decode()


def test_lockout_counts_wrong_second_factor_codes(client, certifier, settings):
    settings.AXES_FAILURE_LIMIT = 3
    sign_in(client, certifier.email)
    for _ in range(2):
        assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 429
    # the right code no longer helps until the cool-off ends
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code_now(TEST_TOTP_SECRET)})
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_lockout_success_resets_the_account_count(client, vendor_member, settings):
    settings.AXES_FAILURE_LIMIT = 3
    sign_in(client, vendor_member.email, "wrong-password")
    sign_in(client, vendor_member.email, "wrong-password")
    assert sign_in(client, vendor_member.email).status_code == 302
    client.post(reverse("account_logout"))
    sign_in(client, vendor_member.email, "wrong-password")
    assert sign_in(client, vendor_member.email).status_code == 302


# Password reset -------------------------------------------------------------------------------

def test_password_reset_answers_alike_and_ends_tokens(client, buyer_with_token):
    import re

    from django.core import mail

    from accounts.tokens import api_token_check

    user, key = buyer_with_token
    mail.outbox.clear()
    known = client.post(reverse("account_reset_password"), {"email": user.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "khong.co@ai.vn"})
    assert known.status_code == unknown.status_code == 302 and known["Location"] == unknown["Location"]
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "không có tài khoản nào" in by_address["khong.co@ai.vn"].body
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", by_address[user.email].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"password1": "mot-mat-khau-moi-2026", "password2": "mot-mat-khau-moi-2026"})
    assert response.status_code == 302
    assert api_token_check(key).reason == "revoked"
    assert sign_in(client, user.email, "mot-mat-khau-moi-2026").status_code == 302
    assert AuditEntry.objects.filter(action="user.password_reset", object_id=str(user.pk)).exists()


@pytest.fixture
def buyer_with_token(roles_ready):
    from tests.factories import api_token_key

    user = UserFactory(role="procurement")
    return user, api_token_key(user)
