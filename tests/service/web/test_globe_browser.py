"""The globe in a real browser (CesiumJS in Debian's Chromium, WebGL through SwiftShader).

The catalog view draws one point per object the partner may see (the count in the DOM is
the point collection's length), the same objects `/api/v1/catalog` gives the session;
jaxa and nasa see different catalogs. The encounter view draws the two trajectories of an
event. The `page` fixture fails a test on any request leaving the server (Cesium's Ion,
Bing imagery or a CDN would), any failed request and any script error.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.service.web._world import (
    CONJUNCTION_OBJECTS,
    ESA_OBJECTS,
    GRANTED_PAIR,
    JAXA_OBJECTS,
    NASA_OBJECT,
    SYNTHETIC_COUNT,
)
from tests.service.web.test_console_browser import keep_screenshot, sign_in

#: Longest wait for the globe to be drawn with its imagery, ms: software WebGL on a loaded
#: 2-core machine draws a frame in a fraction of a second to several seconds.
GLOBE_MS = 60_000
#: A time at which every object of the test world propagates (a day after its epochs).
AT = "2026-03-02T00:00:00"
#: What jaxa sees: esa's granted objects, its own, the public one, the synthetic population
#: and the crossing pairs but nasa's claimed one (as the dashboard test counts).
JAXA_VISIBLE = len(ESA_OBJECTS) + len(JAXA_OBJECTS) + 1 + SYNTHETIC_COUNT + CONJUNCTION_OBJECTS - 1
#: What nasa sees (no agreement): its own, the public one, the synthetic population and the
#: crossing pairs but the three esa and jaxa claim.
NASA_VISIBLE = 1 + 1 + SYNTHETIC_COUNT + CONJUNCTION_OBJECTS - 3


def _api_norad_ids(page: Any) -> set[int]:
    """The objects `/api/v1/catalog` gives this session (the test world has < 1000)."""
    listing = page.request.get("/api/v1/catalog?limit=1000").json()
    assert listing["total"] == len(listing["items"])
    return {item["norad_id"] for item in listing["items"]}


def _globe_norad_ids(page: Any) -> set[int]:
    """The objects the globe's positions endpoint gives this session at `AT`."""
    positions = page.request.get(f"/console/globe/positions?at={AT}").json()
    assert positions["not_drawn"] == []
    return set(positions["norad_ids"])


def _drawn_count(page: Any) -> int:
    expect(page.locator("#globe")).to_have_attribute("data-state", "ready", timeout=GLOBE_MS)
    return int(page.get_by_test_id("globe-count").inner_text())


def _requests(page: Any) -> list[str]:
    urls: list[str] = page.evaluate(
        "() => performance.getEntriesByType('resource').map((entry) => entry.name)"
    )
    return urls


def test_each_partner_sees_on_the_globe_what_the_api_gives_it(page: Any) -> None:
    sign_in(page, "jaxa-analyst")
    page.get_by_role("link", name="Globe", exact=True).click()
    page.wait_for_url(re.compile(r"/console/globe$"))
    assert _drawn_count(page) > 0  # now, by default
    # The time control: a UTC time, submitted with the keyboard.
    page.get_by_label("Time (UTC)").fill(AT)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/console/globe\?at="))
    jaxa_ids = _globe_norad_ids(page)
    assert _drawn_count(page) == len(jaxa_ids) == JAXA_VISIBLE
    assert jaxa_ids == _api_norad_ids(page)
    assert "Positions at 2026-03-02T00:00:00Z" in page.get_by_test_id("globe-status").inner_text()
    # The imagery is Cesium's bundled NaturalEarthII, from this server.
    assert any("/vendor/cesium/Assets/Textures/NaturalEarthII/" in url for url in _requests(page))
    keep_screenshot(page, "globe")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/console/sign-in"))
    sign_in(page, "nasa-analyst")
    page.goto(f"/console/globe?at={AT}")
    nasa_ids = _globe_norad_ids(page)
    assert _drawn_count(page) == len(nasa_ids) == NASA_VISIBLE
    assert nasa_ids == _api_norad_ids(page)
    assert NASA_OBJECT in nasa_ids - jaxa_ids and JAXA_OBJECTS[0] in jaxa_ids - nasa_ids
    # Selecting with the keyboard: an object jaxa's globe has is not on nasa's; nasa's is.
    page.get_by_label("Select by NORAD id").fill(str(JAXA_OBJECTS[0]))
    page.keyboard.press("Enter")
    selection = page.get_by_test_id("globe-selection")
    expect(selection).to_contain_text(f"No object with NORAD id {JAXA_OBJECTS[0]} is drawn")
    page.get_by_label("Select by NORAD id").fill(str(NASA_OBJECT))
    page.keyboard.press("Enter")
    expect(selection).to_contain_text(f"NORAD {NASA_OBJECT}; height")
    _drawn_count(page)  # the view moved to the object: its imagery is in
    keep_screenshot(page, "globe-selected")
    selection.get_by_role("link", name=f"Open object {NASA_OBJECT}").click()
    page.wait_for_url(re.compile(rf"/console/objects/{NASA_OBJECT}$"))


def test_the_encounter_view_draws_both_trajectories(page: Any) -> None:
    sign_in(page, "esa-analyst")
    page.goto("/console/conjunctions?sort=tca&order=desc")
    row = page.get_by_test_id("event-row").filter(has_text=str(GRANTED_PAIR[0]))
    row.get_by_test_id("event-link").click()
    page.wait_for_url(re.compile(r"/console/conjunctions/\d+$"))
    page.get_by_role("link", name="Show the encounter on the globe").click()
    page.wait_for_url(re.compile(r"/console/globe\?event=\d+$"))
    expect(page.locator("#globe")).to_have_attribute("data-state", "ready", timeout=GLOBE_MS)
    assert page.get_by_test_id("globe-tracks").inner_text() == "2"
    keep_screenshot(page, "globe-encounter")
