import os
import subprocess
import sys

import pytest
from django.conf import settings

REQUIRED = {"DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "registry.example.vn",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/registry"}


def _load_production(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    env.update(env_overrides, DJANGO_SETTINGS_MODULE="config.settings.production")
    code = "import django; django.setup(); from django.conf import settings; print(settings.ALLOWED_HOSTS)"
    return subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_settings_production_refuses_to_start_without(missing):
    result = _load_production({k: v for k, v in REQUIRED.items() if k != missing})
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


def test_settings_production_starts_with_its_secrets():
    result = _load_production(REQUIRED)
    assert result.returncode == 0, result.stderr
    assert "registry.example.vn" in result.stdout


def test_settings_embedded_default_is_vietnamese_first():
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _ in settings.LANGUAGES] == ["vi", "en"]
    assert settings.AUTH_USER_MODEL == "accounts.User"
