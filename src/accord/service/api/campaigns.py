"""Joint Earth-observation campaigns over HTTP: pools, requests, plans, tasks, coverage.

Routes call `accord.campaign_ops`, which authorises every step (duty roles, pool membership,
satellite ownership) through `accord.access`; this module only decides what a caller may
*see*, also through `accord.access`:

- pool data (members, shares, pooled satellites and stations) goes to the pool's members
  (agreements in force now name them in the pool's `allocation_shares`);
- a request goes to its requester (`base/owner-reads-own-data` on `campaign_plans`), to the
  pool's members, and to partners an agreement grants the requester's `campaign_plans`;
- a plan goes to the pool's members, and to a partner granted `campaign_plans` by every
  requester of the plan.

Anything else answers 404, as for what does not exist (docs/api.md, "The 404 rule"); a
refused step on something visible answers 403, a refused transition 409.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.orm import Session

from accord.access import NotFoundError, Principal, authorize
from accord.agreements import AccessAction, DataClass, Resource
from accord.campaign_ops import (
    CampaignAccessDenied,
    CampaignError,
    InvalidCampaignTransition,
    UnknownCampaignItem,
    committed_shares,
    plan_coverage,
    plan_csv,
    plan_document,
    pool_members,
    prepare_plan,
    satellite_timeline,
    submit_request,
    update_task,
    validate_request,
)
from accord.campaign_ops._pool import pooled_stations
from accord.campaigns import AreaError, AreaOfInterest
from accord.jobs import CampaignPlanJobParameters, job_status, submit_campaign_plan_job
from accord.service._auth import CurrentPrincipal
from accord.service.api._campaign_schemas import (
    MAX_RADIUS_KM,
    ContributionPublic,
    PlanCreate,
    PlanJobPublic,
    PlanPublic,
    PlanSummaryPublic,
    PoolPublic,
    PoolSatellitePublic,
    PoolStationPublic,
    RequestCreate,
    RequestPublic,
    SatelliteTimelinePublic,
    TaskDecisionPublic,
    TaskPublic,
    TimelineEntryPublic,
)
from accord.service.api._common import Forbidden, Page, PageLimit, PageOffset, paginate, store
from accord.store import (
    CampaignPlanRow,
    CampaignRequestRow,
    CampaignTaskRow,
    JobKind,
    JobRecord,
    PartnerRepository,
    PlanRequestRow,
    PoolSatelliteRow,
    RequestStatus,
    TaskStatus,
)

__all__ = [
    "create_request",
    "plan_job_public",
    "queue_plan",
    "router",
    "visible_plan",
    "visible_plan_job",
    "visible_request",
    "visible_requests",
]

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])

#: Row ids are 32-bit integers in PostgreSQL; larger ids are a 422, never a database error.
MAX_ROW_ID = 2**31 - 1
#: Longest request window and latest deadline after it (days): bounds the planning work.
MAX_WINDOW_DAYS = 31
#: Most vertices in a request's polygon, and the largest circle (km).
MAX_AREA_VERTICES = 10_000

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
PoolName = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:-]{1,64}$", description="pool name")]
TaskDecision = Literal["accept", "decline", "acquired", "missed", "delivered"]
_DECISIONS: dict[str, TaskStatus] = {
    "accept": TaskStatus.ACCEPTED,
    "decline": TaskStatus.DECLINED,
    "acquired": TaskStatus.ACQUIRED,
    "missed": TaskStatus.MISSED,
    "delivered": TaskStatus.DELIVERED,
}


# --- visibility -----------------------------------------------------------------------------


@contextmanager
def _campaign_errors() -> Iterator[None]:
    """The workflow's refusals as problems: unknown 404, denied 403, transition 409, else 422."""
    try:
        yield
    except UnknownCampaignItem as error:
        raise NotFoundError(str(error)) from None
    except CampaignAccessDenied as error:
        raise Forbidden(str(error)) from None
    except InvalidCampaignTransition as error:
        raise HTTPException(409, str(error)) from None
    except (CampaignError, AreaError) as error:
        raise HTTPException(422, str(error)) from None


def _invalid(field: str, problem: str) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": ("body", field), "msg": problem, "type": "value_error", "input": None}]
    )


def _is_member(session: Session, principal: Principal, pool: str, now: datetime) -> bool:
    return principal.may_ask(AccessAction.READ) and principal.partner in pool_members(
        session, pool, now
    )


def _reads_request(
    session: Session, principal: Principal, row: CampaignRequestRow, handles: dict[int, str]
) -> bool:
    resource = Resource(
        DataClass.CAMPAIGN_PLANS,
        handles[row.partner_id],
        id=f"campaign_request:{row.id}",
        submitted_at=row.submitted_at,
    )
    return bool(authorize(session, principal, AccessAction.READ, resource))


def _handles(session: Session) -> dict[int, str]:
    return {p.id: p.handle or str(p.id) for p in PartnerRepository(session).all()}


def _visible_request(session: Session, principal: Principal, request_id: int) -> RequestPublic:
    row = session.get(CampaignRequestRow, request_id)
    handles = _handles(session)
    if row is None or not (
        _is_member(session, principal, row.pool, datetime.now(UTC))
        or _reads_request(session, principal, row, handles)
    ):
        raise NotFoundError(f"no campaign request {request_id}")
    return _request_public(row, handles)


def _visible_plan(session: Session, principal: Principal, plan_id: int) -> dict[str, Any]:
    plan = session.get(CampaignPlanRow, plan_id)
    if plan is not None and not _is_member(session, principal, plan.pool, datetime.now(UTC)):
        handles = _handles(session)
        requests = session.scalars(
            sa.select(CampaignRequestRow)
            .join(PlanRequestRow, PlanRequestRow.request_id == CampaignRequestRow.id)
            .where(PlanRequestRow.plan_id == plan_id)
        ).all()
        if not requests or not all(
            _reads_request(session, principal, r, handles) for r in requests
        ):
            plan = None
    if plan is None:
        raise NotFoundError(f"no campaign plan {plan_id}")
    return plan_document(session, plan_id)


def _visible_pool(session: Session, principal: Principal, pool: str) -> None:
    if not _is_member(session, principal, pool, datetime.now(UTC)):
        raise NotFoundError(f"no campaign pool {pool!r}")


def _request_public(row: CampaignRequestRow, handles: dict[int, str]) -> RequestPublic:
    return RequestPublic(
        request_id=row.id,
        pool=row.pool,
        requester=handles[row.partner_id],
        status=RequestStatus(row.status),
        area_name=row.area_name,
        area=row.area_geojson,
        window_start=row.window_start,
        window_end=row.window_end,
        delivery_deadline=row.delivery_deadline,
        priority=row.priority,
        sensor_kinds=row.sensor_kinds.split(),
        max_resolution_m=row.max_resolution_m,
        max_off_nadir_deg=row.max_off_nadir_deg,
        submitted_at=row.submitted_at,
        validated_at=row.validated_at,
        validated_by=(
            None if row.validated_by_partner_id is None else handles[row.validated_by_partner_id]
        ),
        closed_at=row.closed_at,
    )


# --- pools ----------------------------------------------------------------------------------


@router.get("/pools/{pool}", summary="A pool's members and shares", responses={404: {}})
def get_pool(request: Request, principal: CurrentPrincipal, pool: PoolName) -> PoolPublic:
    """Members (shares per agreement in force), committed shares and asset counts."""
    now = datetime.now(UTC)
    with store(request, write=False) as session:
        _visible_pool(session, principal, pool)
        satellites = session.scalar(sa.select(sa.func.count()).where(PoolSatelliteRow.pool == pool))
        return PoolPublic(
            pool=pool,
            members=pool_members(session, pool, now),
            committed_shares=committed_shares(session, pool, now),
            satellites=satellites or 0,
            stations=len(pooled_stations(session, pool)),
        )


@router.get("/pools/{pool}/satellites", summary="Pooled satellites", responses={404: {}})
def list_pool_satellites(
    request: Request,
    principal: CurrentPrincipal,
    pool: PoolName,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> Page[PoolSatellitePublic]:
    """The pool's satellites by NORAD id (members only)."""
    with store(request, write=False) as session:
        _visible_pool(session, principal, pool)
        handles = _handles(session)
        rows = session.scalars(
            sa.select(PoolSatelliteRow)
            .where(PoolSatelliteRow.pool == pool)
            .order_by(PoolSatelliteRow.norad_id)
        )
        items = [
            PoolSatellitePublic(
                norad_id=row.norad_id,
                owner=handles[row.partner_id],
                sensor_kind=row.sensor_kind,
                swath_km=row.swath_km,
                max_off_nadir_deg=row.max_off_nadir_deg,
                resolution_m=row.resolution_m,
                min_sun_elevation_deg=row.min_sun_elevation_deg,
                added_at=row.added_at,
            )
            for row in rows
        ]
    return paginate(items, offset, limit)


@router.get("/pools/{pool}/stations", summary="Pooled ground stations", responses={404: {}})
def list_pool_stations(
    request: Request,
    principal: CurrentPrincipal,
    pool: PoolName,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> Page[PoolStationPublic]:
    """The pool's downlink stations by station id (members only)."""
    with store(request, write=False) as session:
        _visible_pool(session, principal, pool)
        handles = _handles(session)
        items = [
            PoolStationPublic(
                station_id=station.station_id,
                name=station.name,
                owner=handles[station.partner_id],
                latitude_deg=station.latitude_deg,
                longitude_deg=station.longitude_deg,
                altitude_m=station.altitude_m,
                min_elevation_deg=pool_row.min_elevation_deg,
            )
            for pool_row, station in pooled_stations(session, pool)
        ]
    return paginate(items, offset, limit)


# --- requests -------------------------------------------------------------------------------


def _coordinates_ok(value: Any, depth: int) -> int:
    """Count positions of a GeoJSON coordinates array of `depth`, refusing bad ones."""
    if depth == 0:
        if (
            not isinstance(value, list)
            or len(value) < 2
            or not all(isinstance(c, int | float) and math.isfinite(c) for c in value)
        ):
            raise ValueError("a position is [longitude, latitude] in finite degrees")
        if not (-180.0 <= value[0] <= 180.0 and -90.0 <= value[1] <= 90.0):
            raise ValueError(
                f"position {value[:2]} is outside longitude -180..180 / latitude -90..90"
            )
        return 1
    if not isinstance(value, list) or not value:
        raise ValueError("coordinates must be non-empty arrays")
    return sum(_coordinates_ok(item, depth - 1) for item in value)


def _area_feature(body: RequestCreate) -> tuple[dict[str, Any], str]:
    """The request's area as the GeoJSON Feature the workflow stores, and its name."""
    area = body.area
    properties = area.get("properties") if area.get("type") == "Feature" else None
    geometry = area.get("geometry") if area.get("type") == "Feature" else area
    properties = dict(properties) if isinstance(properties, dict) else {}
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "Point"):
        raise _invalid(
            "area", "give a GeoJSON Polygon, or a Point with radius_km (geometry or Feature)"
        )
    try:
        depth = 2 if geometry["type"] == "Polygon" else 0
        if _coordinates_ok(geometry.get("coordinates"), depth) > MAX_AREA_VERTICES:
            raise ValueError(f"at most {MAX_AREA_VERTICES} vertices")
    except ValueError as error:
        raise _invalid("area", f"coordinates: {error}") from None
    if geometry["type"] == "Point":
        radius = body.radius_km if body.radius_km is not None else properties.get("radius_km")
        if not isinstance(radius, int | float) or not 0.0 < radius <= MAX_RADIUS_KM:
            raise _invalid(
                "radius_km",
                f"a Point area needs radius_km in (0, {MAX_RADIUS_KM}] km (the field or "
                "properties.radius_km)",
            )
        properties["radius_km"] = float(radius)
    name = body.area_name or str(properties.get("name") or "area")[:200]
    properties["name"] = name
    feature = {"type": "Feature", "geometry": geometry, "properties": properties}
    try:
        AreaOfInterest.from_geojson(feature, name=name)
    except (AreaError, ValueError, TypeError) as error:
        raise _invalid("area", str(error)) from None
    return feature, name


def _check_times(body: RequestCreate) -> None:
    if body.window_end <= body.window_start:
        raise _invalid("window_end", "must be after window_start")
    if body.window_end - body.window_start > timedelta(days=MAX_WINDOW_DAYS):
        raise _invalid("window_end", f"a window lasts at most {MAX_WINDOW_DAYS} days")
    if body.delivery_deadline < body.window_end:
        raise _invalid("delivery_deadline", "must not be before window_end")
    if body.delivery_deadline - body.window_end > timedelta(days=MAX_WINDOW_DAYS):
        raise _invalid("delivery_deadline", f"at most {MAX_WINDOW_DAYS} days after window_end")


@router.post(
    "/requests",
    summary="Submit a request",
    status_code=status.HTTP_201_CREATED,
    responses={403: {}, 422: {}},
)
def submit(request: Request, principal: CurrentPrincipal, body: RequestCreate) -> RequestPublic:
    """Record the caller's partner's request (an operator or admin of a pool member)."""
    return create_request(request, principal, body)


def create_request(request: Request, principal: Principal, body: RequestCreate) -> RequestPublic:
    """Check and record a request (the API route and the console's form): the area and the
    times raise `RequestValidationError` naming the field, the workflow's refusals raise
    the problems of `_campaign_errors`."""
    area, name = _area_feature(body)
    _check_times(body)
    with store(request) as session, _campaign_errors():
        row = submit_request(
            session,
            principal,
            area,
            window_start=body.window_start.astimezone(UTC),
            window_end=body.window_end.astimezone(UTC),
            delivery_deadline=body.delivery_deadline.astimezone(UTC),
            priority=body.priority,
            sensor_kinds=body.sensor_kinds,
            max_resolution_m=body.max_resolution_m,
            max_off_nadir_deg=body.max_off_nadir_deg,
            area_name=name,
            pool=body.pool,
        )
        return _request_public(row, _handles(session))


def visible_requests(
    session: Session,
    principal: Principal,
    *,
    pool: str | None = None,
    request_status: RequestStatus | None = None,
) -> list[RequestPublic]:
    """The requests the caller may see, by id (the API's list and the console's)."""
    now = datetime.now(UTC)
    handles = _handles(session)
    query = sa.select(CampaignRequestRow).order_by(CampaignRequestRow.id)
    if pool is not None:
        query = query.where(CampaignRequestRow.pool == pool)
    if request_status is not None:
        query = query.where(CampaignRequestRow.status == request_status.value)
    members: dict[str, bool] = {}
    visible = []
    for row in session.scalars(query):
        if row.pool not in members:
            members[row.pool] = _is_member(session, principal, row.pool, now)
        if members[row.pool] or _reads_request(session, principal, row, handles):
            visible.append(_request_public(row, handles))
    return visible


def visible_request(session: Session, principal: Principal, request_id: int) -> RequestPublic:
    """One request the caller may see (`NotFoundError` otherwise, as for none)."""
    return _visible_request(session, principal, request_id)


def visible_plan(session: Session, principal: Principal, plan_id: int) -> dict[str, Any]:
    """`plan_document` of a plan the caller may see (`NotFoundError` otherwise)."""
    return _visible_plan(session, principal, plan_id)


@router.get("/requests", summary="Requests the caller may see")
def list_requests(
    request: Request,
    principal: CurrentPrincipal,
    pool: Annotated[str | None, Query(max_length=64)] = None,
    request_status: Annotated[RequestStatus | None, Query(alias="status")] = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> Page[RequestPublic]:
    """Visible requests by id; `?pool=` and `?status=` filter."""
    with store(request, write=False) as session:
        visible = visible_requests(session, principal, pool=pool, request_status=request_status)
    return paginate(visible, offset, limit)


@router.get("/requests/{request_id}", summary="One request", responses={404: {}})
def get_request(request: Request, principal: CurrentPrincipal, request_id: RowId) -> RequestPublic:
    """A request with its area and status (404 unless the caller may see it)."""
    with store(request, write=False) as session:
        return _visible_request(session, principal, request_id)


@router.post(
    "/requests/{request_id}/validate",
    summary="Validate a submitted request (duty officer)",
    responses={403: {}, 404: {}, 409: {}},
)
def validate(request: Request, principal: CurrentPrincipal, request_id: RowId) -> RequestPublic:
    """The pool's duty officer (an operator or admin of a member) validates a request."""
    with store(request) as session, _campaign_errors():
        _visible_request(session, principal, request_id)
        validate_request(session, principal, request_id)
        return _visible_request(session, principal, request_id)


# --- plans ----------------------------------------------------------------------------------


def plan_job_public(job: JobRecord) -> PlanJobPublic:
    """A campaign-planning job as the API and the console show it."""
    parameters = CampaignPlanJobParameters.from_json(job.parameters)
    plan_id = job.campaign_plan_id
    return PlanJobPublic(
        job_id=job.job_id,
        job_url=f"{router.prefix}/plans/jobs/{job.job_id}",
        pool=parameters.pool,
        method=parameters.method,
        status=job.status,
        progress_stage=job.progress_stage,
        progress_fraction=job.progress_fraction,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        attempt_count=job.attempt_count,
        error_message=job.error_message,
        plan_id=plan_id,
        plan_url=None if plan_id is None else f"{router.prefix}/plans/{plan_id}",
    )


def queue_plan(request: Request, principal: Principal, body: PlanCreate) -> JobRecord:
    """Check now that the caller may plan the pool and that it has something to plan, then
    queue the planning job (the API and the console's plan button)."""
    with store(request, write=False) as session:
        _visible_pool(session, principal, body.pool)
        with _campaign_errors():
            prepare_plan(session, principal, pool=body.pool, method=body.method)
    return submit_campaign_plan_job(
        request.app.state.engine, principal, pool=body.pool, method=body.method
    )


def visible_plan_job(request: Request, principal: Principal, job_id: int) -> JobRecord:
    """A campaign-planning job of a pool the caller is a member of (404 otherwise)."""
    job = job_status(request.app.state.engine, job_id)
    if job is not None and job.kind is JobKind.CAMPAIGN_PLAN:
        pool = CampaignPlanJobParameters.from_json(job.parameters).pool
        with store(request, write=False) as session:
            if _is_member(session, principal, pool, datetime.now(UTC)):
                return job
    raise NotFoundError(f"no campaign planning job {job_id}")


@router.post(
    "/plans",
    summary="Queue the planning of the pool's validated requests",
    status_code=status.HTTP_202_ACCEPTED,
    responses={403: {}, 404: {}, 422: {}},
)
def create_plan(
    request: Request, principal: CurrentPrincipal, body: PlanCreate, response: Response
) -> PlanJobPublic:
    """Queue the planner (HiGHS MILP or greedy) as a background job; follow `job_url`.

    Whether the caller may plan and whether the pool has validated requests and committed
    shares are checked now (403, 422); the job plans what is validated when it runs, and
    its `plan_url` names the stored plan once it completes.
    """
    job = queue_plan(request, principal, body)
    public = plan_job_public(job)
    response.headers["Location"] = public.job_url
    return public


@router.get(
    "/plans/jobs/{job_id}",
    summary="A planning job's status and progress",
    responses={404: {}},
)
def get_plan_job(request: Request, principal: CurrentPrincipal, job_id: RowId) -> PlanJobPublic:
    """Status, progress stage and fraction, attempts, error, and the stored plan's id."""
    return plan_job_public(visible_plan_job(request, principal, job_id))


@router.get("/plans", summary="Plans the caller may see")
def list_plans(
    request: Request,
    principal: CurrentPrincipal,
    pool: Annotated[str | None, Query(max_length=64)] = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> Page[PlanSummaryPublic]:
    """Visible plans, newest first (pool members see their pools' plans)."""
    now = datetime.now(UTC)
    with store(request, write=False) as session:
        query = sa.select(CampaignPlanRow).order_by(CampaignPlanRow.id.desc())
        if pool is not None:
            query = query.where(CampaignPlanRow.pool == pool)
        visible = []
        for plan in session.scalars(query):
            try:
                if not _is_member(session, principal, plan.pool, now):
                    _visible_plan(session, principal, plan.id)
            except NotFoundError:
                continue
            visible.append(
                PlanSummaryPublic(
                    plan_id=plan.id,
                    pool=plan.pool,
                    method=plan.method,
                    solver_status=plan.solver_status,
                    created_at=plan.created_at,
                    replaces_plan_id=plan.replaces_plan_id,
                )
            )
    return paginate(visible, offset, limit)


_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
    404: {},
}


def _csv_response(document: dict[str, Any]) -> Response:
    return Response(
        plan_csv(document),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="plan-{document["plan_id"]}.csv"'},
    )


# Declared before /plans/{plan_id}: that pattern would otherwise take "7.csv" as an id.
@router.get(
    "/plans/{plan_id}.csv",
    summary="A plan's tasks as CSV",
    response_class=Response,
    responses=_CSV,
)
def get_plan_csv(request: Request, principal: CurrentPrincipal, plan_id: RowId) -> Response:
    """One row per task (`accord.campaign_ops.CSV_COLUMNS`, header first)."""
    with store(request, write=False) as session:
        return _csv_response(_visible_plan(session, principal, plan_id))


@router.get(
    "/plans/{plan_id}",
    summary="A plan (JSON, or CSV with ?format=csv)",
    response_model=PlanPublic,
    responses=_CSV,
)
def get_plan(
    request: Request,
    principal: CurrentPrincipal,
    plan_id: RowId,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the query parameter's name
) -> Any:
    """Solver facts, requests, tasks and contributions; `?format=csv` gives the tasks as CSV."""
    with store(request, write=False) as session:
        document = _visible_plan(session, principal, plan_id)
    if format == "csv":
        return _csv_response(document)
    return PlanPublic.model_validate(document)


@router.get(
    "/plans/{plan_id}/timeline", summary="A plan's timeline per satellite", responses={404: {}}
)
def get_timeline(
    request: Request,
    principal: CurrentPrincipal,
    plan_id: RowId,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> Page[SatelliteTimelinePublic]:
    """Per satellite (by NORAD id, one item each): acquisitions and downlinks in time order."""
    with store(request, write=False) as session:
        document = _visible_plan(session, principal, plan_id)
    satellites = [
        SatelliteTimelinePublic(
            norad_id=norad_id,
            entries=[
                TimelineEntryPublic(
                    kind=entry.kind,  # type: ignore[arg-type]
                    start=entry.start,
                    end=entry.end,
                    task_id=entry.task_id,
                    area_name=entry.area_name,
                    status=entry.status,
                    station=entry.station,
                )
                for entry in entries
            ],
        )
        for norad_id, entries in satellite_timeline(document).items()
    ]
    return paginate(satellites, offset, limit)


@router.get(
    "/plans/{plan_id}/coverage",
    summary="A plan's coverage map (GeoJSON)",
    responses={
        200: {"content": {"application/geo+json": {"schema": {"type": "object"}}}},
        404: {},
    },
)
def get_coverage(request: Request, principal: CurrentPrincipal, plan_id: RowId) -> Response:
    """A FeatureCollection: request areas, footprints, ground tracks, downlink stations."""
    with store(request, write=False) as session:
        collection = plan_coverage(session, _visible_plan(session, principal, plan_id))
    return Response(json.dumps(collection), media_type="application/geo+json")


@router.get(
    "/plans/{plan_id}/contributions",
    summary="What each partner contributes to a plan",
    responses={404: {}},
)
def get_contributions(
    request: Request, principal: CurrentPrincipal, plan_id: RowId
) -> dict[str, ContributionPublic]:
    """Partner handle -> acquisitions, their share of the plan, committed share, requests."""
    with store(request, write=False) as session:
        document = _visible_plan(session, principal, plan_id)
    return {
        handle: ContributionPublic.model_validate(value)
        for handle, value in document["contributions"].items()
    }


# --- tasks ----------------------------------------------------------------------------------


@router.post(
    "/tasks/{task_id}/{decision}",
    summary="The owner's decision on a task",
    responses={403: {}, 404: {}, 409: {}},
)
def decide_task(
    request: Request, principal: CurrentPrincipal, task_id: RowId, decision: TaskDecision
) -> TaskDecisionPublic:
    """accept | decline | acquired | missed | delivered, by the satellite's owner.

    A decline or a missed acquisition re-forms the plan at once (`replanned_plan_id`).
    """
    with store(request) as session:
        task = session.get(CampaignTaskRow, task_id)
        if task is None:
            raise NotFoundError(f"no campaign task {task_id}")
        _visible_request(session, principal, task.request_id)
        with _campaign_errors():
            updated, replanned = update_task(session, principal, task_id, _DECISIONS[decision])
        plan_id = replanned.id if replanned is not None else updated.plan_id
        document = plan_document(session, plan_id)
    row = next(t for t in document["tasks"] if t["task_id"] == task_id)
    return TaskDecisionPublic(
        task=TaskPublic.model_validate(row),
        replanned_plan_id=None if replanned is None else replanned.id,
    )
