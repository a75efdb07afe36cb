"""Stored screenings: CDMs, events across screenings, alerts, audit entries, rollback."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.audit import AuditAction, AuditLog, parse_entry
from accord.formats import read_cdm
from accord.screening import AlertRules, open_alerts, run_screening
from accord.store import (
    AlertLevel,
    ScreeningRepository,
    ScreeningStatus,
    transaction,
)
from tests._crossing_pair import T0, store_crossing_pair

#: Miss of the crossing pair at its node (SGP4 short-period terms): about 4.24 km.
EXPECTED_MISS_KM = 4.24
MISS_TOLERANCE_KM = 0.01


@pytest.fixture
def catalog(engine: Engine) -> Engine:
    """A store holding two objects whose orbits cross at the node at T0 (and a bystander)."""
    return store_crossing_pair(engine)


def _screen(engine: Engine, start: datetime, rules: AlertRules | None = None) -> int:
    record = run_screening(
        engine, start=start, duration=timedelta(hours=1), threshold_km=20.0, rules=rules
    )
    return record.screening_id


def test_two_screenings_of_one_encounter_make_one_event_with_two_cdms(catalog: Engine) -> None:
    # The second screening starts 10 minutes later ("the next run"); both contain T0.
    first = _screen(catalog, T0 - timedelta(minutes=30))
    second = _screen(catalog, T0 - timedelta(minutes=20))
    with transaction(catalog) as session:
        repository = ScreeningRepository(session)
        record = repository.screening(second)
        assert record is not None and record.status is ScreeningStatus.COMPLETED
        assert record.object_count == 3 and record.conjunction_count == 1
        assert record.catalog_batch_id is not None and record.duration_s == 3600.0
        events = repository.events()
        assert len(events) == 1
        event = events[0]
        assert (event.primary_norad_id, event.secondary_norad_id) == (90001, 90002)
        assert event.cdm_count == 2 and event.last_screening_id == second
        assert abs((event.tca - T0).total_seconds()) < 5.0
        assert event.latest_miss_km == pytest.approx(EXPECTED_MISS_KM, abs=MISS_TOLERANCE_KM)
        history = repository.event_history(event.event_id)
        assert [c.screening_id for c in history] == [first, second]
        for stored in history:
            cdm_row = repository.cdm(stored.cdm_id)
            assert cdm_row is not None
            cdm = read_cdm(cdm_row.kvn.encode("utf-8"), source=cdm_row.message_id)
            assert cdm.header.message_id == stored.message_id == f"ACCORD-{stored.screening_id}-1"
            assert cdm.relative.tca == stored.tca
            assert cdm.relative.miss_distance_m == pytest.approx(stored.miss_km * 1e3, abs=1e-3)
            assert cdm.relative.collision_probability == stored.collision_probability
            assert hashlib.sha256(cdm_row.kvn.encode()).hexdigest() == cdm_row.kvn_sha256
        # Every CDM is in the audit log, hashed.
        entries = [parse_entry(e.entry) for e in AuditLog(session).entries()]
        issued = [e for e in entries if e.action is AuditAction.CDM_ISSUED]
        hashes = {repository.cdm(c.cdm_id).kvn_sha256 for c in history}  # type: ignore[union-attr]
        assert {e.content_sha256 for e in issued} == hashes


def test_a_one_vs_many_screening_with_the_pair_reversed_joins_the_same_event(
    catalog: Engine,
) -> None:
    # All-vs-all makes the lower id (90001) primary; screening 90002 against the catalog
    # makes 90002 primary: the same encounter, so the same event.
    first = _screen(catalog, T0 - timedelta(minutes=30))
    second = run_screening(
        catalog,
        start=T0 - timedelta(minutes=20),
        duration=timedelta(hours=1),
        threshold_km=20.0,
        primary_norad_ids=[90002],
    ).screening_id
    with transaction(catalog) as session:
        repository = ScreeningRepository(session)
        (event,) = repository.events()
        assert event.cdm_count == 2 and event.last_screening_id == second
        # The event keeps the order of the conjunction that opened it ...
        assert (event.primary_norad_id, event.secondary_norad_id) == (90001, 90002)
        history = repository.event_history(event.event_id)
        # ... and each conjunction and CDM keeps its own, as screened.
        assert [(c.screening_id, c.primary_norad_id, c.secondary_norad_id) for c in history] == [
            (first, 90001, 90002),
            (second, 90002, 90001),
        ]
        reversed_cdm = repository.cdm(history[1].cdm_id)
        assert reversed_cdm is not None
        message = read_cdm(reversed_cdm.kvn.encode("utf-8"), source=reversed_cdm.message_id)
        assert message.object1.metadata.object_designator.endswith("90002")


def test_a_later_encounter_of_the_same_pair_is_a_new_event(catalog: Engine) -> None:
    _screen(catalog, T0 - timedelta(minutes=30))
    # Half an orbit later (about 47 minutes) the pair meets again at the other node.
    _screen(catalog, T0 + timedelta(minutes=20))
    with transaction(catalog) as session:
        events = ScreeningRepository(session).events()
    assert len(events) == 2
    assert all(e.cdm_count == 1 for e in events)
    gap_s = abs((events[1].tca - events[0].tca).total_seconds())
    assert 40 * 60 < gap_s < 55 * 60


def test_thresholds_raise_the_alert_level_of_the_latest_cdm(catalog: Engine) -> None:
    # Defaults (Pc 1e-4, 1 km): a 4.24 km miss with a maximum Pc of about 2.5e-5 stays quiet.
    _screen(catalog, T0 - timedelta(minutes=30), AlertRules())
    with transaction(catalog) as session:
        assert open_alerts(session, now=T0 - timedelta(hours=1)) == []
        assert ScreeningRepository(session).events()[0].alert_level is AlertLevel.NONE
    _screen(catalog, T0 - timedelta(minutes=25), AlertRules(pc_threshold=1e-4, miss_km=5.0))
    with transaction(catalog) as session:
        (watch,) = open_alerts(session, now=T0 - timedelta(hours=1))
        assert watch.alert_level is AlertLevel.WATCH and watch.cdm_count == 2
    _screen(catalog, T0 - timedelta(minutes=20), AlertRules(pc_threshold=1e-5, miss_km=0.5))
    with transaction(catalog) as session:
        (alert,) = open_alerts(session, now=T0 - timedelta(hours=1))
        assert alert.alert_level is AlertLevel.ALERT and alert.latest_pc is not None
        assert alert.latest_pc >= 1e-5 and alert.latest_pc_method == "ALFANO-2005-MAX"
        # Once the TCA is past the event is no longer open.
        assert open_alerts(session, now=T0 + timedelta(hours=1)) == []


def _install_failing_audit_trigger(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_entries "
                "BEGIN SELECT RAISE(ABORT, 'forced failure of the audit append'); END"
            )
        else:
            connection.exec_driver_sql(
                "CREATE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN RAISE EXCEPTION 'forced failure of the audit append'; END $$"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_entries "
                "FOR EACH ROW EXECUTE FUNCTION test_fail_audit()"
            )


def _remove_failing_audit_trigger(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER test_fail_audit")
        else:
            connection.exec_driver_sql("DROP TRIGGER test_fail_audit ON audit_entries")
            connection.exec_driver_sql("DROP FUNCTION test_fail_audit()")


def test_a_failure_in_the_last_step_leaves_nothing_behind(catalog: Engine) -> None:
    with transaction(catalog) as session:
        log_size = AuditLog(session).tree_size
    # The audit append is the last write of the transaction: screening, events,
    # conjunctions and CDMs are written by then, and must all roll back.
    _install_failing_audit_trigger(catalog)
    try:
        with pytest.raises(sa.exc.DBAPIError, match="forced failure"):
            _screen(catalog, T0 - timedelta(minutes=30))
    finally:
        _remove_failing_audit_trigger(catalog)
    with transaction(catalog) as session:
        assert ScreeningRepository(session).counts() == {
            "screenings": 0,
            "conjunctions": 0,
            "cdms": 0,
            "conjunction_events": 0,
        }
        assert AuditLog(session).tree_size == log_size
    # And the same screening then goes through.
    _screen(catalog, T0 - timedelta(minutes=30))
    with transaction(catalog) as session:
        assert ScreeningRepository(session).counts()["cdms"] == 1
