"""The conjunction pages in a real browser: what the grantee, the owner and an outsider see,
and the event page's charts drawn with data.

The store is tests/service/web/_world.py: esa owns 90001, whose event with the public 90002
is granted to jaxa (under two clauses; the least restrictive releases it in full), and to
nobody else (nasa sees only
public and its own events). The `page` fixture fails the test on any request leaving the
server, any failed request and any script error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from accord.access import add_console_user
from accord.store import PartnerRepository, create_engine, transaction, upgrade
from tests.access._conjunction_world import PRECISION_KM, build_conjunction_world, screen
from tests.service._api import settings_for
from tests.service.web._world import GRANTED_PAIR, PASSWORD
from tests.service.web.conftest import ConsoleServer, PageWatch, serve
from tests.service.web.test_console_browser import keep_screenshot, sign_in

#: Points on each sigma ellipse drawn by the server (accord.service.web._events).
ELLIPSE_POINTS = 73


def _granted_event_url(page: Any) -> str:
    """The event page URL of the granted pair, from the conjunctions list."""
    row = page.get_by_test_id("event-row").filter(has_text=str(GRANTED_PAIR[0]))
    href: str = row.get_by_test_id("event-link").get_attribute("href")
    return href


def _listed_pairs(page: Any) -> set[tuple[int, int]]:
    pairs = set()
    for text in page.get_by_test_id("event-row").all_inner_texts():
        found = re.search(r"(\d+) and (\d+)", text)
        assert found, text
        pairs.add((int(found.group(1)), int(found.group(2))))
    return pairs


def test_the_owner_sees_the_history_and_the_encounter_plane_with_data(page: Any) -> None:
    sign_in(page, "esa-analyst")
    page.goto("/console/conjunctions?sort=tca&order=desc")
    assert GRANTED_PAIR in _listed_pairs(page)
    keep_screenshot(page, "conjunctions")
    page.goto(_granted_event_url(page))
    page.wait_for_selector("#event-history .main-svg")
    page.wait_for_selector("#encounter-plane .main-svg")
    history = page.evaluate(
        "() => document.getElementById('event-history').data.map((t) => t.y.length)"
    )
    assert history == [1, 1]  # Pc and miss of the one CDM
    plane = page.evaluate(
        """() => document.getElementById('encounter-plane').data
            .map((t) => [t.name, t.x.length, t.x.every(Number.isFinite)])"""
    )
    names = [name for name, _, _ in plane]
    assert names == ["1 sigma", "2 sigma", "3 sigma", "Hard body", "Object 1"]
    assert all(finite for _, _, finite in plane)
    assert [count for _, count, _ in plane[:3]] == [ELLIPSE_POINTS] * 3
    # Element sets carry no covariance: the ellipses are the CDM's DEFAULT one, and say so.
    assert "COVARIANCE_METHOD = DEFAULT" in page.get_by_test_id("plane-note").inner_text()
    # The miss vector in RTN has three numbers whose norm is the miss distance (0.002 km
    # for the rounding of each component to metres).
    rtn = [
        float(value.split()[0])
        for value in page.get_by_test_id("miss-rtn").locator("dd").all_inner_texts()
    ]
    miss_km = float(page.get_by_test_id("miss-km").inner_text().split()[0])
    assert abs(sum(v * v for v in rtn) ** 0.5 - miss_km) < 0.002
    links = page.get_by_test_id("cdm-downloads").first.locator("a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert [h.rsplit("=", 1)[1] for h in hrefs] == ["kvn", "xml", "json"]
    for href in hrefs:
        response = page.request.get(href)
        assert response.ok, href
        assert "MESSAGE_ID" in response.text() or "message_id" in response.text().lower()
    keep_screenshot(page, "event")


def test_the_grantee_sees_the_event_degraded_and_the_outsider_gets_404(
    page: Any, watch: PageWatch
) -> None:
    sign_in(page, "jaxa-analyst")
    page.goto("/console/conjunctions")
    jaxa_pairs = _listed_pairs(page)
    url = _granted_event_url(page)
    page.goto(url)
    # Granted by esa's clauses (the least restrictive one releases the covariance).
    page.wait_for_selector("#encounter-plane .main-svg")
    assert (
        "esa-jaxa-leo-exchange/v1/esa-elsets-to-jaxa"
        in page.get_by_test_id("shared-under").inner_text()
    )
    api = page.request.get("/api/v1/events?limit=500").json()
    assert {(e["primary_norad_id"], e["secondary_norad_id"]) for e in api["items"]} == jaxa_pairs

    page.get_by_role("button", name="Sign out").click()
    # Let the sign-out navigation finish: a new navigation would abort it mid-flight.
    page.wait_for_url(re.compile(r"/console/sign-in"))
    sign_in(page, "nasa-analyst")
    page.goto("/console/conjunctions")
    nasa_pairs = _listed_pairs(page)
    assert GRANTED_PAIR not in nasa_pairs
    assert nasa_pairs < jaxa_pairs
    watch.http_errors_expected = True
    response = page.goto(url)
    assert response is not None and response.status == 404
    assert "No conjunction event" in page.locator("h1").inner_text()
    keep_screenshot(page, "event-not-found")


class TestCovarianceWithheld:
    """jaxa's only grant of the granted pair's event coarsens it to `PRECISION_KM` and
    withholds the covariance (tests/access/_conjunction_world.py, clause
    coarse-conjunctions): the page must say so and draw what it can, without errors.

    The console world grants jaxa the same event in full under a second clause, so this
    class serves its own store, the conjunction world alone, through `console_server`.
    """

    @pytest.fixture(scope="class")
    @classmethod
    def console_server(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
        settings = settings_for(tmp_path_factory.mktemp("withheld"))
        engine = create_engine(settings.resolved_database_url)
        upgrade(engine)
        build_conjunction_world(engine)
        screen(engine)
        with transaction(engine, write_lock=True) as session:
            jaxa = PartnerRepository(session).get_by_handle("jaxa")
            add_console_user(session, "jaxa-analyst", jaxa, "analyst", PASSWORD)
        engine.dispose()
        with serve(settings) as server:
            yield server

    def test_the_event_page_says_the_covariance_is_withheld_and_draws_the_history(
        self, page: Any
    ) -> None:
        sign_in(page, "jaxa-analyst")
        page.goto("/console/conjunctions")
        page.goto(_granted_event_url(page))
        assert (
            page.get_by_test_id("shared-under").inner_text()
            == "esa-conjunctions-to-jaxa/v1/coarse-conjunctions"
        )
        # No ellipse can be drawn from placeholder zeros: the page says why instead.
        missing = page.get_by_test_id("plane-missing").inner_text()
        assert "covariance is withheld" in missing, missing
        assert page.locator("#encounter-plane").count() == 0
        # The Pc and miss history is drawn, with the released (coarsened) miss.
        page.wait_for_selector("#event-history .main-svg")
        history = page.evaluate(
            "() => document.getElementById('event-history').data.map((t) => t.y)"
        )
        miss_km = float(page.get_by_test_id("miss-km").inner_text().split()[0])
        assert len(history) == 2 and history[1] == [miss_km]
        assert miss_km % PRECISION_KM == 0.0  # coarsened to whole multiples of 1 km
        assert page.locator("#event-history .scatterlayer .trace path.point").count() == 2
        keep_screenshot(page, "event-covariance-withheld")
