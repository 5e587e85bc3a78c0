"""The suite and the project use nothing outside the checkout.

A test that reads, imports or runs a file at a fixed path elsewhere passes only on
the machine that has that file (and runs whatever someone put there). Temporary
files come from pytest's `tmp_path` or `tempfile`, never from a literal path.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.services import ROOT

# Literal paths that point at machine-local places; system tools (/usr/bin/...) and
# device files are fine, a path under one of these is not.
FOREIGN_PATH = re.compile(r"^(/tmp|/var/tmp|/work|/root|/home|/mnt|/opt|/srv)(/|$)")
PYTHON_TREES = [
    "tests",
    "bench",
    "scripts",
    "accounts",
    "notifications",
    "orders",
    "shop",
    "dashboard",
    "securecart",
]
# Files of the repository that a reader could follow out of it.
OUTSIDE_REFERENCE = re.compile(r"\.\./shared|shared/(ARCHITECTURE|STYLE|RECIPES)\.md")


def _python_files() -> list[Path]:
    files: list[Path] = []
    for tree in PYTHON_TREES:
        files.extend((ROOT / tree).rglob("*.py"))
    return sorted(path for path in files if "migrations" not in path.parts)


# A line may name such a path when it is not one of this machine's (a path inside
# a container image that Terraform declares, say): it says so with this marker.
NOT_LOCAL = "# not-local-path"


def foreign_uses(source: str) -> list[str]:
    """Literal machine-local paths and exec/eval calls in one Python source."""
    found: list[str] = []
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if (
                FOREIGN_PATH.match(node.value)
                and NOT_LOCAL not in lines[node.lineno - 1]
            ):
                found.append(f"line {node.lineno}: path {node.value!r}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"exec", "eval"}
        ):
            found.append(f"line {node.lineno}: {node.func.id}()")
    return found


def test_the_scanner_finds_a_foreign_file_and_exec():
    source = 'def test_x():\n    exec(open("/tmp/smoke.py").read())\n'
    assert sorted(foreign_uses(source)) == [
        "line 2: exec()",
        "line 2: path '/tmp/smoke.py'",
    ]
    assert foreign_uses('CHROMIUM = "/usr/bin/chromium"\n') == []
    assert foreign_uses('IMAGE_PATHS = {"/tmp"}  # not-local-path\n') == []
    assert foreign_uses('p = "/workspace-like-name"\n') == []


def test_no_python_file_uses_a_machine_local_path_or_exec():
    offenders = {
        str(path.relative_to(ROOT)): uses
        for path in _python_files()
        if (uses := foreign_uses(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_no_file_refers_outside_the_repository():
    this = Path(__file__).resolve()
    offenders = []
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if (
            not path.is_file()
            or path.resolve() == this
            or parts
            & {
                ".git",
                ".venv",
                "node_modules",
                "var",
                "artifacts",
                "staticfiles",
                ".hypothesis",
                ".terraform",
                "media",
            }
            or path.suffix in {".png", ".jpg", ".ico", ".woff", ".woff2", ".gz", ".pyc"}
        ):
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        if OUTSIDE_REFERENCE.search(text) or "ARCHITECTURE.md" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
