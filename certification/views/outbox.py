"""The staff desk's view of the outbox: messages that failed after every attempt or are overdue, and
sending them again (through the audited outbox service)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.choices import Role
from certification.views.common import _safe_next, role_required
from config.errors import ApplicationError
from trust.models import OutboxMessage
from trust.outbox import outbox_kind_label, outbox_resend, outbox_resend_failed
from trust.selectors import outbox_attention_list, outbox_summary

SHOWN = 25


def outbox_context() -> dict:
    """What the staff desk shows of the outbox: two queries."""
    rows = [{"message": m, "label": outbox_kind_label(m.kind)} for m in outbox_attention_list(limit=SHOWN)]
    return {"outbox_rows": rows, "outbox_summary": outbox_summary()}


@require_POST
@role_required(Role.STAFF)
def outbox_resend_view(request, pk: int):
    message = OutboxMessage.objects.filter(pk=pk).first()
    if message is None:
        raise Http404(_("Not found."))
    try:
        outbox_resend(message=message, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Message %(id)s will be sent again.") % {"id": message.pk})
    return redirect(_safe_next(request, reverse("certification:staff_queue") + "#outbox-heading"))


@require_POST
@role_required(Role.STAFF)
def outbox_resend_failed_view(request):
    try:
        count = outbox_resend_failed(actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ngettext("%(count)d failed message will be sent again.",
                                           "%(count)d failed messages will be sent again.", count) % {"count": count})
    return redirect(_safe_next(request, reverse("certification:staff_queue") + "#outbox-heading"))
