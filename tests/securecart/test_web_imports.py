"""The web worker does not import what only some of its requests, or other
processes, use: each module a gunicorn worker imports stays in its memory.

A fresh interpreter with production settings (S3 media and the SQS broker
configured, as in AWS) loads the WSGI application and its whole URLconf (every
view module, as the first request does) without importing boto3 clients,
django-storages' S3 backend (and the cryptography it signs with), ReportLab or
Pillow; they load on first use (securecart/aws.py, securecart/storage_s3.py,
orders/pdf.py). And it leaves the objects of the loaded application frozen out of
the garbage collector's scans (securecart/startup.py).
"""

import json
import os
import subprocess
import sys

import pytest

from tests.services import ROOT

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "securecart.settings.production",
    "DJANGO_SECRET_KEY": "x" * 20 + "web-imports-secret-key-0123456789-abcdefghij",
    "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    # Never connected to: loading the application opens no connection.
    "DATABASE_URL": "postgres://shop:shop@127.0.0.1:5432/shop",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "AWS_STORAGE_BUCKET_NAME": "securecart-media",
    "CELERY_BROKER_URL": "sqs://",
}
# Imported on first use only.
LAZY = (
    "boto3",
    "botocore.session",
    "botocore.client",
    "storages.backends.s3",
    "cryptography.hazmat",
    "reportlab",
    "PIL",
    "kombu.transport.SQS",
)
# Proof that the URLconf and the views behind it were loaded.
LOADED = ("shop.apis", "orders.apis", "accounts.apis_customer", "orders.services")

SCRIPT = f"""
import gc, json, sys
from securecart.wsgi import application
names = {LAZY + LOADED!r}
print(json.dumps({{
    "modules": {{name: name in sys.modules for name in names}},
    "frozen": gc.get_freeze_count(),
    "tracked": len(gc.get_objects()),
    "gc_enabled": gc.isenabled(),
}}))
"""


@pytest.fixture(scope="module")
def loaded() -> dict:
    """What a fresh interpreter holds once it has loaded securecart.wsgi."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "AWS_", "CELERY_", "REDIS_"))
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={**clean, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_web_application_loads_without_the_modules_only_some_requests_use(
    loaded,
):
    imported = loaded["modules"]
    # the URLconf, hence every view module, is loaded before the first request
    assert [name for name in LOADED if not imported[name]] == []
    assert [name for name in LAZY if imported[name]] == []


def test_the_loaded_application_is_frozen_out_of_garbage_collection(loaded):
    assert loaded["gc_enabled"] is True
    # nearly everything alive after loading is in the permanent generation
    assert loaded["frozen"] > 10 * loaded["tracked"]


def test_production_the_stack_and_the_bench_all_preload_the_web_application():
    # One loaded copy in gunicorn's master, shared by the forked workers; the bench
    # measures the workers the way production runs them.
    dockerfile_cmd = next(
        line
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("CMD [")
    )
    web = json.loads(dockerfile_cmd.removeprefix("CMD "))
    ecs = (ROOT / "infra/terraform/modules/ecs-services/main.tf").read_text()
    ecs_web = next(line for line in ecs.splitlines() if '"gunicorn",' in line)
    stack_web = next(
        line
        for line in (ROOT / "Procfile.stack").read_text().splitlines()
        if line.startswith("web:")
    )
    bench = (ROOT / "bench" / "common.py").read_text()

    assert web[:3] == ["gunicorn", "securecart.wsgi:application", "--preload"]
    assert '"securecart.wsgi:application", "--preload"' in ecs_web
    assert "gunicorn securecart.wsgi:application --preload " in stack_web
    assert '"-m", "gunicorn", app,\n                "--preload",' in bench
