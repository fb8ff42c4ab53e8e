"""What production refuses to start with (config/settings/production.py): a weak secret key, or a
SITE_URL that QR codes, e-mails and API links could not reach. Importable without side effects."""

import ipaddress
import math
from collections import Counter
from urllib.parse import urlsplit

from django.http.request import validate_host

# Secret keys shipped in this repository or its documentation: public, so never a production secret.
KNOWN_PUBLIC_SECRETS = frozenset({
    "change-me", "changeme", "secret", "local-development-only-not-secret", "test-only-not-secret",
})
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_BITS = 128


def weak_secret_reason(key: str) -> str | None:
    """Why a secret key is too weak for production, or None. Django's own rule (50 characters, 5 distinct,
    not 'django-insecure-') plus an entropy estimate and a repetition check, so 'ab' * 30 or a word
    repeated does not pass, while any key from get_random_secret_key() or secrets.token_hex(32) does."""
    if key.strip().lower() in KNOWN_PUBLIC_SECRETS:
        return "it is a value published in this project's code or documentation"
    if key.startswith("django-insecure"):
        return "it is Django's insecure development key"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    counts = Counter(key)
    bits_per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    if len(counts) < 5 or bits_per_char * len(key) < SECRET_KEY_MIN_BITS:
        return "it has too little entropy (too few different characters)"
    grams = [key[i:i + 4] for i in range(len(key) - 3)]
    if len(set(grams)) < 0.75 * len(grams):
        return "it repeats itself"
    return None


def site_url_problem(url: str, allowed_hosts: list[str]) -> str | None:
    """Why SITE_URL cannot be the public address printed in QR codes, e-mails and API links, or None."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return "it must start with https://"
    host = (parts.hostname or "").lower()
    if not host:
        return "it has no host name"
    if parts.path.strip("/") or parts.query or parts.fragment:
        return "it must be the site's base address, without a path"
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".test", ".example", ".invalid")):
        return f"{host} is not a public host name"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and not address.is_global:
        return f"{host} is a loopback, private or reserved address"
    if not validate_host(host, allowed_hosts):
        return f"{host} is not in DJANGO_ALLOWED_HOSTS"
    return None
