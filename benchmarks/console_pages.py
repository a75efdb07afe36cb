"""The console's pages at 30,000 objects: server time (httpx) and full load in Chromium.

The large world is the store of benchmarks/access_catalog.py (the 26,834-object CelesTrak
catalog of 2024-11-01 plus synthetic objects up to 30,000; esa and jaxa submit newer element
sets of 400 and 250 objects and claim them, nasa submits 200; the leo-data-exchange
agreement with jaxa's clause to esa embargoed 6 h and coarsened to 10 km) plus the crossing
pairs of tests/access/_conjunction_world.py (per pair one submitted and claimed by esa, one
by jaxa: a claim alone transfers no data, docs/access.md "Ownership") and a screening of
them, so each partner has events, and one console user per partner. Two partners are timed:

- jaxa, plain grants (esa's own element sets are granted outright);
- esa, embargoed and degraded grants (jaxa's own element sets, decided item by item and
  released as coarsened SGP4 states).

Each page is timed as the server's response (httpx with the session cookie, median of
`SERVER_REPEATS`, with the process CPU time of the request beside the wall time: the
server runs in this process) and as a full load in Debian's Chromium (navigation to `load`
and every chart on the page drawn, median of `BROWSER_REPEATS`). Baseline in the same run:
the same pages over the browser tests' small world (tests/service/web/_world.py).
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from tests.access._conjunction_world import PAIRS, T0, _circular
from tests.service._api import settings_for
from tests.service.web._world import (
    ESA_OBJECTS,
    HISTORY_OBJECT,
    JAXA_OBJECTS,
    PASSWORD,
    build_console_world,
)
from tests.service.web.conftest import CHROMIUM, CHROMIUM_ARGS, serve

from accord.access import add_console_user, claim_satellite
from accord.catalog import import_element_sets
from accord.formats import ElementSet
from accord.screening import run_screening
from accord.service.web import VENDOR_DIR
from accord.store import PartnerRepository, SourceKind, create_engine, transaction
from accord.store import upgrade as upgrade_store
from benchmarks._common import write_result
from benchmarks.access_catalog import SIGNED, build_store

SERVER_REPEATS = 7
BROWSER_REPEATS = 3
#: Every page's server time should stay well under this at 30,000 objects.
TARGET_SERVER_S = 0.2
#: Pages that exist only once their engineers have built them; timed when they answer 200.
OPTIONAL_PAGES = {
    "globe": "/console/globe",
    "coordination": "/console/coordination",
    "campaigns": "/console/campaigns",
    "agreements": "/console/agreements",
}
#: A chart container, and what it holds once drawn (Plotly's SVG, the map's land path).
CHART_DRAWN = {
    "#history-chart": "#history-chart .main-svg",
    "#ground-track": "#ground-track path.land",
    "#event-history": "#event-history .main-svg",
    "#encounter-plane": "#encounter-plane .main-svg",
    # The globe: every visible object in its point collection and the imagery loaded.
    "#globe": '#globe[data-state="ready"]',
}
#: True once every chart container on the page is drawn, or says in words why it is empty.
_ALL_CHARTS_DRAWN = """(charts) => charts.every(([container, drawn]) => {
  const target = document.querySelector(container);
  if (!target || document.querySelector(drawn)) return true;
  // Cesium writes its credits into the globe's container before it draws: no fallback.
  return container !== "#globe" && target.textContent.trim().length > 0;
})"""
_TOTAL = re.compile(r"of ([\d,]+)")
_EVENT_LINK = re.compile(r'href="(/console/conjunctions/\d+)"')


def _large_world(folder: Path) -> Engine:
    """The 30,000-object store plus the crossing pairs (esa's and jaxa's own), screened; users."""
    engine = build_store(folder)
    # A claim transfers no data (docs/access.md, "Ownership"): esa submits the first object
    # of each pair and jaxa the second, so each owns its side and jaxa's sets reach esa
    # only through the embargoed, coarsened clause (CelesTrak's would be public to all).
    by_submitter: dict[str, list[ElementSet]] = {"ESA": [], "JAXA": []}
    for k, pair in enumerate(PAIRS):
        for submitter, norad_id, inclination in zip(
            ("ESA", "JAXA"), pair, (50.0, 90.0), strict=True
        ):
            by_submitter[submitter].append(_circular(norad_id, inclination, k))
    for submitter, element_sets in by_submitter.items():
        import_element_sets(
            engine,
            element_sets,
            source_name=f"crossing pairs from {submitter}",
            partner=submitter,
            source_kind=SourceKind.API,
            submitted_at=SIGNED,
        )
    pairs = [element_set for sets in by_submitter.values() for element_set in sets]
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        esa, jaxa = partners.get_by_handle("esa"), partners.get_by_handle("jaxa")
        for first, second in PAIRS:
            claim_satellite(session, esa, first, at=SIGNED)
            claim_satellite(session, jaxa, second, at=SIGNED)
        for handle in ("esa", "jaxa"):
            add_console_user(
                session, f"{handle}-analyst", partners.get_by_handle(handle), "analyst", PASSWORD
            )
    run_screening(
        engine,
        start=T0 - timedelta(minutes=30),
        duration=timedelta(hours=1),
        threshold_km=20.0,
        element_sets=pairs,
        source_name="crossing pairs",
    )
    return engine


def _small_world(folder: Path) -> Engine:
    engine = create_engine(f"sqlite:///{folder / 'small.db'}")
    upgrade_store(engine)
    build_console_world(engine)
    return engine


@contextmanager
def _serve(folder: Path, engine: Engine) -> Iterator[str]:
    """The real application over `engine`'s (built) store, on a free 127.0.0.1 port."""
    settings = settings_for(folder, database_url=engine.url.render_as_string(hide_password=False))
    engine.dispose()
    with serve(settings) as server:
        yield server.base_url


def _signed_in(base_url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=120.0)
    answer = client.post("/auth/login", json={"username": username, "password": PASSWORD})
    answer.raise_for_status()
    return client


def _pages(client: httpx.Client, own_object: int, granted_object: int) -> dict[str, str]:
    """The pages to time for this partner, found the way a user would follow links."""
    catalog = client.get("/console/catalog").text
    found = _TOTAL.search(catalog)
    total = int(found.group(1).replace(",", "")) if found else 0
    last_page = max(1, -(-total // 50))
    listing = client.get("/console/conjunctions?sort=tca&order=desc").text
    event = _EVENT_LINK.search(listing)
    pages = {
        "dashboard": "/console/",
        "catalog_page_1": "/console/catalog",
        "catalog_last_page": f"/console/catalog?page={last_page}",
        "catalog_search_all": "/console/catalog?q=-",
        "catalog_search_id": f"/console/catalog?q={granted_object}",
        "object_own": f"/console/objects/{own_object}",
        "object_granted": f"/console/objects/{granted_object}",
        "conjunctions": "/console/conjunctions",
        "audit": "/console/audit",
    }
    if event:
        pages["event"] = event.group(1)
    for name, path in OPTIONAL_PAGES.items():
        if client.get(path).status_code == 200:
            pages[name] = path
    return pages


def _server_times(client: httpx.Client, path: str) -> dict[str, float]:
    client.get(path).raise_for_status()  # warm: policy cache, SQLite pages, templates
    wall, cpu = [], []
    for _ in range(SERVER_REPEATS):
        cpu_started, started = time.process_time(), time.perf_counter()
        client.get(path).raise_for_status()
        wall.append((time.perf_counter() - started) * 1e3)
        cpu.append((time.process_time() - cpu_started) * 1e3)
    return {
        "median_ms": round(statistics.median(wall), 1),
        "max_ms": round(max(wall), 1),
        "cpu_median_ms": round(statistics.median(cpu), 1),
    }


def _browser_times(browser: Any, base_url: str, username: str, pages: dict[str, str]) -> Any:
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(120_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/console/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/console/$"))
    times: dict[str, Any] = {}
    for name, path in pages.items():
        wall = []
        for _ in range(BROWSER_REPEATS + 1):  # the first one warms the browser's cache
            started = time.perf_counter()
            page.goto(path, wait_until="load")
            page.wait_for_function(_ALL_CHARTS_DRAWN, arg=list(CHART_DRAWN.items()))
            wall.append((time.perf_counter() - started) * 1e3)
        times[name] = {"median_ms": round(statistics.median(wall[1:]), 1)}
    context.close()
    if errors:
        raise AssertionError(f"{username}: script errors while timing pages: {errors}")
    return times


def _time_world(
    browser: Any, base_url: str, partners: dict[str, tuple[str, int, int]]
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for label, (username, own_object, granted_object) in partners.items():
        client = _signed_in(base_url, username)
        try:
            pages = _pages(client, own_object, granted_object)
            server = {name: _server_times(client, path) for name, path in pages.items()}
        finally:
            client.close()
        in_browser = _browser_times(browser, base_url, username, pages) if browser else {}
        result[label] = {
            "user": username,
            "pages": pages,
            "server": server,
            "browser": in_browser,
        }
    return result


@contextmanager
def _chromium() -> Iterator[Any]:
    if not CHROMIUM.is_file() or not (VENDOR_DIR / ".installed").is_file():
        yield None  # server times only; the JSON says the browser was not available
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def _slowest(world: dict[str, Any], kind: str) -> dict[str, Any]:
    worst: dict[str, Any] = {"page": None, "partner": None, "median_ms": 0.0}
    for label, timings in world.items():
        for name, figures in timings[kind].items():
            if figures["median_ms"] > worst["median_ms"]:
                worst = {"page": name, "partner": label, "median_ms": figures["median_ms"]}
    return worst


def run() -> dict[str, Any]:
    """Build both worlds, serve each, time every page for both partners, write the JSON."""
    # Partners: label -> (console user, an object it owns, one granted to it). In the large
    # world esa owns 90001 and jaxa 90002 (crossing pairs); jaxa's reaches esa coarsened.
    large = {
        "plain_grants (jaxa)": ("jaxa-analyst", PAIRS[0][1], PAIRS[0][0]),
        "embargoed_degraded_grants (esa)": ("esa-analyst", PAIRS[0][0], PAIRS[0][1]),
    }
    small = {
        "plain_grants (jaxa)": ("jaxa-analyst", JAXA_OBJECTS[0], ESA_OBJECTS[0]),
        "embargoed_degraded_grants (esa)": ("esa-analyst", HISTORY_OBJECT, JAXA_OBJECTS[0]),
    }
    results: dict[str, Any] = {}
    builds: dict[str, float] = {}
    with _chromium() as browser, tempfile.TemporaryDirectory() as root:
        for name, build, partners in (
            ("baseline_small_world", _small_world, small),
            ("catalog_30000", _large_world, large),
        ):
            folder = Path(root) / name
            folder.mkdir()
            started = time.perf_counter()
            engine = build(folder)
            builds[name] = round(time.perf_counter() - started, 1)
            with _serve(folder, engine) as base_url:
                results[name] = _time_world(browser, base_url, partners)
        had_browser = browser is not None
    large_server = _slowest(results["catalog_30000"], "server")
    payload = {
        "server_repeats": SERVER_REPEATS,
        "browser_repeats": BROWSER_REPEATS,
        "browser": "chromium" if had_browser else None,
        "store_build_s": builds,
        "target_server_s": TARGET_SERVER_S,
        "slowest_server": large_server,
        "slowest_browser": _slowest(results["catalog_30000"], "browser"),
        "baseline_slowest_server": _slowest(results["baseline_small_world"], "server"),
        "meets_target": large_server["median_ms"] < TARGET_SERVER_S * 1e3,
        "worlds": results,
    }
    write_result("console_pages", payload)
    return payload


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
