"""Production: no defaults for secrets; refuse to start without them, or with values that are unsafe."""

from django.core.exceptions import ImproperlyConfigured

from config.deployment import site_url_problem, weak_secret_reason

from .base import *  # noqa: F403
from .base import env

DEBUG = False


def _required(name: str) -> str:
    value = env(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production.")
    return value


SECRET_KEY = _required("DJANGO_SECRET_KEY")
if reason := weak_secret_reason(SECRET_KEY):
    raise ImproperlyConfigured(f"DJANGO_SECRET_KEY is too weak for production: {reason}. Generate one with "
                               "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`.")
ALLOWED_HOSTS = [h.strip() for h in _required("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]
SITE_URL = _required("SITE_URL").rstrip("/")
if problem := site_url_problem(SITE_URL, ALLOWED_HOSTS):
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r} cannot be the public address of the registry: {problem}.")
DATABASES = {"default": env.db_url_config(_required("DATABASE_URL"))}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = [SITE_URL]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# A load balancer's health checks often speak plain HTTP to the process: answer them, do not redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Keys are created by the operator on the signing host (`manage.py signing_setup`), never at first use.
SIGNING_KEY_AUTO_CREATE = False
