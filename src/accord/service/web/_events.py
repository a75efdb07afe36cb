"""The console's conjunction pages: the list of visible events and one event's page.

Visibility is decided by `accord.access` (`visible_events`, `get_visible_event`,
`get_visible_cdm`), exactly as `/api/v1/events` and `/api/v1/cdms/{id}` decide it, and data
released under a clause is logged as `data.released` as the API logs it. The encounter
plane is computed on the server from the latest visible CDM (degraded as released).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from accord.access import (
    NotFoundError,
    Principal,
    VisibleEvent,
    get_visible_cdm,
    get_visible_event,
    record_conjunction_release,
    visible_events,
)
from accord.conjunctions import (
    EncounterGeometryError,
    cdm_hard_body_radius_m,
    encounter_plane_projection,
    rtn_covariance_to_inertial,
)
from accord.formats import ConjunctionDataMessage
from accord.service.web._session import MaybePrincipal, sign_in_redirect
from accord.service.web._templates import render
from accord.store import AlertLevel, transaction

__all__ = ["EVENTS_PAGE_SIZE", "EncounterPlane", "encounter_plane", "router"]

router = APIRouter()
EVENTS_PAGE_SIZE = 50
SortKey = Literal["alert", "tca", "miss", "pc"]
#: Sigma levels drawn in the encounter plane.
SIGMA_LEVELS = (1, 2, 3)
_ELLIPSE_POINTS = 73
_ALERT_RANK = {AlertLevel.ALERT: 0, AlertLevel.WATCH: 1, AlertLevel.NONE: 2, None: 3}


@dataclass(frozen=True, slots=True)
class EncounterPlane:
    """The encounter plane of one CDM: miss on the first axis, metres.

    `covariance_m2` is the combined position covariance projected on the plane (2x2,
    None when withheld or absent); `ellipses` maps a sigma level to (x_m, y_m) outlines;
    `hard_body_radius_m` is the combined radius the CDM states (None when it states none).
    """

    miss_m: float
    covariance_m2: tuple[tuple[float, float], tuple[float, float]] | None
    ellipses: dict[int, tuple[list[float], list[float]]]
    hard_body_radius_m: float | None
    note: str | None


def encounter_plane(message: ConjunctionDataMessage) -> EncounterPlane:
    """Project both objects' covariances (RTN, rotated to the states' frame) on the
    encounter plane of `message` (`accord.conjunctions.encounter_plane_projection`)."""
    first, second = message.object1.state_vector, message.object2.state_vector
    relative_m = (second.position_km - first.position_km) * 1000.0
    velocity_m_s = (second.velocity_km_s - first.velocity_km_s) * 1000.0
    combined = rtn_covariance_to_inertial(
        message.object1.covariance.position_m2, first.position_km, first.velocity_km_s
    ) + rtn_covariance_to_inertial(
        message.object2.covariance.position_m2, second.position_km, second.velocity_km_s
    )
    radius = cdm_hard_body_radius_m(message)
    try:
        miss, cov_2d = encounter_plane_projection(
            relative_m[None, :], velocity_m_s[None, :], combined[None, :, :]
        )
    except EncounterGeometryError as error:
        return EncounterPlane(float(np.linalg.norm(relative_m)), None, {}, radius, str(error))
    miss_m = float(miss[0])
    cov = cov_2d[0]
    if not np.all(np.isfinite(cov)) or not np.any(cov):
        note = "The covariance is withheld or absent: no ellipse can be drawn."
        return EncounterPlane(miss_m, None, {}, radius, note)
    values, vectors = np.linalg.eigh(cov)
    values = np.clip(values, 0.0, None)
    angle = np.linspace(0.0, 2.0 * math.pi, _ELLIPSE_POINTS)
    unit = np.stack([np.cos(angle), np.sin(angle)])  # (2, N)
    shape = vectors @ np.diag(np.sqrt(values))
    ellipses = {}
    for sigma in SIGMA_LEVELS:
        outline = sigma * (shape @ unit)
        ellipses[sigma] = (
            [round(float(x) + miss_m, 3) for x in outline[0]],
            [round(float(y), 3) for y in outline[1]],
        )
    covariance = ((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1])))
    methods = {
        message.object1.metadata.covariance_method,
        message.object2.metadata.covariance_method,
    }
    default_note = (
        "At least one covariance is the documented default (COVARIANCE_METHOD = DEFAULT: "
        "assumed RTN position sigmas, because element sets carry none): the ellipses show "
        "that assumption, not a measured uncertainty."
        if "DEFAULT" in {m.upper() for m in methods}
        else None
    )
    return EncounterPlane(miss_m, covariance, ellipses, radius, default_note)


def _sort(events: list[VisibleEvent], key: SortKey, descending: bool) -> list[VisibleEvent]:
    def pc(e: VisibleEvent) -> float:
        return -1.0 if e.latest_pc is None else e.latest_pc

    keys: dict[str, Any] = {
        "alert": lambda e: (_ALERT_RANK.get(e.alert_level, 3), e.tca),
        "tca": lambda e: e.tca,
        "miss": lambda e: e.latest_miss_km,
        "pc": pc,
    }
    return sorted(events, key=keys[key], reverse=descending)


def _not_found(request: Request, principal: Principal, event_id: int) -> HTMLResponse:
    return render(
        request,
        "not_found.html",
        {
            "principal": principal,
            "what": f"No conjunction event {event_id}",
            "hint": "It does not exist, or no agreement in force shares its data with your "
            "organisation. The conjunctions list shows every event you can see.",
        },
        status_code=404,
    )


@router.get("/conjunctions", response_class=HTMLResponse, response_model=None)
async def conjunctions_page(
    request: Request,
    principal: MaybePrincipal,
    sort: SortKey = "alert",
    order: Literal["asc", "desc"] = "asc",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse | RedirectResponse:
    """Visible conjunction events, sorted on the server, 50 a page."""
    if principal is None:
        return sign_in_redirect(request)

    def work(session: Session) -> tuple[list[VisibleEvent], int]:
        found = _sort(visible_events(session, principal), sort, order == "desc")
        start = (page - 1) * EVENTS_PAGE_SIZE
        shown = found[start : start + EVENTS_PAGE_SIZE]
        record_conjunction_release(session, principal, [c for e in shown for c in e.history])
        return shown, len(found)

    shown, total = await run_in_threadpool(_in_transaction, request.app.state.engine, work)
    pages = max(1, -(-total // EVENTS_PAGE_SIZE))
    return render(
        request,
        "conjunctions.html",
        {
            "principal": principal,
            "events": shown,
            "total": total,
            "page": page,
            "pages": pages,
            "sort": sort,
            "order": order,
        },
    )


def _in_transaction(engine: Any, work: Any) -> Any:
    # Releases under a clause append `data.released`: SQLite's write lock at BEGIN.
    with transaction(engine, write_lock=True) as session:
        return work(session)


@router.get("/conjunctions/{event_id}", response_class=HTMLResponse, response_model=None)
async def event_page(
    request: Request, principal: MaybePrincipal, event_id: int
) -> HTMLResponse | RedirectResponse:
    """One event: Pc and miss history, miss vector in RTN, encounter plane, CDM downloads."""
    if principal is None:
        return sign_in_redirect(request)

    def work(session: Session) -> tuple[VisibleEvent, EncounterPlane | None]:
        event = get_visible_event(session, principal, event_id)
        record_conjunction_release(session, principal, event.history)
        latest = max(event.history, key=lambda c: c.cdm_created_at)
        released = get_visible_cdm(session, principal, latest.cdm_id, record_release=False)
        return event, encounter_plane(released.message)

    try:
        event, plane = await run_in_threadpool(_in_transaction, request.app.state.engine, work)
    except NotFoundError:
        return _not_found(request, principal, event_id)
    history = sorted(event.history, key=lambda c: c.cdm_created_at)
    latest = history[-1]
    page_data = {
        "event_id": event.event_id,
        "history": {
            "created": [c.cdm_created_at.isoformat() for c in history],
            "pc": [c.collision_probability for c in history],
            "miss_km": [c.miss_km for c in history],
        },
        "plane": None
        if plane is None
        else {
            "miss_m": plane.miss_m,
            "ellipses": {str(k): {"x": v[0], "y": v[1]} for k, v in plane.ellipses.items()},
            "hard_body_radius_m": plane.hard_body_radius_m,
        },
    }
    return render(
        request,
        "event.html",
        {
            "principal": principal,
            "event": event,
            "history": list(reversed(history)),
            "latest": latest,
            "plane": plane,
            "page_data": page_data,
        },
    )
