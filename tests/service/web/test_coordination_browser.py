"""The coordination and agreement pages in a real browser: threads by party-ship, a step
taken with the keyboard through a form, the 404 rule, an agreement in words.

Runs under the `page` fixture's checks (nothing leaves 127.0.0.1, no failed request, no
script error). The store is tests/service/web/_world.py with _coordination_world.py.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.service.web._campaign_world import POOL_AGREEMENT_ID
from tests.service.web._coordination_world import ESA_JAXA_OBJECTS, NASA_JAXA_OBJECTS
from tests.service.web.conftest import PageWatch
from tests.service.web.test_console_browser import keep_screenshot, sign_in

_UNLABELLED = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]), textarea, select')).filter((c) => c.labels.length === 0)
    .map((c) => c.name || c.id)"""


def _case_ids(page: Any) -> dict[str, str]:
    """Case ids of the coordination list by their objects' text ("39634 and 41240")."""
    found = {}
    rows = page.get_by_test_id("case-row")
    for i in range(rows.count()):
        row = rows.nth(i)
        objects = row.locator("td").nth(1).inner_text().strip()
        found[objects] = row.get_attribute("data-case-id")
    return found


def test_an_operator_hands_over_through_the_form_and_the_api_records_it(page: Any) -> None:
    sign_in(page, "esa-operator")
    keep_screenshot(page, "dashboard-coordination")
    assert page.get_by_test_id("dashboard-case").count() == 1
    page.get_by_role("link", name="Coordination", exact=True).click()
    page.wait_for_url(re.compile(r"/console/coordination$"))
    ids = _case_ids(page)
    esa_jaxa = ids["{} and {}".format(*ESA_JAXA_OBJECTS)]
    assert "{} and {}".format(*NASA_JAXA_OBJECTS) in ids  # shared under jaxa's clause
    keep_screenshot(page, "coordination")
    page.goto(f"/console/coordination/cases/{esa_jaxa}")
    assert page.evaluate(_UNLABELLED) == []
    assert page.get_by_test_id("acting").inner_text() == "esa"
    keep_screenshot(page, "case")
    field = page.get_by_label("Why the other party's object should manoeuvre")
    field.focus()
    page.keyboard.type("Our propellant is reserved for a station-keeping burn that day.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the focused "Hand over to the other party" button
    page.wait_for_url(re.compile(r"\?done=handed-over$"))
    assert page.get_by_test_id("acting").inner_text() == "jaxa"
    api = page.request.get(f"/api/v1/coordination/cases/{esa_jaxa}").json()
    assert (api["steps"][-1]["kind"], api["steps"][-1]["actor"]) == ("case.handed_over", "esa")
    assert page.get_by_test_id("step").last.get_attribute("data-kind") == "case.handed_over"
    keep_screenshot(page, "case-handed-over")


def test_nasa_sees_its_thread_only_and_the_404_page_for_the_others(
    page: Any, watch: PageWatch
) -> None:
    sign_in(page, "nasa-analyst")
    page.goto("/console/coordination")
    assert list(_case_ids(page)) == ["{} and {}".format(*NASA_JAXA_OBJECTS)]
    assert "No dispute you can see" in page.get_by_test_id("dispute-count").inner_text()
    api = page.request.get("/api/v1/coordination/cases").json()
    assert [c["id"] for c in api["items"]] == list(_case_ids(page).values())
    watch.http_errors_expected = True
    response = page.goto("/console/coordination/disputes/dispute-1")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "No dispute dispute-1"


def test_a_dispute_thread_and_an_agreement_in_words(page: Any) -> None:
    sign_in(page, "jaxa-analyst")
    page.goto("/console/coordination")
    page.get_by_test_id("dispute-link").first.click()
    page.wait_for_url(re.compile(r"/console/coordination/disputes/"))
    assert page.get_by_test_id("message").count() >= 1
    assert "(current)" in page.get_by_test_id("dispute-steps").inner_text()
    keep_screenshot(page, "dispute")
    page.get_by_role("link", name="esa-jaxa-leo-exchange").first.click()
    page.wait_for_url(re.compile(r"/console/agreements/esa-jaxa-leo-exchange$"))
    assert page.get_by_test_id("clause").count() == 6
    assert "10 km" in page.locator('[data-clause-id="esa-ephemerides-to-jaxa"]').inner_text()
    signed = page.get_by_test_id("signed-at").all_inner_texts()
    assert signed == ["2026-01-01 00:00:00 UTC", "2026-01-01 00:00:00 UTC"]
    keep_screenshot(page, "agreement")
    page.goto("/console/agreements")
    # jaxa's two agreements with esa and the campaign pool of tests/service/web/_campaign_world.
    rows = page.get_by_test_id("agreement-row")
    expect(rows).to_have_count(3)
    ids = {rows.nth(i).get_attribute("data-agreement-id") for i in range(3)}
    assert POOL_AGREEMENT_ID in ids
    keep_screenshot(page, "agreements")
