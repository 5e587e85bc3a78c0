"""Browser fixtures of the journeys: a second, signed-in staff browser."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import ARTIFACTS
from tests.factories.accounts import PASSWORD


@pytest.fixture
def staff_page(browser, live_server, request) -> Iterator[Callable]:
    """Open a browser of its own for a staff user and sign in through the admin.

    A separate context (own cookies), so the shopper's `page` stays a visitor
    without a session, the one that gets whole cached pages. Its screenshot is
    kept next to the shopper's.
    """
    contexts = []

    def open_for(user) -> object:
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        staff = context.new_page()
        staff.goto("/admin/login/?next=/admin/")
        staff.get_by_label("Username").fill(user.username)
        staff.get_by_label("Password").fill(PASSWORD)
        staff.get_by_role("button", name="Log in").click()
        staff.wait_for_url("**/admin/")
        assert staff.get_by_role("heading", name="Site administration").is_visible()
        return staff

    yield open_for
    close_keeping_screenshots(contexts, request, label="staff")


def close_keeping_screenshots(contexts: list, request, *, label: str) -> None:
    """Close browser contexts of a test, keeping a screenshot of each of their
    pages next to the shopper's (`<test>_<label><n>.png`)."""
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"\W+", "_", request.node.nodeid)[-114:]
    for index, context in enumerate(contexts):
        try:
            for page in context.pages:
                page.screenshot(
                    path=str(shots / f"{name}_{label}{index}.png"), full_page=True
                )
        finally:
            context.close()
