"""Test settings: PostgreSQL and Redis where DATABASE_URL / REDIS_URL are set, else SQLite."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = False
SECRET_KEY = "test-only-not-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = env.path("TEST_MEDIA_ROOT", default=str(VAR_DIR / "test-media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Unit tests run tasks in-process; the tests marked `worker` start a real worker on Redis.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
OUTBOX_EAGER_SWEEP_SECONDS = 0  # tests sweep when they mean to
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
SIGNING_KEY_DIR = env.path("TEST_SIGNING_KEY_DIR", default=str(VAR_DIR / "test-keys"))
SIGNING_KEY_AUTO_CREATE = True
