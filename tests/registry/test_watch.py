"""Watchlists: e-mail and signed webhooks on status changes, the delivery log, retries with backoff,
disabling after repeated failure, re-send, and webhook URLs that may not reach private networks."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from config.errors import ApplicationError
from registry.models import DeliveryStatus, WebhookDelivery
from registry.services import certificate_transition
from registry.watch import (
    watchlist_create,
    watchlist_update,
    webhook_deliveries_due,
    webhook_delivery_attempt,
    webhook_delivery_resend,
)
from registry.webhooks import WebhookRefused, address_is_public, webhook_target
from tests.registry.public_support import certify
from trust.models import AuditEntry

pytestmark = pytest.mark.django_db


class Receiver:
    """A local HTTP server that records what it is sent and answers with `status`."""

    def __init__(self):
        self.requests, self.status = [], 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/registry"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def watched(scheme, procurement, receiver, commit):
    product, certificate = certify(scheme=scheme, name="Tường lửa Lạc Long")
    with commit():
        watchlist, secret = watchlist_create(owner=procurement, name="Hợp đồng 2026", serials=[
            certificate.serial.lower()], webhook_url=receiver.url)
    return watchlist, secret, certificate


def _verify(secret: str, request) -> dict:
    header = request["headers"]["X-Registry-Signature"]
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"])
    assert abs(time.time() - int(parts["t"])) < 60
    return json.loads(request["body"])


def test_watch_status_change_sends_a_signed_webhook_and_an_email(watched, receiver, staff, commit, procurement):
    watchlist, secret, certificate = watched
    mail.outbox.clear()
    with commit():
        certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Lỗ hổng CVE-2026-1")
    assert len(receiver.requests) == 1
    payload = _verify(secret, receiver.requests[0])
    assert payload["type"] == "certificate.suspend" and payload["data"]["serial"] == certificate.serial
    assert payload["data"]["status"] == "suspended" and payload["data"]["previous_status"] == "active"
    assert receiver.requests[0]["headers"]["X-Registry-Event-Id"] == payload["id"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempt_log.get().status_code == 200
    assert [m.to for m in mail.outbox] == [[procurement.email]] and certificate.serial in mail.outbox[0].subject


def test_watch_product_and_vendor_watchers_get_new_certificates_too(scheme, procurement, receiver, commit):
    product, _ = certify(scheme=scheme, name="Sản phẩm theo dõi")
    with commit():
        by_product, _ = watchlist_create(owner=procurement, name="P", products=[product.pk], email=False,
                                         webhook_url=receiver.url)
        by_vendor, _ = watchlist_create(owner=procurement, name="V", vendors=[product.vendor_id], email=False,
                                        webhook_url=receiver.url)
    with commit():
        certify(scheme=scheme, product=product)
    events = {json.loads(r["body"])["watchlist"]["id"] for r in receiver.requests}
    assert events == {by_product.pk, by_vendor.pk}
    assert len({r["headers"]["X-Registry-Event-Id"] for r in receiver.requests}) == 1  # one event, two endpoints


def test_watch_failed_delivery_retries_with_backoff_for_a_day_then_fails(watched, receiver, staff, commit,
                                                                         settings):
    watchlist, _secret, certificate = watched
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 1000
    receiver.status = 500
    with commit():
        certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Lỗ hổng")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and delivery.last_status_code == 500
    pauses = []
    while delivery.status == DeliveryStatus.PENDING:
        pauses.append((delivery.next_attempt_at - delivery.last_attempt_at).total_seconds())
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        assert webhook_deliveries_due() == [delivery.pk]
        webhook_delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        # as if time had passed: the retry window counts from creation
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            created_at=delivery.created_at - timedelta(seconds=pauses[-1]))
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert pauses[1] > pauses[0] * 1.5 and max(pauses) <= settings.WEBHOOK_BACKOFF_MAX_SECONDS * 1.1
    assert sum(pauses) >= 20 * 3600 and delivery.attempt_log.count() == delivery.attempts
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == "not_due"  # idempotent once settled


def test_watch_endpoint_disabled_after_repeated_failure_and_owner_told(watched, receiver, staff, commit, settings,
                                                                      procurement):
    watchlist, _secret, certificate = watched
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    receiver.status = 503
    mail.outbox.clear()
    with commit():
        certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Lỗ hổng")
    delivery = WebhookDelivery.objects.get()
    for _ in range(2):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        with commit():
            webhook_delivery_attempt(delivery_id=delivery.pk)
    watchlist.refresh_from_db()
    delivery.refresh_from_db()
    assert watchlist.webhook_disabled_at is not None and "503" in watchlist.webhook_disabled_reason
    assert delivery.status == DeliveryStatus.FAILED
    assert any("disabled" in m.subject or "vô hiệu" in m.subject for m in mail.outbox)
    assert AuditEntry.objects.filter(action="watchlist.webhook_disable").count() == 1
    receiver.status = 200
    with commit():
        certificate_transition(certificate=certificate, action="reinstate", actor=staff)
    assert WebhookDelivery.objects.count() == 1  # a disabled endpoint gets nothing new
    # the owner fixes the receiver, turns it on and re-sends the failed delivery
    from registry.watch import watchlist_webhook_enable

    watchlist_webhook_enable(watchlist=watchlist, actor=procurement)
    with commit():
        webhook_delivery_resend(delivery=delivery, actor=procurement)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and receiver.requests[-1]["headers"]["X-Registry-Event-Id"] \
        == str(delivery.event_id)


def test_watch_resend_of_a_delivered_event_keeps_its_id(watched, receiver, staff, commit, procurement):
    _watchlist, _secret, certificate = watched
    with commit():
        certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Lỗ hổng")
    delivery = WebhookDelivery.objects.get()
    with commit():
        webhook_delivery_resend(delivery=delivery, actor=procurement)
    ids = [r["headers"]["X-Registry-Event-Id"] for r in receiver.requests]
    assert ids == [str(delivery.event_id)] * 2 and delivery.attempt_log.filter(manual=True).count() == 1


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "https://127.0.0.1/hook", "https://localhost/hook", "https://10.1.2.3/",
    "https://192.168.1.1/", "https://172.16.0.9/", "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://[fe80::1]/", "https://100.64.0.1/",
    "https://0.0.0.0/", "https://2130706433/", "ftp://example.org/", "https://user:pw@8.8.8.8/",
    "javascript:alert(1)", "", "https://no-such-host.invalid/",
])
def test_webhook_urls_to_private_or_invalid_targets_are_refused(url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    if not url:
        return
    with pytest.raises(WebhookRefused):
        webhook_target(url)


def test_webhook_public_address_rules():
    assert address_is_public("8.8.8.8") and address_is_public("2001:4860:4860::8888")
    assert not address_is_public("::ffff:10.0.0.1") and not address_is_public("2002:7f00:1::1")


def test_watch_refuses_private_webhook_on_save_and_again_at_send(scheme, procurement, settings, commit, staff,
                                                                 monkeypatch):
    import socket

    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    _product, certificate = certify(scheme=scheme)
    with pytest.raises(ApplicationError) as refused:
        watchlist_create(owner=procurement, name="x", serials=[certificate.serial], webhook_url="https://127.0.0.1/")
    assert refused.value.code == "webhook_url_refused"
    # the reason is the field's (the page shows it at the field, not the address as a message at the top)
    assert refused.value.details == {"webhook_url": [refused.value.message]} and "link-local" in str(refused.value.message)
    # the name resolves to a public address when saved and to a loopback one when sent (DNS rebinding)
    answers = {"now": "93.184.216.34"}
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers["now"], port))])
    watchlist, _ = watchlist_create(owner=procurement, name="x", serials=[certificate.serial],
                                    webhook_url="https://hooks.example.org/registry")
    answers["now"] = "127.0.0.1"
    with commit():
        certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Lỗ hổng")
    attempt = WebhookDelivery.objects.get(watchlist=watchlist).attempt_log.get()
    assert attempt.status_code is None and "loopback" in attempt.error


def test_watchlist_refuses_unknown_serials_and_ids_and_is_audited(scheme, procurement):
    _product, certificate = certify(scheme=scheme)
    with pytest.raises(ApplicationError) as unknown:
        watchlist_create(owner=procurement, name="x", serials=["VN-CSP-1999-99999"])
    assert "VN-CSP-1999-99999" in str(unknown.value.details)
    with pytest.raises(ApplicationError):
        watchlist_create(owner=procurement, name="x", products=[10**12])
    watchlist, secret = watchlist_create(owner=procurement, name="x", serials=[certificate.serial.replace("-", "")])
    assert secret == "" and watchlist.watched_serials.get().serial == certificate.serial
    watchlist, _ = watchlist_update(watchlist=watchlist, actor=procurement, name="y")
    assert list(AuditEntry.objects.filter(object_type="registry.watchlist").values_list("action", flat=True)) == [
        "watchlist.create", "watchlist.update"]


def test_webhook_connection_failure_is_shown_in_words_never_as_the_exception(
        scheme, procurement, receiver, commit, staff, client, caplog):
    import socket as socket_module

    from django.conf import settings
    from django.utils import translation

    from registry.webhooks import webhook_failure_text

    with socket_module.socket() as probe:  # a local port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    _product, certificate = certify(scheme=scheme, name="Cổng đóng")
    with commit():
        watchlist, _ = watchlist_create(owner=procurement, name="Đóng", serials=[certificate.serial],
                                        webhook_url=f"http://127.0.0.1:{closed_port}/hook")
    with commit():
        certificate_transition(certificate=certificate, action="suspend", actor=staff, reason="Lỗ hổng")
    delivery = WebhookDelivery.objects.get(watchlist=watchlist)
    assert delivery.last_error == "connect" and delivery.attempt_log.get().error == "connect"
    assert any("Connection refused" in r.getMessage() or "Errno" in r.getMessage() for r in caplog.records)
    client.force_login(procurement)
    for language in ("vi", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        html = client.get(f"/watchlists/{watchlist.pk}/").content.decode()
        with translation.override(language):
            assert webhook_failure_text("connect") in html
        assert "Errno" not in html and "NewConnectionError" not in html and "ConnectionRefused" not in html
