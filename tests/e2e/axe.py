"""axe-core (npm, installed by `make install`) run inside the page under test."""

from __future__ import annotations

from functools import lru_cache

from tests.services import ROOT, service_missing

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@lru_cache(maxsize=1)
def _axe_source() -> str:
    if not AXE_JS.exists():
        service_missing("axe-core is not installed: run `make install` (npm ci)")
    return AXE_JS.read_text()


def axe_violations(page) -> list[dict]:
    """axe's violations on the page as it is now (WCAG 2 A/AA and best practices).

    Evaluated through the DevTools protocol, so the page's CSP (no inline script)
    stays as strict as shoppers get it.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a",
                                             "wcag21aa", "best-practice"]},
            resultTypes: ["violations"],
        })"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
