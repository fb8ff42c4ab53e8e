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
