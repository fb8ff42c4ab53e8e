"""A person's own account through the services: API tokens, password changes ending them, the
personal-data export and closing the account without breaking the audit trail."""

import datetime
import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.personal_data import personal_data_export
from accounts.roles import user_roles
from accounts.tokens import api_token_check
from config.errors import ApplicationError, PermissionDeniedError, TransitionNotAllowed
from registry.account_services import api_token_issue, api_token_revoke, user_delete
from registry.models import Vendor, VendorMembership
from tests.factories import TEST_TOTP_SECRET, UserFactory, api_token_key, vendor_user
from trust.models import AuditEntry
from trust.services import audit_verify

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def counts() -> dict:
    return {m.__name__: m.objects.count() for m in (ApiToken, AuditEntry, User, VendorMembership, EmailAddress)}


# API tokens ------------------------------------------------------------------------------------

def test_api_token_issue_shows_the_key_once_and_audits_without_it(roles_ready):
    user = UserFactory(role="procurement")
    token, key = api_token_issue(user=user, actor=user, name="  Hệ thống mua sắm  ", lifetime_days=30)
    assert token.name == "Hệ thống mua sắm" and api_token_check(key).token == token
    assert (token.expires_at - token.created_at) == datetime.timedelta(days=30)
    entry = AuditEntry.objects.get(action="api_token.issue")
    assert entry.actor_id == user.pk and key not in json.dumps(entry.event(), default=str)
    assert entry.after["prefix"] == key[:8]
    assert audit_verify().ok


@pytest.mark.parametrize("name, days, field", [("", 90, "name"), ("x" * 101, 90, "name"), ("ok", 7, "lifetime_days"),
                                               ("ok", 400, "lifetime_days")])
def test_api_token_issue_bad_input_changes_nothing(roles_ready, name, days, field):
    user = UserFactory(role="procurement")
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        api_token_issue(user=user, actor=user, name=name, lifetime_days=days)
    assert field in caught.value.details and counts() == before


def test_api_token_issue_limits_active_tokens(roles_ready, settings):
    settings.API_TOKEN_MAX_ACTIVE = 2
    user = UserFactory(role="procurement")
    for n in range(2):
        api_token_issue(user=user, actor=user, name=f"t{n}", lifetime_days=90)
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        api_token_issue(user=user, actor=user, name="t3", lifetime_days=90)
    assert caught.value.code == "too_many_tokens" and counts() == before


def test_api_token_revoke_by_owner_only_and_once(roles_ready):
    owner, other = UserFactory(role="procurement"), UserFactory(role="procurement")
    token, key = api_token_issue(user=owner, actor=owner, name="script", lifetime_days=90)
    before = counts()
    with pytest.raises(PermissionDeniedError):
        api_token_revoke(token=token, actor=other)
    assert counts() == before and api_token_check(key).ok
    api_token_revoke(token=token, actor=owner)
    assert api_token_check(key).reason == "revoked"
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry.action == "api_token.revoke" and entry.after["revoked_reason"] == "owner"
    before = counts()
    with pytest.raises(TransitionNotAllowed):
        api_token_revoke(token=token, actor=owner)
    assert counts() == before


def test_password_change_revokes_every_token_whatever_the_path(roles_ready):
    user = UserFactory(role="procurement")
    keys = [api_token_issue(user=user, actor=user, name=f"t{n}", lifetime_days=90)[1] for n in range(2)]
    other_key = api_token_key(UserFactory(role="procurement"))
    user.set_password("a-brand-new-passphrase-27")
    user.save()  # as the admin, `changepassword` and allauth's pages all do
    assert [api_token_check(k).reason for k in keys] == ["revoked", "revoked"]
    assert set(ApiToken.objects.filter(user=user).values_list("revoked_reason", flat=True)) == {"password_changed"}
    assert api_token_check(other_key).ok
    entry = AuditEntry.objects.get(action="api_token.revoke_all")
    assert entry.data["reason"] == "password_changed" and len(entry.data["tokens"]) == 2
    assert audit_verify().ok


def test_password_change_page_revokes_tokens(client, roles_ready):
    user = UserFactory(role="procurement")
    key = api_token_key(user)
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    response = client.post("/accounts/password/change/", {"oldpassword": PASSWORD, "password1": "another-long-phrase-28",
                                                          "password2": "another-long-phrase-28"})
    assert response.status_code == 302
    assert api_token_check(key).reason == "revoked"
    assert AuditEntry.objects.filter(action="user.password_change", object_id=str(user.pk)).exists()
    assert "_auth_user_id" in client.session  # this device stays signed in


# Personal data ---------------------------------------------------------------------------------

def test_personal_data_export_holds_everything_and_no_secret(roles_ready, commit):
    from certification.process.workbench import conflict_declare

    evaluator = UserFactory(role="evaluator", email="danh.gia@lab.vn", full_name="Lê Văn Đánh")
    token, key = api_token_issue(user=evaluator, actor=evaluator, name="lab script", lifetime_days=90)
    vendor = vendor_user(email="a@vendor.vn").vendor_membership.vendor
    conflict_declare(evaluator=evaluator, vendor=vendor, relation="employment",
                     started_on=datetime.date(2020, 1, 1), ended_on=datetime.date(2021, 1, 1), note="")
    data = personal_data_export(user=evaluator)
    sections = data["sections"]
    assert sections["account"]["email"] == "danh.gia@lab.vn" and sections["account"]["roles"] == ["evaluator"]
    assert sections["email_addresses"] == [{"email": "danh.gia@lab.vn", "verified": True, "primary": True}]
    assert {f["type"] for f in sections["second_factors"]} == {"totp", "recovery_codes"}
    assert sections["api_tokens"][0]["name"] == "lab script"
    assert sections["conflict_declarations"][0]["vendor"] == vendor.legal_name
    assert any(e["action"] == "api_token.issue" for e in sections["audit_entries"])
    assert sections["vendor_membership"] is None
    dumped = json.dumps(data, default=str)
    assert key not in dumped and token.key_hash not in dumped and TEST_TOTP_SECRET not in dumped
    assert "password" not in json.dumps(sections["account"])


def test_personal_data_export_of_a_vendor_member(vendor_member):
    data = personal_data_export(user=vendor_member)["sections"]
    assert data["vendor_membership"]["tax_code"] == vendor_member.vendor_membership.vendor.tax_code


# Closing an account ----------------------------------------------------------------------------

def test_user_delete_wrong_password_changes_nothing(vendor_member):
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        user_delete(user=vendor_member, password="wrong", actor=vendor_member)
    assert "password" in caught.value.details and counts() == before
    vendor_member.refresh_from_db()
    assert vendor_member.is_active and vendor_member.email == "owner@vendor-a.vn"


def test_user_delete_only_by_the_holder(vendor_member, staff):
    before = counts()
    with pytest.raises(PermissionDeniedError):
        user_delete(user=vendor_member, password=PASSWORD, actor=staff)
    assert counts() == before


def test_user_delete_pseudonymises_and_keeps_the_audit_chain(client, roles_ready, staff, commit, api_client):
    vendor = Vendor.objects.create(legal_name="Công ty Một Mình", tax_code="0109999999")
    user = vendor_user(vendor, email="duy.nhat@motminh.vn", full_name="Trần Duy Nhất")
    _token, key = api_token_issue(user=user, actor=user, name="script", lifetime_days=90)  # audited under the e-mail
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})  # a session and sign-in records
    AccessAttempt.objects.create(username=user.email, ip_address="203.0.113.9", user_agent="x", failures_since_start=1,
                                 attempt_time=timezone.now(), get_data="", post_data="", http_accept="", path_info="")
    earlier = list(AuditEntry.objects.order_by("sequence").values_list("sequence", "hash"))
    assert earlier and AuditEntry.objects.filter(actor_repr="duy.nhat@motminh.vn").exists()
    mail.outbox.clear()

    with commit():
        result = user_delete(user=user, password=PASSWORD, actor=user)

    user = User.objects.get(pk=user.pk)
    assert result == {"tokens_revoked": 1, "sessions_ended": 1, "last_vendor_member": True}
    assert user.email == f"deleted-user-{user.pk}@deleted.invalid" and user.full_name == ""
    assert not user.is_active and not user.has_usable_password() and user_roles(user) == set()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    assert not AccessAttempt.objects.filter(username__iexact="duy.nhat@motminh.vn").exists()
    assert not VendorMembership.objects.filter(user=user).exists()
    assert Vendor.objects.filter(pk=vendor.pk).exists()  # the company stays
    # the audit log is untouched and still verifies; the deletion itself is its last entry
    assert list(AuditEntry.objects.filter(sequence__lte=earlier[-1][0]).order_by("sequence")
                .values_list("sequence", "hash")) == earlier
    last = AuditEntry.objects.order_by("-sequence").first()
    assert last.action == "user.delete" and last.actor_repr == user.email and "duy.nhat" not in str(last.event())
    assert AuditEntry.objects.filter(actor_repr="duy.nhat@motminh.vn").exists()  # history names who acted
    assert audit_verify().ok
    out = __import__("io").StringIO()
    call_command("audit_verify", stdout=out)
    assert "intact" in out.getvalue()
    # the session ended, the token answers 401, the old password signs no one in
    assert "_auth_user_id" not in client.session or client.get("/accounts/").status_code == 302
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.get("/api/v1/applications/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "authentication_failed"
    assert client.post("/accounts/login/", {"login": "duy.nhat@motminh.vn", "password": PASSWORD}).status_code == 200
    # staff are told that the company lost its last member
    [notice] = [m for m in mail.outbox if staff.email in m.to]
    assert "Công ty Một Mình" in notice.body


def test_user_delete_twice_is_refused(vendor_member):
    user_delete(user=vendor_member, password=PASSWORD, actor=vendor_member)
    with pytest.raises(TransitionNotAllowed):
        user_delete(user=vendor_member, password=PASSWORD, actor=vendor_member)
