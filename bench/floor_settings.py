"""The benchmark's floor: the same models and database, no middleware, no templates, no sessions."""

import environ

env = environ.Env()
SECRET_KEY = "bench-floor-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]

MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.floor_urls"
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = 600
AUTH_USER_MODEL = "accounts.User"
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SITE_URL = "http://127.0.0.1"
