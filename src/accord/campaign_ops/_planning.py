"""Planning a pool's validated requests in three steps, so that a job can run the long part
outside any transaction.

1. `prepare_plan` (a short read transaction): authorises the duty officer, reads the
   validated requests, the committed shares, the pooled satellites' sensors and current
   element sets, the pooled stations, and the active tasks of other plans that may block
   the same satellites. The result, `PlanningInputs`, holds plain values only.
2. `compute_plan` (no store): downlink passes, access windows per request, opportunities,
   the blocked ones left out, and the solver (`accord.campaigns.plan_acquisitions`). This
   is the part that takes tens of seconds for 50 requests over 200 satellites.
3. `record_plan` (a short write transaction): checks that the pool still has exactly those
   validated requests and blocking tasks (`PlanInputsChanged` otherwise), then stores the
   plan, its tasks and contributions and logs `campaign.plan.recorded`.

`plan_campaign` runs the three in the caller's session (the CLI, and the reference the job
is tested against); the `campaign_plan` job (`accord.jobs`) runs them in three
transactions with progress in between.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.access import Principal
from accord.campaign_ops._errors import CampaignError
from accord.campaign_ops._pool import DEFAULT_POOL, committed_shares, pooled_stations
from accord.campaign_ops._workflow import (
    _INACTIVE,
    SETTLE_S,
    SLEW_RATE_DEG_S,
    TaskSlot,
    _as_request,
    _blocked_by,
    _handles,
    _now,
    _require_duty,
    _store_plan,
    quiet_stdout,
)
from accord.campaigns import (
    AcquisitionPlan,
    AcquisitionRequest,
    EoSensor,
    Opportunity,
    access_windows,
    attach_downlinks,
    build_opportunities,
    plan_acquisitions,
)
from accord.formats import ElementSet
from accord.orbits import GroundStation, predict_passes
from accord.store import (
    CampaignPlanRow,
    CampaignRequestRow,
    CampaignTaskRow,
    CatalogRepository,
    PoolSatelliteRow,
    RequestStatus,
)

__all__ = [
    "PLANNING_STAGES",
    "ComputedPlan",
    "PlanInputsChanged",
    "PlanningInputs",
    "PlanningProgress",
    "compute_plan",
    "plan_campaign",
    "prepare_plan",
    "record_plan",
]

PlanMethod = Literal["milp", "greedy"]
#: A callback told (stage, fraction 0..1) as planning goes: a job stores it as its progress.
PlanningProgress = Callable[[str, float], None]
#: The stages `compute_plan` reports, in order.
PLANNING_STAGES = ("passes", "access", "solve")


class PlanInputsChanged(CampaignError):
    """The pool's validated requests or blocking tasks changed while a plan was computed."""


@dataclass(frozen=True, slots=True)
class PlanningInputs:
    """Everything a plan is computed from, read in one transaction (plain values only).

    `request_ids` are the validated requests' row ids (ascending), `requests` the same as
    the planner's requests; `element_sets` the pooled satellites' current element sets;
    `blockers` other plans' active tasks on those satellites (`TaskSlot`, by task id).
    """

    pool: str
    method: PlanMethod
    at: datetime
    request_ids: tuple[int, ...]
    requests: tuple[AcquisitionRequest, ...]
    shares: dict[str, float]
    sensors: dict[int, EoSensor]
    owners: dict[int, str]
    element_sets: tuple[ElementSet, ...]
    stations: tuple[GroundStation, ...]
    blockers: dict[int, TaskSlot]


@dataclass(frozen=True, slots=True)
class ComputedPlan:
    """A plan computed from `inputs`, not yet stored: the solver's plan and its opportunities."""

    inputs: PlanningInputs
    plan: AcquisitionPlan
    opportunities: list[Opportunity]


def _validated_rows(session: Session, pool: str) -> list[CampaignRequestRow]:
    return list(
        session.scalars(
            sa.select(CampaignRequestRow)
            .where(
                CampaignRequestRow.pool == pool,
                CampaignRequestRow.status == RequestStatus.VALIDATED.value,
            )
            .order_by(CampaignRequestRow.id)
        )
    )


def _blockers(session: Session, norad_ids: set[int], request_ids: set[int]) -> dict[int, TaskSlot]:
    """Active tasks of other requests on these satellites (what `_free_of` leaves out)."""
    if not norad_ids:
        return {}
    rows = session.scalars(
        sa.select(CampaignTaskRow).where(
            CampaignTaskRow.norad_id.in_(norad_ids),
            CampaignTaskRow.status.not_in(_INACTIVE),
            CampaignTaskRow.request_id.not_in(request_ids or {-1}),
        )
    )
    return {
        row.id: TaskSlot(row.norad_id, row.acquisition_start, row.acquisition_end, row.roll_deg)
        for row in rows
    }


def prepare_plan(
    session: Session,
    principal: Principal,
    *,
    pool: str = DEFAULT_POOL,
    method: PlanMethod = "milp",
    at: datetime | None = None,
) -> PlanningInputs:
    """Authorise the duty officer and read what planning `pool` at `at` needs.

    Raises `CampaignAccessDenied` for a caller who may not plan, `CampaignError` when the
    pool has no validated request or no committed share.
    """
    now = _now(at)
    _require_duty(session, principal, pool, now, "plan campaigns")
    rows = _validated_rows(session, pool)
    if not rows:
        raise CampaignError(
            f"pool {pool!r} has no validated request to plan; validate one first "
            "(`accord campaign validate REQUEST_ID --partner NAME`)"
        )
    shares = committed_shares(session, pool, now)
    if not shares or sum(shares.values()) <= 0.0:
        raise CampaignError(
            f"no partner has committed a share of pool {pool!r} under an agreement in force; "
            "commit one (`accord pool commit --partner NAME --agreement ID`)"
        )
    handles = _handles(session)
    satellites = [
        row
        for row in session.scalars(
            sa.select(PoolSatelliteRow)
            .where(PoolSatelliteRow.pool == pool)
            .order_by(PoolSatelliteRow.norad_id)
        )
        if handles[row.partner_id] in shares
    ]
    sensors = {
        row.norad_id: EoSensor(
            row.sensor_kind,  # type: ignore[arg-type]
            max_off_nadir_deg=row.max_off_nadir_deg,
            swath_km=row.swath_km,
            resolution_m=row.resolution_m,
            min_sun_elevation_deg=row.min_sun_elevation_deg,
        )
        for row in satellites
    }
    element_sets: tuple[ElementSet, ...] = ()
    if sensors:
        page = CatalogRepository(session).latest(norad_ids=list(sensors))
        element_sets = tuple(item.element_set for item in page.items)
    stations = tuple(
        GroundStation(
            name=station.station_id,
            latitude_deg=station.latitude_deg,
            longitude_deg=station.longitude_deg,
            altitude_m=station.altitude_m,
            min_elevation_deg=pool_row.min_elevation_deg,
            provider=station.provider,
        )
        for pool_row, station in pooled_stations(session, pool)
    )
    request_ids = tuple(row.id for row in rows)
    return PlanningInputs(
        pool=pool,
        method=method,
        at=now,
        request_ids=request_ids,
        requests=tuple(_as_request(row, handles[row.partner_id]) for row in rows),
        shares=shares,
        sensors=sensors,
        owners={row.norad_id: handles[row.partner_id] for row in satellites},
        element_sets=element_sets,
        stations=stations,
        blockers=_blockers(session, set(sensors), set(request_ids)),
    )


def compute_plan(inputs: PlanningInputs, progress: PlanningProgress | None = None) -> ComputedPlan:
    """Passes, access windows, opportunities and the solver's plan; touches no store.

    `progress(stage, fraction)` is told each stage of `PLANNING_STAGES` as it goes (access
    once per request).
    """
    report = progress or (lambda stage, fraction: None)
    requests = list(inputs.requests)
    opportunities: list[Opportunity] = []
    if inputs.element_sets and requests:
        start = min(r.window_start for r in requests)
        end = max(r.delivery_deadline for r in requests)
        report("passes", 0.0)
        passes = (
            predict_passes(list(inputs.element_sets), list(inputs.stations), start, end)
            if inputs.stations
            else []
        )
        report("passes", 1.0)
        windows = {}
        for done, request in enumerate(requests):
            report("access", done / len(requests))
            found = access_windows(
                list(inputs.element_sets),
                inputs.sensors,
                request.area,
                request.window_start,
                request.window_end,
            )
            windows[request.request_id] = (
                attach_downlinks(found, passes) if inputs.stations else found
            )
        report("access", 1.0)
        opportunities = build_opportunities(requests, windows, inputs.owners)
        blockers = list(inputs.blockers.values())
        opportunities = [
            o for o in opportunities if not any(_blocked_by(t, o.window) for t in blockers)
        ]
    report("solve", 0.0)
    with quiet_stdout():
        plan = plan_acquisitions(
            requests,
            opportunities,
            inputs.shares,
            method=inputs.method,
            slew_rate_deg_s=SLEW_RATE_DEG_S,
            settle_s=SETTLE_S,
        )
    report("solve", 1.0)
    return ComputedPlan(inputs=inputs, plan=plan, opportunities=opportunities)


def record_plan(session: Session, principal: Principal, computed: ComputedPlan) -> CampaignPlanRow:
    """Store a computed plan, its tasks and contributions; logs `campaign.plan.recorded`.

    Raises `PlanInputsChanged` when the pool's validated requests or the tasks blocking
    its satellites are no longer those the plan was computed from (plan again).
    """
    inputs = computed.inputs
    rows = _validated_rows(session, inputs.pool)
    now_ids = tuple(row.id for row in rows)
    blockers = _blockers(session, set(inputs.sensors), set(inputs.request_ids))
    if now_ids != inputs.request_ids or blockers.keys() != inputs.blockers.keys():
        raise PlanInputsChanged(
            f"pool {inputs.pool!r} changed while this plan was computed (validated requests "
            f"{list(inputs.request_ids)} then, {list(now_ids)} now; blocking tasks "
            f"{sorted(inputs.blockers)} then, {sorted(blockers)} now): plan again"
        )
    return _store_plan(
        session,
        principal,
        inputs.pool,
        computed.plan,
        rows,
        computed.opportunities,
        inputs.shares,
        inputs.at,
        None,
        None,
    )


def plan_campaign(
    session: Session,
    principal: Principal,
    *,
    pool: str = DEFAULT_POOL,
    method: PlanMethod = "milp",
    at: datetime | None = None,
    progress: PlanningProgress | None = None,
) -> CampaignPlanRow:
    """Plan every validated request of `pool` across its pooled satellites and stations,
    in the caller's session (synchronous: the CLI; the API queues a job instead).

    Shares are the partners' commitments under agreements in force at `at`; satellites of
    partners without one are left out. Acquisitions that other plans' active tasks block on
    the same satellite are left out too. Requests that get tasks become `planned`; the
    others stay `validated` for the next run. Logs `campaign.plan.recorded`.
    """
    inputs = prepare_plan(session, principal, pool=pool, method=method, at=at)
    return record_plan(session, principal, compute_plan(inputs, progress))
