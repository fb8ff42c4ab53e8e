"""Watchlists and what follows a status change: e-mails and signed webhooks with a delivery log.

A certificate event (issue, suspend, reinstate, revoke, expire, renew, maintain) calls `watch_events_record`
inside its transaction: one durable WebhookDelivery row per watchlist with an active webhook (the
event id, the same for every watcher, is the idempotency key) and, after the commit, one e-mail per
watcher who asked for them. A worker sends each delivery at once after the commit and the sweeper
(beat, every WEBHOOK_SWEEP_SECONDS) sends what is due, so a change reaches a webhook within a minute.
A failed attempt is retried with exponential backoff (from WEBHOOK_BACKOFF_SECONDS, doubling, at most
WEBHOOK_BACKOFF_MAX_SECONDS) for WEBHOOK_RETRY_HOURS; after WEBHOOK_DISABLE_AFTER_FAILURES failed
attempts in a row the endpoint is disabled and its owner told. The owner re-sends any delivery from
the watchlist page.

WebhookDelivery is itself a durable queue (a row per delivery, written in the transaction of the change,
with its own schedule of retries), so the send queued after the commit is only the fast path: if it is
lost (Redis away, the process killed) the sweeper sends the delivery within WEBHOOK_SWEEP_SECONDS. The
e-mails go through the transactional outbox (trust.emails).
"""

import json
import random
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError, NotFoundError
from registry.models import (
    Certificate,
    CertificateEvent,
    DeliveryStatus,
    Product,
    Vendor,
    WatchedSerial,
    Watchlist,
    WebhookAttempt,
    WebhookDelivery,
)
from registry.search import serial_key, serial_key_expression
from registry.webhooks import (
    WebhookRefused,
    webhook_failure_text,
    webhook_post,
    webhook_secret_new,
    webhook_target,
)
from trust.emails import email_enqueue
from trust.services import audit_append

EVENT_NAMESPACE = uuid.UUID("6f1d3c2e-4b7a-5e8f-9a10-3c5d7e9f1b2a")
WATCHLIST_FIELDS = ["name", "email", "webhook_url"]


def _setting(name: str, default):
    return getattr(settings, name, default)


# Watchlists ------------------------------------------------------------------------------------------

def watchlist_list(*, user):
    return Watchlist.objects.filter(owner=user).prefetch_related("watched_serials", "products", "vendors")


def watchlist_get(*, user, pk) -> Watchlist:
    """One of the caller's own watchlists; anyone else's is 'not found'."""
    if not getattr(user, "is_authenticated", False):
        raise NotFoundError(_("Not found."))
    watchlist = watchlist_list(user=user).filter(pk=pk).first()
    if watchlist is None:
        raise NotFoundError(_("Not found."))
    return watchlist


def _serials_clean(serials) -> list[tuple[str, str]]:
    """(serial as registered, key) for each serial given; unknown ones are refused, saying which."""
    limit = _setting("WATCHLIST_MAX_SERIALS", 10_000)
    wanted: dict[str, str] = {}
    for serial in serials or []:
        key = serial_key(str(serial))
        if key:
            wanted.setdefault(key, str(serial).strip()[:64])
    if len(wanted) > limit:
        raise ApplicationError(_("A watchlist holds at most %(max)s serials.") % {"max": limit}, code="too_many",
                               details={"serials": [str(_("At most %(max)s.") % {"max": limit})]})
    known = dict(Certificate.objects.annotate(key=serial_key_expression()).filter(key__in=list(wanted))
                 .values_list("key", "serial"))
    unknown = [serial for key, serial in wanted.items() if key not in known]
    if unknown:
        raise ApplicationError(_("Some serials are not in the registry."), code="invalid",
                               details={"serials": [str(_("Unknown serial: %(serial)s") % {"serial": s})
                                                    for s in unknown[:50]]})
    return [(known[key], key) for key in wanted]


def _ids_clean(values, model, name: str, *, user) -> list[int]:
    from registry.selectors import product_visible_list, vendor_public_list

    ids = []
    for value in values or []:
        if isinstance(value, bool) or not isinstance(value, int) or not (0 < value < 2**63):
            raise ApplicationError(_("Give %(name)s as a list of ids.") % {"name": name}, code="invalid",
                                   details={name: [str(_("A list of whole numbers."))]})
        ids.append(value)
    ids = list(dict.fromkeys(ids))
    visible = product_visible_list(user=user) if model is Product else vendor_public_list()
    found = set(visible.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        raise ApplicationError(_("Some %(name)s do not exist.") % {"name": name}, code="invalid",
                               details={name: [str(_("Not found: %(id)s") % {"id": i}) for i in missing[:50]]})
    if len(ids) > _setting("WATCHLIST_MAX_SERIALS", 10_000):
        raise ApplicationError(_("Too many %(name)s.") % {"name": name}, code="too_many")
    return ids


def _webhook_url_clean(url: str) -> str:
    url = (url or "").strip()
    if url:
        try:
            webhook_target(url)
        except WebhookRefused as exc:
            # the reason belongs to the field: a page shows it there, the API under details.webhook_url
            raise WebhookRefused(exc.message, details={"webhook_url": [exc.message]}) from None
    return url


def _snapshot(watchlist: Watchlist) -> dict:
    return {
        "name": watchlist.name, "email": watchlist.email, "webhook_url": watchlist.webhook_url,
        "serials": sorted(watchlist.watched_serials.values_list("serial", flat=True)),
        "products": sorted(watchlist.products.values_list("pk", flat=True)),
        "vendors": sorted(watchlist.vendors.values_list("pk", flat=True)),
    }


def _name_clean(name) -> str:
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name or len(name) > 200:
        raise ApplicationError(_("Give the watchlist a name (at most 200 characters)."), code="invalid",
                               details={"name": [str(_("Required, at most 200 characters."))]})
    return name


def watchlist_create(*, owner, name: str, serials=(), products=(), vendors=(), email: bool = True,
                     webhook_url: str = "") -> tuple[Watchlist, str]:
    """A new watchlist of the owner's; answers it and the webhook secret (shown once; empty without a URL)."""
    if not getattr(owner, "is_authenticated", False):
        raise NotFoundError(_("Not found."))
    name = _name_clean(name)
    serial_rows = _serials_clean(serials)
    product_ids = _ids_clean(products, Product, "products", user=owner)
    vendor_ids = _ids_clean(vendors, Vendor, "vendors", user=owner)
    webhook_url = _webhook_url_clean(webhook_url)
    with transaction.atomic():
        if Watchlist.objects.filter(owner=owner).count() >= _setting("WATCHLIST_MAX_PER_USER", 50):
            raise ApplicationError(_("You have as many watchlists as allowed; delete one first."),
                                   code="too_many")
        secret = webhook_secret_new() if webhook_url else ""
        watchlist = Watchlist.objects.create(owner=owner, name=name, email=bool(email), webhook_url=webhook_url,
                                             webhook_secret=secret)
        WatchedSerial.objects.bulk_create([WatchedSerial(watchlist=watchlist, serial=s, key=k)
                                           for s, k in serial_rows], batch_size=2000)
        watchlist.products.set(product_ids)
        watchlist.vendors.set(vendor_ids)
        audit_append(actor=owner, action="watchlist.create", obj=watchlist, after=_snapshot(watchlist))
    return watchlist, secret


def watchlist_update(*, watchlist: Watchlist, actor, **fields) -> tuple[Watchlist, str]:
    """Change a watchlist (only the given fields). A new webhook URL gets a new secret, answered once."""
    if watchlist.owner_id != getattr(actor, "pk", None):
        raise NotFoundError(_("Not found."))
    unknown = set(fields) - {"name", "serials", "products", "vendors", "email", "webhook_url"}
    if unknown:
        raise ApplicationError(_("Unknown field: %(name)s") % {"name": ", ".join(sorted(unknown))})
    cleaned: dict = {}
    if "name" in fields:
        cleaned["name"] = _name_clean(fields["name"])
    if "serials" in fields:
        cleaned["serials"] = _serials_clean(fields["serials"])
    if "products" in fields:
        cleaned["products"] = _ids_clean(fields["products"], Product, "products", user=actor)
    if "vendors" in fields:
        cleaned["vendors"] = _ids_clean(fields["vendors"], Vendor, "vendors", user=actor)
    if "webhook_url" in fields:
        cleaned["webhook_url"] = _webhook_url_clean(fields["webhook_url"])
    secret = ""
    with transaction.atomic():
        watchlist = Watchlist.objects.select_for_update().get(pk=watchlist.pk)
        before = _snapshot(watchlist)
        if "name" in cleaned:
            watchlist.name = cleaned["name"]
        if "email" in fields:
            watchlist.email = bool(fields["email"])
        if "webhook_url" in cleaned and cleaned["webhook_url"] != watchlist.webhook_url:
            watchlist.webhook_url = cleaned["webhook_url"]
            secret = webhook_secret_new() if watchlist.webhook_url else ""
            watchlist.webhook_secret = secret
            watchlist.webhook_failures, watchlist.webhook_disabled_at, watchlist.webhook_disabled_reason = 0, None, ""
        watchlist.save()
        if "serials" in cleaned:
            watchlist.watched_serials.all().delete()
            WatchedSerial.objects.bulk_create([WatchedSerial(watchlist=watchlist, serial=s, key=k)
                                               for s, k in cleaned["serials"]], batch_size=2000)
        if "products" in cleaned:
            watchlist.products.set(cleaned["products"])
        if "vendors" in cleaned:
            watchlist.vendors.set(cleaned["vendors"])
        audit_append(actor=actor, action="watchlist.update", obj=watchlist, before=before,
                     after=_snapshot(watchlist))
    return watchlist_get(user=actor, pk=watchlist.pk), secret


def watchlist_delete(*, watchlist: Watchlist, actor) -> None:
    if watchlist.owner_id != getattr(actor, "pk", None):
        raise NotFoundError(_("Not found."))
    with transaction.atomic():
        before = _snapshot(watchlist)
        pk = watchlist.pk
        audit_append(actor=actor, action="watchlist.delete", object_type="registry.watchlist", object_id=str(pk),
                     before=before)
        watchlist.delete()


def watchlist_secret_rotate(*, watchlist: Watchlist, actor) -> str:
    """A new webhook secret (the old one stops working at once); answered once."""
    if watchlist.owner_id != getattr(actor, "pk", None):
        raise NotFoundError(_("Not found."))
    if not watchlist.webhook_url:
        raise ApplicationError(_("This watchlist has no webhook."), code="no_webhook")
    with transaction.atomic():
        secret = webhook_secret_new()
        Watchlist.objects.filter(pk=watchlist.pk).update(webhook_secret=secret, updated_at=timezone.now())
        audit_append(actor=actor, action="watchlist.secret_rotate", obj=watchlist)
    return secret


def watchlist_webhook_enable(*, watchlist: Watchlist, actor) -> Watchlist:
    """Turn a disabled webhook back on (after the receiver was fixed)."""
    if watchlist.owner_id != getattr(actor, "pk", None):
        raise NotFoundError(_("Not found."))
    with transaction.atomic():
        Watchlist.objects.filter(pk=watchlist.pk).update(webhook_disabled_at=None, webhook_disabled_reason="",
                                                         webhook_failures=0, updated_at=timezone.now())
        audit_append(actor=actor, action="watchlist.webhook_enable", obj=watchlist)
    return watchlist_get(user=actor, pk=watchlist.pk)


# Events ----------------------------------------------------------------------------------------------

def event_id_for(event: CertificateEvent) -> uuid.UUID:
    """The same id for one certificate event, for every watcher and every attempt."""
    return uuid.uuid5(EVENT_NAMESPACE, f"certificate-event:{event.pk}")


def _watchers(certificate: Certificate) -> list[Watchlist]:
    ids = set(WatchedSerial.objects.filter(key=serial_key(certificate.serial)).values_list("watchlist_id", flat=True))
    ids |= set(Watchlist.products.through.objects.filter(product_id=certificate.product_id)
               .values_list("watchlist_id", flat=True))
    ids |= set(Watchlist.vendors.through.objects.filter(vendor_id=certificate.vendor_id)
               .values_list("watchlist_id", flat=True))
    if not ids:
        return []
    return list(Watchlist.objects.filter(pk__in=ids).order_by("pk"))


def event_payload(*, certificate: Certificate, event: CertificateEvent, watchlist: Watchlist) -> dict:
    return {
        "id": str(event_id_for(event)),
        "type": f"certificate.{event.action}",
        "created_at": event.created_at.isoformat(),
        "watchlist": {"id": watchlist.pk, "name": watchlist.name},
        "data": {
            "serial": certificate.serial,
            "status": event.to_status,
            "previous_status": event.from_status or None,
            "reason": event.reason,
            "valid_until": certificate.valid_until.isoformat(),
            "verify_url": f"{settings.SITE_URL}/verify/{certificate.serial}/",
            "product": {"id": certificate.product_id, "name": certificate.product.name},
            "vendor": {"id": certificate.vendor_id, "legal_name": certificate.vendor_legal_name,
                       "tax_code": certificate.vendor_tax_code},
        },
    }


def watch_events_record(*, certificate: Certificate, event: CertificateEvent) -> int:
    """Inside the transaction of a status change: a delivery row per active webhook watching the
    certificate (its serial, product or vendor); after the commit, the sends and one e-mail per watcher."""
    watchers = _watchers(certificate)
    if not watchers:
        return 0
    now = timezone.now()
    deliveries = []
    for watchlist in watchers:
        if watchlist.webhook_active:
            body = json.dumps(event_payload(certificate=certificate, event=event, watchlist=watchlist),
                              ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            deliveries.append(WebhookDelivery(watchlist=watchlist, event_id=event_id_for(event),
                                              event_type=f"certificate.{event.action}", body=body,
                                              next_attempt_at=now))
    created = WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    delivery_ids = list(WebhookDelivery.objects.filter(event_id=event_id_for(event), status=DeliveryStatus.PENDING)
                        .values_list("pk", flat=True)) if created else []
    owner_ids = sorted({w.owner_id for w in watchers if w.email})
    context = {"serial": certificate.serial, "product": certificate.product.name, "status": event.to_status,
               "from_status": event.from_status, "action": event.action, "reason": event.reason,
               "site_url": settings.SITE_URL}

    if owner_ids:
        email_enqueue(template="watch_status", context=context, key=f"watch_status:event={event.pk}",
                      user_ids=owner_ids, obj=certificate)

    def after_commit():
        from registry.tasks import webhook_delivery_attempt_task

        for pk in delivery_ids:
            webhook_delivery_attempt_task.delay(pk)  # fast path; the sweeper sends what this misses

    transaction.on_commit(after_commit, robust=True)
    return len(deliveries)


# Deliveries ------------------------------------------------------------------------------------------

def _backoff(attempts: int) -> timedelta:
    base = _setting("WEBHOOK_BACKOFF_SECONDS", 30) * 2 ** max(attempts - 1, 0)
    seconds = min(base, _setting("WEBHOOK_BACKOFF_MAX_SECONDS", 3 * 3600))
    return timedelta(seconds=seconds * random.uniform(0.9, 1.1))


LEASE = timedelta(seconds=60)  # a claimed delivery is not claimed again before this (covers one attempt)


def webhook_delivery_attempt(*, delivery_id: int, manual: bool = False) -> str:
    """Send one delivery if it is due (or `manual`); record the attempt; schedule the retry or give up."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(skip_locked=True).select_related("watchlist")
                    .filter(pk=delivery_id).first())
        if delivery is None:
            return "busy"
        if not manual and (delivery.status != DeliveryStatus.PENDING or
                           (delivery.next_attempt_at and delivery.next_attempt_at > now)):
            return "not_due"
        watchlist = delivery.watchlist
        if not watchlist.webhook_active and not manual:
            delivery.status, delivery.last_error, delivery.next_attempt_at = (
                DeliveryStatus.FAILED, str(_("The webhook is disabled.")), None)
            delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
            return "disabled"
        delivery.attempts += 1
        delivery.next_attempt_at = now + LEASE
        delivery.save(update_fields=["attempts", "next_attempt_at"])
        url, secret, body = watchlist.webhook_url, watchlist.webhook_secret, delivery.body
    result = webhook_post(url=url, secret=secret, event_id=str(delivery.event_id), body=body.encode())
    finished = timezone.now()
    notify_disabled = False
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        WebhookAttempt.objects.create(delivery=delivery, attempted_at=now, status_code=result.status_code,
                                      error=result.error, duration_ms=result.duration_ms, manual=manual)
        delivery.last_attempt_at, delivery.last_status_code, delivery.last_error = (
            now, result.status_code, result.error)
        if result.ok:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, finished, None
            Watchlist.objects.filter(pk=delivery.watchlist_id).update(webhook_failures=0)
        else:
            give_up_at = delivery.created_at + timedelta(hours=_setting("WEBHOOK_RETRY_HOURS", 24))
            retry_at = finished + _backoff(delivery.attempts)
            notify_disabled = _failure_count(delivery.watchlist_id, result.error)
            if manual and delivery.status == DeliveryStatus.DELIVERED:
                delivery.next_attempt_at = None  # a re-send of a delivered event does not undo it
            elif retry_at > give_up_at or notify_disabled:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            else:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, retry_at
        delivery.save()
    if notify_disabled:
        return "failed_disabled"
    return "delivered" if result.ok else ("failed" if delivery.status == DeliveryStatus.FAILED else "retry")


def _failure_count(watchlist_id: int, error: str) -> bool:
    """One more failed attempt in a row; past the limit the webhook is disabled and its owner told."""
    Watchlist.objects.filter(pk=watchlist_id).update(webhook_failures=F("webhook_failures") + 1)
    watchlist = Watchlist.objects.select_for_update().get(pk=watchlist_id)
    limit = _setting("WEBHOOK_DISABLE_AFTER_FAILURES", 15)
    if watchlist.webhook_disabled_at is not None or watchlist.webhook_failures < limit:
        return False
    reason = str(_("%(count)s failed attempts in a row; the last: %(error)s")
                 % {"count": watchlist.webhook_failures, "error": webhook_failure_text(error)[:300]})
    watchlist.webhook_disabled_at, watchlist.webhook_disabled_reason = timezone.now(), reason
    watchlist.save(update_fields=["webhook_disabled_at", "webhook_disabled_reason"])
    WebhookDelivery.objects.filter(watchlist_id=watchlist_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, next_attempt_at=None, last_error=str(_("The webhook is disabled.")))
    audit_append(actor=None, action="watchlist.webhook_disable", obj=watchlist, data={"reason": reason})
    context = {"watchlist": watchlist.name, "url": watchlist.webhook_url, "reason": reason,
               "site_url": settings.SITE_URL, "watchlist_id": watchlist.pk}
    email_enqueue(template="webhook_disabled", context=context, user_ids=[watchlist.owner_id], obj=watchlist,
                  key=f"webhook_disabled:watchlist={watchlist.pk}:at={watchlist.webhook_disabled_at.isoformat()}")
    return True


def webhook_deliveries_due(*, now=None, limit: int = 500) -> list[int]:
    now = now or timezone.now()
    return list(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


def webhook_delivery_resend(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """The owner sends a delivery again (delivered or failed): queued at once for a worker."""
    if delivery.watchlist.owner_id != getattr(actor, "pk", None):
        raise NotFoundError(_("Not found."))
    if not delivery.watchlist.webhook_url:
        raise ApplicationError(_("This watchlist has no webhook."), code="no_webhook")
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status == DeliveryStatus.FAILED:
            delivery.status = DeliveryStatus.PENDING
            # a failed delivery gets a fresh day of retries from now
            delivery.created_at = timezone.now()
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "next_attempt_at", "created_at"])
        audit_append(actor=actor, action="webhook.resend", obj=delivery.watchlist,
                     data={"delivery": delivery.pk, "event_id": str(delivery.event_id)})
        pk, manual = delivery.pk, delivery.status == DeliveryStatus.DELIVERED

        def send():
            from registry.tasks import webhook_delivery_attempt_task

            webhook_delivery_attempt_task.delay(pk, manual)  # fast path; the sweeper sends what this misses

        transaction.on_commit(send, robust=True)
    return delivery


def watchlist_deliveries(*, watchlist: Watchlist, limit: int = 50):
    return list(watchlist.deliveries.order_by("-created_at", "-id")[:limit])

