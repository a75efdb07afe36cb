"""Request and response schemas of the campaign API, one per direction (docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from accord.campaign_ops import DEFAULT_POOL
from accord.store import JobStatus, RequestStatus, TaskStatus

__all__ = [
    "ContributionPublic",
    "PlanCreate",
    "PlanJobPublic",
    "PlanPublic",
    "PlanRequestPublic",
    "PlanSummaryPublic",
    "PoolPublic",
    "PoolSatellitePublic",
    "PoolStationPublic",
    "RequestCreate",
    "RequestPublic",
    "SatelliteTimelinePublic",
    "TaskDecisionPublic",
    "TaskPublic",
    "TimelineEntryPublic",
]

#: Largest circle accepted for a Point area (km).
MAX_RADIUS_KM = 2_000.0


class PoolPublic(BaseModel):
    """A pool now: its members' shares per agreement, and the shares committed to it."""

    pool: str
    members: dict[str, dict[str, float]]
    committed_shares: dict[str, float]
    satellites: int
    stations: int


class PoolSatellitePublic(BaseModel):
    """A pooled Earth-observation satellite and its sensor's limits."""

    norad_id: int
    owner: str
    sensor_kind: str
    swath_km: float
    max_off_nadir_deg: float
    resolution_m: float
    min_sun_elevation_deg: float
    added_at: datetime


class PoolStationPublic(BaseModel):
    """A ground station pooled for downlinks (WGS84 degrees, metres)."""

    station_id: str
    name: str
    owner: str
    latitude_deg: float
    longitude_deg: float
    altitude_m: float
    min_elevation_deg: float


class RequestCreate(BaseModel):
    """A request: area (GeoJSON Polygon, or Point with `radius_km`), window, needs, deadline.

    `area` is a GeoJSON geometry or Feature in WGS84 degrees; a Point takes `radius_km` here
    or in its Feature's `properties.radius_km`. Times are UTC (with an offset).
    """

    pool: str = Field(default=DEFAULT_POOL, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    area: dict[str, Any]
    radius_km: float | None = Field(default=None, gt=0.0, le=MAX_RADIUS_KM)
    area_name: str | None = Field(default=None, min_length=1, max_length=200)
    window_start: AwareDatetime
    window_end: AwareDatetime
    delivery_deadline: AwareDatetime
    priority: float = Field(default=1.0, gt=0.0, le=1000.0)
    sensor_kinds: list[Literal["optical", "sar"]] = Field(
        default=["optical", "sar"], min_length=1, max_length=2
    )
    max_resolution_m: float | None = Field(default=None, gt=0.0, le=1e6)
    max_off_nadir_deg: float = Field(default=90.0, gt=0.0, le=90.0)


class RequestPublic(BaseModel):
    """A request and where it stands (`status`: submitted .. closed, docs/campaigns.md)."""

    request_id: int
    pool: str
    requester: str
    status: RequestStatus
    area_name: str
    area: dict[str, Any]
    window_start: datetime
    window_end: datetime
    delivery_deadline: datetime
    priority: float
    sensor_kinds: list[str]
    max_resolution_m: float | None
    max_off_nadir_deg: float
    submitted_at: datetime
    validated_at: datetime | None
    validated_by: str | None
    closed_at: datetime | None


class PlanCreate(BaseModel):
    """Plan every validated request of `pool`: `milp` (HiGHS) or the `greedy` heuristic."""

    pool: str = Field(default=DEFAULT_POOL, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    method: Literal["milp", "greedy"] = "milp"


class PlanJobPublic(BaseModel):
    """A campaign-planning job: status, progress (stage, fraction 0-1) and the plan it stored.

    `job_url` is where to follow it; `plan_url` the stored plan once `status` is
    `completed` (None before, and when the job failed: `error_message` says why).
    """

    job_id: int
    job_url: str
    pool: str
    method: str
    status: JobStatus
    progress_stage: str | None
    progress_fraction: float
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempt_count: int
    error_message: str | None
    plan_id: int | None
    plan_url: str | None


class PlanRequestPublic(BaseModel):
    """One request of a plan and the fraction of its area the plan covers."""

    request_id: int
    partner: str
    area_name: str
    status: str
    priority: float
    window_start: datetime
    window_end: datetime
    delivery_deadline: datetime
    coverage_fraction: float


class TaskPublic(BaseModel):
    """One acquisition of a plan, for its satellite's owner to decide."""

    task_id: int
    request_id: int
    area_name: str
    norad_id: int
    owner: str
    status: TaskStatus
    acquisition_start: datetime
    acquisition_end: datetime
    roll_deg: float
    coverage_fraction: float
    downlink_station: str | None
    downlink_rise: datetime | None
    downlink_set: datetime | None
    delivery: datetime
    planned_in: int


class ContributionPublic(BaseModel):
    """What one partner's satellites carry in a plan, against its committed share."""

    acquisitions: int
    share_of_acquisitions: float
    committed_share: float
    requests_served: int


class PlanPublic(BaseModel):
    """A plan: solver facts, its requests, every task of them, contributions per partner.

    `mip_gap` and `upper_bound` are null for the greedy heuristic.
    """

    plan_id: int
    pool: str
    method: str
    solver_status: str
    mip_gap: float | None
    objective: float
    upper_bound: float | None
    solve_time_s: float
    created_at: datetime
    replaces_plan_id: int | None
    requests: list[PlanRequestPublic]
    tasks: list[TaskPublic]
    contributions: dict[str, ContributionPublic]


class PlanSummaryPublic(BaseModel):
    """A plan in a list."""

    plan_id: int
    pool: str
    method: str
    solver_status: str
    created_at: datetime
    replaces_plan_id: int | None


class TimelineEntryPublic(BaseModel):
    """One thing a satellite does: an `acquisition` over an area, or a `downlink`."""

    kind: Literal["acquisition", "downlink"]
    start: datetime
    end: datetime
    task_id: int
    area_name: str
    status: str
    station: str | None


class SatelliteTimelinePublic(BaseModel):
    """One satellite's acquisitions and downlinks in time order (active tasks only)."""

    norad_id: int
    entries: list[TimelineEntryPublic]


class TaskDecisionPublic(BaseModel):
    """The task after the owner's decision, and the re-formed plan after a decline or miss."""

    task: TaskPublic
    replanned_plan_id: int | None
