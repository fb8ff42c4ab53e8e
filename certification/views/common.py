"""What every desk's views share."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.roles import user_has_role
from certification.choices import ApplicationAction

ACTION_STYLES = {
    ApplicationAction.CERTIFY: "btn-ok", ApplicationAction.REJECT: "btn-danger",
    ApplicationAction.WITHDRAW: "btn-danger", ApplicationAction.UPHOLD: "btn-danger",
    ApplicationAction.RETURN: "btn-secondary",
}


def role_required(role: str):
    """Login first, then the role; someone signed in without it gets 403."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not user_has_role(request.user, role):
                raise PermissionDenied(_("This page is for another role."))
            return view(request, *args, **kwargs)
        return wrapped
    return decorator


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


