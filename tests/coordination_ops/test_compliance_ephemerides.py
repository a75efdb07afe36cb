"""`ephemeris_update_interval_h` is measured on stored operator ephemerides, not element sets.

Coalition: tests/access/_world.py; esa claims 25544, 39634 and 40697 from 2026-01-01 and the
example agreement commits it to an ephemeris at most every 24 h (30-day periods from
2026-01-01). Reference: docs/coordination.md, "Compliance" (the worst interval over the
period, from the claim's start or the last update before the period, to the period's end).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from accord.access import submit_ephemeris
from accord.catalog import import_element_sets
from accord.coordination_ops import run_compliance
from accord.store import PartnerRepository, SourceKind, transaction
from tests.access._ephemeris_world import generated_oem
from tests.access._world import ESA_OBJECTS, build_world
from tests.store._factory import element_set

PERIOD_START = datetime(2026, 1, 1, tzinfo=UTC)
#: After the first 30-day period (2026-01-01 .. 2026-01-31) has ended.
NOW = datetime(2026, 2, 1, tzinfo=UTC)


def _cadence(engine: Engine) -> dict[str, object]:
    with transaction(engine, write_lock=True) as session:
        reports = run_compliance(session, now=NOW, partner="esa")
    commitment = reports[0].figures["commitments"]["esa-ephemeris-cadence"]
    first: dict[str, object] = commitment["periods"][0]
    assert first["start"] == PERIOD_START.isoformat()
    return first


def test_ephemeris_submissions_are_the_series_and_element_sets_do_not_count(
    engine: Engine,
) -> None:
    build_world(engine)
    # Element sets every 12 h in January do not deliver an ephemeris.
    for hours in range(0, 30 * 24, 12):
        moment = PERIOD_START + timedelta(hours=hours)
        import_element_sets(
            engine,
            [element_set(n, epoch=moment) for n in ESA_OBJECTS],
            source_name=f"esa-{hours}.json",
            partner="ESA",
            source_kind=SourceKind.API,
            submitted_at=moment,
        )
    assert _cadence(engine)["measured"] == 30 * 24.0

    # Ephemerides of every claimed satellite on 1 January 12:00 and 16 January 00:00: the
    # worst gap is the last 15 days of the period (360 h), whichever satellite.
    with transaction(engine, write_lock=True) as session:
        esa = PartnerRepository(session).get_by_handle("esa")
        for moment in (PERIOD_START + timedelta(hours=12), PERIOD_START + timedelta(days=15)):
            for norad_id in ESA_OBJECTS:
                submit_ephemeris(
                    session, esa, generated_oem(norad_id, start=moment), source="e", at=moment
                )
    first = _cadence(engine)
    assert first["measured"] == 15 * 24.0
    assert first["verdict"] == "breached"
    assert (first["satellites_counted"], first["updates_counted"]) == (3, 6)
