"""A signed-in person's own pages: API tokens, their personal data, closing the account.

Thin: forms check the shape, registry.account_services does the work and writes the audit log.
Each page shows only the caller's own rows; another person's token is a 404."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import ApiToken
from accounts.personal_data import personal_data_export
from config.errors import ApplicationError
from registry.account_services import api_token_issue, api_token_revoke, user_delete
from registry.forms import AccountDeleteForm, ApiTokenForm, form_errors_apply
from registry.models import VendorMembership

_NEW_KEY = "registry.api_token.new"  # session key holding a new token's key until it is shown once


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """List the caller's tokens and make a new one; its key is shown on the next page view only."""
    form = ApiTokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                token, key = api_token_issue(user=request.user, actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_errors_apply(form, exc.details)
                if not exc.details:
                    form.add_error(None, str(exc.message))
            else:
                request.session[_NEW_KEY] = {"id": token.pk, "key": key}
                return redirect("registry:api_tokens")
    new = request.session.pop(_NEW_KEY, None)
    tokens = list(ApiToken.objects.filter(user=request.user).order_by("-created_at"))
    response = render(request, "registry/api_tokens.html", {
        "form": form, "tokens": tokens, "new_key": new["key"] if new else None,
        "new_token": next((t for t in tokens if new and t.pk == new["id"]), None), "now": timezone.now(),
    }, status=status)
    response["Cache-Control"] = "no-store"  # the page may carry a key
    return response


@login_required
@require_POST
def api_token_revoke_view(request, pk: int):
    token = ApiToken.objects.filter(pk=pk, user=request.user).first()
    if token is None:
        raise Http404(_("Not found."))
    try:
        api_token_revoke(token=token, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The token “%(name)s” is revoked; programs using it are refused from now on.")
                         % {"name": token.name})
    return redirect("registry:api_tokens")


@login_required
def personal_data(request):
    """What we hold about you, the download, and closing the account."""
    membership = VendorMembership.objects.select_related("vendor").filter(user=request.user).first()
    last_member = membership is not None and not VendorMembership.objects.filter(
        vendor=membership.vendor).exclude(user=request.user).exists()
    return render(request, "registry/personal_data.html", {
        "membership": membership, "last_member": last_member, "form": AccountDeleteForm(),
    })


@login_required
def personal_data_download(request):
    data = personal_data_export(user=request.user)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="personal-data-{request.user.pk}-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def account_delete(request):
    form = AccountDeleteForm(request.POST)
    if form.is_valid():
        try:
            user_delete(user=request.user, password=form.cleaned_data["password"], actor=request.user)
        except ApplicationError as exc:
            form_errors_apply(form, exc.details)
            if not exc.details:
                form.add_error(None, str(exc.message))
        else:
            logout(request)
            messages.success(request, _("Your account is closed and your personal data removed. "
                                        "Records of what you did in certifications are kept under a pseudonym."))
            return redirect("registry:product_list")
    membership = VendorMembership.objects.select_related("vendor").filter(user=request.user).first()
    last_member = membership is not None and not VendorMembership.objects.filter(
        vendor=membership.vendor).exclude(user=request.user).exists()
    return render(request, "registry/personal_data.html", {
        "membership": membership, "last_member": last_member, "form": form,
    }, status=400)
