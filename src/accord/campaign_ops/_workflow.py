"""The campaign workflow: submit, validate, plan, task decisions, re-planning, close.

States (docs/campaigns.md, "Running a campaign"): a request is submitted -> validated ->
planned -> tasked -> acquired -> delivered -> closed; a task is proposed -> accepted |
declined, accepted -> acquired | missed, acquired -> delivered. A decline or a missed
acquisition re-forms the plan (`accord.campaigns.replan`) from the opportunities the plan
stored. Every step runs in the caller's transaction and appends its audit entry there.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.access import Principal, authorize
from accord.agreements import AccessAction, DataClass, PrincipalRole, Resource
from accord.audit import Actor, AuditAction, AuditEvent, AuditLog, SubjectRef
from accord.campaign_ops._codec import (
    decode_keys,
    decode_opportunities,
    encode_keys,
    encode_opportunities,
)
from accord.campaign_ops._errors import (
    CampaignAccessDenied,
    CampaignError,
    InvalidCampaignTransition,
    UnknownCampaignItem,
)
from accord.campaign_ops._pool import (
    DEFAULT_POOL,
    require_asset_write,
    require_member,
)
from accord.campaigns import (
    AccessWindow,
    AcquisitionPlan,
    AcquisitionRequest,
    AreaOfInterest,
    Assignment,
    Opportunity,
    SensorKind,
    replan,
)
from accord.store import (
    CampaignPlanRow,
    CampaignRequestRow,
    CampaignTaskRow,
    PartnerRepository,
    PlanContributionRow,
    PlanRequestRow,
    RequestStatus,
    TaskStatus,
)

__all__ = [
    "DUTY_ROLES",
    "SETTLE_S",
    "SLEW_RATE_DEG_S",
    "TASK_TRANSITIONS",
    "TaskSlot",
    "close_request",
    "quiet_stdout",
    "submit_request",
    "update_task",
    "validate_request",
]

#: Roles that may act as a pool's duty officer (validate, plan) or request: the agreements'
#: operator and admin roles of a pool member's partner.
DUTY_ROLES = frozenset({PrincipalRole.OPERATOR, PrincipalRole.ADMIN})
#: Satellite agility assumed by the planner (docs/campaigns.md, "Planning").
SLEW_RATE_DEG_S = 1.0
SETTLE_S = 10.0
#: The task steps an owner may take from each status; anything else is refused.
TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.PROPOSED: frozenset({TaskStatus.ACCEPTED, TaskStatus.DECLINED}),
    TaskStatus.ACCEPTED: frozenset({TaskStatus.ACQUIRED, TaskStatus.MISSED}),
    TaskStatus.ACQUIRED: frozenset({TaskStatus.DELIVERED}),
    TaskStatus.DECLINED: frozenset(),
    TaskStatus.MISSED: frozenset(),
    TaskStatus.DELIVERED: frozenset(),
}
_INACTIVE = (TaskStatus.DECLINED.value, TaskStatus.MISSED.value)
_OPEN = (
    RequestStatus.PLANNED.value,
    RequestStatus.TASKED.value,
    RequestStatus.ACQUIRED.value,
    RequestStatus.DELIVERED.value,
)

Key = tuple[str, int, datetime]


def _notices() -> ModuleType:
    """`accord.coordination_ops` (the `campaign_task` notices), imported on first use.

    Imported late because accord.coordination_ops imports this package (compliance counts
    campaign contributions): a module-level import would be circular.
    """
    import accord.coordination_ops

    return accord.coordination_ops


def _now(at: datetime | None) -> datetime:
    return at or datetime.now(UTC)


def _event(principal: Principal, action: AuditAction, *subjects: SubjectRef, **details: Any):
    return AuditEvent(
        action,
        Actor.partner(str(principal.partner_id)),
        subjects=subjects,
        details={k: v for k, v in details.items() if v is not None} or None,
    )


def _require_duty(session: Session, principal: Principal, pool: str, at: datetime, step: str):
    """Deny by default: a campaign write on the partner's own plans, by a pool member."""
    resource = Resource(DataClass.CAMPAIGN_PLANS, principal.partner)
    if not (principal.roles & DUTY_ROLES) or not authorize(
        session, principal, AccessAction.WRITE, resource, at=at
    ):
        raise CampaignAccessDenied(
            f"{principal.name or 'caller'} of {principal.partner!r} may not {step}: it takes "
            f"an {' or '.join(sorted(DUTY_ROLES))} role of a member of pool {pool!r}"
        )
    require_member(session, principal, pool, at)


def _request_row(session: Session, request_id: int) -> CampaignRequestRow:
    row = session.get(CampaignRequestRow, request_id)
    if row is None:
        raise UnknownCampaignItem(
            f"campaign request {request_id} does not exist; list plans with `accord campaign "
            "show PLAN_ID`"
        )
    return row


# --- requests -------------------------------------------------------------------------------


def submit_request(
    session: Session,
    principal: Principal,
    area_geojson: dict[str, Any],
    *,
    window_start: datetime,
    window_end: datetime,
    delivery_deadline: datetime,
    priority: float = 1.0,
    sensor_kinds: Sequence[SensorKind] = ("optical", "sar"),
    max_resolution_m: float | None = None,
    max_off_nadir_deg: float = 90.0,
    area_name: str | None = None,
    pool: str = DEFAULT_POOL,
    at: datetime | None = None,
) -> CampaignRequestRow:
    """Record the principal's partner's request; logs `campaign.request.submitted`.

    `area_geojson` is a Polygon, or a Point with `properties.radius_km` (a Feature), as
    `AreaOfInterest.from_geojson` reads it (`AreaError` otherwise). Times are UTC.
    """
    now = _now(at)
    _require_duty(session, principal, pool, now, "submit a campaign request")
    name = area_name or str((area_geojson.get("properties") or {}).get("name") or "area")
    AreaOfInterest.from_geojson(area_geojson, name=name)  # refuse a bad area now, not at plan
    if not window_start < window_end <= delivery_deadline:
        raise CampaignError(
            f"request window {window_start.isoformat()} .. {window_end.isoformat()} and "
            f"deadline {delivery_deadline.isoformat()}: need start < end <= deadline"
        )
    if priority <= 0:
        raise CampaignError(f"priority {priority} must be positive (higher is more urgent)")
    kinds = sorted(set(sensor_kinds))
    if not kinds or any(kind not in ("optical", "sar") for kind in kinds):
        raise CampaignError(f"sensor kinds {kinds} must be 'optical' and/or 'sar'")
    row = CampaignRequestRow(
        partner_id=principal.partner_id,
        pool=pool,
        area_name=name[:200],
        area_geojson=area_geojson,
        window_start=window_start,
        window_end=window_end,
        delivery_deadline=delivery_deadline,
        priority=priority,
        sensor_kinds=" ".join(kinds),
        max_resolution_m=max_resolution_m,
        max_off_nadir_deg=max_off_nadir_deg,
        status=RequestStatus.SUBMITTED.value,
        submitted_at=now,
    )
    session.add(row)
    session.flush()
    digest = hashlib.sha256(json.dumps(area_geojson, sort_keys=True).encode()).hexdigest()
    AuditLog(session).append(
        [
            _event(
                principal,
                AuditAction.CAMPAIGN_REQUEST_SUBMITTED,
                SubjectRef("campaign_request", str(row.id)),
                pool=pool,
                area_sha256=digest,
                priority=repr(float(priority)),
            )
        ]
    )
    return row


def validate_request(
    session: Session, principal: Principal, request_id: int, *, at: datetime | None = None
) -> CampaignRequestRow:
    """The pool's duty officer validates a submitted request; logs `campaign.request.validated`."""
    now = _now(at)
    row = _request_row(session, request_id)
    _require_duty(session, principal, row.pool, now, "validate campaign requests")
    if row.status != RequestStatus.SUBMITTED.value:
        raise InvalidCampaignTransition(
            f"request {request_id}", row.status, "validate", "only a submitted request can be"
        )
    row.status = RequestStatus.VALIDATED.value
    row.validated_at = now
    row.validated_by_partner_id = principal.partner_id
    AuditLog(session).append(
        [
            _event(
                principal,
                AuditAction.CAMPAIGN_REQUEST_VALIDATED,
                SubjectRef("campaign_request", str(row.id)),
            )
        ]
    )
    return row


def close_request(
    session: Session, principal: Principal, request_id: int, *, at: datetime | None = None
) -> CampaignRequestRow:
    """Close a delivered request (requester or duty officer); logs `campaign.request.closed`."""
    now = _now(at)
    row = _request_row(session, request_id)
    _require_duty(session, principal, row.pool, now, "close campaign requests")
    if row.status != RequestStatus.DELIVERED.value:
        raise InvalidCampaignTransition(
            f"request {request_id}", row.status, "close", "only a delivered request can be"
        )
    row.status = RequestStatus.CLOSED.value
    row.closed_at = now
    AuditLog(session).append(
        [
            _event(
                principal,
                AuditAction.CAMPAIGN_REQUEST_CLOSED,
                SubjectRef("campaign_request", str(row.id)),
            )
        ]
    )
    return row


# --- planning -------------------------------------------------------------------------------


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null: HiGHS prints its banner even with output off."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _as_request(row: CampaignRequestRow, handle: str) -> AcquisitionRequest:
    kinds: frozenset[SensorKind] = frozenset(
        kind for kind in ("optical", "sar") if kind in row.sensor_kinds.split()
    )
    return AcquisitionRequest(
        request_id=str(row.id),
        partner=handle,
        area=AreaOfInterest.from_geojson(row.area_geojson, name=row.area_name),
        window_start=row.window_start,
        window_end=row.window_end,
        delivery_deadline=row.delivery_deadline,
        priority=row.priority,
        sensor_kinds=kinds,
        max_resolution_m=float("inf") if row.max_resolution_m is None else row.max_resolution_m,
        max_off_nadir_deg=row.max_off_nadir_deg,
    )


def _handles(session: Session) -> dict[int, str]:
    return {p.id: p.handle or str(p.id) for p in PartnerRepository(session).all()}


@dataclass(frozen=True, slots=True)
class TaskSlot:
    """When and how (roll, degrees) a task occupies its satellite (UTC times)."""

    norad_id: int
    acquisition_start: datetime
    acquisition_end: datetime
    roll_deg: float


def _blocked_by(task: CampaignTaskRow | TaskSlot, window: AccessWindow) -> bool:
    """True when one satellite cannot do both the task and the window (overlap or slew)."""
    if task.norad_id != window.norad_id:
        return False
    slew_s = SETTLE_S + abs(task.roll_deg - window.roll_deg) / SLEW_RATE_DEG_S
    if window.acquisition_start >= task.acquisition_start:
        gap_s = (window.acquisition_start - task.acquisition_end).total_seconds()
    else:
        gap_s = (task.acquisition_start - window.acquisition_end).total_seconds()
    return gap_s < slew_s


def _free_of(
    session: Session, opportunities: list[Opportunity], request_ids: set[int]
) -> list[Opportunity]:
    """Opportunities that no active task of another plan's requests blocks."""
    norad_ids = {o.window.norad_id for o in opportunities}
    if not norad_ids:
        return opportunities
    others = list(
        session.scalars(
            sa.select(CampaignTaskRow).where(
                CampaignTaskRow.norad_id.in_(norad_ids),
                CampaignTaskRow.status.not_in(_INACTIVE),
                CampaignTaskRow.request_id.not_in(request_ids or {-1}),
            )
        )
    )
    return [o for o in opportunities if not any(_blocked_by(t, o.window) for t in others)]


def _store_plan(
    session: Session,
    principal: Principal,
    pool: str,
    plan: AcquisitionPlan,
    rows: list[CampaignRequestRow],
    opportunities: list[Opportunity],
    shares: dict[str, float],
    now: datetime,
    replaces: CampaignPlanRow | None,
    reason: str | None,
) -> CampaignPlanRow:
    partner_ids = {handle: pid for pid, handle in _handles(session).items()}
    nan_free = {
        "mip_gap": None if plan.mip_gap != plan.mip_gap else plan.mip_gap,
        "upper_bound": None if plan.upper_bound != plan.upper_bound else plan.upper_bound,
    }
    plan_row = CampaignPlanRow(
        pool=pool,
        method=plan.method,
        solver_status=plan.status,
        objective=plan.objective,
        solve_time_s=plan.solve_time_s,
        created_at=now,
        replaces_plan_id=replaces.id if replaces is not None else None,
        shares=shares,
        coverage=plan.coverage_by_request,
        opportunities=encode_opportunities(opportunities),
        excluded=encode_keys(plan.excluded),
        **nan_free,
    )
    session.add(plan_row)
    session.flush()
    session.add_all(PlanRequestRow(plan_id=plan_row.id, request_id=row.id) for row in rows)
    existing = _active_tasks(session, [row.id for row in rows])
    existing_keys = {_task_key(task) for task in existing}
    by_key = {o.key: o for o in opportunities}
    for assignment in plan.assignments:
        if assignment.key in existing_keys:
            continue
        window = by_key[assignment.key].window
        session.add(
            CampaignTaskRow(
                plan_id=plan_row.id,
                request_id=int(assignment.request_id),
                norad_id=assignment.norad_id,
                owner_partner_id=partner_ids[assignment.owner],
                acquisition_start=assignment.acquisition_start,
                acquisition_end=assignment.acquisition_end,
                roll_deg=assignment.roll_deg,
                coverage_fraction=assignment.coverage_fraction,
                downlink_station=window.downlink.station.name if window.downlink else None,
                downlink_rise=window.downlink.rise if window.downlink else None,
                downlink_set=window.downlink.set if window.downlink else None,
                delivery=assignment.delivery,
                status=TaskStatus.PROPOSED.value,
                updated_at=now,
            )
        )
    for handle, contribution in plan.contribution_by_partner.items():
        session.add(
            PlanContributionRow(
                plan_id=plan_row.id,
                partner_id=partner_ids[handle],
                acquisitions=contribution.acquisitions,
                share_of_acquisitions=contribution.share_of_acquisitions,
                committed_share=contribution.committed_share,
                requests_served=contribution.requests_served,
            )
        )
    session.flush()
    for row in rows:
        _refresh_request_status(session, row)
    _notices().notify_plan_recorded(session, plan_row, rows, at=now, reason=reason)
    AuditLog(session).append(
        [
            _event(
                principal,
                AuditAction.CAMPAIGN_PLAN_RECORDED,
                SubjectRef("campaign_plan", str(plan_row.id)),
                *(SubjectRef("campaign_request", str(row.id)) for row in rows),
                method=plan.method,
                solver_status=plan.status,
                mip_gap=None if nan_free["mip_gap"] is None else repr(nan_free["mip_gap"]),
                acquisitions=len(plan.assignments),
                replaces_plan=replaces.id if replaces is not None else None,
                reason=reason,
            )
        ]
    )
    return plan_row


# --- tasks ----------------------------------------------------------------------------------


def _task_key(task: CampaignTaskRow) -> Key:
    return (str(task.request_id), task.norad_id, task.acquisition_start)


def _active_tasks(session: Session, request_ids: Sequence[int]) -> list[CampaignTaskRow]:
    return list(
        session.scalars(
            sa.select(CampaignTaskRow)
            .where(
                CampaignTaskRow.request_id.in_(list(request_ids) or [-1]),
                CampaignTaskRow.status.not_in(_INACTIVE),
            )
            .order_by(CampaignTaskRow.acquisition_start, CampaignTaskRow.id)
        )
    )


def _refresh_request_status(session: Session, row: CampaignRequestRow) -> None:
    """A request's status follows its active tasks (declined and missed ones do not count)."""
    if row.status in (RequestStatus.SUBMITTED.value, RequestStatus.CLOSED.value):
        return
    statuses = {task.status for task in _active_tasks(session, [row.id])}
    if not statuses:
        status = RequestStatus.VALIDATED
    elif TaskStatus.PROPOSED.value in statuses:
        status = RequestStatus.PLANNED
    elif statuses == {TaskStatus.DELIVERED.value}:
        status = RequestStatus.DELIVERED
    elif statuses <= {TaskStatus.ACQUIRED.value, TaskStatus.DELIVERED.value}:
        status = RequestStatus.ACQUIRED
    else:
        status = RequestStatus.TASKED
    row.status = status.value


def _latest_plan_of(session: Session, request_id: int) -> CampaignPlanRow:
    plan = session.scalars(
        sa.select(CampaignPlanRow)
        .join(PlanRequestRow, PlanRequestRow.plan_id == CampaignPlanRow.id)
        .where(PlanRequestRow.request_id == request_id)
        .order_by(CampaignPlanRow.id.desc())
    ).first()
    assert plan is not None, "a task's request belongs to a plan"
    return plan


def _replan_after(
    session: Session, principal: Principal, task: CampaignTaskRow, now: datetime
) -> CampaignPlanRow:
    """Re-form the latest plan holding the task's request without it; others stay fixed."""
    previous = _latest_plan_of(session, task.request_id)
    request_ids = list(
        session.scalars(
            sa.select(PlanRequestRow.request_id).where(PlanRequestRow.plan_id == previous.id)
        )
    )
    rows = [_request_row(session, request_id) for request_id in sorted(request_ids)]
    handles = _handles(session)
    requests = [_as_request(row, handles[row.partner_id]) for row in rows]
    opportunities = _free_of(
        session, decode_opportunities(previous.opportunities), set(request_ids)
    )
    assignments = [
        Assignment(
            request_id=str(t.request_id),
            norad_id=t.norad_id,
            owner=handles[t.owner_partner_id],
            acquisition_start=t.acquisition_start,
            acquisition_end=t.acquisition_end,
            roll_deg=t.roll_deg,
            coverage_fraction=t.coverage_fraction,
            delivery=t.delivery,
        )
        for t in _active_tasks(session, request_ids)
    ]
    before = AcquisitionPlan(
        method=previous.method,
        assignments=assignments,
        coverage_by_request={},
        contribution_by_partner={},
        objective=previous.objective,
        status=previous.solver_status,
        mip_gap=float("nan"),
        upper_bound=float("nan"),
        solve_time_s=0.0,
        excluded=decode_keys(previous.excluded),
    )
    shares = {str(k): float(v) for k, v in previous.shares.items()}
    with quiet_stdout():
        plan = replan(
            before,
            requests,
            opportunities,
            shares,
            declined=[_task_key(task)],
            slew_rate_deg_s=SLEW_RATE_DEG_S,
            settle_s=SETTLE_S,
        )
    return _store_plan(
        session,
        principal,
        previous.pool,
        plan,
        rows,
        opportunities,
        shares,
        now,
        previous,
        f"task {task.id} {task.status}",
    )


def update_task(
    session: Session,
    principal: Principal,
    task_id: int,
    status: TaskStatus | str,
    *,
    at: datetime | None = None,
) -> tuple[CampaignTaskRow, CampaignPlanRow | None]:
    """The satellite's owner moves its task to `status` (see `TASK_TRANSITIONS`).

    A decline or a missed acquisition re-forms the plan at once (returned with the task;
    None otherwise). The request's status follows its tasks. Logs `campaign.task.updated`
    (and `campaign.plan.recorded` for a re-plan).
    """
    now = _now(at)
    target = TaskStatus(status)
    task = session.get(CampaignTaskRow, task_id)
    if task is None:
        raise UnknownCampaignItem(
            f"campaign task {task_id} does not exist; see the tasks with `accord campaign show "
            "PLAN_ID`"
        )
    if task.owner_partner_id != principal.partner_id:
        raise CampaignAccessDenied(
            f"task {task_id} is for NORAD id {task.norad_id}, not a satellite of "
            f"{principal.partner!r}: only its owner decides it"
        )
    require_asset_write(session, principal, now, norad_id=task.norad_id)
    current = TaskStatus(task.status)
    if target not in TASK_TRANSITIONS[current]:
        allowed = ", ".join(sorted(TASK_TRANSITIONS[current])) or "nothing (final)"
        raise InvalidCampaignTransition(
            f"task {task_id}", current.value, f"become {target.value}", f"allowed: {allowed}"
        )
    task.status = target.value
    task.updated_at = now
    session.flush()
    AuditLog(session).append(
        [
            _event(
                principal,
                AuditAction.CAMPAIGN_TASK_UPDATED,
                SubjectRef("campaign_task", str(task.id)),
                SubjectRef("object", str(task.norad_id)),
                status=target.value,
                previous=current.value,
            )
        ]
    )
    new_plan = None
    if target in (TaskStatus.DECLINED, TaskStatus.MISSED):
        new_plan = _replan_after(session, principal, task, now)
    else:
        request = _request_row(session, task.request_id)
        was = request.status
        _refresh_request_status(session, request)
        if request.status == RequestStatus.DELIVERED.value != was:
            _notices().notify_request_delivered(session, request, at=now)
    return task, new_plan
