import pytest
from django.contrib.auth.models import Group

from accounts.choices import Role
from accounts.models import User
from accounts.roles import roles_ensure, user_has_role, user_role_add

pytestmark = pytest.mark.django_db


def test_roles_exist_as_groups_with_permissions():
    roles_ensure()
    for role in Role.values:
        group = Group.objects.get(name=role)
        assert group.permissions.exists(), role
    staff = set(Group.objects.get(name="staff").permissions.values_list("codename", flat=True))
    assert {"change_certificate", "view_application"} <= staff
    vendor = set(Group.objects.get(name="vendor").permissions.values_list("codename", flat=True))
    assert "change_certificate" not in vendor


def test_user_logs_in_with_email_case_insensitively(client):
    user = User.objects.create_user("Nguoi.Dung@Example.VN", password="mat-khau-rat-dai-2026")
    assert user.email == "nguoi.dung@example.vn"
    assert client.login(username="NGUOI.DUNG@example.vn", password="mat-khau-rat-dai-2026")


def test_user_role_add_rejects_unknown_role():
    user = User.objects.create_user("a@b.vn")
    with pytest.raises(ValueError):
        user_role_add(user, "superhero")
    user_role_add(user, "certifier")
    assert user_has_role(User.objects.get(pk=user.pk), "certifier")
