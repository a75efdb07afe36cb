"""Conjunction screening over HTTP: jobs, screenings, conjunctions, events and CDM downloads.

Every conjunction, event and CDM goes out through `accord.access` (docs/access.md,
"Conjunction data"): the caller sees those involving an object it owns, those a clause in
force grants it (degraded, after the embargo), and those between two public objects; the
rest are absent from lists and counts and answer 404 like an id that does not exist.
Submitting a screening job needs the write scope and the operator or admin role (the
agreements' `base/operator-writes-own-data` rule on the caller's own conjunction data).
Jobs and screenings carry no partner's data, so any caller with the read scope may follow
them; a screening's `conjunction_count` counts only what the caller may see. Each names its
submitter's partner (as the audit log does); the principal's name (`key:<prefix>`,
`user:<id>`) only to callers of that same partner.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from accord.access import (
    NotFoundError,
    Principal,
    VisibleConjunction,
    VisibleEvent,
    authorize,
    get_visible_cdm,
    get_visible_event,
    record_conjunction_release,
    release_conjunctions,
    visible_conjunctions,
    visible_events,
)
from accord.agreements import AccessAction, DataClass, Resource
from accord.conjunctions import ScreeningVolume
from accord.formats import format_cdm_json, format_cdm_kvn, format_cdm_xml
from accord.jobs import JobParameterError, job_status, submit_screening_job
from accord.screening import LOCAL_OPERATOR
from accord.service._auth import CurrentPrincipal
from accord.service.api._common import (
    MAX_NORAD_ID,
    Forbidden,
    Page,
    PageLimit,
    PageOffset,
    paginate,
    store,
)
from accord.store import (
    AlertLevel,
    JobRecord,
    JobStatus,
    PartnerRepository,
    ScreeningRecord,
    ScreeningRepository,
    ScreeningStatus,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["screening"])

#: Longest screening span a job may ask for (days).
MAX_SCREENING_DAYS = 30.0
#: Largest miss-distance threshold or volume semi-axis accepted (km).
MAX_THRESHOLD_KM = 100.0
#: Screenings listed at most (newest first).
MAX_SCREENINGS = 1000
_MAX_ID = 2**62
IdPath = Annotated[int, Path(ge=1, le=_MAX_ID)]
NoradIdQuery = Annotated[
    int | None, Query(ge=1, le=MAX_NORAD_ID, description="either object's NORAD id")
]
_CDM_FORMATS = {
    "kvn": ("text/plain; charset=utf-8", "kvn"),
    "xml": ("application/xml", "xml"),
    "json": ("application/json", "json"),
}


class ScreeningVolumeCreate(BaseModel):
    """An ellipsoidal screening volume in the primary's RTN frame: semi-axes, km."""

    radial_km: float = Field(gt=0, le=MAX_THRESHOLD_KM)
    in_track_km: float = Field(gt=0, le=MAX_THRESHOLD_KM)
    cross_track_km: float = Field(gt=0, le=MAX_THRESHOLD_KM)


class ScreeningJobCreate(BaseModel):
    """A screening of the store's current catalog: span start (UTC), days, threshold (km)."""

    start: datetime
    days: float = Field(default=7.0, gt=0, le=MAX_SCREENING_DAYS)
    threshold_km: float = Field(default=5.0, gt=0, le=MAX_THRESHOLD_KM)
    screening_volume: ScreeningVolumeCreate | None = None


class SubmitterPublic(BaseModel):
    """Who submitted a job or screening: the partner's handle (None: the local operator
    acting for no partner) and the principal (None unless the caller is of that partner).
    """

    partner: str | None
    name: str | None


class ScreeningJobPublic(BaseModel):
    """A screening job: status, progress (stage and fraction 0-1), result's id, submitter."""

    job_id: int
    status: JobStatus
    progress_stage: str | None
    progress_fraction: float
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempt_count: int
    error_message: str | None
    screening_id: int | None
    start: datetime | None
    duration_s: float | None
    threshold_km: float | None
    #: None for jobs stored before submitters were recorded.
    submitter: SubmitterPublic | None


class ScreeningPublic(BaseModel):
    """A stored screening's parameters, outcome and submitter; `conjunction_count` counts
    the visible conjunctions only."""

    screening_id: int
    status: ScreeningStatus
    started_at: datetime
    finished_at: datetime | None
    span_start: datetime
    duration_s: float
    threshold_km: float
    screening_volume_km: tuple[float, float, float] | None
    pc_method: str
    object_count: int
    conjunction_count: int
    #: None for screenings stored before submitters were recorded.
    submitter: SubmitterPublic | None


class ReleaseInfoPublic(BaseModel):
    """Why the caller sees the item and what was applied on the way out."""

    policy_ids: list[str]
    clauses: list[str]
    position_precision_km: float | None
    covariance_withheld: bool
    released_at: datetime | None
    redistribution_allowed: bool


class ConjunctionPublic(BaseModel):
    """A conjunction and its CDM as released (km, km/s, UTC; miss vector in primary RTN)."""

    conjunction_id: int
    screening_id: int
    event_id: int
    primary_norad_id: int
    secondary_norad_id: int
    primary_owner: str | None
    secondary_owner: str | None
    tca: datetime
    miss_km: float
    relative_speed_km_s: float
    miss_rtn_km: tuple[float, float, float]
    collision_probability: float | None
    pc_method: str | None
    cdm_id: int
    message_id: str
    cdm_created_at: datetime
    release: ReleaseInfoPublic


class EventPublic(BaseModel):
    """A conjunction event: latest visible numbers, alert level, and its visible history."""

    event_id: int
    primary_norad_id: int
    secondary_norad_id: int
    tca: datetime
    first_seen_at: datetime
    last_seen_at: datetime
    latest_miss_km: float
    latest_pc: float | None
    latest_pc_method: str | None
    alert_level: AlertLevel | None
    history: list[ConjunctionPublic]


def _submitter_public(
    session: Session, principal: Principal, partner_id: int | None, name: str | None
) -> SubmitterPublic | None:
    if name is None:
        return None
    if partner_id is None:
        # The local operator for no partner: no principal to hide.
        return SubmitterPublic(partner=None, name=name if name == LOCAL_OPERATOR else None)
    # Partners are never deleted (the foreign key keeps the row), so the lookup succeeds.
    handle = PartnerRepository(session).get(partner_id).handle
    return SubmitterPublic(
        partner=handle, name=name if partner_id == principal.partner_id else None
    )


def _screening_public(
    session: Session, principal: Principal, record: ScreeningRecord, conjunction_count: int
) -> ScreeningPublic:
    return ScreeningPublic(
        screening_id=record.screening_id,
        status=record.status,
        started_at=record.started_at,
        finished_at=record.finished_at,
        span_start=record.span_start,
        duration_s=record.duration_s,
        threshold_km=record.threshold_km,
        screening_volume_km=record.volume_km,
        pc_method=record.pc_method,
        object_count=record.object_count,
        conjunction_count=conjunction_count,
        submitter=_submitter_public(
            session, principal, record.submitter_partner_id, record.submitter_name
        ),
    )


def _job_public(session: Session, principal: Principal, job: JobRecord) -> ScreeningJobPublic:
    parameters = job.parameters
    start = parameters.get("start")
    return ScreeningJobPublic(
        job_id=job.job_id,
        status=job.status,
        progress_stage=job.progress_stage,
        progress_fraction=job.progress_fraction,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        attempt_count=job.attempt_count,
        error_message=job.error_message,
        screening_id=job.screening_id,
        start=datetime.fromisoformat(start) if isinstance(start, str) else None,
        duration_s=parameters.get("duration_s"),
        threshold_km=parameters.get("threshold_km"),
        submitter=_submitter_public(
            session, principal, job.submitter_partner_id, job.submitter_name
        ),
    )


def _conjunction_public(c: VisibleConjunction) -> ConjunctionPublic:
    degradation = c.conditions.degradation
    return ConjunctionPublic(
        conjunction_id=c.conjunction_id,
        screening_id=c.screening_id,
        event_id=c.event_id,
        primary_norad_id=c.primary_norad_id,
        secondary_norad_id=c.secondary_norad_id,
        primary_owner=c.owners[0],
        secondary_owner=c.owners[1],
        tca=c.tca,
        miss_km=c.miss_km,
        relative_speed_km_s=c.relative_speed_km_s,
        miss_rtn_km=c.miss_rtn_km,
        collision_probability=c.collision_probability,
        pc_method=c.pc_method,
        cdm_id=c.cdm_id,
        message_id=c.message_id,
        cdm_created_at=c.cdm_created_at,
        release=ReleaseInfoPublic(
            policy_ids=list(c.policy_ids),
            clauses=[ref.policy_id for ref in c.clauses],
            position_precision_km=degradation.position_precision_km,
            covariance_withheld=degradation.covariance_withheld,
            released_at=c.conditions.released_at,
            redistribution_allowed=c.conditions.redistribution_allowed,
        ),
    )


def _event_public(event: VisibleEvent) -> EventPublic:
    return EventPublic(
        event_id=event.event_id,
        primary_norad_id=event.primary_norad_id,
        secondary_norad_id=event.secondary_norad_id,
        tca=event.tca,
        first_seen_at=event.first_seen_at,
        last_seen_at=event.last_seen_at,
        latest_miss_km=event.latest_miss_km,
        latest_pc=event.latest_pc,
        latest_pc_method=event.latest_pc_method,
        alert_level=event.alert_level,
        history=[_conjunction_public(c) for c in event.history],
    )


def _require_read(principal: Principal) -> None:
    if not principal.may_ask(AccessAction.READ):
        raise Forbidden("reading screenings needs a key with the read scope")


@router.post(
    "/screenings",
    summary="Submit a screening job",
    status_code=status.HTTP_202_ACCEPTED,
    responses={403: {"description": "needs the write scope and the operator or admin role"}},
)
def submit_screening(
    request: Request, principal: CurrentPrincipal, body: ScreeningJobCreate
) -> ScreeningJobPublic:
    """Queue a screening of the current catalog; follow it at /api/v1/screenings/jobs/{id}."""
    with store(request, write=False) as session:
        decision = authorize(
            session,
            principal,
            AccessAction.WRITE,
            Resource(DataClass.CONJUNCTION_DATA, principal.partner, id="screening-job"),
        )
    if not decision:
        raise Forbidden(
            "submitting a screening job needs a key with the write scope (or an operator or "
            "admin console user)"
        )
    volume = body.screening_volume
    try:
        job = submit_screening_job(
            request.app.state.engine,
            start=body.start,
            duration=timedelta(days=body.days),
            threshold_km=body.threshold_km,
            screening_volume=None
            if volume is None
            else ScreeningVolume(volume.radial_km, volume.in_track_km, volume.cross_track_km),
            submitter=principal,
        )
    except JobParameterError as error:
        raise HTTPException(422, str(error)) from None
    with store(request, write=False) as session:
        return _job_public(session, principal, job)


@router.get(
    "/screenings/jobs/{job_id}",
    summary="A screening job's status and progress",
    responses={404: {"description": "no such job"}},
)
def get_screening_job(
    request: Request, principal: CurrentPrincipal, job_id: IdPath
) -> ScreeningJobPublic:
    """Status, progress stage and fraction, attempts, error and the result screening's id."""
    _require_read(principal)
    job = job_status(request.app.state.engine, job_id)
    if job is None:
        raise NotFoundError(f"no screening job {job_id}")
    with store(request, write=False) as session:
        return _job_public(session, principal, job)


@router.get("/screenings", summary="Screenings")
def list_screenings(
    request: Request,
    principal: CurrentPrincipal,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> Page[ScreeningPublic]:
    """Stored screenings, newest first, each with the count of conjunctions the caller sees."""
    _require_read(principal)
    with store(request, write=False) as session:
        repository = ScreeningRepository(session)
        records = repository.screenings(limit=MAX_SCREENINGS)
        page = records[offset : offset + limit]
        stored = repository.conjunctions(screening_ids=[r.screening_id for r in page])
        counts: dict[int, int] = {}
        for c in release_conjunctions(session, principal, stored):
            counts[c.screening_id] = counts.get(c.screening_id, 0) + 1
        items = [
            _screening_public(session, principal, r, counts.get(r.screening_id, 0)) for r in page
        ]
    return Page[ScreeningPublic](items=items, total=len(records), offset=offset, limit=limit)


@router.get(
    "/screenings/{screening_id}",
    summary="One screening",
    responses={404: {"description": "no such screening"}},
)
def get_screening(
    request: Request, principal: CurrentPrincipal, screening_id: IdPath
) -> ScreeningPublic:
    """A screening's parameters, outcome and submitter; counts only visible conjunctions."""
    _require_read(principal)
    with store(request, write=False) as session:
        repository = ScreeningRepository(session)
        record = repository.screening(screening_id)
        if record is None:
            raise NotFoundError(f"no screening {screening_id}")
        stored = repository.conjunctions(screening_ids=[screening_id])
        visible = release_conjunctions(session, principal, stored)
        return _screening_public(session, principal, record, len(visible))


@router.get("/conjunctions", summary="Visible conjunctions")
def list_conjunctions(
    request: Request,
    principal: CurrentPrincipal,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
    min_pc: Annotated[float | None, Query(ge=0, le=1, description="Pc at least")] = None,
    max_miss_km: Annotated[float | None, Query(ge=0, description="released miss at most")] = None,
    norad_id: NoradIdQuery = None,
    tca_from: Annotated[datetime | None, Query(description="TCA at or after (UTC)")] = None,
    tca_to: Annotated[datetime | None, Query(description="TCA at or before (UTC)")] = None,
    screening_id: Annotated[int | None, Query(ge=1, le=_MAX_ID)] = None,
) -> Page[ConjunctionPublic]:
    """Conjunctions the caller may see, oldest CDM first; `total` counts only those."""
    with store(request) as session:
        found = visible_conjunctions(
            session,
            principal,
            screening_id=screening_id,
            norad_id=norad_id,
            tca_from=tca_from,
            tca_to=tca_to,
            min_pc=min_pc,
            max_miss_km=max_miss_km,
        )
        page = paginate(found, offset, limit)
        record_conjunction_release(session, principal, page.items)
    return Page[ConjunctionPublic](
        items=[_conjunction_public(c) for c in page.items],
        total=page.total,
        offset=offset,
        limit=limit,
    )


@router.get("/events", summary="Visible conjunction events")
def list_events(
    request: Request,
    principal: CurrentPrincipal,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
    norad_id: NoradIdQuery = None,
    tca_from: Annotated[datetime | None, Query(description="TCA at or after (UTC)")] = None,
    tca_to: Annotated[datetime | None, Query(description="TCA at or before (UTC)")] = None,
    alert_level: Annotated[list[AlertLevel] | None, Query(max_length=3)] = None,
) -> Page[EventPublic]:
    """Events with a visible conjunction, alerts first, then by TCA, with Pc/miss history."""
    with store(request) as session:
        found = visible_events(
            session,
            principal,
            norad_id=norad_id,
            tca_from=tca_from,
            tca_to=tca_to,
            alert_levels=alert_level,
        )
        page = paginate(found, offset, limit)
        record_conjunction_release(
            session, principal, [c for event in page.items for c in event.history]
        )
    return Page[EventPublic](
        items=[_event_public(e) for e in page.items],
        total=page.total,
        offset=offset,
        limit=limit,
    )


@router.get(
    "/events/{event_id}",
    summary="One conjunction event",
    responses={404: {"description": "no such event, or none of it granted to the caller"}},
)
def get_event(request: Request, principal: CurrentPrincipal, event_id: IdPath) -> EventPublic:
    """One event with its visible Pc and miss history (404 if the caller sees none of it)."""
    with store(request) as session:
        event = get_visible_event(session, principal, event_id)
        record_conjunction_release(session, principal, event.history)
    return _event_public(event)


@router.get(
    "/cdms/{cdm_id}",
    summary="Download a CDM",
    response_class=Response,
    responses={
        200: {
            "description": "the CDM, degraded as the granting clause requires",
            "content": {
                "text/plain": {"schema": {"type": "string"}},
                "application/xml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        },
        404: {"description": "no such CDM, or not granted to the caller"},
    },
)
def download_cdm(
    request: Request,
    principal: CurrentPrincipal,
    cdm_id: IdPath,
    format: Literal["kvn", "xml", "json"] = "kvn",
) -> Response:
    """One CDM in CCSDS 508.0-B-1 KVN or XML, or JSON with the same keys, as an attachment."""
    with store(request) as session:
        released = get_visible_cdm(session, principal, cdm_id)
    media_type, extension = _CDM_FORMATS[format]
    writers = {"kvn": format_cdm_kvn, "xml": format_cdm_xml, "json": format_cdm_json}
    body = writers[format](released.message)
    # MESSAGE_ID is free text in a read CDM: keep the header value to safe characters.
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", released.conjunction.message_id) or f"cdm-{cdm_id}"
    filename = f"{stem}.{extension}"
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
