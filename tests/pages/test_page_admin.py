import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

EVIDENCE = [
    ("certification", "applicationevent"),
    ("registry", "certificateevent"),
    ("certification", "caseresultversion"),
    ("trust", "auditentry"),
]


@pytest.fixture
def admin_user(roles_ready):
    from accounts.mfa import user_totp_activate
    from accounts.models import User
    from tests.factories import TEST_TOTP_SECRET

    user = User.objects.create_superuser("admin@cert.gov.vn", "correct-horse-battery")
    user_totp_activate(user=user, secret=TEST_TOTP_SECRET)  # the admin site requires a second factor
    return user


@pytest.mark.parametrize("app_label, model", EVIDENCE)
def test_admin_evidence_is_read_only(client, admin_user, journey, with_artifacts, app_label, model):
    journey(with_artifacts, "certified")
    client.force_login(admin_user)
    changelist = client.get(reverse(f"admin:{app_label}_{model}_changelist"))
    assert changelist.status_code == 200
    assert client.get(reverse(f"admin:{app_label}_{model}_add")).status_code == 403
    obj = changelist.context["cl"].result_list[0]
    change = client.get(reverse(f"admin:{app_label}_{model}_change", args=[obj.pk]))
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert client.post(reverse(f"admin:{app_label}_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_admin_password_change_goes_through_the_audited_service(client, admin_user, vendor_member):
    from accounts.models import ApiToken
    from registry.account_services import api_token_issue
    from trust.models import AuditEntry

    api_token_issue(user=vendor_member, name="ci", actor=vendor_member, lifetime_days=30)
    client.force_login(admin_user)
    url = reverse("admin:auth_user_password_change", args=[vendor_member.pk])
    response = client.post(url, {"password1": "A-new-long-passphrase-42", "password2": "A-new-long-passphrase-42",
                                 "usable_password": "true"})
    assert response.status_code == 302
    vendor_member.refresh_from_db()
    assert vendor_member.check_password("A-new-long-passphrase-42")
    entry = AuditEntry.objects.filter(action="user.password_set_by_staff").get()
    assert entry.actor_id == admin_user.pk and entry.data == {"password_sign_in": True}
    assert "A-new-long" not in str(entry.data)
    assert not ApiToken.objects.filter(user=vendor_member, revoked_at__isnull=True).exists()

    # Turning password sign-in off is audited too and also ends the tokens.
    api_token_issue(user=vendor_member, name="ci2", actor=vendor_member, lifetime_days=30)
    response = client.post(url, {"usable_password": "false", "unset-password": "1"})
    assert response.status_code == 302
    vendor_member.refresh_from_db()
    assert not vendor_member.has_usable_password()
    assert AuditEntry.objects.filter(action="user.password_set_by_staff").count() == 2
    assert not ApiToken.objects.filter(user=vendor_member, revoked_at__isnull=True).exists()
