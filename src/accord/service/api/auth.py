"""Console login and logout, and who the caller is (`/auth/...`).

`POST /auth/login` is the only route here open to anonymous callers. It takes a JSON object
or an url-encoded form with `username` and `password`, checks the argon2id hash, closes any
session the client still held and opens a fresh one (never an id the client offered), and
sets the HttpOnly session cookie plus the CSRF cookie whose value state-changing requests
echo in `X-CSRF-Token` (also returned in the body). A browser request from another site is
refused (403, login CSRF) and failed logins are throttled (429): `accord.service._auth`.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from accord.service._auth import (
    SESSION_COOKIE,
    CurrentPrincipal,
    check_login_origin,
    clear_session_cookies,
    log_out,
    set_session_cookies,
    throttled_log_in,
)
from accord.settings import Settings
from accord.store import InvalidLoginError, PartnerRepository, transaction

__all__ = ["router"]

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginCreate(BaseModel):
    """Console credentials."""

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1024)


class LoginPublic(BaseModel):
    """An opened console session: who, until when, and the CSRF token to echo."""

    username: str
    partner: str
    role: str
    expires_at: datetime
    csrf_token: str


class WhoAmIPublic(BaseModel):
    """The authenticated caller as the authorisation point sees it."""

    partner: str
    partner_id: int
    roles: list[str]
    scopes: list[str] | None
    name: str


async def _credentials(request: Request) -> LoginCreate:
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            fields = parse_qs(body.decode("utf-8", "replace"))
            return LoginCreate.model_validate({k: v[0] for k, v in fields.items()})
        return LoginCreate.model_validate(json.loads(body or b"null"))
    except (ValueError, ValidationError):
        raise HTTPException(
            422,
            "send `username` and `password` as a JSON object or an url-encoded form",
        ) from None


_LOGIN_SCHEMA = LoginCreate.model_json_schema()
_LOGIN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _LOGIN_SCHEMA},
            "application/x-www-form-urlencoded": {"schema": _LOGIN_SCHEMA},
        },
    }
}


@router.post(
    "/login",
    summary="Log in to the web console",
    openapi_extra=_LOGIN_BODY,
    responses={
        401: {"description": "unknown username or wrong password (the same answer for both)"},
        403: {"description": "a browser request from another site (login CSRF)"},
        429: {"description": "too many failed logins for the username or from the address"},
    },
)
async def login(request: Request, response: Response) -> LoginPublic:
    """Open a console session; sets the `accord_session` and `accord_csrf` cookies."""
    check_login_origin(request)
    credentials = await _credentials(request)
    settings: Settings = request.app.state.settings
    engine = request.app.state.engine
    try:
        logged_in = await throttled_log_in(request, credentials.username, credentials.password)
    except InvalidLoginError as error:
        raise HTTPException(401, str(error)) from None

    def partner_handle() -> str:
        with transaction(engine) as session:
            partner = PartnerRepository(session).get(logged_in.partner_id)
            return partner.handle or str(partner.id)

    handle = await run_in_threadpool(partner_handle)
    set_session_cookies(response, logged_in.opened, settings)
    return LoginPublic(
        username=logged_in.username,
        partner=handle,
        role=logged_in.role,
        expires_at=logged_in.opened.row.expires_at,
        csrf_token=logged_in.opened.csrf_token,
    )


@router.post("/logout", summary="Log out of the web console", status_code=204)
def logout(request: Request, principal: CurrentPrincipal) -> Response:
    """Close the caller's console session (an API-key caller has none: nothing happens)."""
    log_out(request.app.state.engine, request.cookies.get(SESSION_COOKIE))
    response = Response(status_code=204)
    clear_session_cookies(response, request.app.state.settings)
    return response


@router.get("/me", summary="Who the caller is")
def whoami(principal: CurrentPrincipal) -> WhoAmIPublic:
    """The partner, roles and (for an API key) scopes the request is authenticated as."""
    return WhoAmIPublic(
        partner=principal.partner,
        partner_id=principal.partner_id,
        roles=sorted(r.value for r in principal.roles),
        scopes=None if principal.scopes is None else sorted(s.value for s in principal.scopes),
        name=principal.name,
    )
