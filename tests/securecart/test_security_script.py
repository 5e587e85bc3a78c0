"""scripts/security.sh reads pip-audit's report honestly: nothing checked is "not
audited" (and does not fail the run), a known vulnerability fails it.

The script runs under a stand-in interpreter (PYTHON=...): `-m bandit` passes,
`-m pip_audit` writes the report a test gives it and prints pip-audit's own
summary line; everything else runs on the real interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import ROOT

FAKE_PYTHON = """#!/usr/bin/env bash
if [ "$1" = "-m" ] && [ "$2" = "bandit" ]; then exit 0; fi
if [ "$1" = "-m" ] && [ "$2" = "pip_audit" ]; then
    while [ $# -gt 0 ]; do
        if [ "$1" = "-o" ]; then out=$2; fi
        shift
    done
    if [ -f "$FAKE_REPORT" ]; then cp "$FAKE_REPORT" "$out"; fi
    echo "No known vulnerabilities found, 2 dependencies not audited" >&2
    exit "${FAKE_RC:-0}"
fi
exec "$REAL_PYTHON" "$@"
"""


def dep(name: str, *, skipped: bool = False, vulns: tuple[str, ...] = ()) -> dict:
    if skipped:
        return {"name": name, "skip_reason": f"Dependency not found on PyPI: {name}"}
    return {
        "name": name,
        "version": "1.0",
        "vulns": [{"id": vid, "fix_versions": [], "aliases": []} for vid in vulns],
    }


def run_script(tmp_path: Path, report: dict | None, rc: int = 0):
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    report_path = tmp_path / "report.json"
    if report is not None:
        report_path.write_text(json.dumps(report))
    env = {
        **os.environ,
        "PYTHON": str(python),
        "REAL_PYTHON": sys.executable,
        "FAKE_REPORT": str(report_path),
        "FAKE_RC": str(rc),
        "TMPDIR": str(tmp_path),
    }
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "security.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout + result.stderr


def test_unreachable_advisory_service_says_not_audited_and_does_not_fail(tmp_path):
    report = {
        "dependencies": [dep("django", skipped=True), dep("celery", skipped=True)]
    }

    rc, out = run_script(tmp_path, report)

    assert rc == 0, out
    assert "NOT AUDITED: 0 of 2 dependencies checked" in out
    assert "no known vulnerabilities" not in out.lower()


def test_pip_audit_failing_without_a_report_says_not_audited_and_does_not_fail(
    tmp_path,
):
    rc, out = run_script(tmp_path, None, rc=1)

    assert rc == 0, out
    assert "NOT AUDITED: pip-audit failed (exit 1)" in out
    assert "no known vulnerabilities" not in out.lower()


def test_partly_audited_names_what_was_not_audited(tmp_path):
    report = {"dependencies": [dep("django"), dep("celery", skipped=True)]}

    rc, out = run_script(tmp_path, report)

    assert rc == 0, out
    assert "not audited: celery" in out
    assert "no known vulnerabilities in 1 audited dependencies; 1 NOT AUDITED" in out


@pytest.mark.parametrize(
    ("report", "expected_rc", "expected"),
    [
        (
            {"dependencies": [dep("django"), dep("celery")]},
            0,
            "pip-audit: no known vulnerabilities (2 dependencies audited)",
        ),
        (
            {"dependencies": [dep("django", vulns=("PYSEC-1",)), dep("celery")]},
            1,
            "pip-audit: 1 KNOWN VULNERABILITIES in 2 dependencies",
        ),
    ],
)
def test_audited_report_passes_clean_and_fails_on_a_vulnerability(
    tmp_path, report, expected_rc, expected
):
    rc, out = run_script(tmp_path, report, rc=expected_rc)

    assert rc == expected_rc, out
    assert expected in out
