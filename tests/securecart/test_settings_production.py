"""Production settings refuse to start without secrets and pass check --deploy."""

import os
import subprocess
import sys

from tests.services import ROOT

GOOD_ENV = {
    "DJANGO_SETTINGS_MODULE": "securecart.settings.production",
    "DJANGO_SECRET_KEY": "x" * 20
    + "production-secret-key-from-the-environment-0123456789",
    "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "postgres://shop:shop@127.0.0.1:5432/shop",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_required_variables():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=GOOD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_naming_each_missing_variable():
    env = {"DJANGO_SETTINGS_MODULE": "securecart.settings.production"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"):
        assert name in result.stderr


def test_production_rejects_a_short_secret_key():
    result = _manage("check", env={**GOOD_ENV, "DJANGO_SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


def test_site_url_defaults_to_the_first_allowed_host_over_https():
    code = "from django.conf import settings; print(settings.SITE_URL)"
    env = {**GOOD_ENV, "DJANGO_ALLOWED_HOSTS": "shop.example.com,www.example.com"}
    result = _manage("shell", "-c", code, env={**env, "SITE_URL": ""})
    assert result.stdout.splitlines()[-1] == "https://shop.example.com", result.stderr
    given = _manage("shell", "-c", code, env={**env, "SITE_URL": "https://x.test/"})
    assert given.stdout.splitlines()[-1] == "https://x.test", given.stderr
