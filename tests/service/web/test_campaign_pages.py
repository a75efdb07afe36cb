"""The campaign pages in a real browser: a request drawn on the map, the plan on a map and a
timeline, what an outsider gets, and forms refused without the session's CSRF token.

The store is tests/service/web/_world.py with tests/service/web/_campaign_world.py: pool
`eo_imaging` of esa and jaxa (nasa is no member), esa's planned requests `rome-flood` and
`lisbon-fire` (two tasks, one per owner, downlinks at Redu). The `page` fixture fails the
test on any request leaving the server, any failed request and any script error.
`TestTaskDecisions` declines a task, which re-forms the seeded plan: it runs on a server of
its own over a fresh copy of that world, so the other tests see the plan as seeded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from accord.store import create_engine, upgrade
from tests.service._api import settings_for
from tests.service.web._campaign_world import OPERATORS, SEEDED_AREA_NAME
from tests.service.web._world import build_console_world
from tests.service.web.conftest import ConsoleServer, PageWatch, serve
from tests.service.web.test_console_browser import keep_screenshot, sign_in

API = "/api/v1/campaigns"
#: Where the test clicks on the drawing map, as fractions of its width and height, and the
#: WGS84 longitude/latitude each is (the map is equirectangular over the whole sphere:
#: lon = 360 fx - 180, lat = 90 - 180 fy).
CLICKS = [(0.53, 0.25), (0.56, 0.25), (0.56, 0.29), (0.53, 0.29)]
#: Tolerance (degrees) between a click's expected position and the stored vertex: a pixel
#: of a ~1200-pixel-wide map is 0.3 degrees, and clicks land on whole pixels.
CLICK_TOLERANCE_DEG = 0.5


def _seeded_request(page: Any) -> dict[str, Any]:
    """The seeded `rome-flood` request as /api/v1/campaigns/requests gives this session."""
    listed = page.request.get(f"{API}/requests").json()["items"]
    return next(r for r in listed if r["area_name"] == SEEDED_AREA_NAME)


def test_a_request_drawn_on_the_map_is_stored_with_that_polygon(
    page: Any, watch: PageWatch
) -> None:
    sign_in(page, OPERATORS["esa"])
    page.goto("/console/campaigns/new")
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll(
                'input:not([type=hidden]), textarea, select'))
            .filter((c) => c.labels.length === 0).map((c) => c.name)"""
    )
    assert unlabelled == []
    # Submitting without an area names the field to correct (a 422 page).
    watch.http_errors_expected = True
    page.get_by_role("button", name="Submit the request").click()
    page.wait_for_selector("[data-testid=error-area_geojson]")
    assert "three points" in page.get_by_test_id("error-area_geojson").inner_text()

    svg = page.locator("#area-map svg")
    svg.wait_for()
    page.wait_for_selector("#area-map path.land")
    box = svg.bounding_box()
    for fx, fy in CLICKS:
        page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    assert page.get_by_test_id("area-summary").inner_text() == "Polygon with 4 corners."
    assert page.locator("#area-map .drawing path.area").count() == 1
    assert page.locator("#area-map .drawing circle.vertex").count() == len(CLICKS)
    page.get_by_label("Name of the area (optional)").fill("drawn-area")
    page.get_by_label("Priority (higher is more urgent)").fill("2")
    keep_screenshot(page, "campaign-new")
    page.get_by_role("button", name="Submit the request").click()
    page.wait_for_url(re.compile(r"/console/campaigns/\d+$"))
    request_id = int(page.url.rsplit("/", 1)[1])
    assert page.get_by_test_id("request-state").inner_text() == "submitted"

    stored = page.request.get(f"{API}/requests/{request_id}").json()
    assert stored["area_name"] == "drawn-area" and stored["priority"] == 2.0
    assert stored["requester"] == "esa" and stored["status"] == "submitted"
    ring = stored["area"]["geometry"]["coordinates"][0]
    assert stored["area"]["geometry"]["type"] == "Polygon"
    assert ring[0] == ring[-1] and len(ring) == len(CLICKS) + 1
    for (lon, lat), (fx, fy) in zip(ring[:-1], CLICKS, strict=True):
        assert abs(lon - (360.0 * fx - 180.0)) < CLICK_TOLERANCE_DEG
        assert abs(lat - (90.0 - 180.0 * fy)) < CLICK_TOLERANCE_DEG

    # The duty officer validates it on its page and queues the plan: the job page follows.
    page.get_by_role("button", name="Validate (duty officer)").click()
    page.wait_for_url(re.compile(rf"/console/campaigns/{request_id}$"))
    assert page.get_by_test_id("request-state").inner_text() == "validated"
    page.goto("/console/campaigns")
    page.get_by_role("button", name="Plan now").click()
    page.wait_for_url(re.compile(r"/console/campaigns/jobs/\d+$"))
    job_id = int(page.url.rsplit("/", 1)[1])
    assert page.get_by_test_id("job-status").inner_text() in ("queued", "running")
    job = page.request.get(f"{API}/plans/jobs/{job_id}").json()
    assert job["pool"] == "eo_imaging" and job["method"] == "milp"


def test_the_plan_page_shows_the_plan_on_a_map_and_a_timeline(page: Any) -> None:
    sign_in(page, "jaxa-analyst")  # a member of the pool, reading
    seeded = _seeded_request(page)
    page.goto("/console/campaigns")
    assert SEEDED_AREA_NAME in page.get_by_test_id("campaign-requests").inner_text()
    page.goto(f"/console/campaigns/{seeded['request_id']}")
    page.wait_for_selector("#coverage-map path.footprint")
    page.wait_for_selector("#plan-timeline .main-svg")
    plan_id = int(page.get_by_test_id("download-json").get_attribute("href").rsplit("/", 1)[1])
    plan = page.request.get(f"{API}/plans/{plan_id}").json()
    coverage = page.request.get(f"{API}/plans/{plan_id}/coverage").json()["features"]
    timeline = page.request.get(f"{API}/plans/{plan_id}/timeline").json()["items"]

    def count(kind: str) -> int:
        return sum(1 for f in coverage if f["properties"]["kind"] == kind)

    # The map draws each feature of the coverage the API serves for this plan.
    assert len(plan["tasks"]) == count("footprint") == 2
    assert page.locator("#coverage-map path.area").count() == count("area") == 2
    assert page.locator("#coverage-map path.footprint").count() == count("footprint")
    assert page.locator("#coverage-map path.ground-track").count() == count("ground_track")
    assert page.locator("#coverage-map circle.station").count() == count("station") == 1
    assert page.locator("#coverage-map path.land").count() == 1
    # The timeline: one row per satellite, acquisitions and downlinks as the API lists them
    # (each entry a start and an end point, then a gap).
    traces = page.evaluate(
        """() => document.getElementById('plan-timeline').data.map((t) => [
            t.name, t.x.filter((x) => x !== null).length, [...new Set(t.y.filter(Boolean))]])"""
    )
    entries = [e for satellite in timeline for e in satellite["entries"]]
    expected_rows = sorted(f"NORAD {s['norad_id']}" for s in timeline)
    assert [name for name, _, _ in traces] == ["Acquisition", "Downlink"]
    assert traces[0][1] == 2 * sum(1 for e in entries if e["kind"] == "acquisition") == 4
    assert traces[1][1] == 2 * sum(1 for e in entries if e["kind"] == "downlink")
    assert sorted(traces[0][2]) == expected_rows and len(expected_rows) == 2
    # Tasks with owner and state, and who contributes what.
    rows = page.get_by_test_id("plan-tasks").locator("tbody tr").all_inner_texts()
    assert len(rows) == 2 and {"esa", "jaxa"} <= set(" ".join(rows).split())
    contributions = page.get_by_test_id("plan-contributions").locator("tbody tr")
    assert contributions.count() == len(plan["contributions"]) == 2
    csv = page.request.get(page.get_by_test_id("download-csv").get_attribute("href"))
    assert csv.ok and csv.headers["content-type"].startswith("text/csv")
    keep_screenshot(page, "campaign-plan")


def test_a_partner_outside_the_pool_gets_the_404_page(page: Any, watch: PageWatch) -> None:
    sign_in(page, "esa-analyst")
    request_id = _seeded_request(page)["request_id"]
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/console/sign-in"))
    sign_in(page, "nasa-analyst")
    assert page.request.get(f"{API}/requests").json()["total"] == 0
    page.goto("/console/campaigns")
    assert page.get_by_test_id("no-requests").is_visible()
    watch.http_errors_expected = True
    response = page.goto(f"/console/campaigns/{request_id}")
    assert response is not None and response.status == 404
    absent = page.goto("/console/campaigns/999999")
    assert absent is not None and absent.status == 404
    # The same page, word for word, whether the request is hidden or absent.
    assert page.locator("main").inner_text().replace("999999", str(request_id)) == (
        page.goto(f"/console/campaigns/{request_id}") and page.locator("main").inner_text()
    )
    assert page.request.get(f"{API}/requests/{request_id}").status == 404


def test_forms_without_the_session_csrf_token_are_refused(page: Any, watch: PageWatch) -> None:
    sign_in(page, OPERATORS["jaxa"])
    before = page.request.get(f"{API}/requests").json()["total"]
    form = {
        "area_mode": "circle",
        "center_latitude_deg": "35.7",
        "center_longitude_deg": "139.7",
        "radius_km": "30",
        "window_start": "2026-03-01T00:00",
        "window_end": "2026-03-02T00:00",
        "delivery_deadline": "2026-03-02T12:00",
        "priority": "1",
        "sensor_kinds": "sar",
        "max_off_nadir_deg": "45",
    }
    watch.http_errors_expected = True
    refused = page.request.post("/console/campaigns/new", form=form)
    assert refused.status == 403 and "has expired" in refused.text()
    assert page.request.post("/console/campaigns/plan", form={"method": "milp"}).status == 403
    assert page.request.get(f"{API}/requests").json()["total"] == before
    # With the token from the page's own form the same request is recorded.
    page.goto("/console/campaigns/new")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    accepted = page.request.post("/console/campaigns/new", form=form | {"csrf_token": token})
    assert accepted.ok and re.search(r"/console/campaigns/\d+$", accepted.url)
    assert page.request.get(f"{API}/requests").json()["total"] == before + 1


def test_an_analyst_may_look_but_not_submit(page: Any, watch: PageWatch) -> None:
    sign_in(page, "esa-analyst")
    page.goto("/console/campaigns/new")
    page.get_by_label("Circle: click the map for its centre, give its radius").check()
    page.get_by_label("Centre latitude (degrees, north positive)").fill("41.9")
    page.get_by_label("Centre longitude (degrees, east positive)").fill("12.5")
    watch.http_errors_expected = True
    page.get_by_role("button", name="Submit the request").click()
    page.wait_for_selector("[data-testid=form-message]")
    assert "operator" in page.get_by_test_id("form-message").inner_text()


def _task_forms(page: Any) -> dict[int, list[str]]:
    """Task id -> the decisions its row offers, as the request page's forms post them."""
    offered: dict[int, list[str]] = {}
    for action in page.locator("form.task-decision").evaluate_all(
        "(forms) => forms.map((f) => f.getAttribute('action'))"
    ):
        match = re.fullmatch(r"/console/campaigns/\d+/tasks/(\d+)/(accept|decline)", action)
        assert match, action
        offered.setdefault(int(match[1]), []).append(match[2])
    return offered


class TestTaskDecisions:
    """Owners accept or decline their tasks on the request page; a decline re-plans."""

    @pytest.fixture(scope="class")
    @classmethod
    def console_server(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
        """The console world of conftest.py, but this class's own: its decline stays here."""
        settings = settings_for(tmp_path_factory.mktemp("console-tasks"))
        engine = create_engine(settings.resolved_database_url)
        upgrade(engine)
        build_console_world(engine)
        engine.dispose()
        with serve(settings) as server:
            yield server

    def test_the_owner_declines_a_task_and_the_page_shows_the_new_plan(self, page: Any) -> None:
        sign_in(page, OPERATORS["esa"])
        seeded = _seeded_request(page)
        request_id = seeded["request_id"]
        page.goto(f"/console/campaigns/{request_id}")
        first_plan_id = int(
            page.get_by_test_id("download-json").get_attribute("href").rsplit("/", 1)[1]
        )
        first = page.request.get(f"{API}/plans/{first_plan_id}").json()
        owner_of = {t["task_id"]: t["owner"] for t in first["tasks"]}
        # The seeded plan images Rome by jaxa's satellite and Lisbon by esa's; the request
        # page lists every task of its plan.
        esa_task = next(t for t in first["tasks"] if t["owner"] == "esa")
        assert esa_task["owner"] == "esa" and esa_task["status"] == "proposed"
        # Buttons for esa's proposed tasks only, never for jaxa's.
        offered = _task_forms(page)
        assert offered and all(owner_of[task_id] == "esa" for task_id in offered)
        assert offered[esa_task["task_id"]] == ["accept", "decline"]

        page.get_by_role("button", name=f"Decline task {esa_task['task_id']}").click()
        page.wait_for_url(re.compile(rf"/console/campaigns/{request_id}\?task=.*replanned=\d+$"))
        notice = page.get_by_test_id("task-decision").inner_text()
        second_plan_id = int(page.url.rsplit("=", 1)[1])
        assert second_plan_id != first_plan_id
        assert f"Task {esa_task['task_id']} declined" in notice
        assert f"plan {second_plan_id}, shown below" in notice
        # The page now shows the re-formed plan, as the API serves it.
        shown_plan_id = int(
            page.get_by_test_id("download-json").get_attribute("href").rsplit("/", 1)[1]
        )
        assert shown_plan_id == second_plan_id
        second = page.request.get(f"{API}/plans/{second_plan_id}").json()
        assert second["replaces_plan_id"] == first_plan_id
        statuses = {t["task_id"]: t["status"] for t in second["tasks"]}
        assert statuses[esa_task["task_id"]] == "declined"
        moved = [
            t
            for t in second["tasks"]
            if t["request_id"] == esa_task["request_id"] and t["status"] == "proposed"
        ]
        # The declined request is imaged by a new task of the re-formed plan.
        assert moved
        assert {t["task_id"] for t in moved}.isdisjoint(t["task_id"] for t in first["tasks"])
        rows = [
            row.split("\t")
            for row in page.get_by_test_id("plan-tasks").locator("tbody tr").all_inner_texts()
        ]
        shown = {int(cells[0]): cells[4].strip() for cells in rows}
        assert shown == statuses
        # The declined task offers nothing more; esa's other proposed tasks still do.
        offered_now = _task_forms(page)
        assert esa_task["task_id"] not in offered_now
        assert set(offered_now) == {
            t["task_id"]
            for t in second["tasks"]
            if t["owner"] == "esa" and t["status"] == "proposed"
        }
        keep_screenshot(page, "campaign-task-declined")

        # jaxa's operator sees buttons for jaxa's tasks, none for esa's.
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(re.compile(r"/console/sign-in"))
        sign_in(page, OPERATORS["jaxa"])
        page.goto(f"/console/campaigns/{request_id}")
        jaxa_offered = _task_forms(page)
        assert set(jaxa_offered) == {
            t["task_id"]
            for t in second["tasks"]
            if t["owner"] == "jaxa" and t["status"] == "proposed"
        }
        assert jaxa_offered and esa_task["task_id"] not in jaxa_offered

    def test_analysts_get_no_forms_and_forged_decisions_are_refused(
        self, page: Any, watch: PageWatch
    ) -> None:
        sign_in(page, "jaxa-analyst")
        seeded = _seeded_request(page)
        page.goto(f"/console/campaigns/{seeded['request_id']}")
        page.wait_for_selector("[data-testid=plan-tasks]")
        assert _task_forms(page) == {}
        plan_id = int(page.get_by_test_id("download-json").get_attribute("href").rsplit("/", 1)[1])
        tasks = page.request.get(f"{API}/plans/{plan_id}").json()["tasks"]
        jaxa_task = next(t for t in tasks if t["owner"] == "jaxa" and t["status"] == "proposed")
        token = page.locator("input[name=csrf_token]").first.get_attribute("value")
        url = f"/console/campaigns/{seeded['request_id']}/tasks/{jaxa_task['task_id']}/accept"
        watch.http_errors_expected = True
        # The analyst's own session and token: the workflow refuses (operator or admin).
        forged = page.request.post(url, form={"csrf_token": token}, max_redirects=0)
        assert forged.status == 403 and "operator or admin" in forged.text()
        # Without the session's token: refused before anything is read.
        assert page.request.post(url, form={}, max_redirects=0).status == 403
        after = page.request.get(f"{API}/plans/{plan_id}").json()["tasks"]
        assert next(t for t in after if t["task_id"] == jaxa_task["task_id"])["status"] == (
            "proposed"
        )
