"""Watchlist pages: the signed-in person's lists, each with its delivery log and re-send."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.errors import ApplicationError, NotFoundError
from registry.forms import WatchlistForm, form_errors_apply
from registry.models import WebhookDelivery
from registry.watch import (
    watchlist_create,
    watchlist_delete,
    watchlist_deliveries,
    watchlist_get,
    watchlist_list,
    watchlist_secret_rotate,
    watchlist_update,
    watchlist_webhook_enable,
    webhook_delivery_resend,
)
from registry.webhooks import EVENT_ID_HEADER, SIGNATURE_HEADER, WEBHOOK_VERIFY_SNIPPET

_ALIASES = {"serials": "serials", "products": "products", "vendors": "vendors", "webhook_url": "webhook_url"}


def _secret_message(request, secret: str) -> None:
    if secret:
        messages.warning(request, _("Webhook secret (shown only now; keep it to check signatures): %(secret)s")
                         % {"secret": secret})


@login_required
@require_http_methods(["GET", "POST"])
def watchlist_index(request):
    """The caller's watchlists and a form for a new one (prefilled from ?product=, ?vendor=, ?serial=)."""
    if request.method == "POST":
        form = WatchlistForm(request.POST)
        if form.is_valid():
            try:
                watchlist, secret = watchlist_create(owner=request.user, **form.service_kwargs())
            except ApplicationError as exc:
                form_errors_apply(form, exc.details, aliases=_ALIASES)
                if not exc.details:
                    form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("The watchlist was made."))
                _secret_message(request, secret)
                return redirect("registry:watchlist_detail", pk=watchlist.pk)
        status = 400
    else:
        initial = {"name": _("My watchlist"), "email": True}
        for key, field in (("product", "products"), ("vendor", "vendors"), ("serial", "serials")):
            if request.GET.get(key):
                initial[field] = request.GET[key][:100]
        form, status = WatchlistForm(initial=initial), 200
    return render(request, "registry/watchlist_list.html", {
        "watchlists": list(watchlist_list(user=request.user).order_by("name", "pk")), "form": form,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def watchlist_detail(request, pk: int):
    """Edit one watchlist, see its deliveries, re-send one, turn a disabled webhook on, rotate the secret."""
    try:
        watchlist = watchlist_get(user=request.user, pk=pk)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    form = None
    status = 200
    delete_refused = False
    if request.method == "POST" and request.POST.get("action") == "delete" and request.POST.get("confirm") != "yes":
        delete_refused, status = True, 400  # deleting is for good: the box must be ticked first
    elif request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "delete":
                watchlist_delete(watchlist=watchlist, actor=request.user)
                messages.success(request, _("The watchlist was deleted."))
                return redirect("registry:watchlist_list")
            if action == "rotate":
                _secret_message(request, watchlist_secret_rotate(watchlist=watchlist, actor=request.user))
                return redirect("registry:watchlist_detail", pk=pk)
            if action == "enable":
                watchlist_webhook_enable(watchlist=watchlist, actor=request.user)
                messages.success(request, _("The webhook is on again."))
                return redirect("registry:watchlist_detail", pk=pk)
            if action == "resend":
                raw = request.POST.get("delivery") or ""
                delivery = (WebhookDelivery.objects.filter(pk=int(raw), watchlist=watchlist).first()
                            if raw.isdigit() and len(raw) < 19 else None)
                if delivery is None:
                    raise Http404(_("Not found."))
                webhook_delivery_resend(delivery=delivery, actor=request.user)
                messages.success(request, _("The delivery was queued to be sent again."))
                return redirect("registry:watchlist_detail", pk=pk)
            form = WatchlistForm(request.POST)
            if form.is_valid():
                watchlist, secret = watchlist_update(watchlist=watchlist, actor=request.user,
                                                     **form.service_kwargs())
                messages.success(request, _("The watchlist was saved."))
                _secret_message(request, secret)
                return redirect("registry:watchlist_detail", pk=pk)
            status = 400
        except ApplicationError as exc:
            form = form or WatchlistForm(request.POST)
            form.is_valid()
            form_errors_apply(form, exc.details, aliases=_ALIASES)
            if not exc.details:
                form.add_error(None, str(exc.message))
            status = exc.status_code
    if form is None:
        form = WatchlistForm(initial={
            "name": watchlist.name, "email": watchlist.email, "webhook_url": watchlist.webhook_url,
            "serials": "\n".join(s.serial for s in watchlist.watched_serials.all()),
            "products": ", ".join(str(p.pk) for p in watchlist.products.all()),
            "vendors": ", ".join(str(v.pk) for v in watchlist.vendors.all()),
        })
    return render(request, "registry/watchlist_detail.html", {
        "watchlist": watchlist, "form": form, "deliveries": watchlist_deliveries(watchlist=watchlist),
        "snippet": WEBHOOK_VERIFY_SNIPPET, "signature_header": SIGNATURE_HEADER, "event_header": EVENT_ID_HEADER,
        "delete_refused": delete_refused,
    }, status=status)
