"""GET on every account route this area added, for each role (the lead's route x role test covers
the rest). Roles that must use two factors have TOTP here, as the role fixtures give it."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "vendor_member", "evaluator", "certifier", "staff", "procurement"]
LOGIN = "login"  # 302 to the sign-in page
# name, args, status for anonymous, status for every signed-in role
ROUTES = [
    ("accounts:overview", [], LOGIN, 200),
    ("account_login", [], 200, 302),
    ("account_logout", [], 302, 200),
    ("account_inactive", [], 200, 200),
    ("account_signup", [], 200, 302),
    ("account_reauthenticate", [], LOGIN, 200),
    ("account_email", [], LOGIN, 200),
    ("account_email_verification_sent", [], 200, 200),
    ("account_confirm_email", ["not-a-key"], 200, 200),
    ("account_change_password", [], LOGIN, 200),
    ("account_set_password", [], LOGIN, 302),
    ("account_reset_password", [], 200, 200),
    ("account_reset_password_done", [], 200, 200),
    ("account_reset_password_from_key", ["1", "bad-key"], 200, 200),
    ("account_reset_password_from_key_done", [], 200, 200),
    ("mfa_index", [], LOGIN, 200),
    ("mfa_authenticate", [], 302, 302),
    ("mfa_activate_totp", [], LOGIN, "activate"),
    ("mfa_deactivate_totp", [], LOGIN, "deactivate"),
    ("mfa_view_recovery_codes", [], LOGIN, "codes"),
    ("mfa_generate_recovery_codes", [], LOGIN, "reauth"),
    ("mfa_download_recovery_codes", [], LOGIN, "codes"),
    ("usersessions_list", [], LOGIN, 200),
    ("registry:vendor_register_done", [], 200, 200),
    ("registry:privacy_notice", [], 200, 200),
    ("registry:api_tokens", [], LOGIN, 200),
    ("registry:api_token_revoke", [1], LOGIN, 405),
    ("registry:personal_data", [], LOGIN, 200),
    ("registry:personal_data_download", [], LOGIN, 200),
    ("registry:account_delete", [], LOGIN, 405),
]
MFA_ROLES = {"evaluator", "certifier", "staff"}


def _expected(role: str, anonymous, signed_in):
    if role == "anonymous":
        return anonymous
    if signed_in == "activate":  # TOTP on: its setup page sends to the page that turns it off
        return 302 if role in MFA_ROLES else "reauth"
    if signed_in == "deactivate":  # nothing to turn off without TOTP
        return "reauth" if role in MFA_ROLES else 404
    if signed_in == "codes":  # recovery codes exist only beside TOTP
        return "reauth" if role in MFA_ROLES else 404
    return signed_in


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name, args, anonymous, signed_in", ROUTES, ids=[r[0] for r in ROUTES])
def test_account_routes_by_role(client, request, role, name, args, anonymous, signed_in):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    else:
        request.getfixturevalue("roles_ready")
    response = client.get(reverse(name, args=args))
    expected = _expected(role, anonymous, signed_in)
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    elif expected == "reauth":  # changing the second factor asks for the password again first
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    else:
        assert response.status_code == expected, (response.status_code, response.get("Location"))
