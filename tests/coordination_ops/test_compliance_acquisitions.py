"""Acquisition opportunities per month, from campaign tasks stored in the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from accord.access import propose_agreement, sign_agreement
from accord.agreements import load_agreement
from accord.coordination_ops import run_compliance
from accord.store import (
    CampaignPlanRow,
    CampaignRequestRow,
    CampaignTaskRow,
    PartnerRepository,
    transaction,
)
from tests.access._world import NASA_OBJECT, SIGNED, build_world

NOW = datetime(2026, 3, 3, tzinfo=UTC)  # two 30-day periods from 2026-01-01 have ended
AGREEMENT = """
format: accord.agreement/v1
id: esa-nasa-eo
version: 1
title: Earth-observation opportunities
parties:
  - {partner: esa, name: European Space Agency}
  - {partner: nasa, name: NASA}
effective_from: 2026-01-01
clauses:
  - id: nasa-opportunities
    reciprocal_commitment:
      party: nasa
      metric: acquisition_opportunities_per_month
      comparison: at_least
      threshold: 3
      period_days: 30
"""


def _tasks(engine: Engine, starts: list[datetime], status: str) -> None:
    """Store campaign tasks of NASA's satellite with `status` at acquisition `starts`."""
    with transaction(engine) as session:
        nasa = PartnerRepository(session).get_by_handle("nasa")
        request = CampaignRequestRow(
            partner_id=nasa.id,
            pool="eo",
            area_name="test",
            area_geojson={},
            window_start=SIGNED,
            window_end=NOW,
            delivery_deadline=NOW,
            priority=1.0,
            sensor_kinds="optical",
            max_off_nadir_deg=30.0,
            status="tasked",
            submitted_at=SIGNED,
        )
        plan = CampaignPlanRow(
            pool="eo",
            method="greedy",
            solver_status="ok",
            objective=1.0,
            solve_time_s=0.0,
            created_at=SIGNED,
            shares={},
            coverage={},
            opportunities={},
            excluded={},
        )
        session.add_all([request, plan])
        session.flush()
        for start in starts:
            session.add(
                CampaignTaskRow(
                    plan_id=plan.id,
                    request_id=request.id,
                    norad_id=NASA_OBJECT,
                    owner_partner_id=nasa.id,
                    acquisition_start=start,
                    acquisition_end=start + timedelta(seconds=10),
                    roll_deg=0.0,
                    coverage_fraction=1.0,
                    delivery=start + timedelta(seconds=10),
                    status=status,
                    updated_at=start,
                )
            )


def test_accepted_campaign_tasks_are_the_opportunities_counted_per_period(
    engine: Engine,
) -> None:
    build_world(engine)
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        esa, nasa = partners.get_by_handle("esa"), partners.get_by_handle("nasa")
        document = load_agreement(AGREEMENT, source="test")
        propose_agreement(session, document, by=esa, at=SIGNED)
        sign_agreement(session, document.id, by=esa, at=SIGNED)
        sign_agreement(session, document.id, by=nasa, at=SIGNED)
    # First period (Jan 1-31): 4 accepted/acquired tasks; second (Jan 31-Mar 2): 1 task.
    first = [SIGNED + timedelta(days=d) for d in (2, 9, 16, 23)]
    _tasks(engine, first, "acquired")
    _tasks(engine, [SIGNED + timedelta(days=40)], "accepted")
    _tasks(engine, [SIGNED + timedelta(days=45)], "declined")  # not an opportunity offered
    with transaction(engine) as session:
        reports = run_compliance(session, now=NOW, partner="nasa")
    report = next(r for r in reports if r.agreement_id == "esa-nasa-eo")
    clause = report.figures["commitments"]["nasa-opportunities"]
    periods = clause["periods"]
    assert [p["opportunities_counted"] for p in periods[:2]] == [4, 1]
    assert [p["verdict"] for p in periods[:2]] == ["met", "breached"]
    assert periods[0]["measured"] == 4.0  # 4 in 30 days, per 30-day month
    assert report.verdict == "breached" and report.breach_keys
