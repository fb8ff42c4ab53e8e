from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import ApiToken, User
from accounts.roles import user_roles
from registry.models import Vendor, VendorMembership
from tests.factories import UserFactory, VendorFactory
from trust.models import AuditEntry
from trust.services import audit_verify

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_user_evaluator_with_password_and_profile():
    output = run("create_user", "Lab.Tester@Example.vn", "--role", "evaluator", "--password", "a-long-passphrase-26",
                 "--name", "Nguyễn Thị Thu", "--language", "en")
    user = User.objects.get(email="lab.tester@example.vn")
    assert user_roles(user) == {"evaluator"}
    assert user.check_password("a-long-passphrase-26")
    assert user.full_name == "Nguyễn Thị Thu" and user.preferred_language == "en"
    assert not user.is_staff
    assert "Created evaluator user lab.tester@example.vn" in output
    assert AuditEntry.objects.filter(action="user.create", object_id=str(user.pk)).exists()
    assert audit_verify().ok


def test_create_user_staff_gets_admin_access_and_no_password_means_unusable():
    output = run("create_user", "officer@cert.gov.vn", "--role", "staff")
    user = User.objects.get(email="officer@cert.gov.vn")
    assert user.is_staff and user_roles(user) == {"staff"}
    assert not user.has_usable_password()
    assert "No password set" in output


def test_create_user_vendor_registers_new_vendor_through_the_service():
    run("create_user", "owner@saoviet.vn", "--role", "vendor", "--vendor-tax-code", "0108123457",
        "--vendor-name", "Công ty Cổ phần Sao Việt", "--password", "a-long-passphrase-26")
    vendor = Vendor.objects.get(tax_code="0108123457")
    assert vendor.legal_name == "Công ty Cổ phần Sao Việt"
    membership = VendorMembership.objects.get(user__email="owner@saoviet.vn")
    assert membership.vendor == vendor
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"user.create", "vendor.create", "vendor.member_add"} <= actions


def test_create_user_vendor_joins_existing_vendor_without_name():
    vendor = VendorFactory(tax_code="0401987654-001")
    run("create_user", "second@vendor.vn", "--role", "vendor", "--vendor-tax-code", "0401987654-001")
    assert VendorMembership.objects.get(user__email="second@vendor.vn").vendor == vendor
    assert Vendor.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "vendor"], "needs --vendor-tax-code"),
        (["--role", "vendor", "--vendor-tax-code", "12345"], "Invalid tax code"),
        (["--role", "vendor", "--vendor-tax-code", "0108123457"], "pass --vendor-name"),
        (["--role", "staff", "--vendor-tax-code", "0108123457"], "only for --role vendor"),
        (["--role", "evaluator", "--password", "123"], "Password rejected"),
    ],
)
def test_create_user_refuses_bad_input_and_changes_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        run("create_user", "new@example.vn", *args)
    assert not User.objects.filter(email="new@example.vn").exists()
    assert not Vendor.objects.exists()
    assert not AuditEntry.objects.exists()


def test_create_user_refuses_invalid_email():
    with pytest.raises(CommandError, match="not a valid e-mail"):
        run("create_user", "not-an-email", "--role", "staff")


def test_create_user_unknown_role_is_refused():
    with pytest.raises(CommandError, match="invalid choice"):
        run("create_user", "x@example.vn", "--role", "admin")


def test_create_user_existing_same_role_changes_nothing(roles_ready):
    UserFactory(email="same@example.vn", role="certifier")
    before = AuditEntry.objects.count()
    output = run("create_user", "same@example.vn", "--role", "certifier")
    assert "already exists with role certifier; nothing changed" in output
    assert AuditEntry.objects.count() == before


def test_create_user_existing_other_role_is_an_error(roles_ready):
    user = UserFactory(email="taken@example.vn", role="evaluator")
    with pytest.raises(CommandError, match="already exists with role"):
        run("create_user", "TAKEN@example.vn", "--role", "certifier")
    assert user_roles(User.objects.get(pk=user.pk)) == {"evaluator"}


def test_create_user_existing_vendor_user_of_other_vendor_is_an_error(vendor_member):
    with pytest.raises(CommandError, match="already exists as a vendor user"):
        run("create_user", vendor_member.email, "--role", "vendor", "--vendor-tax-code", "0108123457")


def test_create_user_invalid_vendor_name_rolls_back_the_user():
    with pytest.raises(CommandError, match="legal_name"):
        run("create_user", "long@example.vn", "--role", "vendor", "--vendor-tax-code", "0108123457",
            "--vendor-name", "x" * 301)
    assert not User.objects.filter(email="long@example.vn").exists()
    assert not AuditEntry.objects.exists()


def test_issue_api_token_prints_a_new_hashed_token_last(roles_ready):
    from accounts.tokens import api_token_check, api_token_key_hash

    user = UserFactory(email="api@example.vn", role="procurement")
    first = run("issue_api_token", "API@example.vn").strip().splitlines()[-1]
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == api_token_key_hash(first) and first not in token.key_hash
    assert api_token_check(first).token == token
    assert (token.expires_at - token.created_at).days == 365
    # stored hashed, so it cannot be printed again: a second run issues another token
    second = run("issue_api_token", "api@example.vn", "--days", "30").strip().splitlines()[-1]
    assert second != first and ApiToken.objects.filter(user=user).count() == 2
    entries = AuditEntry.objects.filter(action="api_token.issue")
    assert entries.count() == 2 and all(first not in str(e.after) + str(e.data) for e in entries)
    assert entries.first().actor_repr == "manage.py issue_api_token"


def test_issue_api_token_for_mfa_roles_needs_no_second_factor(roles_ready, api_client):
    user = UserFactory(email="lab@example.vn", role="evaluator", mfa=False)
    key = run("issue_api_token", "lab@example.vn").strip().splitlines()[-1]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/applications/").status_code == 200
    from allauth.mfa.models import Authenticator

    assert not Authenticator.objects.filter(user=user).exists()


def test_issue_api_token_unknown_or_inactive_user():
    with pytest.raises(CommandError, match="No user"):
        run("issue_api_token", "nobody@example.vn")
    UserFactory(email="gone@example.vn", is_active=False)
    with pytest.raises(CommandError, match="deactivated"):
        run("issue_api_token", "gone@example.vn")
    assert not ApiToken.objects.exists()
