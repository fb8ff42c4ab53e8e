"""The landing page that sends each role to its own desk, and the account overview.

Sign-in, sign-out, password, e-mail, two-factor and session pages are django-allauth's, with our
templates. Vendor self-registration, API tokens and the personal-data pages live in the registry
(registry.views, registry.account_views): they write the audit log, which sits above accounts."""

from allauth.mfa.models import Authenticator
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .choices import Role
from .mfa import user_mfa_enabled, user_mfa_required
from .roles import user_has_role, user_roles

# First match wins for someone holding several roles; the navigation links to the other desks.
ROLE_HOMES = [
    (Role.VENDOR, "certification:vendor_dashboard"),
    (Role.EVALUATOR, "certification:evaluator_queue"),
    (Role.CERTIFIER, "certification:certifier_queue"),
    (Role.STAFF, "certification:staff_queue"),
    (Role.PROCUREMENT, "registry:certificate_bulk"),
]


@login_required
def home(request):
    for role, url_name in ROLE_HOMES:
        if user_has_role(request.user, role):
            return redirect(url_name)
    return redirect("registry:product_list")


@login_required
def overview(request):
    """Your account: who you are here and every page that keeps it safe."""
    user = request.user
    role_labels = dict(Role.choices)
    return render(request, "accounts/overview.html", {
        "roles": [role_labels[r] for r in Role.values if r in user_roles(user)],
        "mfa_required": user_mfa_required(user),
        "mfa_enabled": user_mfa_enabled(user),
        "recovery_codes": Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists(),
    })
