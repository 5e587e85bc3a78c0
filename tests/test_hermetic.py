"""The suite and the project use nothing outside the checkout.

A test that reads, imports or runs a file at a fixed path elsewhere passes only on
the machine that has that file (and runs whatever someone put there). Temporary
files come from pytest's `tmp_path` or `tempfile`, never from a literal path.
"""

from __future__ import annotations

import ast
import re
import subprocess
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
    "promotions",
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
    planted = "/" + "tmp/smoke.py"  # a machine-local file, as the removed test read
    source = f"def test_x():\n    exec(open({planted!r}).read())\n"
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


def _repository_files() -> list[Path]:
    """The files the repository holds (git's list; without git, the tree minus
    dot-folders and what runs leave behind: virtualenvs, caches, artifacts)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout.decode()
        return [ROOT / name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        left_behind = {"node_modules", "var", "artifacts", "staticfiles", "media"}
        return [
            path
            for path in ROOT.rglob("*")
            if not any(
                part.startswith(".") or part in left_behind
                for part in path.relative_to(ROOT).parts
            )
        ]


def test_no_file_refers_outside_the_repository():
    this = Path(__file__).resolve()
    offenders = []
    for path in _repository_files():
        if (
            not path.is_file()
            or path.resolve() == this
            or path.suffix in {".png", ".jpg", ".ico", ".woff", ".woff2", ".gz", ".pyc"}
        ):
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        if OUTSIDE_REFERENCE.search(text) or "ARCHITECTURE.md" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
