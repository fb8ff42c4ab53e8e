"""The application as deployed, for the benchmark: production-like (DEBUG off, Redis cache), throttles still
counted but with limits a benchmark from one address does not reach."""

from config.settings.local import *  # noqa: F403
from config.settings.local import REST_FRAMEWORK

DEBUG = False
ALLOWED_HOSTS = ["*"]
DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
    k: "100000000/minute" for k in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
