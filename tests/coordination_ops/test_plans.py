"""Manoeuvre plans: delta-v to a post-manoeuvre trajectory, screened against the catalog.

ESA burns 0.5 m/s in-track one orbit before TCA. Prograde, its satellite arrives at the
crossing late and passes JAXA's 4.65 km away instead of the event's 3.14 km: acceptable.
Retrograde, it arrives early; a third object (45000) is placed on JAXA's orbit so that it
reaches the crossing when the retrograde trajectory does (to within SGP4's short-period
terms), and that plan passes it 2.39 km away, closer than the approach it avoids: worse,
and it cannot be committed: neither made as committed, nor shared and then committed with
`accord manoeuvre commit`, whose error names the conjunction it would create. (Figures as
measured on the development machine.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy.interpolate import CubicHermiteSpline
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from accord.audit import AuditLog, verify_opening
from accord.catalog import import_element_sets
from accord.cli import app
from accord.coordination_ops import (
    PlanError,
    WorseConjunctionError,
    get_case,
    open_cases_from_alerts,
    plan_manoeuvre,
    post_manoeuvre_oem,
)
from accord.formats import ElementSet, read_oem
from accord.orbits import Sgp4Propagator
from accord.settings import Settings
from accord.startup import open_store
from accord.store import (
    AuditEntryRow,
    ManoeuvrePlanKind,
    ManoeuvrePlanRow,
    PartnerRepository,
    PlanCatalogEntryRow,
    SourceKind,
    transaction,
)
from tests.coordination_ops._world import ESA_ELEMENTS, ESA_SAT, JAXA_ELEMENTS, NOW, build

PERIOD = timedelta(days=1 / 15.5)
DV_M_S = 0.5


def _ns(t: datetime) -> np.datetime64:
    return np.datetime64(t.replace(tzinfo=None), "ns")


def _sgp4_nearest(element_set: ElementSet, point_km: np.ndarray, around: datetime) -> float:
    """Seconds after `around` when the object is nearest `point_km` (1 ms grid, +-60 s)."""
    offsets_ms = np.arange(-60_000, 60_001)
    times = _ns(around) + offsets_ms.astype("timedelta64[ms]")
    position = Sgp4Propagator([element_set]).propagate(times).position_km[0]
    return float(offsets_ms[np.argmin(np.linalg.norm(position - point_km, axis=1))]) / 1000.0


def _oem_nearest(oem_text: str, point_km: np.ndarray, around: datetime) -> float:
    segment = read_oem(oem_text.encode(), source="plan.oem").segments[0]
    seconds = (segment.epochs - _ns(around)).astype("timedelta64[ns]").astype(float) / 1e9
    spline = CubicHermiteSpline(seconds, segment.position_km, segment.velocity_km_s, axis=0)
    grid = np.arange(-60.0, 60.0, 0.001)
    return float(grid[np.argmin(np.linalg.norm(spline(grid) - point_km, axis=1))])


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """SQLite only (the screening dominates, the store's part is covered by test_cases), in
    the store `accord` opens for ACCORD_VAR_DIR=tmp_path, so the CLI acts on it too."""
    store_engine = open_store(Settings(var_dir=tmp_path, seed_demo=False), seed=False)
    yield store_engine
    store_engine.dispose()


def test_a_plan_that_avoids_without_creating_worse_is_acceptable_and_one_that_does_is_not(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    engine = sqlite_engine
    build(engine)
    (case_id,) = open_cases_from_alerts(engine, now=NOW)
    with transaction(engine) as session:
        case = get_case(session, case_id)
    tca = case.trigger.tca
    burn_at = tca - PERIOD
    crossing = Sgp4Propagator([ESA_ELEMENTS]).propagate(np.array([_ns(tca)])).position_km[0, 0]

    with transaction(engine) as session:
        early_oem = post_manoeuvre_oem(
            session,
            ESA_SAT,
            burn_at=burn_at,
            delta_v_rtn_m_s=(0.0, -DV_M_S, 0.0),
            until=tca + timedelta(hours=2),
        )
    early_s = _oem_nearest(early_oem, crossing, tca)
    jaxa_s = _sgp4_nearest(JAXA_ELEMENTS, crossing, tca)
    assert -3.0 < early_s < -0.3  # a retrograde burn makes it arrive early
    deg_per_s = 360.0 * JAXA_ELEMENTS.mean_motion_rev_per_day / 86400.0
    third = replace(
        JAXA_ELEMENTS,
        norad_id=45000,
        mean_anomaly_deg=JAXA_ELEMENTS.mean_anomaly_deg - deg_per_s * (early_s - jaxa_s),
        object_name="OBJECT 45000",
    )
    import_element_sets(
        engine,
        [third],
        source_name="third.json",
        partner="CelesTrak",
        source_kind=SourceKind.API,
        submitted_at=NOW,
    )

    with transaction(engine) as session:
        good_id, good = plan_manoeuvre(
            session,
            case_id,
            owner="esa",
            at=NOW + timedelta(hours=1),
            kind=ManoeuvrePlanKind.CANDIDATE,
            burn_at=burn_at,
            delta_v_rtn_m_s=(0.0, DV_M_S, 0.0),
        )
    assert good.verdict == "acceptable"
    assert good.min_miss_km is not None and good.min_miss_km > good.avoided_miss_km
    assert any(c["secondary_norad_id"] == JAXA_ELEMENTS.norad_id for c in good.conjunctions)

    with transaction(engine) as session:
        bad_id, bad = plan_manoeuvre(
            session,
            case_id,
            owner="esa",
            at=NOW + timedelta(hours=1),
            burn_at=burn_at,
            delta_v_rtn_m_s=(0.0, -DV_M_S, 0.0),
        )
        with pytest.raises(WorseConjunctionError, match="with object 45000") as made_committed:
            plan_manoeuvre(
                session,
                case_id,
                owner="esa",
                at=NOW + timedelta(hours=1),
                kind=ManoeuvrePlanKind.COMMITTED,
                burn_at=burn_at,
                delta_v_rtn_m_s=(0.0, -DV_M_S, 0.0),
            )
    assert bad.verdict == "worse"
    closest = min(bad.conjunctions, key=lambda c: c["miss_km"])
    assert closest["secondary_norad_id"] == 45000
    assert closest["miss_km"] < bad.avoided_miss_km
    assert made_committed.value.conjunction["secondary_norad_id"] == 45000

    # Shared as a candidate (the other party sees why it is worse), it still cannot be
    # committed: the CLI's error names the conjunction, and nothing changes.
    env = {"ACCORD_VAR_DIR": str(tmp_path), "ACCORD_SEED_DEMO": "false"}
    runner = CliRunner()
    shared = runner.invoke(app, ["manoeuvre", "share", str(bad_id), "--as", "esa"], env=env)
    assert shared.exit_code == 0, shared.output
    assert f"plan {bad_id}: candidate" in shared.output
    refused = runner.invoke(app, ["manoeuvre", "commit", str(bad_id), "--as", "esa"], env=env)
    assert refused.exit_code == 1
    assert "worse conjunction than the one it avoids: with object 45000" in refused.output
    assert f"miss {closest['miss_km']:.3f} km" in refused.output
    with transaction(engine) as session:
        row = session.get(ManoeuvrePlanRow, bad_id)
        assert row is not None and row.kind == ManoeuvrePlanKind.CANDIDATE.value
        assert session.get(PlanCatalogEntryRow, bad_id) is None
    with transaction(engine) as session:
        audit_rows = (
            session.query(AuditEntryRow)
            .filter(AuditEntryRow.action == "coordination.step.recorded")
            .order_by(AuditEntryRow.seq)
            .all()
        )
        entries = [json.loads(stored.entry) for stored in audit_rows]
        assert [e["details"]["step"] for e in entries].count("plan.shared") == 1
        plans = [
            (r, e)
            for r, e in zip(audit_rows, entries, strict=True)
            if e["details"]["step"] == "plan.screened"
        ]
        # The verdicts are sealed (docs/audit.md): read through the checked opening.
        log = AuditLog(session)
        opened = []
        for stored, _ in plans:
            opening = log.opening(stored.seq)
            assert opening is not None
            opened.append(verify_opening(stored.entry, opening))
        assert [d["verdict"] for d in opened] == ["acceptable", "worse"]
        assert [d["kind"] for d in opened] == ["candidate", "hypothetical"]
        # A candidate is the case's parties'; a hypothetical plan its owner's alone.
        ids = {h: PartnerRepository(session).get_by_handle(h).id for h in ("esa", "jaxa")}
        readers = [log.sealed(stored.seq) for stored, _ in plans]
        assert [r.readers if r else None for r in readers] == [
            frozenset(ids.values()),
            frozenset({ids["esa"]}),
        ]
        assert [
            s["id"] for _, e in plans for s in e["subjects"] if s["kind"] == "manoeuvre_plan"
        ] == [
            str(good_id),
            str(bad_id),
        ]
        with pytest.raises(PlanError, match="not a party"):
            plan_manoeuvre(
                session,
                case_id,
                owner="nasa",
                at=NOW,
                burn_at=burn_at,
                delta_v_rtn_m_s=(0.0, DV_M_S, 0.0),
            )
