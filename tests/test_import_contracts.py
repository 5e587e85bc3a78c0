"""The import rules of pyproject.toml ([tool.importlinter]) hold.

Each contract runs on its own, so a failure names the rule that broke; the
contracts are read from pyproject.toml, so a new one is checked as soon as it
is written down.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.services import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
    "importlinter"
]["contracts"]
# The rules the platform side relies on; they must stay written down.
REQUIRED = {
    "platform-imports-no-app",
    "apps-never-import-dashboard",
    "notifications-imports-no-shop",
    "shop-imports-neither-orders-nor-notifications",
}


def test_the_platform_rules_are_contracts():
    assert REQUIRED <= {contract["id"] for contract in CONTRACTS}


@pytest.mark.parametrize("contract", [c["id"] for c in CONTRACTS])
def test_contract_is_kept(contract):
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--contract", contract],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
