"""The worked campaign through /api/v1/campaigns with the partners' own API keys.

The world of tests/campaign_ops/_campaign.py (Rome/Lisbon/Athens, the Sentinels and
Landsats of resource.tle, Svalbard, agreement `eo-pool`): Civil Protection (cp) submits,
ESA validates and plans (a background job, 202), ESA declines Rome and the plan re-forms;
outputs as JSON, CSV, timeline and GeoJSON coverage; an outsider sees nothing; a read-only
key may not submit.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shapely
import shapely.ops
from fastapi.testclient import TestClient
from shapely.geometry import shape

from accord.campaign_ops import CSV_COLUMNS
from accord.jobs import JobRunner
from accord.service import create_app
from tests.campaign_ops._campaign import CITIES, DEADLINE, END, START, setup_campaign
from tests.service._api import bearer, issue_key, settings_for

API = "/api/v1/campaigns"
#: Smallest share of a fully covered area that its footprint must overlap: the strip is
#: drawn from the current element set with a fixed attitude (docs/campaigns.md, "Coverage
#: map"), so it need not match the planner's sample points exactly.
MIN_FOOTPRINT_OVERLAP = 0.9
#: A nominal Sentinel/Landsat altitude (km) and the tolerance of the flat-Earth estimate of
#: a strip's offset from its ground track, altitude * tan(roll): measured 1-8 km off for the
#: three tasks (rolls 2-19 deg), from curvature and altitudes of 693-705 km.
ALTITUDE_KM = 700.0
OFFSET_TOLERANCE_KM = 25.0


def _great_circle_km(a: Any, b: Any) -> float:
    """Haversine distance (km, mean Earth radius) between two lon/lat shapely points."""
    lat1, lat2 = math.radians(a.y), math.radians(b.y)
    dlat, dlon = lat2 - lat1, math.radians(b.x - a.x)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _request_body(name: str, lon: float, lat: float, priority: float) -> dict[str, Any]:
    return {
        "area": {"type": "Point", "coordinates": [lon, lat]},
        "radius_km": 40.0,
        "area_name": name,
        "window_start": START.isoformat(),
        "window_end": END.isoformat(),
        "delivery_deadline": DEADLINE.isoformat(),
        "priority": priority,
    }


def test_worked_campaign_over_http(tmp_path: Path, shared: Callable[[str], Path]) -> None:
    app = create_app(settings_for(tmp_path, rate_limit_per_minute=0))
    with TestClient(app) as client:
        engine = app.state.engine
        setup_campaign(engine, shared)
        handles = ("cp", "esa", "usgs", "outsider")
        cp, esa, usgs, outsider = (bearer(issue_key(engine, h, ("read", "write"))) for h in handles)
        cp_reader = bearer(issue_key(engine, "cp", ("read",)))

        # Pool data: members only.
        pool = client.get(f"{API}/pools/eo_imaging", headers=cp).json()
        assert pool["committed_shares"] == {"esa": 0.6, "usgs": 0.4}
        assert pool["stations"] == 1
        satellites = client.get(f"{API}/pools/eo_imaging/satellites", headers=esa).json()
        assert satellites["total"] == pool["satellites"] > 0
        stations = client.get(f"{API}/pools/eo_imaging/stations", headers=usgs).json()
        assert [s["station_id"] for s in stations["items"]] == ["esa:svalbard"]
        assert client.get(f"{API}/pools/eo_imaging", headers=outsider).status_code == 404

        # Validation names the field; a read-only key and an outsider may not submit.
        bad = _request_body("rome", 12.5, 41.9, 3.0) | {"window_end": START.isoformat()}
        problem = client.post(f"{API}/requests", json=bad, headers=cp).json()
        assert problem["status"] == 422 and problem["errors"][0]["location"] == "body.window_end"
        no_radius = _request_body("rome", 12.5, 41.9, 3.0) | {"radius_km": None}
        problem = client.post(f"{API}/requests", json=no_radius, headers=cp).json()
        assert problem["errors"][0]["location"] == "body.radius_km"
        off_earth = _request_body("rome", 212.5, 41.9, 3.0)
        problem = client.post(f"{API}/requests", json=off_earth, headers=cp).json()
        assert problem["errors"][0]["location"] == "body.area"
        body = _request_body("rome", 12.5, 41.9, 3.0)
        refused = client.post(f"{API}/requests", json=body, headers=cp_reader)
        assert refused.status_code == 403 and "operator" in refused.json()["detail"]
        refused = client.post(f"{API}/requests", json=body, headers=outsider)
        assert refused.status_code == 403 and "not a member" in refused.json()["detail"]

        # Submit the three cities; ESA validates them.
        ids = []
        for name, (lon, lat, priority) in CITIES.items():
            response = client.post(
                f"{API}/requests", json=_request_body(name, lon, lat, priority), headers=cp
            )
            assert response.status_code == 201, response.text
            assert response.json()["status"] == "submitted"
            ids.append(response.json()["request_id"])
        for request_id in ids:
            validated = client.post(f"{API}/requests/{request_id}/validate", headers=esa)
            assert validated.json()["status"] == "validated"
            assert validated.json()["validated_by"] == "esa"
        again = client.post(f"{API}/requests/{ids[0]}/validate", headers=esa)
        assert again.status_code == 409
        listed = client.get(f"{API}/requests", params={"status": "validated"}, headers=usgs)
        assert listed.json()["total"] == 3

        # Plan (HiGHS) as a background job: 202 and the job's URL; the job runs here in
        # the test's own runner (the app runs no workers), then names the stored plan.
        refused = client.post(f"{API}/plans", json={"method": "milp"}, headers=cp_reader)
        assert refused.status_code == 403, refused.text
        response = client.post(f"{API}/plans", json={"method": "milp"}, headers=esa)
        assert response.status_code == 202, response.text
        queued = response.json()
        assert queued["status"] == "queued" and queued["plan_id"] is None
        assert response.headers["location"] == queued["job_url"]
        assert client.get(queued["job_url"], headers=outsider).status_code == 404
        finished = JobRunner(engine, app.state.settings).run_once()
        assert finished is not None and finished.job_id == queued["job_id"]
        job = client.get(queued["job_url"], headers=usgs).json()
        assert job["status"] == "completed", job["error_message"]
        assert job["progress_fraction"] == 1.0 and job["plan_url"] is not None
        plan = client.get(job["plan_url"], headers=esa).json()
        assert plan["solver_status"] == "Optimal"
        assert [r["coverage_fraction"] for r in plan["requests"]] == [1.0, 1.0, 1.0]
        rome = next(t for t in plan["tasks"] if t["request_id"] == ids[0])
        assert rome["norad_id"] == 39634 and rome["owner"] == "esa"
        contributions = client.get(f"{API}/plans/{plan['plan_id']}/contributions", headers=cp)
        assert {h: c["acquisitions"] for h, c in contributions.json().items()} == {
            "esa": 2,
            "usgs": 1,
        }

        # Only the owner decides; ESA declines Rome and the plan re-forms around it.
        not_owner = client.post(f"{API}/tasks/{rome['task_id']}/decline", headers=usgs)
        assert not_owner.status_code == 403 and "only its owner" in not_owner.json()["detail"]
        declined = client.post(f"{API}/tasks/{rome['task_id']}/decline", headers=esa).json()
        assert declined["task"]["status"] == "declined"
        replanned_id = declined["replanned_plan_id"]
        assert replanned_id is not None and replanned_id != plan["plan_id"]
        second = client.get(f"{API}/plans/{replanned_id}", headers=cp).json()
        assert second["replaces_plan_id"] == plan["plan_id"]
        active = [t for t in second["tasks"] if t["status"] != "declined"]
        moved = next(t for t in active if t["request_id"] == ids[0])
        assert (moved["norad_id"], moved["acquisition_start"]) != (
            rome["norad_id"],
            rome["acquisition_start"],
        )
        for task in active:
            owner = esa if task["owner"] == "esa" else usgs
            accepted = client.post(f"{API}/tasks/{task['task_id']}/accept", headers=owner)
            assert accepted.json()["task"]["status"] == "accepted"
            assert accepted.json()["replanned_plan_id"] is None
        too_early = client.post(f"{API}/tasks/{active[0]['task_id']}/delivered", headers=esa)
        assert too_early.status_code in (403, 409)
        detail = client.get(f"{API}/requests/{ids[0]}", headers=cp).json()
        assert detail["status"] == "tasked" and detail["requester"] == "cp"

        # CSV, by suffix and by ?format=csv: the same rows, one per task.
        by_suffix = client.get(f"{API}/plans/{replanned_id}.csv", headers=usgs)
        by_query = client.get(f"{API}/plans/{replanned_id}", params={"format": "csv"}, headers=cp)
        assert by_suffix.headers["content-type"].startswith("text/csv")
        assert by_suffix.text == by_query.text
        rows = list(csv.DictReader(io.StringIO(by_suffix.text)))
        assert tuple(rows[0]) == CSV_COLUMNS
        assert len(rows) == len(second["tasks"]) == 4
        assert {int(r["task_id"]) for r in rows} == {t["task_id"] for t in second["tasks"]}

        # Timeline: per satellite, in time order, acquisitions of the active tasks.
        page = client.get(f"{API}/plans/{replanned_id}/timeline", headers=cp).json()
        timeline = page["items"]
        assert page["total"] == len(timeline) and (page["offset"], page["limit"]) == (0, 100)
        assert [s["norad_id"] for s in timeline] == sorted(s["norad_id"] for s in timeline)
        # A page of one satellite is the list's first item, with the same total.
        first = client.get(
            f"{API}/plans/{replanned_id}/timeline", params={"limit": 1}, headers=cp
        ).json()
        assert first["items"] == timeline[:1] and first["total"] == page["total"]
        for satellite in timeline:
            starts = [e["start"] for e in satellite["entries"]]
            assert starts == sorted(starts)
        acquisitions = [e for s in timeline for e in s["entries"] if e["kind"] == "acquisition"]
        assert len(acquisitions) == 3
        assert all(e["station"] == "esa:svalbard" for s in timeline for e in s["entries"]
                   if e["kind"] == "downlink")  # fmt: skip

        # Coverage: shapely reads every geometry; footprints lie over their areas.
        response = client.get(f"{API}/plans/{replanned_id}/coverage", headers=cp)
        assert response.headers["content-type"].startswith("application/geo+json")
        collection = response.json()
        assert collection["type"] == "FeatureCollection"
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for feature in collection["features"]:
            geometry = shape(feature["geometry"])
            assert geometry.is_valid and not geometry.is_empty
            by_kind.setdefault(feature["properties"]["kind"], []).append(
                {**feature["properties"], "geometry": geometry}
            )
        assert len(by_kind["area"]) == 3 and len(by_kind["footprint"]) == 3
        assert len(by_kind["ground_track"]) == 3 and len(by_kind["station"]) == 1
        svalbard = by_kind["station"][0]["geometry"]
        assert (round(svalbard.x, 2), round(svalbard.y, 2)) == (15.39, 78.23)
        areas = {a["request_id"]: a["geometry"] for a in by_kind["area"]}
        for footprint in by_kind["footprint"]:
            area = areas[footprint["request_id"]]
            overlap = shapely.intersection(area, footprint["geometry"]).area / area.area
            assert overlap >= MIN_FOOTPRINT_OVERLAP, (footprint["task_id"], overlap)
        for track in by_kind["ground_track"]:
            assert track["geometry"].geom_type in ("LineString", "MultiLineString")
            footprint = next(f for f in by_kind["footprint"] if f["task_id"] == track["task_id"])
            # The strip lies beside the track, as far as its roll puts it (at most the
            # field of regard): the offset on the ground, by the flat-Earth estimate.
            near_track, near_strip = shapely.ops.nearest_points(
                track["geometry"], footprint["geometry"].centroid
            )
            offset_km = _great_circle_km(near_track, near_strip)
            expected_km = ALTITUDE_KM * math.tan(math.radians(abs(footprint["roll_deg"])))
            assert abs(offset_km - expected_km) <= OFFSET_TOLERANCE_KM

        # Outsiders: 404 for the request, the plans and their outputs; lists leave them out.
        for path in (
            f"/requests/{ids[0]}",
            f"/plans/{replanned_id}",
            f"/plans/{replanned_id}.csv",
            f"/plans/{replanned_id}/timeline",
            f"/plans/{replanned_id}/coverage",
            f"/plans/{replanned_id}/contributions",
        ):
            assert client.get(API + path, headers=outsider).status_code == 404, path
        assert client.get(f"{API}/requests", headers=outsider).json()["total"] == 0
        assert client.get(f"{API}/plans", headers=outsider).json()["total"] == 0
        assert client.get(f"{API}/plans", headers=cp).json()["total"] == 2
        hidden = client.post(f"{API}/tasks/{moved['task_id']}/accept", headers=outsider)
        assert hidden.status_code == 404
        missing = client.get(f"{API}/requests/999999", headers=cp)
        assert missing.status_code == 404
