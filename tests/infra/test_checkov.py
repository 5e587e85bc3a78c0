"""checkov over infra/terraform: zero failed checks, skips only inline with a reason."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "checkov.sh"
VENV = ROOT / ".venv-checkov"


def _require_checkov_venv() -> None:
    if not (VENV / "bin" / "checkov").exists() and os.environ.get("CI") != "true":
        pytest.skip(
            ".venv-checkov is missing: run `bash scripts/checkov.sh` once to create it "
            "(in CI, with CI=true, this test creates it and must pass)"
        )


@pytest.mark.checkov
def test_checkov_reports_no_failed_checks():
    _require_checkov_venv()

    result = subprocess.run(
        ["bash", str(SCRIPT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )

    output = result.stdout + result.stderr
    summary = re.search(
        r"Passed checks: (\d+), Failed checks: (\d+), Skipped checks: (\d+)", output
    )
    assert summary, f"no checkov summary (exit {result.returncode}):\n{output[-4000:]}"
    passed, failed, _skipped = (int(n) for n in summary.groups())
    assert failed == 0, output[-8000:]
    assert result.returncode == 0, output[-4000:]
    assert passed > 300, "checkov scanned far less than the whole deployment"


def test_checkov_skips_are_inline_and_give_a_reason():
    skip = re.compile(r"#\s*checkov:skip=(CKV2?_[A-Z]+_\d+)(:?)(.*)")
    found = 0
    for path in sorted((ROOT / "infra" / "terraform").rglob("*.tf")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = skip.search(line)
            if not match:
                continue
            found += 1
            check, colon, reason = match.groups()
            assert colon and len(reason.strip()) >= 20, (
                f"{path}:{number}: skip of {check} without a real reason"
            )
    assert found >= 1
    script = SCRIPT.read_text()
    assert "--skip-check" not in script, "no wholesale skips in the checkov command"
    assert "--soft-fail" not in script
