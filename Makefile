# Certification registry — install / run / test.
# `make run` serves the demo on http://127.0.0.1:8000 (SQLite under var/, no configuration);
# with DATABASE_URL and REDIS_URL set it runs the full stack (gunicorn + Celery worker + beat).

SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help install run stack test lint clean screenshots

PYTHON      := .venv/bin/python
MANAGE      := $(PYTHON) manage.py
PYTEST_ARGS ?=

help: ## Show this help
	@echo "Targets:"
	@echo "  make install  Install system packages (if root) and the Python virtualenv (.venv)"
	@echo "  make run      Set up, migrate, seed the demo and serve on http://127.0.0.1:8000"
	@echo "                (full stack when DATABASE_URL and REDIS_URL are set)"
	@echo "  make stack    gunicorn + Celery worker + Celery beat (needs DATABASE_URL, REDIS_URL)"
	@echo "  make test     Set up and run the test suite (extra args: PYTEST_ARGS='-q -k foo')"
	@echo "  make lint     ruff check"
	@echo "  make screenshots  Run the browser journeys and refresh docs/screenshots/ from var/screenshots/"
	@echo "  make clean    Remove var/ and .venv"

install: ## Idempotent setup (system packages, .venv, requirements)
	@scripts/bootstrap

run: install
	$(MANAGE) compile_translations
	$(MANAGE) migrate --noinput
	$(MANAGE) signing_setup
	$(MANAGE) seed_demo
	@case "$${DJANGO_SETTINGS_MODULE:-}" in \
	  *production*) echo "$(MANAGE) collectstatic --noinput"; $(MANAGE) collectstatic --noinput ;; \
	esac
	@if [ -n "$${DATABASE_URL:-}" ] && [ -n "$${REDIS_URL:-}" ]; then \
	  exec scripts/stack; \
	else \
	  exec $(MANAGE) runserver 127.0.0.1:8000; \
	fi

stack:
	@if [ -z "$${DATABASE_URL:-}" ] || [ -z "$${REDIS_URL:-}" ]; then \
	  echo "make stack: DATABASE_URL and REDIS_URL must both be set (PostgreSQL and Redis)." >&2; \
	  echo "            Use 'make run' for the embedded default." >&2; \
	  exit 2; \
	fi
	@scripts/bootstrap
	@exec scripts/stack

# pytest-playwright drives the browser from an event loop; pytest-django's ORM calls beside it need this.
test: export DJANGO_ALLOW_ASYNC_UNSAFE = true
test: install
	$(MANAGE) compile_translations
	scripts/test $(PYTEST_ARGS)

screenshots: install
	$(MANAGE) compile_translations
	@scripts/screenshots

lint:
	.venv/bin/ruff check .

clean:
	rm -rf var .venv
