"""Planning in three steps (prepare, compute, record): what a job relies on.

The worked campaign of tests/campaign_ops/_campaign.py: Rome submitted by Civil Protection
and validated by ESA; the plan is prepared and computed, then the pool changes before it is
recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.campaign_ops import (
    PLANNING_STAGES,
    PlanInputsChanged,
    compute_plan,
    prepare_plan,
    record_plan,
    submit_request,
    validate_request,
)
from accord.store import CampaignPlanRow, transaction
from tests.campaign_ops._campaign import AT, CITIES, DEADLINE, END, START, principal, setup_campaign


def _request(engine: Engine, name: str) -> int:
    lon, lat, priority = CITIES[name]
    area = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"radius_km": 40.0, "name": name},
    }
    with transaction(engine, write_lock=True) as session:
        row = submit_request(
            session, principal(session, "cp"), area, window_start=START, window_end=END,
            delivery_deadline=DEADLINE, priority=priority, at=AT,
        )  # fmt: skip
        validate_request(session, principal(session, "esa"), row.id, at=AT)
        return row.id


def test_a_plan_computed_before_the_pool_changed_is_not_recorded(
    engine: Engine, shared: Callable[[str], Path]
) -> None:
    setup_campaign(engine, shared)
    rome = _request(engine, "rome")
    with transaction(engine) as session:
        inputs = prepare_plan(session, principal(session, "esa"), at=AT)
    assert inputs.request_ids == (rome,) and inputs.shares == {"esa": 0.6, "usgs": 0.4}
    assert len(inputs.element_sets) == len(inputs.sensors) > 0 and inputs.blockers == {}

    stages: list[tuple[str, float]] = []
    computed = compute_plan(inputs, lambda stage, fraction: stages.append((stage, fraction)))
    # Each stage is reported from 0 to 1, in order, outside any transaction.
    assert [s for s, f in stages if f == 1.0] == list(PLANNING_STAGES)
    assert computed.plan.coverage_by_request == {str(rome): 1.0}

    lisbon = _request(engine, "lisbon")  # validated while the plan was being computed
    with (
        transaction(engine, write_lock=True) as session,
        pytest.raises(PlanInputsChanged, match=rf"\[{rome}\] then, \[{rome}, {lisbon}\] now"),
    ):
        record_plan(session, principal(session, "esa"), computed)
    with transaction(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(CampaignPlanRow)) == 0
