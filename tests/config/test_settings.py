import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

from config.deployment import site_url_problem, weak_secret_reason

STRONG_KEY = "Vn9-qT2xLr7cW4bZ_mK8sHd3pYf6gJ1aQe5uNo0iRtEwXzSvBlC"
REQUIRED = {"DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": "registry.example.vn",
            "SITE_URL": "https://registry.example.vn",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/registry"}


def _production_env(env_overrides: dict) -> dict:
    # the test run's own async escape hatch would (rightly) fail the deploy check
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(env_overrides, DJANGO_SETTINGS_MODULE="config.settings.production")
    return env


def _load_production(env_overrides: dict) -> subprocess.CompletedProcess:
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.ALLOWED_HOSTS, settings.SITE_URL)")
    return subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=_production_env(env_overrides),
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_settings_production_refuses_to_start_without(missing):
    result = _load_production({k: v for k, v in REQUIRED.items() if k != missing})
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


def test_settings_production_starts_with_its_secrets():
    result = _load_production(REQUIRED)
    assert result.returncode == 0, result.stderr
    assert "registry.example.vn" in result.stdout
    assert "https://registry.example.vn" in result.stdout


@pytest.mark.parametrize("key", ["local-development-only-not-secret", "django-insecure-" + "k" * 50])
def test_settings_production_refuses_a_weak_secret_key(key):
    result = _load_production({**REQUIRED, "DJANGO_SECRET_KEY": key})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak for production" in result.stderr


@pytest.mark.parametrize("site_url", ["http://127.0.0.1:8000", "https://10.0.0.5"])
def test_settings_production_refuses_a_site_url_no_one_can_reach(site_url):
    result = _load_production({**REQUIRED, "SITE_URL": site_url, "DJANGO_ALLOWED_HOSTS": "registry.example.vn,*"})
    assert result.returncode != 0
    assert "cannot be the public address of the registry" in result.stderr


@pytest.mark.parametrize("key", [
    "", "change-me", "test-only-not-secret", "short-but-random-Q9x!",
    "django-insecure-kZjaI2_cay9hyc0JWSnP5BXiNCvUlah_HSsJFTLAd9tfSrI3keoU5OkGlMJkK1Z-264",  # startproject's prefix
    "x" * 60,  # one character
    "ab" * 30,  # two characters: too little entropy
    "Password1!" * 6,  # ten characters, repeated
])
def test_settings_weak_secret_reason_refuses(key):
    assert weak_secret_reason(key)


@pytest.mark.parametrize("key", [
    STRONG_KEY, "token_urlsafe", "token_hex",
    "correct horse battery staple, seven mountains of quiet rain over Hue",
])
def test_settings_weak_secret_reason_accepts_real_keys(key):
    # fresh random keys, drawn at run time (ids stay stable for parallel collection)
    key = {"token_urlsafe": secrets.token_urlsafe(50), "token_hex": secrets.token_hex(32)}.get(key, key)
    from django.core.management.utils import get_random_secret_key

    assert weak_secret_reason(key) is None
    assert weak_secret_reason(get_random_secret_key()) is None


@pytest.mark.parametrize("url", [
    "http://registry.example.vn",  # not https
    "https://localhost", "https://registry.localhost", "https://127.0.0.1", "https://[::1]",
    "https://192.168.1.10", "https://172.16.0.1", "https://169.254.1.1", "https://0.0.0.0",
    "https://registry.local",
    "https://other.example.vn",  # not in ALLOWED_HOSTS
    "https://registry.example.vn/verify",  # a path
    "https:///nohost",
])
def test_settings_site_url_problem_refuses(url):
    assert site_url_problem(url, ["registry.example.vn", "localhost", "127.0.0.1", "[::1]", "registry.localhost",
                                  "192.168.1.10", "172.16.0.1", "169.254.1.1", "0.0.0.0", "registry.local"])


def test_settings_site_url_problem_accepts_the_public_address():
    assert site_url_problem("https://registry.example.vn", ["registry.example.vn"]) is None
    assert site_url_problem("https://chungnhan.gov.vn", [".gov.vn"]) is None


def test_settings_production_passes_the_deploy_check():
    """`manage.py check --deploy --fail-level WARNING` is clean with the production settings (CI runs it here)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=_production_env(REQUIRED), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_settings_embedded_default_is_vietnamese_first():
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _ in settings.LANGUAGES] == ["vi", "en"]
    assert settings.AUTH_USER_MODEL == "accounts.User"
