"""The globe's server side: positions and trajectories computed right, released as the
authorisation point allows, and the endpoints' answers to the signed-out, the not granted
and a malformed time."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from accord.access import PUBLIC_POLICY_ID, CatalogItem, ReleasedState, add_console_user
from accord.agreements import ReleaseConditions
from accord.orbits import Sgp4Propagator, teme_to_itrs
from accord.service import create_app
from accord.service.web import _globe
from accord.service.web._globe_data import globe_points, parse_globe_time
from accord.store import PartnerRepository, create_engine, transaction, upgrade
from tests.access._conjunction_world import (
    GRANTED_PAIR,
    OTHERS_PAIR,
    build_conjunction_world,
    screen,
)
from tests.service._api import settings_for
from tests.service.web._world import PASSWORD
from tests.service.web.test_pages import _sign_in
from tests.store._factory import element_set

EPOCH = datetime(2026, 3, 1, tzinfo=UTC)
#: heyoka's SGP4 (the globe's engine for near-Earth objects) against python-sgp4, the
#: reference implementation, after the same TEME -> ITRS rotation: docs/propagation.md
#: measures agreement to millimetres; a metre leaves room.
ENGINE_TOLERANCE_KM = 1e-3
#: The encounter JSON rounds positions to 1 m; the two TCA marks are then apart by the
#: CDM's miss distance to within the two roundings.
TRACK_ROUNDING_KM = 2e-3


def _item(norad_id: int, *, state: ReleasedState | None = None, **changes: Any) -> CatalogItem:
    elements = replace(element_set(norad_id, epoch=EPOCH), **changes)
    return CatalogItem(
        norad_id=norad_id,
        object_name=f"OBJECT {norad_id}",
        object_id=None,
        epoch=EPOCH,
        owner=None,
        submitter="CelesTrak",
        submitted_at=EPOCH,
        source_kind="api",
        is_synthetic=False,
        element_set=None if state is not None else elements,
        state=state,
        policy_ids=(PUBLIC_POLICY_ID,),
        clauses=(),
        conditions=ReleaseConditions(),
    )


def test_positions_are_sgp4_rotated_to_earth_fixed_as_the_reference_engine_gives_them() -> None:
    at = EPOCH + timedelta(hours=5)
    items = [_item(25544), _item(20000, mean_motion_rev_per_day=14.2)]
    points = globe_points(items, at)
    element_sets = [i.element_set for i in items if i.element_set is not None]
    reference = Sgp4Propagator(element_sets, engine="python-sgp4")
    expected_km = teme_to_itrs(reference.propagate([at])).position_km[:, 0, :]
    assert points.norad_ids == [25544, 20000]
    np.testing.assert_allclose(points.position_km, expected_km, atol=ENGINE_TOLERANCE_KM, rtol=0)
    assert points.not_drawn == [] and points.newest_epoch == EPOCH


def test_a_coarsened_release_stays_coarse_and_at_its_epoch() -> None:
    precision_km = 10.0
    true = _item(39634)
    assert true.element_set is not None
    teme = Sgp4Propagator([true.element_set], engine="python-sgp4").propagate([EPOCH])
    x_km, y_km, z_km = (
        float(round(v / precision_km) * precision_km) for v in teme.position_km[0, 0]
    )
    vx, vy, vz = (float(v) for v in teme.velocity_km_s[0, 0])
    state = ReleasedState(EPOCH, (x_km, y_km, z_km), (vx, vy, vz), precision_km)
    points = globe_points([_item(39634, state=state)], EPOCH + timedelta(days=3))
    position_km = points.position_km[0]
    # On the clause's grid in ITRS too, and within the two roundings of the truth at epoch.
    np.testing.assert_allclose(position_km / precision_km, np.round(position_km / precision_km))
    truth_km = teme_to_itrs(teme).position_km[0, 0]
    assert np.linalg.norm(position_km - truth_km) <= math.sqrt(3) * precision_km
    assert points.coarse_precision_km == [precision_km] and points.coarse_epoch == [EPOCH]


def test_an_object_sgp4_cannot_place_is_reported_not_drawn() -> None:
    decaying = _item(41240, mean_motion_rev_per_day=16.4, bstar_per_earth_radius=0.05)
    points = globe_points([_item(25544), decaying], EPOCH + timedelta(days=60))
    assert points.norad_ids == [25544]
    assert [n for n, _ in points.not_drawn] == [41240]
    assert points.as_json()["count"] == 1


def test_the_time_is_read_as_utc_and_a_malformed_one_names_the_fix() -> None:
    assert parse_globe_time("2026-03-01T12:00") == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert parse_globe_time("2026-03-01T12:00:00Z") == datetime(2026, 3, 1, 12, tzinfo=UTC)
    with pytest.raises(ValueError, match=r"at='yesterday' is not a time; give ISO 8601 UTC"):
        parse_globe_time("yesterday")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The crossing pairs of tests/access/_conjunction_world.py, screened, and console users
    for esa (owns the granted pair's primary) and nasa (no agreement); not the whole console
    world, which takes several times longer to build."""
    settings = settings_for(tmp_path_factory.mktemp("globe"))
    engine = create_engine(settings.resolved_database_url)
    upgrade(engine)
    build_conjunction_world(engine)
    screen(engine)
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        for handle in ("esa", "nasa"):
            add_console_user(
                session, f"{handle}-analyst", partners.get_by_handle(handle), "analyst", PASSWORD
            )
    engine.dispose()
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _granted_event_id(client: TestClient) -> int:
    events = client.get("/api/v1/events").json()["items"]
    (event_id,) = [e["event_id"] for e in events if e["primary_norad_id"] == GRANTED_PAIR[0]]
    return int(event_id)


def test_the_encounter_marks_the_two_objects_the_miss_distance_apart(client: TestClient) -> None:
    _sign_in(client, "esa-analyst")
    event_id = _granted_event_id(client)
    encounter = client.get(f"/console/globe/events/{event_id}").json()
    assert [t["norad_id"] for t in encounter["tracks"]] == list(GRANTED_PAIR)
    first, second = (np.array(t["tca_position_km"]) for t in encounter["tracks"])
    assert abs(np.linalg.norm(second - first) - encounter["miss_km"]) <= TRACK_ROUNDING_KM
    for track in encounter["tracks"]:
        samples = np.reshape(track["track_km"], (-1, 3))
        middle = len(samples) // 2
        assert track["offsets_s"][middle] == 0.0
        np.testing.assert_allclose(samples[middle], track["tca_position_km"])
        # The crossing pairs are circular: the radius holds along the whole orbit.
        radius_km = np.linalg.norm(samples, axis=1)
        assert radius_km.max() - radius_km.min() < 0.01 * radius_km.mean()
    page = client.get(f"/console/globe?event={event_id}")
    assert page.status_code == 200 and "Encounter of event" in page.text


def test_the_globe_answers_outsiders_as_the_api_does(client: TestClient) -> None:
    _sign_in(client, "esa-analyst")
    event_id = _granted_event_id(client)
    _sign_in(client, "nasa-analyst")
    assert client.get(f"/console/globe/events/{event_id}").status_code == 404
    assert client.get(f"/console/globe?event={event_id}").status_code == 404
    assert client.get(f"/api/v1/events/{event_id}").status_code == 404
    positions = client.get("/console/globe/positions?at=2026-03-02T00:00:00Z").json()
    assert OTHERS_PAIR[0] in positions["norad_ids"]  # nasa's own
    assert GRANTED_PAIR[0] not in positions["norad_ids"]  # esa's, shared with jaxa only
    bad = client.get("/console/globe/positions?at=yesterday")
    assert bad.status_code == 422 and "give ISO 8601 UTC" in bad.json()["detail"]
    assert client.get("/console/globe?at=yesterday").status_code == 422
    client.cookies.clear()
    assert client.get("/console/globe/positions").status_code == 401
    assert client.get("/console/globe", follow_redirects=False).status_code in (302, 303, 307)


def test_position_bodies_are_gzipped_for_browsers_that_accept_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test world's body is small; the size floor is lowered so that it is compressed.
    monkeypatch.setattr(_globe, "_GZIP_MIN_BYTES", 0)
    _sign_in(client, "esa-analyst")
    url = "/console/globe/positions?at=2026-03-02T00:00:00Z"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert packed.json() == plain.json() and plain.json()["norad_ids"]
