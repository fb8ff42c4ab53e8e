"""Settings shared by every environment; everything that differs comes from the environment."""

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
# Earlier secret keys, still accepted for signatures and second-factor secrets while sessions move over.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # trigram lookups for the registry's typo-tolerant search (inert on SQLite)
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "axes",
    "accounts",
    "trust",
    "registry",
    "certification",
]

MIDDLEWARE = [
    # outermost: under /api/ every error, Django's own too, leaves in the API's error format
    "config.middleware.ApiErrorFormatMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # ETag from the content for every GET that has none, and 304 when the client has it already
    "django.middleware.http.ConditionalGetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outermost of the app's middleware: a committed change is never answered 500; an unreachable
    # database or Redis answers 503 with Retry-After.
    "config.resilience.ResilienceMiddleware",
    # reads go to the replica unless this browser just wrote (config.db_routers)
    "config.db_routers.ReplicaPinMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.VietnameseFirstLocaleMiddleware",
    "config.middleware.BadInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # a form is sent once; one sent after the session ended is kept for after sign-in (config/submissions.py)
    "config.submissions.SubmitOnceMiddleware",
    "config.submissions.SessionExpiredMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # after authentication and messages: sends people who must use two factors to set them up first
    "accounts.middleware.MfaRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # last: turns a sign-in refused for too many failures into the lockout page (429)
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "accounts.context_processors.certification_body",
                "config.submissions.restored_form",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A persistent connection broken by a database restart is replaced at the next request, not used.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server fails a request in seconds (a 503), it does not hang it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (web + in-process tasks) share the file; wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
# A read replica (PostgreSQL streaming replication), when there is one: config.db_routers.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {**env.db("DATABASE_REPLICA_URL"), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["config.db_routers.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "registry:product_list"
AUTHENTICATION_BACKENDS = [
    # first: refuses any sign-in while the account or the address is locked out
    "accounts.backends.LockoutBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # not a rule: Django calls it after every password change (pages, admin, commands) to revoke API tokens
    {"NAME": "registry.account_services.PasswordChangeRevokesTokens"},
]

# Accounts (django-allauth): e-mail sign-in, verified addresses, password reset, TOTP with recovery codes.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_REDIRECT_URL = "registry:product_list"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = SITE_URL.split(":", 1)[0]
# django-axes owns failed sign-ins (password and code) per account and address; allauth keeps its other limits.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
MFA_ADAPTER = "accounts.adapters.MfaAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "VN Cybersecurity Registry"
# accept the code of the period before and after too: a code typed as it changes still works
MFA_TOTP_TOLERANCE = 1
MFA_FORMS = {"authenticate": "accounts.forms.MfaAuthenticateForm",
             "reauthenticate": "accounts.forms.MfaReauthenticateForm"}
# Roles that may open no work or admin page until they have set up TOTP (accounts.mfa).
MFA_REQUIRED_ROLES = ["evaluator", "certifier", "staff"]
USERSESSIONS_TRACK_ACTIVITY = False

# Lockout (django-axes): failed sign-ins and unknown API tokens, per account and per address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = "accounts.lockout.lockout_parameters"
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "code", "csrfmiddlewaretoken"]
API_TOKEN_MAX_ACTIVE = 20

# Vietnamese first, English second.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
# Dates follow the page's language: 05/03/2026 in Vietnamese, 5 March 2026 in English (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# Serve from the finders too, so `make stack` works without a collectstatic step.
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: artifacts and PDFs go through permission-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# S3-compatible object storage (an on-premises MinIO keeps the data in the country) through django-storages:
# media (artifacts, certificate PDFs, open-data dumps) when S3_MEDIA_BUCKET is set, static files when
# S3_STATIC_BUCKET is set. Media stay private (downloads go through permission-checked views).
_S3 = {
    "endpoint_url": env("S3_ENDPOINT_URL", default="") or None,
    "region_name": env("S3_REGION", default="") or None,
    "access_key": env("S3_ACCESS_KEY_ID", default="") or None,
    "secret_key": env("S3_SECRET_ACCESS_KEY", default="") or None,
    "addressing_style": env("S3_ADDRESSING_STYLE", default="path"),
    "signature_version": "s3v4",
}
if env("S3_MEDIA_BUCKET", default=""):
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        **_S3, "bucket_name": env("S3_MEDIA_BUCKET"), "location": "media", "default_acl": "private",
        "querystring_auth": True, "file_overwrite": False}}
if env("S3_STATIC_BUCKET", default=""):
    STORAGES["staticfiles"] = {"BACKEND": "storages.backends.s3.S3ManifestStaticStorage", "OPTIONS": {
        **_S3, "bucket_name": env("S3_STATIC_BUCKET"), "location": "static", "default_acl": "public-read",
        "querystring_auth": False, "custom_domain": env("S3_STATIC_DOMAIN", default="") or None}}
    STATIC_URL = env("STATIC_URL", default="/static/")

ARTIFACT_MAX_BYTES = env.int("ARTIFACT_MAX_BYTES", default=100 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
APPEAL_WINDOW_DAYS = env.int("APPEAL_WINDOW_DAYS", default=30)
CONFLICT_COOLING_OFF_DAYS = env.int("CONFLICT_COOLING_OFF_DAYS", default=730)
# Pages warn where findings are shown when the vulnerability database was last imported longer ago than this.
VULNDB_STALE_DAYS = env.int("VULNDB_STALE_DAYS", default=7)
BULK_STATUS_MAX_SERIALS = 10_000
# Watchlists and webhooks (registry.watch, registry.webhooks).
WATCHLIST_MAX_PER_USER = 50
WATCHLIST_MAX_SERIALS = 10_000
# Tests and closed networks only: lets webhooks reach loopback, private and link-local addresses (and http).
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=False)
WEBHOOK_BACKOFF_SECONDS = env.int("WEBHOOK_BACKOFF_SECONDS", default=30)
WEBHOOK_BACKOFF_MAX_SECONDS = env.int("WEBHOOK_BACKOFF_MAX_SECONDS", default=3 * 3600)
WEBHOOK_RETRY_HOURS = env.int("WEBHOOK_RETRY_HOURS", default=24)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=15)
# A search counts its matches up to this many, then says "more than" (counting every match of a common word
# would read every matching row; the filters and the export are there for the rest).
SEARCH_COUNT_CAP = env.int("SEARCH_COUNT_CAP", default=1000)
# Public pages and API reads are cached this long at most; every change invalidates them at once.
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=60)

# E-mail: files under var/mail unless EMAIL_URL names a real server.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="filemail://")
if EMAIL_CONFIG["EMAIL_BACKEND"].endswith("filebased.EmailBackend") or not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
else:
    vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # an SMTP server that hangs fails the attempt, it is retried
# The certification body's one name, in both languages: page header and titles, e-mails, PDFs.
CERTIFICATION_BODY_NAME_VI = env("CERTIFICATION_BODY_NAME_VI",
                                 default="Cơ quan chứng nhận sản phẩm an toàn thông tin mạng")
CERTIFICATION_BODY_NAME_EN = env("CERTIFICATION_BODY_NAME_EN",
                                 default="Network Information Security Product Certification Body")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"{CERTIFICATION_BODY_NAME_VI} <no-reply@registry.local>")
STAFF_NOTIFICATION_EMAILS = env.list("STAFF_NOTIFICATION_EMAILS", default=[])
# Where people write about their personal data (the privacy notice names it).
PRIVACY_CONTACT_EMAIL = env("PRIVACY_CONTACT_EMAIL", default="privacy@registry.local")

# Redis is optional: without it tasks run in-process and the cache is local memory. With it, the cache
# (and so the API throttles) falls back to local memory while Redis is down and returns by itself.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {
        "BACKEND": "config.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
    }}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CACHE_REDIS_RETRY_SECONDS = env.int("CACHE_REDIS_RETRY_SECONDS", default=5)

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
# acks_late alone loses a task whose worker process is killed; this re-queues it.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Redis redelivers a message not acknowledged within this many seconds. It is only the backstop: the
# outbox sweeper re-publishes the work of a dead worker within WORKER_STALE_SECONDS + OUTBOX_SWEEP_SECONDS.
# It stays above the longest hard time limit of a delivery (1500 s, re-matching) so Redis never hands a
# task that is still running on a live worker to a second one (that would be harmless, only wasteful).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=1800),
    # A stopped or unreachable Redis fails a publish in about a second instead of hanging a request.
    "socket_connect_timeout": 1,
    "socket_timeout": 10,
    "socket_keepalive": True,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A worker waits for Redis as long as it takes (the default gives up after 100 retries and exits).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CONSUMER = "config.celery:QuickReconnectConsumer"  # ... and tries again every 1-2 s
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_TASK_ROUTES = {
    "certification.tasks.check_run_execute_task": {"queue": "checks"},
    "registry.tasks.webhook_delivery_attempt_task": {"queue": "webhooks"},
    "registry.tasks.webhook_deliveries_due_task": {"queue": "webhooks"},
    "registry.tasks.open_data_dump_task": {"queue": "exports"},
    "registry.tasks.certificate_render_pdf_task": {"queue": "documents"},
    "certification.tasks.evaluation_report_render_task": {"queue": "documents"},
    # Only the signing worker holds the private keys (SIGNING_KEY_DIR); the web process needs none.
    "trust.tasks.tree_head_sign_task": {"queue": "signing"},
    "registry.tasks.certificate_sign_task": {"queue": "signing"},
    "registry.tasks.status_list_publish_task": {"queue": "signing"},
    "registry.tasks.certificate_pdf_sign_task": {"queue": "signing"},
}
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Declared, so a worker started without -Q still consumes every queue the routes send tasks to.
CELERY_TASK_QUEUES = [Queue("celery"), Queue("checks"), Queue("documents"), Queue("signing"), Queue("webhooks"),
                      Queue("exports")]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# The outbox and fast recovery (docs/operations.md explains how these numbers fit together) ----------
# Workers write a heartbeat every WORKER_HEARTBEAT_SECONDS; one silent for WORKER_STALE_SECONDS is dead
# and the sweeper (every OUTBOX_SWEEP_SECONDS) hands its claims to another worker: a killed worker's
# work runs again within WORKER_STALE_SECONDS + OUTBOX_SWEEP_SECONDS (20 s by default).
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=5)
WORKER_STALE_SECONDS = env.int("WORKER_STALE_SECONDS", default=15)
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=5)
# A published message not yet claimed is published again after this long when its queue is empty (the
# broker lost it, e.g. Redis restarted without persistence), and after OUTBOX_REDISPATCH_MAX_SECONDS anyway.
OUTBOX_REDISPATCH_SECONDS = env.int("OUTBOX_REDISPATCH_SECONDS", default=10)
OUTBOX_REDISPATCH_MAX_SECONDS = env.int("OUTBOX_REDISPATCH_MAX_SECONDS", default=120)
# Failed attempts wait OUTBOX_BACKOFF_SECONDS * 2**(n-1) (at most OUTBOX_BACKOFF_MAX_SECONDS, +-20 %);
# after OUTBOX_MAX_ATTEMPTS the message is `failed` and shows on the staff desk (about 50 min in all).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
OUTBOX_BACKOFF_SECONDS = env.int("OUTBOX_BACKOFF_SECONDS", default=10)
OUTBOX_BACKOFF_MAX_SECONDS = env.int("OUTBOX_BACKOFF_MAX_SECONDS", default=900)
OUTBOX_OVERDUE_SECONDS = env.int("OUTBOX_OVERDUE_SECONDS", default=300)  # staff desk and /readyz
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=90)  # delivered rows kept as history
OUTBOX_SETTLE_RETRY_SECONDS = 30  # a worker keeps trying to record an outcome through a database restart
OUTBOX_BROKER_RETRY_SECONDS = 5  # after a failed publish, a web process stops trying for this long
OUTBOX_PUBLISH_RETRY_POLICY = CELERY_TASK_PUBLISH_RETRY_POLICY
OUTBOX_PRIORITY = 3  # new work; taken-back and lost work is published at 0, which Redis serves first
# Embedded mode has no beat: retries that came due are delivered with the next committed change.
OUTBOX_EAGER_SWEEP_SECONDS = env.int("OUTBOX_EAGER_SWEEP_SECONDS", default=60)

CELERY_BEAT_SCHEDULE = {
    # Expiring keeps a late sweep from piling up behind a busy queue: the next one is seconds away.
    "outbox-sweep": {"task": "trust.tasks.outbox_sweep_task", "schedule": float(OUTBOX_SWEEP_SECONDS),
                     "options": {"expires": max(OUTBOX_SWEEP_SECONDS * 2, 10), "priority": 0}},
    "sweep-stale-check-runs": {"task": "certification.tasks.check_run_sweep_task", "schedule": 60.0,
                               "options": {"expires": 120}},
    "expire-certificates": {"task": "registry.tasks.certificate_expire_due_task", "schedule": crontab(minute=5)},
    "expiry-reminders": {"task": "registry.tasks.certificate_expiry_reminders_task", "schedule": crontab(minute=35)},
    # The status list is re-signed well within its 10-minute next_update; tree heads get a fresh time stamp.
    "publish-status-list": {"task": "registry.tasks.status_list_publish_task", "schedule": 300.0},
    "sign-tree-head": {"task": "trust.tasks.tree_head_sign_task", "schedule": 600.0, "kwargs": {"force": True}},
    "send-due-webhooks": {"task": "registry.tasks.webhook_deliveries_due_task",
                          "schedule": float(env.int("WEBHOOK_SWEEP_SECONDS", default=20))},
    "open-data-dump": {"task": "registry.tasks.open_data_dump_task", "schedule": crontab(hour=2, minute=30)},
}
CHECK_RUN_STALE_SECONDS = env.int("CHECK_RUN_STALE_SECONDS", default=600)

# Trust: private signing keys live in files here, outside the repository and the database; only the
# signing worker needs to read them. `manage.py signing_setup` creates the directory and keys.
SIGNING_KEY_DIR = env.path("SIGNING_KEY_DIR", default=str(VAR_DIR / "keys"))
# Create the first key (and the PDF signing certificate) at first use: tests and the embedded default only.
SIGNING_KEY_AUTO_CREATE = env.bool("SIGNING_KEY_AUTO_CREATE", default=False)
# The PDF signing certificate (PAdES): a real one is a PEM key, certificate and chain given by these paths;
# by default a certification-body CA and signer generated by signing_setup under SIGNING_KEY_DIR/pdf/.
PDF_SIGNING_KEY = env("PDF_SIGNING_KEY", default="")
PDF_SIGNING_CERT = env("PDF_SIGNING_CERT", default="")
PDF_SIGNING_CHAIN = env.list("PDF_SIGNING_CHAIN", default=[])
PDF_TRUST_ROOTS = env.list("PDF_TRUST_ROOTS", default=[])
# The signed status list promises its next update within this many seconds (beat re-signs every 300).
STATUS_LIST_NEXT_UPDATE_SECONDS = 600
# Cache-Control max-age of status lookups, the verify page and the status list (the issue's bound is 60).
STATUS_MAX_AGE_SECONDS = env.int("STATUS_MAX_AGE_SECONDS", default=30)
# Days before expiry the vendor is reminded (each once per validity period).
EXPIRY_REMINDER_DAYS = [90, 30, 7]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # bounded JSON (depth, 64-bit numbers, Unicode, size): see config/api/parsers.py
    "DEFAULT_PARSER_CLASSES": [
        "config.api.parsers.JSONParser",
        "config.api.parsers.FormParser",
        "config.api.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        # only views that name a throttle_scope ("bulk") are limited by it
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "600/minute", "user": "1200/minute", "bulk": "60/minute",
                               "export": "30/minute", "watchlists": "120/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cybersecurity product certification registry API",
    "DESCRIPTION": "Public registry, certificate status and the certification workflow of Viet Nam's "
    "cybersecurity product certification body.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    # Several models have a `status` or `level`; name each choice set once.
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "registry.choices.Level",
        "CertificateStatusEnum": "registry.choices.CertificateStatus",
        "ApplicationStatusEnum": "certification.choices.ApplicationStatus",
        "ApplicationActionEnum": "certification.choices.ApplicationAction",
        "ApplicationKindEnum": "certification.choices.ApplicationKind",
        "ArtifactKindEnum": "registry.choices.ArtifactKind",
        "CaseResultEnum": "certification.choices.CaseResultValue",
    },
}

# Nothing on a page may come from outside the deployment (static files may come from its own object store).
_STATIC_ORIGIN = ["/".join(STATIC_URL.split("/")[:3])] if STATIC_URL.startswith("http") else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", *_STATIC_ORIGIN],
        "style-src": ["'self'", *_STATIC_ORIGIN],
        "img-src": ["'self'", "data:", *_STATIC_ORIGIN],
        "font-src": ["'self'", *_STATIC_ORIGIN],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
# /.well-known/security.txt (RFC 9116): whom to tell about a vulnerability, and the policy page.
SECURITY_CONTACT = env("SECURITY_CONTACT", default="")  # e.g. mailto:security@registry.gov.vn
SECURITY_POLICY_URL = env("SECURITY_POLICY_URL", default="")  # default: SITE_URL + /security/
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
