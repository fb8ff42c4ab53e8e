"""What every desk's views share."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.roles import user_has_role
from certification.choices import ApplicationAction
from certification.process.selectors import application_access_full
from config.errors import ApplicationError, NotFoundError, PermissionDeniedError

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



def application_page(*, details: bool = True):
    """Page views under an application: the caller's access is loaded once (another vendor's application
    is 404) and passed to the view. An assigned evaluator who has not stated independence is sent back
    to the application page, which asks for the statement."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, pk: int, *args, **kwargs):
            try:
                access = application_access_full(user=request.user, pk=pk, details=details)
                return view(request, access, *args, **kwargs)
            except NotFoundError as exc:
                raise Http404(str(exc.message)) from exc
            except PermissionDeniedError as exc:
                # refused, and nothing changed: the application page says why (and asks for the statement
                # of independence where that is what is missing)
                messages.warning(request, exc.message)
                if request.method != "POST" and exc.code == "independence_required":
                    return redirect("certification:application_detail", pk=pk)
                from certification.views.application import _application_render

                access = application_access_full(user=request.user, pk=pk, details=False)
                return _application_render(request, access, status=exc.status_code)
        return wrapped
    return decorator


def service_post(request, access, call, success: str, render_refusal):
    """Run one service for a POST under an application: redirect on success; on refusal, show the service's
    message with its status on the page `render_refusal(status)` draws."""
    try:
        call(access.application)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        request.refused_message = exc.message  # shown again at the field the refused form sent
        return render_refusal(exc.status_code)
    messages.success(request, success)
    return redirect("certification:application_detail", pk=access.application.pk)


def too_long(request, *names: str) -> str:
    """A message when a free-text field of the POST is longer than the site accepts, else ""."""
    from django.utils.formats import number_format

    from config.bounds import TEXT_MAX_LENGTH

    if any(len(request.POST.get(name, "")) > TEXT_MAX_LENGTH for name in names):
        message = _("The text is too long: at most %(max)s characters.") % {
            "max": number_format(TEXT_MAX_LENGTH, force_grouping=True)}
        request.refused_message = message
        return message
    return ""
