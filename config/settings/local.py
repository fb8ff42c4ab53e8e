"""Embedded default for a laptop: SQLite under var/, tasks in-process, e-mail to files."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-secret")
# The embedded default creates its signing key at first use (`make run` runs signing_setup anyway).
SIGNING_KEY_AUTO_CREATE = env.bool("SIGNING_KEY_AUTO_CREATE", default=True)
