"""The console in a real browser: sign-in by keyboard, what each partner sees, the object
page's chart and map, and the audit proof verified by the browser's own SHA-256.

Every test runs under the `page` fixture's checks: no request leaves 127.0.0.1, none fails,
and no script logs an error (tests/service/web/conftest.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from tests.service.web._world import (
    CONJUNCTION_OBJECTS,
    ESA_OBJECTS,
    HISTORY_OBJECT,
    JAXA_OBJECTS,
    NASA_OBJECT,
    PASSWORD,
    PUBLIC_OBJECT,
    SYNTHETIC_COUNT,
)
from tests.service.web.conftest import PageWatch

#: Tab presses allowed to reach the username field from the top of the sign-in page
#: (skip link, brand, two navigation links, then the form).
MAX_TABS = 12


def keep_screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot under $ACCORD_SCREENSHOT_DIR, when it is set."""
    folder = os.environ.get("ACCORD_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def sign_in(page: Any, username: str) -> None:
    """Sign in through the form and land on the dashboard."""
    page.goto("/console/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/console/$"))


def test_anonymous_visitors_are_sent_to_sign_in_and_every_control_has_a_label(
    page: Any,
) -> None:
    page.goto("/console/catalog")
    assert "/console/sign-in?next=%2Fconsole%2Fcatalog" in page.url
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll('input:not([type=hidden]), textarea'))
            .filter((c) => c.labels.length === 0).map((c) => c.name || c.id)"""
    )
    assert unlabelled == []


def test_sign_in_with_the_keyboard_alone(page: Any) -> None:
    page.goto("/console/sign-in")
    page.evaluate("() => document.activeElement.blur()")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "username":
            break
    else:
        raise AssertionError(f"the username field is not reachable in {MAX_TABS} Tab presses")
    page.keyboard.type("jaxa-analyst")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/console/$"))
    assert page.get_by_test_id("partner").inner_text() == "jaxa"
    # Two of esa's, jaxa's own, the public one, the synthetic population and the crossing
    # pairs but nasa's claimed one (OTHERS_PAIR[0], which no agreement shares with jaxa).
    visible = len(ESA_OBJECTS) + len(JAXA_OBJECTS) + 1 + SYNTHETIC_COUNT + CONJUNCTION_OBJECTS - 1
    assert page.get_by_test_id("visible-objects").inner_text() == f"{visible:,}"
    keep_screenshot(page, "dashboard")


def test_a_wrong_password_says_what_happened_and_keeps_the_visitor_signed_out(
    page: Any, watch: PageWatch
) -> None:
    watch.http_errors_expected = True
    page.goto("/console/sign-in")
    page.get_by_label("Username").fill("jaxa-analyst")
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    assert "Unknown username or wrong password" in page.get_by_role("alert").inner_text()
    page.goto("/console/")
    assert "/console/sign-in" in page.url


def _catalog_ids(page: Any) -> set[int]:
    cells = page.locator("table.catalog tbody tr td:first-child").all_inner_texts()
    return {int(text) for text in cells}


def test_each_partner_sees_in_the_console_what_the_api_gives_it(
    page: Any, watch: PageWatch
) -> None:
    watch.http_errors_expected = True
    sign_in(page, "jaxa-analyst")
    for norad_id in (*ESA_OBJECTS, *JAXA_OBJECTS, PUBLIC_OBJECT, NASA_OBJECT):
        page.goto(f"/console/catalog?q={norad_id}")
        api = page.request.get(f"/api/v1/catalog?norad_id={norad_id}").json()
        api_ids = {item["norad_id"] for item in api["items"]}
        assert _catalog_ids(page) == api_ids
        assert api_ids == ({norad_id} if norad_id != NASA_OBJECT else set())
    response = page.goto(f"/console/objects/{NASA_OBJECT}")
    assert response.status == 404
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == f"No object with NORAD id {NASA_OBJECT}"
    assert page.request.get(f"/api/v1/catalog/{NASA_OBJECT}").status == 404
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/console/sign-in"))
    sign_in(page, "esa-analyst")
    # jaxa's object is granted to esa by clause jaxa-elsets-to-esa.
    response = page.goto(f"/console/objects/{JAXA_OBJECTS[0]}")
    assert response.status == 200
    assert page.get_by_test_id("owner").inner_text().endswith("(jaxa)")


def test_catalog_search_paginates_on_the_server(page: Any) -> None:
    sign_in(page, "esa-analyst")
    page.goto("/console/")
    page.get_by_role("link", name="Catalog", exact=True).click()
    page.wait_for_url(re.compile(r"/console/catalog$"))
    count = page.get_by_test_id("result-count").inner_text()
    assert re.search(r"Objects 1–50 of \d+", count), count
    assert page.locator("table.catalog tbody tr").count() == 50
    keep_screenshot(page, "catalog")
    page.get_by_role("link", name="Next page").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert "Objects 51–100" in page.get_by_test_id("result-count").inner_text()
    page.get_by_label("Search by NORAD id, name or COSPAR id").fill("OBJECT 25544")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=OBJECT"))
    assert _catalog_ids(page) == {HISTORY_OBJECT}
    page.get_by_label("Search by NORAD id, name or COSPAR id").fill("no such satellite")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=no\+such"))
    assert "No object you can see matches" in page.get_by_test_id("result-count").inner_text()


def test_object_page_draws_the_history_chart_and_the_ground_track(page: Any) -> None:
    sign_in(page, "esa-analyst")
    page.goto("/console/catalog?q=25544")
    page.get_by_role("link", name=str(HISTORY_OBJECT)).click()
    page.wait_for_url(re.compile(rf"/console/objects/{HISTORY_OBJECT}$"))
    # Plotly draws one SVG trace per series, each with a line through the three epochs.
    traces = page.locator("#history-chart .scatterlayer .trace")
    traces.first.wait_for()
    assert traces.count() == 3
    # One marker per element set of the history, on each series.
    points = page.locator("#history-chart .scatterlayer .trace").first.locator("path.point")
    assert points.count() == 3
    # The map: land from world-atlas and the ground track, as SVG paths with geometry.
    track = page.get_by_test_id("ground-track-line")
    track.wait_for()
    assert len(track.get_attribute("d")) > 100
    assert len(page.locator("#ground-track path.land").get_attribute("d")) > 1000
    assert page.locator("#ground-track circle.epoch-dot").count() == 1
    keep_screenshot(page, "object")


def test_synthetic_objects_are_labelled(page: Any) -> None:
    sign_in(page, "jaxa-analyst")
    page.goto("/console/catalog?q=SYN")
    first = page.locator("table.catalog tbody tr td:first-child a").first
    assert page.locator("table.catalog .badge.synthetic").count() > 0
    first.click()
    page.wait_for_url(re.compile(r"/console/objects/\d+$"))
    assert page.get_by_test_id("synthetic").inner_text() == "SYNTHETIC"


def test_the_browser_verifies_an_inclusion_proof_and_catches_a_tampered_hash(page: Any) -> None:
    page.goto("/console/audit")
    tree_size = int(page.get_by_test_id("tree-size").inner_text())
    assert tree_size > 8
    page.get_by_label(re.compile(r"Entry number")).fill("5")
    page.get_by_role("button", name="Fetch entry and verify").click()
    result = page.get_by_test_id("verify-result")
    page.wait_for_selector("[data-testid=verify-result][data-state]")
    assert result.get_attribute("data-state") == "verified", result.inner_text()
    assert result.inner_text().startswith("Verified: entry 5 is included")
    first_hash = page.get_by_label("Proof hash 1")
    original = first_hash.input_value()
    flipped = ("B" if original[0] == "A" else "A") + original[1:]
    first_hash.fill(flipped)
    page.get_by_role("button", name="Verify again with these values").click()
    page.wait_for_selector("[data-testid=verify-result][data-state=failed]")
    assert "root differs" in result.inner_text()
    keep_screenshot(page, "audit-tampered")
    first_hash.fill(original)
    page.get_by_role("button", name="Verify again with these values").click()
    page.wait_for_selector("[data-testid=verify-result][data-state=verified]")


def test_every_main_page_renders_its_heading_and_is_kept_as_a_screenshot(
    page: Any, watch: PageWatch
) -> None:
    """The pages the other tests do not photograph: sign-in, an empty search, the 404 page,
    a verified audit entry; each with its heading, no failed request and no script error."""
    watch.http_errors_expected = True  # the 404 page, on purpose
    page.goto("/console/sign-in")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    keep_screenshot(page, "sign-in")
    sign_in(page, "esa-analyst")
    page.goto("/console/catalog?q=no+such+satellite")
    assert "No object you can see matches" in page.get_by_test_id("result-count").inner_text()
    keep_screenshot(page, "catalog-no-match")
    response = page.goto(f"/console/objects/{NASA_OBJECT}")
    assert response is not None and response.status == 404
    assert "Search the catalog" in page.locator("main").inner_text()
    keep_screenshot(page, "object-not-found")
    page.goto("/console/audit")
    page.get_by_label(re.compile(r"Entry number")).fill("1")
    page.get_by_role("button", name="Fetch entry and verify").click()
    page.wait_for_selector("[data-testid=verify-result][data-state=verified]")
    keep_screenshot(page, "audit")
