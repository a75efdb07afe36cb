"""Campaign-planning jobs: the same plan as the synchronous function, resumed after a crash.

The worked campaign of docs/campaigns.md (tests/campaign_ops/_campaign.py): Rome, Lisbon
and Athens submitted by Civil Protection and validated by ESA, planned at `AT`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord.agreements import PrincipalRole
from accord.campaign_ops import plan_campaign, plan_document, submit_request, validate_request
from accord.jobs import (
    CampaignPlanJobParameters,
    JobRunner,
    job_status,
    submit_campaign_plan_job,
)
from accord.settings import Settings
from accord.store import (
    CampaignPlanRow,
    JobKind,
    JobRepository,
    JobStatus,
    RequestStatus,
    transaction,
)
from tests.campaign_ops._campaign import AT, CITIES, DEADLINE, END, START, principal, setup_campaign

#: Staleness limit of these tests' runners; "a dead process" beat twice as long ago.
STALE_S = 120.0
#: What differs between two stored copies of one plan: row ids and the solver's wall time.
_UNSTABLE = ("plan_id", "solve_time_s")


def _settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "dask_workers": 0,
        "dask_scheduler": None,
        "job_max_attempts": 2,
        "job_heartbeat_stale_s": STALE_S,
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


@pytest.fixture
def campaign(engine: Engine, shared: Callable[[str], Path]) -> Engine:
    """The worked campaign's world with its three requests submitted and validated."""
    setup_campaign(engine, shared)
    with transaction(engine, write_lock=True) as session:
        for name, (lon, lat, priority) in CITIES.items():
            area = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"radius_km": 40.0, "name": name},
            }
            row = submit_request(
                session, principal(session, "cp"), area, window_start=START, window_end=END,
                delivery_deadline=DEADLINE, priority=priority, at=AT,
            )  # fmt: skip
            validate_request(session, principal(session, "esa"), row.id, at=AT)
    return engine


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    """A plan document without what two stored copies of one plan may not share."""
    kept = {k: v for k, v in document.items() if k not in _UNSTABLE}
    kept["tasks"] = [
        {k: v for k, v in t.items() if k not in ("task_id", "planned_in")}
        for t in document["tasks"]
    ]
    return kept


def _synchronous_plan(engine: Engine) -> dict[str, Any]:
    """`plan_campaign` in a transaction that is rolled back: the reference, left unstored."""
    with Session(engine) as session:
        plan = plan_campaign(session, principal(session, "esa"), at=AT)
        document = plan_document(session, plan.id)
        session.rollback()
    return document


def _submit(engine: Engine, role: PrincipalRole = PrincipalRole.OPERATOR) -> int:
    with transaction(engine) as session:
        who = principal(session, "esa", role)
    job = submit_campaign_plan_job(engine, who, at=AT)
    assert job.kind is JobKind.CAMPAIGN_PLAN and job.status is JobStatus.QUEUED
    assert CampaignPlanJobParameters.from_json(job.parameters).principal == who
    return job.job_id


def _plans(engine: Engine) -> list[int]:
    with transaction(engine) as session:
        return list(session.scalars(sa.select(CampaignPlanRow.id)))


def test_a_plan_job_resumed_after_its_process_died_stores_the_synchronous_plan_once(
    campaign: Engine,
) -> None:
    reference = _synchronous_plan(campaign)
    assert _plans(campaign) == []  # the reference was rolled back
    job_id = _submit(campaign)
    # What a process that died mid-plan leaves: the job running, its heartbeat long stale,
    # nothing stored (the plan is recorded with the job's completion, in one transaction).
    with transaction(campaign, write_lock=True) as session:
        claimed = JobRepository(session).claim_next(now=AT - timedelta(seconds=2 * STALE_S))
    assert claimed is not None and claimed.job_id == job_id

    restarted = JobRunner(campaign, _settings())  # the next process's runner
    report = restarted.recover()
    assert (report.requeued, report.failed) == ([job_id], [])
    finished = restarted.run_once()

    assert finished is not None and finished.job_id == job_id
    assert finished.status is JobStatus.COMPLETED, finished.error_message
    assert finished.attempt_count == 2
    assert (finished.progress_stage, finished.progress_fraction) == ("store", 1.0)
    assert finished.campaign_plan_id is not None and finished.screening_id is None
    assert _plans(campaign) == [finished.campaign_plan_id]  # one plan, not one per attempt
    with transaction(campaign) as session:
        stored = plan_document(session, finished.campaign_plan_id)
    # Same solver facts, same requests and coverage, same tasks, same contributions.
    assert _comparable(stored) == _comparable(reference)
    assert stored["solver_status"] == "Optimal" and len(stored["tasks"]) == 3
    assert {r["status"] for r in stored["requests"]} == {RequestStatus.PLANNED.value}
    assert restarted.run_once() is None


def test_a_plan_job_the_principal_may_not_run_fails_with_the_reason(campaign: Engine) -> None:
    job_id = _submit(campaign, PrincipalRole.ANALYST)
    finished = JobRunner(campaign, _settings()).run_once()
    assert finished is not None and finished.job_id == job_id
    assert finished.status is JobStatus.FAILED
    assert finished.error_message is not None
    assert "may not plan campaigns" in finished.error_message
    assert "operator" in finished.error_message
    assert finished.campaign_plan_id is None and _plans(campaign) == []
    status = job_status(campaign, job_id)
    assert status is not None and status.finished_at is not None
