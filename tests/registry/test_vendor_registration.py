"""Vendor self-registration, staff verification and the tax-code lock, through the registry services."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import translation

from accounts.models import User
from accounts.roles import user_has_role
from config.errors import ApplicationError, PermissionDeniedError, TransitionNotAllowed
from registry.models import Vendor, VendorMembership
from registry.selectors import vendor_for_user
from registry.services import vendor_register, vendor_update, vendor_verify
from tests.factories import UserFactory, VendorFactory, vendor_user
from trust.models import AuditEntry
from trust.services import audit_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def _translations_compiled(django_db_blocker):
    """The e-mails are asserted in Vietnamese too, so compile the catalogue as the page tests do."""
    from django.core.management import call_command
    from django.utils.translation import trans_real

    with django_db_blocker.unblock():
        call_command("compile_translations", verbosity=0)
    trans_real._translations = {}
    trans_real._default = None

GOOD = {
    "email": "Giam.Doc@AnToan.vn",
    "password": "Mật-khẩu-rất-mạnh-2025",
    "full_name": "Nguyễn Thị Hoa",
    "language": "vi",
    "legal_name": "Công ty TNHH An Toàn Số",
    "tax_code": "0312345678",
    "province": "79",
    "name_en": "An Toan So Co., Ltd.",
    "address": "12 Nguyễn Huệ, Quận 1",
    "website": "https://antoan.vn",
    "security_contact_email": "security@antoan.vn",
}


def counts() -> dict:
    return {m.__name__: m.objects.count() for m in (User, Vendor, VendorMembership, AuditEntry)}


def register(**overrides):
    return vendor_register(**{**GOOD, **overrides}).user


def test_vendor_register_creates_user_vendor_membership_role_and_audit(roles_ready):
    before = counts()
    user = register()

    # one row each, and two audit entries: the account (user.create) and the company (vendor.register)
    assert counts() == {k: v + (2 if k == "AuditEntry" else 1) for k, v in before.items()}
    assert user.email == "giam.doc@antoan.vn" and user.check_password(GOOD["password"])
    assert user.full_name == "Nguyễn Thị Hoa" and user.preferred_language == "vi"
    assert user_has_role(user, "vendor")
    vendor = vendor_for_user(user)
    assert vendor.tax_code == "0312345678" and vendor.legal_name == "Công ty TNHH An Toàn Số"
    assert vendor.province == "79" and vendor.security_contact_email == "security@antoan.vn"
    assert vendor.verified_at is None
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry.action == "vendor.register" and entry.object_id == str(vendor.pk)
    assert list(AuditEntry.objects.order_by("-sequence").values_list("action", flat=True)[:2]) == [
        "vendor.register", "user.create"]
    assert entry.actor_id == user.pk and entry.data == {"user": user.email}
    assert audit_verify().ok


@pytest.mark.parametrize("overrides, code, field", [
    ({"tax_code": "123"}, "invalid", "tax_code"),
    ({"password": "12345678901"}, "invalid", "password"),
    ({"password": "short"}, "invalid", "password"),
    ({"email": "not-an-email"}, "invalid", "email"),
    ({"language": "fr"}, "invalid", "language"),
    ({"legal_name": "  "}, "invalid", "legal_name"),
    ({"website": "not a url"}, "invalid", "website"),
])
def test_vendor_register_invalid_input_changes_nothing(roles_ready, overrides, code, field):
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        register(**overrides)
    assert caught.value.code == code and field in caught.value.details
    assert counts() == before


def test_vendor_register_invalid_tax_code_gives_the_validator_message(roles_ready):
    with translation.override("vi"), pytest.raises(ApplicationError) as caught:
        register(tax_code="123")
    assert "Mã số thuế gồm 10 chữ số" in caught.value.details["tax_code"][0]


def test_vendor_register_new_account_waits_for_its_address_to_be_confirmed(roles_ready):
    from allauth.account.models import EmailAddress

    user = register()
    address = EmailAddress.objects.get(user=user)
    assert address.email == user.email and address.primary and not address.verified


def test_vendor_register_known_email_creates_nothing_and_tells_the_owner(roles_ready, commit):
    owner = UserFactory(email="giam.doc@antoan.vn", preferred_language="en")
    before = counts()
    mail.outbox.clear()
    with commit():
        outcome = vendor_register(**{**GOOD, "tax_code": "0399999999"})
    assert outcome.user is None  # no error: the caller is not told the address is known
    assert counts() == before and not Vendor.objects.filter(tax_code="0399999999").exists()
    [message] = mail.outbox
    assert message.to == [owner.email] and "already have an account" in message.subject
    assert "/accounts/password/reset/" in message.body


def test_vendor_register_known_tax_code_creates_nothing_and_tells_registrant_and_members(roles_ready, commit):
    existing = VendorFactory(tax_code="0312345678", legal_name="Công ty Cổ phần Đã Có")
    member = vendor_user(existing, email="chu@daco.vn", preferred_language="vi")
    before = counts()
    mail.outbox.clear()
    with commit():
        outcome = vendor_register(**{**GOOD, "language": "en"})
    assert outcome.user is None
    assert counts() == before
    assert list(existing.memberships.values_list("user", flat=True)) == [member.pk]  # never joined
    assert not User.objects.filter(email="giam.doc@antoan.vn").exists()
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"giam.doc@antoan.vn", member.email}
    registrant = by_address["giam.doc@antoan.vn"]
    assert "already registered" in registrant.subject and "add you" in registrant.body  # in the form's language
    assert "đăng ký lại" in by_address[member.email].subject  # the member's own language
    assert "giam.doc@antoan.vn" in by_address[member.email].body and "0312345678" in by_address[member.email].body


def test_vendor_register_branch_tax_code_is_accepted(roles_ready):
    user = register(tax_code="0312345678-001")
    assert vendor_for_user(user).tax_code == "0312345678-001"


def test_vendor_verify_sets_date_audits_and_emails_members(roles_ready, staff, commit):
    user = register(language="en")
    EmailAddress.objects.filter(user=user).update(verified=True)
    colleague = vendor_user(vendor_for_user(user), email="ke.toan@antoan.vn", preferred_language="vi")
    vendor = vendor_for_user(user)
    mail.outbox.clear()
    with commit():
        vendor = vendor_verify(vendor=vendor, actor=staff)

    assert vendor.verified_at is not None
    vendor.refresh_from_db()
    assert vendor.verified_at is not None
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry.action == "vendor.verify" and entry.actor_id == staff.pk and entry.after["verified_at"]
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {user.email, colleague.email}
    assert "Công ty TNHH An Toàn Số" in by_address[user.email].subject
    assert "verified" in by_address[user.email].subject
    assert "đã được xác minh" in by_address[colleague.email].subject
    assert "0312345678" in by_address[colleague.email].body


def test_vendor_verify_twice_is_409_and_keeps_the_first_date(roles_ready, staff):
    vendor = VendorFactory(verified_at=None)
    first = vendor_verify(vendor=vendor, actor=staff).verified_at
    before = counts()
    with pytest.raises(TransitionNotAllowed) as caught:
        vendor_verify(vendor=vendor, actor=staff)
    assert caught.value.status_code == 409
    vendor.refresh_from_db()
    assert vendor.verified_at == first and counts() == before


@pytest.mark.parametrize("role", ["vendor", "evaluator", "certifier", "procurement", None])
def test_vendor_verify_by_non_staff_is_403(roles_ready, role):
    vendor = VendorFactory(verified_at=None)
    actor = vendor_user(vendor) if role == "vendor" else UserFactory(role=role)
    before = counts()
    with pytest.raises(PermissionDeniedError) as caught:
        vendor_verify(vendor=vendor, actor=actor)
    assert caught.value.status_code == 403
    vendor.refresh_from_db()
    assert vendor.verified_at is None and counts() == before


def test_vendor_update_refuses_a_changed_tax_code(vendor_member):
    vendor = vendor_for_user(vendor_member)
    original = vendor.tax_code
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        vendor_update(vendor=vendor, actor=vendor_member, tax_code="0399999999", address="Hà Nội")
    assert caught.value.code == "tax_code_locked" and "tax_code" in caught.value.details
    vendor.refresh_from_db()
    assert vendor.tax_code == original and vendor.address == "" and counts() == before


def test_vendor_update_accepts_the_unchanged_tax_code(vendor_member):
    vendor = vendor_for_user(vendor_member)
    vendor = vendor_update(vendor=vendor, actor=vendor_member, tax_code=vendor.tax_code, address="Hà Nội")
    assert vendor.address == "Hà Nội"
