"""Space-Track's REST endpoints over Accord's store, for existing scripts and clients.

`POST /ajaxauth/login` (form fields `identity`, `password`) opens a console session and
sets its cookie; queries are GETs that carry it. `identity` is the console user's
username. Answers are shaped as Space-Track's, because clients read them: `""` after a
good login, `{"Login": "Failed"}` (status 200) after a bad one, `{"error": "..."}` with
the query error's status, 401 without a live session (the `spacetrack` client then logs in
again and retries once). Sessions, API keys (`X-API-Key`) and rate limits are the REST
API's (`accord.service._auth`), and so are the login's guards: a browser login from another
site is a 403 problem (login CSRF), too many failures a 429 problem with `Retry-After`.
Only reads are served, so no CSRF token is asked for. See docs/spacetrack.md, "Serving
Space-Track clients".
"""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.engine import Engine

from accord.access import (
    CatalogItem,
    Principal,
    VisibleConjunction,
    record_catalog_release,
    record_conjunction_release,
)
from accord.service._auth import (
    API_KEY_HEADER,
    SESSION_COOKIE,
    authenticate,
    check_login_origin,
    clear_session_cookies,
    log_out,
    rate_limiter,
    set_session_cookies,
    throttled_log_in,
)
from accord.service.spacetrack._rows import query_rows
from accord.settings import Settings
from accord.spacetrack import (
    CONTROLLER,
    SpaceTrackQueryError,
    format_result,
    modeldef,
    parse_modeldef,
    parse_query,
    run_query,
)
from accord.store import InvalidLoginError, transaction

__all__ = ["LOGIN_FAILED", "NOT_LOGGED_IN", "router"]

#: Body of a refused login, as Space-Track answers it (status 200).
LOGIN_FAILED = {"Login": "Failed"}
#: Body of a query without a live session (status 401).
NOT_LOGGED_IN = {"error": "You must be logged in to complete this action"}

router = APIRouter(tags=["space-track"])


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.post(
    "/ajaxauth/login",
    summary="Log in as Space-Track clients do",
    responses={
        403: {"description": "a browser request from another site (login CSRF)"},
        429: {"description": "too many failed logins for the identity or from the address"},
    },
)
async def login(
    request: Request,
    identity: Annotated[str, Form(description="console username")],
    password: Annotated[str, Form()],
) -> Response:
    """Check the console user's password (argon2id) and open a session; set its cookies.

    The session is the web console's (`accord.service._auth.log_in`): a fresh id every
    time, and the one the client still held is closed. Cross-site browser logins (403) and
    throttled ones (429) are refused before the password is checked.
    """
    check_login_origin(request)
    settings = _settings(request)
    try:
        logged_in = await throttled_log_in(request, identity, password)
    except InvalidLoginError:
        return JSONResponse(LOGIN_FAILED)
    response = JSONResponse("")
    set_session_cookies(response, logged_in.opened, settings)
    return response


@router.get("/ajaxauth/logout", summary="End the Space-Track session")
def logout(request: Request) -> Response:
    """End the session of the cookie (if any) and clear the cookies."""
    log_out(_engine(request), request.cookies.get(SESSION_COOKIE))
    response = JSONResponse("Successfully logged out")
    clear_session_cookies(response, _settings(request))
    return response


def _principal(request: Request) -> Principal | Response:
    """The caller (console session cookie, or an API key as on /api/v1), rate-limited;
    otherwise the answer to send, shaped as Space-Track's."""
    try:
        principal = authenticate(
            _engine(request),
            api_key=request.headers.get(API_KEY_HEADER),
            session_token=request.cookies.get(SESSION_COOKIE),
            csrf_token=None,
            state_changing=False,  # reads only
        )
    except HTTPException:
        return JSONResponse(NOT_LOGGED_IN, status_code=401)
    retry_after_s = rate_limiter(request).take(principal.name)
    if retry_after_s is not None:
        return JSONResponse(
            {"error": f"query rate limit reached; retry in {math.ceil(retry_after_s)} s"},
            status_code=429,
            headers={"Retry-After": str(max(1, math.ceil(retry_after_s)))},
        )
    return principal


def _raw_tail(request: Request, marker: str) -> str:
    """The still-encoded path after `marker`, so that `%2F` in a value stays in its segment."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else request.url.path
    return path.split(marker, 1)[1]


def _error(error: SpaceTrackQueryError) -> JSONResponse:
    return JSONResponse(error.error_body(), status_code=error.http_status)


@router.get(f"/{CONTROLLER}/modeldef/{{path:path}}", summary="Space-Track modeldef")
def modeldef_route(request: Request, path: str) -> Response:
    """The fields of a request class, as Space-Track's modeldef lists them."""
    principal = _principal(request)
    if isinstance(principal, Response):
        return principal
    try:
        request_class = parse_modeldef(_raw_tail(request, f"/{CONTROLLER}/modeldef/"))
    except SpaceTrackQueryError as error:
        return _error(error)
    return JSONResponse(modeldef(request_class))


@router.get(f"/{CONTROLLER}/query/{{path:path}}", summary="Space-Track query")
def query_route(request: Request, path: str) -> Response:
    """Run a Space-Track query over what the caller may see, in the format it asks for."""
    try:
        query = parse_query(_raw_tail(request, f"/{CONTROLLER}/query/"))
    except SpaceTrackQueryError as error:
        parse_error: SpaceTrackQueryError | None = error
    else:
        parse_error = None
    principal = _principal(request)
    if isinstance(principal, Response):
        return principal
    if parse_error is not None:
        return _error(parse_error)
    now = datetime.now(UTC)  # once: now-N means the same instant in SQL and in run_query
    with transaction(_engine(request), write_lock=True) as session:
        try:
            class_rows = query_rows(session, principal, query, now=now)
            result = run_query(query, class_rows.rows, now=now)
            if class_rows.unreturned:
                # Rows cut off in SQL past offset + limit still count in metadata's Total.
                result = dataclasses.replace(result, total=result.total + class_rows.unreturned)
            response = format_result(result)
        except SpaceTrackQueryError as error:
            return _error(error)
        released_by_row = class_rows.released
        released = [released_by_row[id(row)] for row in result.rows if id(row) in released_by_row]
        items = [r for r in released if isinstance(r, CatalogItem)]
        record_catalog_release(session, principal, items, at=now)
        cdms = [r for r in released if isinstance(r, VisibleConjunction)]
        record_conjunction_release(session, principal, cdms, at=now)
    return Response(response.body, media_type=response.media_type)
