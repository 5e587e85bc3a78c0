"""Security gates: bandit finds nothing high, the admin lives only under its own
prefix (and its sign-in is throttled), requirements are pinned for pip-audit."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import uuid

import pytest
from django.urls import clear_url_caches, reverse

from tests.factories.accounts import PASSWORD, StaffUserFactory
from tests.services import ROOT

APPS = ["securecart", "shop", "orders", "notifications", "accounts"]


def _bandit(*targets: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", *targets, "-lll", "-f", "json", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return json.loads(result.stdout)


@pytest.mark.slow
def test_bandit_finds_no_high_severity_issues():
    report = _bandit(*APPS)

    scanned = report["metrics"]["_totals"]["loc"]
    assert scanned > 1000  # it really read the apps
    findings = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
        for r in report["results"]
    ]
    assert findings == []


@pytest.mark.slow
def test_bandit_gate_reports_a_planted_high_severity_issue(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(
        "import subprocess\n\n\ndef run(cmd):\n"
        "    return subprocess.call(cmd, shell=True)\n"
    )

    report = _bandit(str(planted))

    assert [r["issue_severity"] for r in report["results"]] == ["HIGH"]


def test_requirements_are_pinned_exactly():
    # pip-audit checks these exact versions; a range would audit something else.
    pin = re.compile(r"^[A-Za-z0-9._-]+(\[[a-z0-9,_-]+\])?==[A-Za-z0-9.+!-]+$")
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-r "):
                assert pin.match(line), f"{name}: {line}"


def test_security_script_runs_both_gates():
    script = (ROOT / "scripts" / "security.sh").read_text()

    assert "bandit -r securecart shop orders notifications accounts -lll" in script
    assert "pip_audit -r requirements.txt" in script


# --- admin under its own prefix -------------------------------------------------
@pytest.fixture
def admin_prefix(settings):
    """Load the project urlconf afresh as a module of its own, with a new prefix."""
    prefix = f"backoffice-{uuid.uuid4().hex[:8]}/"
    settings.ADMIN_URL = prefix
    name = f"securecart.urls_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, ROOT / "securecart" / "urls.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    settings.ROOT_URLCONF = name
    clear_url_caches()
    yield prefix
    del sys.modules[name]
    clear_url_caches()


@pytest.mark.django_db
def test_admin_moves_with_its_prefix_and_old_path_is_404(client, admin_prefix):
    assert reverse("admin:index") == f"/{admin_prefix}"
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 404
    response = client.get(f"/{admin_prefix}login/")
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in response.content.decode()


@pytest.mark.django_db
def test_admin_under_new_prefix_is_still_throttled(client, admin_prefix, settings):
    settings.ACCOUNTS_LOGIN_MAX_FAILURES = 2
    StaffUserFactory(username="boss")
    url = f"/{admin_prefix}login/"
    for _ in range(2):
        client.post(url, {"username": "boss", "password": "wrong"})

    response = client.post(url, {"username": "boss", "password": PASSWORD})

    assert response.status_code == 429
