"""The application as deployed, for the benchmark: production-like (DEBUG off, Redis cache). Throttles are
off: one address sending thousands of requests a second would be limited, and DRF's throttle keeps the
list of every request time of the last minute per address, which at benchmark rates is itself the cost
(the floor and Datasette do not throttle either)."""

from config.settings.local import *  # noqa: F403
from config.settings.local import REST_FRAMEWORK

DEBUG = False
ALLOWED_HOSTS = ["*"]
DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
