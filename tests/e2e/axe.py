"""axe-core (npm `axe-core`, installed by `make install`) run inside a page.

The engine is evaluated through the browser's DevTools protocol, which the page's
Content-Security-Policy does not govern, so pages are checked exactly as they are
served. `axe_violations` returns what a person can act on: rule, impact, help
text and the offending elements.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from tests.services import ROOT

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS.name} missing: run `make install` (npm ci)")
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now (default rule set:
    WCAG 2.x A/AA and best practices)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        "async () => await window.axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]],
        }
        for violation in result["violations"]
    ]


def assert_accessible(page) -> None:
    """Fail with the violations listed when axe-core finds any."""
    violations = axe_violations(page)
    assert violations == [], f"axe-core on {page.url}: {violations}"
