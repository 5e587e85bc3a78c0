"""The apps stay readable: small modules, small functions (radon's cyclomatic
complexity), checked on every run so a regression shows up in the change that made it."""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_visit

from tests.services import ROOT

APPS = [
    "accounts",
    "dashboard",
    "notifications",
    "orders",
    "promotions",
    "securecart",
    "shop",
]
MAX_COMPLEXITY = 15
MAX_MODULE_LINES = 400
# Settings are a flat list of declarations, one per variable, not logic.
LONG_BY_NATURE = {"securecart/settings/base.py"}


def _app_modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def complex_functions(source: str, limit: int) -> list[str]:
    """Names of functions and methods whose cyclomatic complexity exceeds limit."""
    found = []
    for block in cc_visit(source):
        for item in [block, *getattr(block, "methods", [])]:
            if item.complexity > limit:
                found.append(f"{item.name} ({item.complexity})")
    return found


def test_the_complexity_check_finds_a_branchy_function():
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(16))
    assert complex_functions(f"def f(x):\n{branches}\n", 15) == ["f (17)"]
    assert complex_functions("def g(x):\n    return x\n", 15) == []


def test_no_function_in_the_apps_is_more_complex_than_the_limit():
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in _app_modules()
        if (found := complex_functions(path.read_text(), MAX_COMPLEXITY))
    }
    assert offenders == {}


def test_no_module_in_the_apps_is_longer_than_the_limit():
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in _app_modules()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
        and str(path.relative_to(ROOT)) not in LONG_BY_NATURE
    }
    assert offenders == {}
