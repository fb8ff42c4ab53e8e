"""The staff desk shows failed and overdue deliveries and sends them again (audited)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from trust.choices import OutboxStatus as S
from trust.models import AuditEntry, OutboxMessage

pytestmark = pytest.mark.django_db


def _failed(key="email:x:user=1", summary="owner@vendor-a.vn", **fields):
    fields.setdefault("payload", {"template": "vendor_verified", "context": {}, "address": summary})
    return OutboxMessage.objects.create(key=key, kind="email", summary=summary, status=S.FAILED, attempts=10,
                                        last_error="SMTPServerDisconnected: Connection unexpectedly closed", **fields)


def test_page_outbox_staff_desk_lists_failed_and_overdue_messages(client, staff):
    _failed()
    OutboxMessage.objects.create(key="overdue", kind="certificate.render_pdf", summary="VN-CSP-2026-00001",
                                 created_at=timezone.now() - timedelta(hours=1))
    OutboxMessage.objects.create(key="fresh", kind="email", summary="fresh@vendor.vn")
    OutboxMessage.objects.create(key="done", kind="email", summary="done@vendor.vn", status=S.SENT)
    client.force_login(staff)
    html = client.get(reverse("certification:staff_queue")).content.decode()
    assert "Việc gửi cần xử lý" in html
    assert "owner@vendor-a.vn" in html and "VN-CSP-2026-00001" in html
    # the raw error stays in the log (under the row's number), never on a page
    failed = OutboxMessage.objects.get(key="email:x:user=1")
    assert "SMTPServerDisconnected" not in html and f"outbox #{failed.pk}" in html
    assert "fresh@vendor.vn" not in html and "done@vendor.vn" not in html
    assert html.count('action="/work/staff/outbox/') == 3  # two rows and "send every failed message again"


def test_page_outbox_staff_desk_query_count_does_not_grow(client, staff, django_assert_max_num_queries):
    client.force_login(staff)
    _failed("a")
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("certification:staff_queue"))
    for n in range(10):
        _failed(f"more-{n}")
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("certification:staff_queue"))


def test_page_outbox_resend_is_staff_only_and_audited(client, staff, vendor_member):
    message = _failed(summary=vendor_member.email,
                      payload={"template": "vendor_verified", "context": {}, "user_id": vendor_member.pk})
    url = reverse("certification:outbox_resend", args=[message.pk])
    client.force_login(vendor_member)
    assert client.post(url).status_code == 403
    client.force_login(staff)
    response = client.post(url)
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == S.SENT  # delivered in-process after the commit
    assert AuditEntry.objects.filter(action="outbox.resend", actor_repr=staff.email).count() == 1
    again = client.post(url, follow=True)
    assert "không thể gửi lại" in again.content.decode()  # delivered already: refused, with the reason
    assert client.post(reverse("certification:outbox_resend", args=[10**9])).status_code == 404
    assert client.get(url).status_code == 405


def test_page_outbox_resend_every_failed_message(client, staff, vendor_member):
    for n in range(3):
        _failed(f"k{n}", payload={"template": "vendor_verified", "context": {}, "user_id": vendor_member.pk})
    client.force_login(staff)
    response = client.post(reverse("certification:outbox_resend_failed"), follow=True)
    assert "3 thư gửi không thành sẽ được gửi lại." in response.content.decode()
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {S.SENT}
