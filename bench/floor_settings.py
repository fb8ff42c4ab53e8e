"""The benchmark's floor: the same models and database, no middleware of ours, no templates, no sessions."""

import environ

from config.settings import base

env = environ.Env()
SECRET_KEY = "bench-floor-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
# the models need their apps (their ready() hooks only connect signals); nothing else of the site runs
INSTALLED_APPS = list(base.INSTALLED_APPS)
# allauth refuses to start without its middleware (a few attribute lookups per request)
MIDDLEWARE = ["allauth.account.middleware.AccountMiddleware"]
ROOT_URLCONF = "bench.floor_urls"
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = 600
AUTH_USER_MODEL = "accounts.User"
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SITE_URL = "http://127.0.0.1"
