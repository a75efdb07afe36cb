"""Conjunction data by ownership, clauses in force (degradation, embargo) and public pairs."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from accord.access import (
    PUBLIC_CONJUNCTION_POLICY_ID,
    NotFoundError,
    Principal,
    get_visible_cdm,
    get_visible_event,
    principal_for_partner,
    record_conjunction_release,
    visible_conjunctions,
    visible_events,
)
from accord.audit import AuditAction, AuditLog, parse_entry, verify_opening
from accord.formats import format_cdm_kvn, read_cdm
from accord.store import AssetRepository, PartnerRepository, ScreeningRepository, transaction
from tests.access._conjunction_world import (
    EMBARGO,
    EMBARGOED_PAIR,
    GRANTED_PAIR,
    OTHERS_PAIR,
    PRECISION_KM,
    PUBLIC_PAIR,
    build_conjunction_world,
    screen,
)

#: Miss of the granted pair at its node (SGP4 short-period terms), km.
GRANTED_MISS_KM = 4.2393
#: Tolerance of a coarsened value against the nearest multiple of the precision (float noise).
SNAP_TOLERANCE = 1e-9


@pytest.fixture
def world(engine: Engine) -> tuple[Engine, datetime]:
    """The conjunction world screened once; returns the engine and the CDMs' creation time."""
    build_conjunction_world(engine)
    screening_id = screen(engine)
    with transaction(engine) as session:
        stored = ScreeningRepository(session).screening_conjunctions(screening_id)
    assert len(stored) == 4
    return engine, stored[0].cdm_created_at


def _principal(engine: Engine, handle: str) -> Principal:
    with transaction(engine) as session:
        partner = PartnerRepository(session).get_by_handle(handle)
    return principal_for_partner(partner, ["analyst"])


def _pairs(engine: Engine, handle: str, at: datetime, **filters: Any) -> set[tuple[int, int]]:
    with transaction(engine) as session:
        found = visible_conjunctions(session, _principal(engine, handle), at=at, **filters)
    return {(c.primary_norad_id, c.secondary_norad_id) for c in found}


def _multiple_of(value: float, step: float) -> bool:
    return abs(value / step - round(value / step)) < SNAP_TOLERANCE * max(1.0, abs(value / step))


def test_each_partner_sees_its_own_granted_and_public_conjunctions(
    world: tuple[Engine, datetime],
) -> None:
    engine, created = world
    soon = created + timedelta(minutes=5)
    assert _pairs(engine, "esa", soon) == {GRANTED_PAIR, PUBLIC_PAIR, EMBARGOED_PAIR}
    # jaxa owns 90022 and is granted 90001's; 90031's is still under its 24 h embargo.
    assert _pairs(engine, "jaxa", soon) == {GRANTED_PAIR, PUBLIC_PAIR, OTHERS_PAIR}
    assert _pairs(engine, "nasa", soon) == {PUBLIC_PAIR, OTHERS_PAIR}
    after_embargo = created + EMBARGO + timedelta(seconds=1)
    assert EMBARGOED_PAIR in _pairs(engine, "jaxa", after_embargo)
    assert EMBARGOED_PAIR not in _pairs(engine, "jaxa", created + EMBARGO - timedelta(seconds=1))


def test_a_coarsening_clause_coarsens_miss_and_rtn_and_filters_see_released_values(
    world: tuple[Engine, datetime],
) -> None:
    engine, created = world
    at = created + timedelta(minutes=5)
    with transaction(engine) as session:
        own = {
            c.primary_norad_id: c
            for c in visible_conjunctions(session, _principal(engine, "esa"), at=at)
        }
        granted = {
            c.primary_norad_id: c
            for c in visible_conjunctions(session, _principal(engine, "jaxa"), at=at)
        }
    precise, coarse = own[GRANTED_PAIR[0]], granted[GRANTED_PAIR[0]]
    assert not precise.degraded and precise.miss_km == pytest.approx(GRANTED_MISS_KM, abs=1e-3)
    assert coarse.degraded and coarse.miss_km == round(precise.miss_km / PRECISION_KM)
    assert all(_multiple_of(v, PRECISION_KM) for v in coarse.miss_rtn_km)
    assert [ref.clause_id for ref in coarse.clauses] == ["coarse-conjunctions"]
    assert coarse.owners == ("esa", None)
    assert coarse.collision_probability == precise.collision_probability
    public = granted[PUBLIC_PAIR[0]]
    assert public.policy_ids == (PUBLIC_CONJUNCTION_POLICY_ID,) and not public.degraded
    # 4.24 km precise, 4 km released: a 4.1 km filter keeps it for jaxa only (released value).
    assert _pairs(engine, "esa", at, max_miss_km=4.1) == set()
    assert _pairs(engine, "jaxa", at, max_miss_km=4.1) == {GRANTED_PAIR}
    assert _pairs(engine, "nasa", at, norad_id=OTHERS_PAIR[1]) == {OTHERS_PAIR}
    assert _pairs(engine, "esa", at, tca_to=at - timedelta(days=3650)) == set()


def test_degraded_cdm_has_coarse_states_and_placeholder_covariance_and_reads_back(
    world: tuple[Engine, datetime],
) -> None:
    engine, created = world
    at = created + timedelta(minutes=5)
    jaxa = _principal(engine, "jaxa")
    with transaction(engine, write_lock=True) as session:
        (granted,) = visible_conjunctions(session, jaxa, at=at, norad_id=GRANTED_PAIR[0])
        released = get_visible_cdm(session, jaxa, granted.cdm_id, at=at)
        log = AuditLog(session)
        entries = [parse_entry(e.entry) for e in log.entries()]
        openings = {e.seq: log.opening(e.seq) for e in entries}
        esa_id = PartnerRepository(session).get_by_handle("esa").id
    message = released.message
    for obj in message.objects:
        state = obj.state_vector
        assert all(_multiple_of(v, PRECISION_KM) for v in (state.x_km, state.y_km, state.z_km))
        velocity_step = PRECISION_KM / 600.0
        assert all(
            _multiple_of(v, velocity_step)
            for v in (state.x_dot_km_s, state.y_dot_km_s, state.z_dot_km_s)
        )
        assert set(obj.covariance.lower_triangle) == {0.0}
        assert any("WITHHELD" in c for c in obj.covariance.comments)
    assert message.relative.miss_distance_m == pytest.approx(4000.0)
    again = read_cdm(format_cdm_kvn(message).encode("utf-8"), source="degraded")
    assert again.object1.state_vector == message.object1.state_vector
    assert again.relative.miss_distance_m == message.relative.miss_distance_m
    releases = [e for e in entries if e.action is AuditAction.DATA_RELEASED]
    assert len(releases) == 1
    details = releases[0].details
    assert details is not None
    assert details["data_class"] == "conjunction_data" and details["degraded"] == 1
    # Recipient, clause and CDM are sealed, opened to jaxa (recipient) and esa (grantor).
    assert releases[0].subjects == ()
    opening = openings[releases[0].seq]
    assert opening is not None
    assert verify_opening(releases[0], opening) == {
        "recipient": str(jaxa.partner_id),
        "clauses": ["esa-conjunctions-to-jaxa/v1/coarse-conjunctions"],
        "subjects": [{"kind": "cdm", "id": str(granted.cdm_id)}],
    }
    with transaction(engine) as session:
        stored = AuditLog(session).sealed(releases[0].seq)
    assert stored is not None and stored.readers == {jaxa.partner_id, esa_id}


def test_invisible_and_absent_cdms_and_events_are_the_same_not_found(
    world: tuple[Engine, datetime],
) -> None:
    engine, created = world
    at = created + timedelta(minutes=5)
    esa = _principal(engine, "esa")
    with transaction(engine, write_lock=True) as session:
        (others,) = ScreeningRepository(session).conjunctions(norad_ids=[OTHERS_PAIR[0]])
        with pytest.raises(NotFoundError) as hidden:
            get_visible_cdm(session, esa, others.cdm_id, at=at)
        with pytest.raises(NotFoundError) as absent:
            get_visible_cdm(session, esa, 10_000, at=at)
        assert str(hidden.value).replace(str(others.cdm_id), "N") == str(absent.value).replace(
            "10000", "N"
        )
        with pytest.raises(NotFoundError):
            get_visible_event(session, esa, others.event_id, at=at)
        # Own and public conjunctions leave no release entry (not granted by a clause).
        own = visible_conjunctions(session, esa, at=at)
        record_conjunction_release(session, esa, own, at=at)
        assert not [
            e
            for e in AuditLog(session).entries()
            if parse_entry(e.entry).action is AuditAction.DATA_RELEASED
        ]


def test_events_carry_only_visible_history_and_latest_numbers(
    world: tuple[Engine, datetime],
) -> None:
    engine, created = world
    at = created + timedelta(minutes=5)
    with transaction(engine) as session:
        by_handle = {
            h: visible_events(session, _principal(engine, h), at=at)
            for h in ("esa", "jaxa", "nasa")
        }
        granted = get_visible_event(
            session,
            _principal(engine, "jaxa"),
            next(e.event_id for e in by_handle["esa"] if e.primary_norad_id == GRANTED_PAIR[0]),
            at=at,
        )
    assert [len(events) for events in by_handle.values()] == [3, 3, 2]
    assert len(granted.history) == 1 and granted.latest_miss_km == 4.0
    assert granted.alert_level is not None
    assert all(math.isfinite(e.latest_miss_km) for events in by_handle.values() for e in events)


def test_a_claim_on_another_members_object_reveals_none_of_its_conjunctions(
    world: tuple[Engine, datetime],
) -> None:
    """nasa claims esa's 90001 (straight into the store, as the old existence-only check let
    it) and jaxa claims the public 90002: nasa still sees no conjunction with esa's state
    at TCA, and the claims change nothing for anyone else."""
    engine, created = world
    soon = created + timedelta(minutes=5)
    before = {h: _pairs(engine, h, soon) for h in ("esa", "jaxa", "nasa")}
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        assets = AssetRepository(session)
        assets.claim(partners.get_by_handle("nasa"), GRANTED_PAIR[0], at=created)
        assets.claim(partners.get_by_handle("jaxa"), GRANTED_PAIR[1], at=created)
        assets.claim(partners.get_by_handle("nasa"), EMBARGOED_PAIR[0], at=created)
    after = {h: _pairs(engine, h, soon) for h in ("esa", "jaxa", "nasa")}
    assert after == before
    assert GRANTED_PAIR not in after["nasa"] and EMBARGOED_PAIR not in after["nasa"]
