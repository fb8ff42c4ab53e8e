"""Outgoing webhooks: where they may go, how they are signed, and one HTTP attempt.

* Only http(s) URLs whose host resolves to public addresses: every address the name resolves to is
  checked (loopback, private, link-local, carrier-grade NAT, multicast, reserved and IPv4-mapped forms
  are refused), when the URL is saved and again at every send; the request then goes to the address
  that was checked (the Host header and TLS name stay the URL's), so a DNS answer that changes
  between check and connect (rebinding) cannot send it elsewhere. WEBHOOK_ALLOW_PRIVATE_NETWORKS=true
  lifts the address rule (tests, closed networks) and allows plain http.
* Signature: `X-Registry-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` and
  `X-Registry-Event-Id: <uuid>`; receivers check the HMAC, refuse a `t` older than five minutes and
  ignore an event id they have seen (see WEBHOOK_VERIFY_SNIPPET).
* No redirects are followed; the answer is read up to 64 KiB; connect and read time out.
"""

import hashlib
import hmac
import ipaddress
import logging
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from config.errors import ApplicationError

logger = logging.getLogger(__name__)

# Why a request to an endpoint failed, stored as a code and shown in the reader's language; the exception
# itself goes to the log (with the event id), never to a page or an e-mail.
FAILURE_TEXT = {
    "timeout": _("The endpoint did not answer in time."),
    "connect": _("The endpoint could not be reached (the connection failed)."),
    "tls": _("The endpoint's TLS certificate could not be verified."),
    "request": _("The request could not be sent."),
}


def webhook_failure_text(error: str) -> str:
    """The reader's words for a stored failure: a code above, or a message of ours (a refused address)."""
    return str(FAILURE_TEXT.get(error, error))


def _failure_code(exc: Exception) -> str:
    if isinstance(exc, urllib3.exceptions.SSLError | ssl.SSLError):
        return "tls"
    if isinstance(exc, urllib3.exceptions.NewConnectionError):  # a subclass of urllib3's timeout error
        return "connect"
    if isinstance(exc, urllib3.exceptions.TimeoutError | TimeoutError):
        return "timeout"
    return "connect" if isinstance(exc, OSError) else "request"

SIGNATURE_HEADER = "X-Registry-Signature"
EVENT_ID_HEADER = "X-Registry-Event-Id"
RESPONSE_READ_MAX = 64 * 1024
_CGNAT = ipaddress.ip_network("100.64.0.0/10")

WEBHOOK_VERIFY_SNIPPET = '''import hashlib, hmac, time

def registry_webhook_verify(secret: str, body: bytes, signature_header: str, tolerance: int = 300) -> bool:
    """True when the body was signed by the registry with your secret in the last `tolerance` seconds."""
    parts = dict(item.split("=", 1) for item in signature_header.split(",") if "=" in item)
    timestamp, signature = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False  # too old or from the future: a replay
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)

# Then ignore any X-Registry-Event-Id you have already processed: a delivery may be retried.'''


class WebhookRefused(ApplicationError):
    code = "webhook_url_refused"


def webhook_secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def webhook_signature(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _private_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", False))


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if mapped is not None:
            return address_is_public(str(mapped))
    if ip in _CGNAT:
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local
                                 or ip.is_private or ip.is_unspecified)


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def webhook_target(url: str) -> Target:
    """Parse and check a webhook URL, resolving its host; raise WebhookRefused saying why it cannot be used."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookRefused(_("The webhook URL is not a valid URL.")) from None
    allowed_schemes = ("https", "http") if _private_allowed() else ("https",)
    if parts.scheme not in allowed_schemes:
        raise WebhookRefused(_("The webhook URL must start with https://."))
    if not parts.hostname or parts.username or parts.password:
        raise WebhookRefused(_("The webhook URL needs a host name and no user name or password."))
    if len(url) > 500:
        raise WebhookRefused(_("The webhook URL is longer than 500 characters."))
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise WebhookRefused(_("The webhook host name cannot be resolved.")) from None
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise WebhookRefused(_("The webhook host name cannot be resolved."))
    if not _private_allowed() and not all(address_is_public(a) for a in addresses):
        raise WebhookRefused(
            _("The webhook URL points to a private, loopback or link-local address; only public addresses "
              "may receive webhooks."), details={"url": [url]})
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=parts.scheme, host=host, port=port, path=path, addresses=addresses)


@dataclass(frozen=True)
class AttemptResult:
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int


def webhook_post(*, url: str, secret: str, event_id: str, body: bytes, timeout: float = 10.0) -> AttemptResult:
    """One POST of a signed body to a checked address of the URL; never raises."""
    started = time.monotonic()

    def done(ok, status, error):
        return AttemptResult(ok, status, error[:1000], int((time.monotonic() - started) * 1000))

    try:
        target = webhook_target(url)  # checked again at send time: the name may resolve elsewhere now
    except WebhookRefused as exc:
        return done(False, None, str(exc.message))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "vn-cyber-registry-webhooks/1",
        SIGNATURE_HEADER: webhook_signature(secret=secret, body=body),
        EVENT_ID_HEADER: event_id,
        "Host": target.host if target.port in (80, 443) else f"{target.host}:{target.port}",
    }
    address = target.addresses[0]
    timeouts = urllib3.Timeout(connect=min(5.0, timeout), read=timeout)
    try:
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address, port=target.port, timeout=timeouts, retries=False, maxsize=1,
                server_hostname=target.host, assert_hostname=target.host,
                ssl_context=ssl.create_default_context())
        else:
            pool = urllib3.HTTPConnectionPool(address, port=target.port, timeout=timeouts, retries=False, maxsize=1)
        with pool:
            response = pool.urlopen("POST", target.path, body=body, headers=headers, redirect=False,
                                    preload_content=False, assert_same_host=False)
            try:
                response.read(RESPONSE_READ_MAX)
            finally:
                response.release_conn()
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        code = _failure_code(exc)
        logger.warning("webhook event %s to %s failed (%s): %r", event_id, target.host, code, exc)
        return done(False, None, code)
    status = response.status
    if 200 <= status < 300:
        return done(True, status, "")
    return done(False, status, f"HTTP {status}")
