"""The 3-D globe: the whole visible catalog and one encounter, drawn by CesiumJS.

`/console/globe` renders the page; its script fetches `/console/globe/positions?at=...`
(Earth-fixed positions of every object the partner may see, computed on the server by
`_globe_data.catalog_globe` through `accord.access.visible_element_sets`) and draws them as
one point collection. `/console/globe?event=<id>` draws one conjunction event instead: both
objects' trajectories around TCA from the CDM its event page shows
(`_globe_data.event_globe`, through `get_visible_event` and `get_visible_cdm`), embedded in
the page and also served as `/console/globe/events/<id>`. See docs/console.md, "Globe".
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from accord.access import NotFoundError
from accord.service.web._globe_data import (
    GlobeEncounter,
    GlobePoints,
    catalog_globe,
    event_globe,
    parse_globe_time,
)
from accord.service.web._session import MaybePrincipal, sign_in_redirect
from accord.service.web._templates import render
from accord.store import transaction

__all__ = ["router"]

router = APIRouter()
#: Position bodies smaller than this go uncompressed (not worth the CPU).
_GZIP_MIN_BYTES = 4096
#: Where `make assets` copies CesiumJS's built folder (served as /console/static/vendor/cesium/).
CESIUM_DIR = Path(__file__).resolve().parent / "static" / "vendor" / "cesium"
_MAX_TIME_TEXT = 40
_SIGN_IN_FIRST = {
    "title": "Sign in first",
    "status": 401,
    "detail": "The globe's data is for signed-in partners: sign in at /console/sign-in.",
}


def _in_write_transaction(request: Request, work: Any) -> Any:
    # Releases under a clause append `data.released`: SQLite's write lock at BEGIN.
    with transaction(request.app.state.engine, write_lock=True) as session:
        return work(session)


def _bad_time(request: Request, principal: Any, error: ValueError) -> HTMLResponse:
    return render(
        request,
        "globe.html",
        {
            "principal": principal,
            "active": "globe",
            "error": str(error),
            "at_text": "",
            "cesium_ready": _cesium_ready(),
            "page_data": None,
            "encounter": None,
        },
        status_code=422,
    )


def _cesium_ready() -> bool:
    return (CESIUM_DIR / "Cesium.js").is_file()


@router.get("/globe", response_class=HTMLResponse, response_model=None)
async def globe_page(
    request: Request,
    principal: MaybePrincipal,
    at: Annotated[str | None, Query(max_length=_MAX_TIME_TEXT)] = None,
    event: int | None = None,
) -> HTMLResponse | RedirectResponse:
    """The catalog on a globe at `at` (default now), or one event's encounter."""
    if principal is None:
        return sign_in_redirect(request)
    try:
        moment = parse_globe_time(at)
    except ValueError as error:
        return _bad_time(request, principal, error)
    encounter: GlobeEncounter | None = None
    if event is not None:

        def work(session: Session) -> GlobeEncounter:
            return event_globe(session, principal, event)

        try:
            encounter = await run_in_threadpool(_in_write_transaction, request, work)
        except NotFoundError:
            return render(
                request,
                "not_found.html",
                {
                    "principal": principal,
                    "what": f"No conjunction event {event}",
                    "hint": "It does not exist, or no agreement in force shares its data with "
                    "your organisation. The conjunctions list shows every event you can see.",
                },
                status_code=404,
            )
    at_text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    page_data: dict[str, Any] = (
        {"mode": "encounter", "encounter": encounter.as_json()}
        if encounter is not None
        else {"mode": "catalog", "positions_url": f"/console/globe/positions?at={at_text}Z"}
    )
    return render(
        request,
        "globe.html",
        {
            "principal": principal,
            "active": "globe",
            "error": None,
            "at_text": at_text,
            "cesium_ready": _cesium_ready(),
            "page_data": page_data,
            "encounter": encounter,
        },
    )


@router.get("/globe/positions", response_model=None)
async def globe_positions(
    request: Request,
    principal: MaybePrincipal,
    at: Annotated[str | None, Query(max_length=_MAX_TIME_TEXT)] = None,
) -> Response:
    """Earth-fixed (ITRS) positions, km, of every object the partner may see, at `at`."""
    if principal is None:
        return JSONResponse(_SIGN_IN_FIRST, status_code=401, media_type="application/problem+json")
    try:
        moment = parse_globe_time(at)
    except ValueError as error:
        problem = {"title": "Not a time", "status": 422, "detail": str(error)}
        return JSONResponse(problem, status_code=422, media_type="application/problem+json")

    def work(session: Session) -> GlobePoints:
        return catalog_globe(session, principal, moment)

    points = await run_in_threadpool(_in_write_transaction, request, work)
    body = json.dumps(points.as_json(), separators=(",", ":")).encode()
    headers = {"Cache-Control": "private, no-store", "Vary": "Accept-Encoding"}
    # 30,000 objects are about 2 MB of JSON and a fifth of that gzipped. Compressed here, not
    # by a middleware for every page: these bodies reflect nothing from the request and hold
    # no secret, so compression cannot leak one (the BREACH concern with HTML and tokens).
    if len(body) > _GZIP_MIN_BYTES and "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=5)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/json", headers=headers)


@router.get("/globe/events/{event_id}", response_model=None)
async def globe_event(request: Request, principal: MaybePrincipal, event_id: int) -> JSONResponse:
    """One event's trajectories around TCA (ITRS, km), as its globe page draws them."""
    if principal is None:
        return JSONResponse(_SIGN_IN_FIRST, status_code=401, media_type="application/problem+json")

    def work(session: Session) -> GlobeEncounter:
        return event_globe(session, principal, event_id)

    try:
        encounter = await run_in_threadpool(_in_write_transaction, request, work)
    except NotFoundError:
        problem = {
            "title": "Not found",
            "status": 404,
            "detail": f"No conjunction event {event_id} you can see.",
        }
        return JSONResponse(problem, status_code=404, media_type="application/problem+json")
    return JSONResponse(encounter.as_json(), headers={"Cache-Control": "private, no-store"})
