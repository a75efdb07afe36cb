"""Screening over /api/v1: jobs, screenings, conjunctions, events, CDM downloads, the 404 rule.

The store is tests/access/_conjunction_world.py screened once: esa owns 90001 and 90031,
jaxa 90022, nasa 90021; the others are public; esa grants jaxa 90001's conjunction data
coarsened to 1 km with covariance withheld, and 90031's after a 24 h embargo (so not yet).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from accord.audit import AuditAction, AuditLog, parse_entry
from accord.formats import read_cdm
from accord.service import create_app
from accord.store import API_KEY_TOKEN_PREFIX, transaction
from tests.access._conjunction_world import (
    EMBARGOED_PAIR,
    GRANTED_PAIR,
    OTHERS_PAIR,
    PRECISION_KM,
    PUBLIC_PAIR,
    T0,
    build_conjunction_world,
    screen,
)
from tests.service._api import bearer, issue_key, settings_for

#: Media types of the three CDM encodings.
MEDIA_TYPES = {"kvn": "text/plain", "xml": "application/xml", "json": "application/json"}


@dataclass
class Screened:
    client: TestClient
    engine: Engine
    app: Any
    keys: dict[str, str]

    def get(self, handle: str, url: str, **params: Any) -> Any:
        return self.client.get(url, params=params, headers=bearer(self.keys[handle]))

    def pairs(self, handle: str, **params: Any) -> set[tuple[int, int]]:
        response = self.get(handle, "/api/v1/conjunctions", **params)
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        return {(c["primary_norad_id"], c["secondary_norad_id"]) for c in items}

    def conjunction(self, handle: str, pair: tuple[int, int]) -> dict[str, Any]:
        items = self.get(handle, "/api/v1/conjunctions", norad_id=pair[0]).json()["items"]
        (found,) = [c for c in items if (c["primary_norad_id"], c["secondary_norad_id"]) == pair]
        return found


@pytest.fixture
def screened(tmp_path: Path) -> Iterator[Screened]:
    """The app on a fresh store with the world screened once, and keys for each partner."""
    app = create_app(settings_for(tmp_path, dask_workers=0))
    with TestClient(app) as client:
        engine: Engine = app.state.engine
        build_conjunction_world(engine)
        screen(engine)
        keys = {
            h: issue_key(engine, h, ("read", "write", "admin")) for h in ("esa", "jaxa", "nasa")
        }
        keys["jaxa-reader"] = issue_key(engine, "jaxa", ("read",))
        yield Screened(client, engine, app, keys)


def test_lists_and_totals_hold_only_visible_conjunctions(screened: Screened) -> None:
    assert screened.pairs("esa") == {GRANTED_PAIR, PUBLIC_PAIR, EMBARGOED_PAIR}
    assert screened.pairs("jaxa") == {GRANTED_PAIR, PUBLIC_PAIR, OTHERS_PAIR}
    assert screened.pairs("nasa") == {PUBLIC_PAIR, OTHERS_PAIR}
    page = screened.get("nasa", "/api/v1/conjunctions", limit=1, offset=1).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    granted = screened.conjunction("jaxa", GRANTED_PAIR)
    assert granted["miss_km"] == 4.0 and granted["primary_owner"] == "esa"
    assert granted["release"]["position_precision_km"] == PRECISION_KM
    assert granted["release"]["covariance_withheld"] is True
    assert granted["release"]["clauses"] == ["esa-conjunctions-to-jaxa/v1/coarse-conjunctions"]
    precise = screened.conjunction("esa", GRANTED_PAIR)
    assert precise["miss_km"] == pytest.approx(4.239, abs=1e-3)
    assert precise["release"]["position_precision_km"] is None
    # A page of jaxa's granted data is logged as a release of conjunction data.
    with transaction(screened.engine) as session:
        entries = [parse_entry(e.entry) for e in AuditLog(session).entries()]
    releases = [e for e in entries if e.action is AuditAction.DATA_RELEASED]
    assert releases and all(e.details["data_class"] == "conjunction_data" for e in releases)  # type: ignore[index]


def test_filters_apply_to_visible_released_values(screened: Screened) -> None:
    public_pc = screened.conjunction("esa", PUBLIC_PAIR)["collision_probability"]
    assert screened.pairs("esa", min_pc=public_pc) == {GRANTED_PAIR, PUBLIC_PAIR}
    assert screened.pairs("esa", max_miss_km=7.0) == {GRANTED_PAIR, PUBLIC_PAIR}
    assert screened.pairs("jaxa", max_miss_km=4.1) == {GRANTED_PAIR}  # released 4 km
    assert screened.pairs("esa", max_miss_km=4.1) == set()  # precise 4.24 km
    assert screened.pairs("jaxa", norad_id=OTHERS_PAIR[0]) == {OTHERS_PAIR}
    assert screened.pairs("esa", norad_id=OTHERS_PAIR[0]) == set()
    before = T0.replace(year=2025).isoformat()
    assert screened.pairs("esa", tca_to=before) == set()
    assert len(screened.pairs("esa", tca_from=before)) == 3


def test_invisible_cdms_and_events_answer_404_like_absent_ones(screened: Screened) -> None:
    others = screened.conjunction("nasa", OTHERS_PAIR)
    for url in (f"/api/v1/cdms/{others['cdm_id']}", f"/api/v1/events/{others['event_id']}"):
        hidden = screened.get("esa", url)
        assert hidden.status_code == 404
        assert hidden.headers["content-type"].startswith("application/problem+json")
    assert screened.get("esa", "/api/v1/cdms/999999").status_code == 404
    assert screened.get("esa", "/api/v1/events/999999").status_code == 404
    assert screened.get("nasa", f"/api/v1/cdms/{others['cdm_id']}").status_code == 200


@pytest.mark.parametrize("cdm_format", ["kvn", "xml", "json"])
def test_cdm_downloads_read_back_and_are_degraded_for_the_grantee(
    screened: Screened, cdm_format: str
) -> None:
    granted = screened.conjunction("jaxa", GRANTED_PAIR)
    url = f"/api/v1/cdms/{granted['cdm_id']}"
    response = screened.get("jaxa", url, format=cdm_format)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(MEDIA_TYPES[cdm_format])
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="{granted["message_id"]}.{cdm_format}"'
    degraded = read_cdm(response.content, source=f"download.{cdm_format}")
    assert degraded.header.message_id == granted["message_id"]
    assert degraded.relative.miss_distance_m == pytest.approx(4000.0)
    for obj in degraded.objects:
        position = (obj.state_vector.x_km, obj.state_vector.y_km, obj.state_vector.z_km)
        assert all(abs(v - round(v)) < 1e-9 for v in position)
        assert set(obj.covariance.lower_triangle) == {0.0}
    full = read_cdm(screened.get("esa", url, format=cdm_format).content, source="owner")
    assert full.relative.miss_distance_m == pytest.approx(4239.0, abs=1.0)
    assert set(full.object1.covariance.lower_triangle) != {0.0}


def test_events_carry_visible_history_and_alert_level(screened: Screened) -> None:
    totals = {h: screened.get(h, "/api/v1/events").json()["total"] for h in ("esa", "jaxa", "nasa")}
    assert totals == {"esa": 3, "jaxa": 3, "nasa": 2}
    granted = screened.conjunction("jaxa", GRANTED_PAIR)
    event = screened.get("jaxa", f"/api/v1/events/{granted['event_id']}").json()
    assert event["latest_miss_km"] == 4.0 and event["alert_level"] in ("none", "watch", "alert")
    assert [c["cdm_id"] for c in event["history"]] == [granted["cdm_id"]]
    filtered = screened.get("nasa", "/api/v1/events", norad_id=OTHERS_PAIR[1]).json()
    assert filtered["total"] == 1


def test_screening_job_submitted_followed_and_listed(screened: Screened) -> None:
    body = {"start": (T0.replace(minute=0)).isoformat(), "days": 1 / 24, "threshold_km": 20.0}
    refused = screened.client.post(
        "/api/v1/screenings", json=body, headers=bearer(screened.keys["jaxa-reader"])
    )
    assert refused.status_code == 403
    naive = {**body, "start": "2026-03-01T00:00:00"}
    assert (
        screened.client.post(
            "/api/v1/screenings", json=naive, headers=bearer(screened.keys["esa"])
        ).status_code
        == 422
    )
    submitted = screened.client.post(
        "/api/v1/screenings", json=body, headers=bearer(screened.keys["esa"])
    )
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert job["status"] == "queued" and job["screening_id"] is None
    assert job["threshold_km"] == 20.0 and job["duration_s"] == pytest.approx(3600.0)
    screened.app.state.job_runner.run_once()
    done = screened.get("nasa", f"/api/v1/screenings/jobs/{job['job_id']}").json()
    assert done["status"] == "completed" and done["progress_fraction"] == 1.0
    assert done["screening_id"] is not None
    assert screened.get("nasa", "/api/v1/screenings/jobs/999999").status_code == 404
    listed = screened.get("nasa", "/api/v1/screenings").json()
    assert listed["total"] == 2
    newest = listed["items"][0]
    assert newest["screening_id"] == done["screening_id"]
    # nasa sees two of the four conjunctions in each screening.
    assert [s["conjunction_count"] for s in listed["items"]] == [2, 2]
    assert screened.pairs("nasa", screening_id=done["screening_id"]) == {PUBLIC_PAIR, OTHERS_PAIR}


def _key_name(token: str) -> str:
    """The principal name of an API key: `key:<its 12-hex-digit prefix>`."""
    return "key:" + token.removeprefix(f"{API_KEY_TOKEN_PREFIX}_")[:12]


def test_jobs_and_screenings_name_their_submitter_and_only_its_partner_sees_the_key(
    screened: Screened,
) -> None:
    body = {"start": T0.replace(minute=0).isoformat(), "days": 1 / 24, "threshold_km": 20.0}
    submitted = screened.client.post(
        "/api/v1/screenings", json=body, headers=bearer(screened.keys["esa"])
    )
    assert submitted.status_code == 202, submitted.text
    esa_key = _key_name(screened.keys["esa"])
    assert submitted.json()["submitter"] == {"partner": "esa", "name": esa_key}
    job_url = f"/api/v1/screenings/jobs/{submitted.json()['job_id']}"
    screened.app.state.job_runner.run_once()
    # Another partner's caller sees which partner submitted it, not which key.
    for handle, name in (("esa", esa_key), ("nasa", None)):
        job = screened.get(handle, job_url).json()
        assert job["submitter"] == {"partner": "esa", "name": name}
        detail = screened.get(handle, f"/api/v1/screenings/{job['screening_id']}")
        assert detail.status_code == 200, detail.text
        assert detail.json()["submitter"] == {"partner": "esa", "name": name}
        assert detail.json()["screening_id"] == job["screening_id"]
    listed = screened.get("esa", "/api/v1/screenings").json()["items"]
    # The fixture's screening was stored by a direct call, with no submitter recorded.
    assert [s["submitter"] for s in listed] == [{"partner": "esa", "name": esa_key}, None]
    nasa_view = screened.get("nasa", f"/api/v1/screenings/{job['screening_id']}").json()
    assert nasa_view["conjunction_count"] == 2  # of four: only what nasa may see
    assert screened.get("esa", "/api/v1/screenings/999999").status_code == 404


def test_spacetrack_cdm_public_follows_the_same_rule(screened: Screened) -> None:
    def rows(handle: str, tail: str = "") -> list[dict[str, Any]]:
        response = screened.client.get(
            f"/basicspacedata/query/class/cdm_public{tail}/orderby/SAT_1_ID/format/json",
            headers={"X-API-Key": screened.keys[handle]},
        )
        assert response.status_code == 200, response.text
        return response.json()

    def ids(found: list[dict[str, Any]]) -> list[tuple[int, int]]:
        return [(int(r["SAT_1_ID"]), int(r["SAT_2_ID"])) for r in found]

    assert ids(rows("esa")) == [GRANTED_PAIR, PUBLIC_PAIR, EMBARGOED_PAIR]
    assert ids(rows("nasa")) == [PUBLIC_PAIR, OTHERS_PAIR]
    granted = rows("jaxa", f"/SAT_1_ID/{GRANTED_PAIR[0]}")
    assert len(granted) == 1 and float(granted[0]["MIN_RNG"]) == 4000.0  # released, metres
    assert granted[0]["SAT_1_NAME"] == f"OBJECT {GRANTED_PAIR[0]}"
    assert float(rows("esa", f"/SAT_1_ID/{GRANTED_PAIR[0]}")[0]["MIN_RNG"]) == pytest.approx(
        4239.3, abs=0.1
    )
    assert rows("esa", f"/SAT_1_ID/{OTHERS_PAIR[0]}") == []
