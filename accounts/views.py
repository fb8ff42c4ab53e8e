"""Sign in, sign out, and the landing page that sends each role to its own desk.

Vendor self-registration lives in the registry (registry.views.vendor_register_view): accounts is the
lowest layer and imports nothing of the apps above it."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from .choices import Role
from .forms import EmailAuthenticationForm
from .roles import user_has_role

# First match wins for someone holding several roles; the navigation links to the other desks.
ROLE_HOMES = [
    (Role.VENDOR, "certification:vendor_dashboard"),
    (Role.EVALUATOR, "certification:evaluator_queue"),
    (Role.CERTIFIER, "certification:certifier_queue"),
    (Role.STAFF, "certification:staff_queue"),
    (Role.PROCUREMENT, "registry:certificate_bulk"),
]


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Sign out by POST only (Django's default), so a link or an image cannot sign anyone out."""


@login_required
def home(request):
    for role, url_name in ROLE_HOMES:
        if user_has_role(request.user, role):
            return redirect(url_name)
    return redirect("registry:product_list")
