"""Console sign-in and sign-out, and who is signed in, over the service's session login.

Sign-in posts a plain form (it works without scripts) to `/console/sign-in`, which checks
the password and opens the session with `accord.service._auth.log_in`, the same session
login `POST /auth/login` uses (throttled alike: `throttled_log_in`), then sets the same
cookies. The form carries a login CSRF token (double submit: a random value in a
SameSite=Strict cookie and in the form) so another site cannot sign a browser into an
account of its choosing. Signed-in pages take the
principal from `current_principal`, the API's own dependency, so sessions, CSRF on
state-changing requests and rate limits are checked in one place.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from accord.access import Principal
from accord.service._auth import (
    SESSION_COOKIE,
    clear_session_cookies,
    current_principal,
    log_out,
    set_session_cookies,
    throttled_log_in,
)
from accord.service.web._templates import render
from accord.settings import Settings
from accord.store import InvalidLoginError

__all__ = [
    "LOGIN_CSRF_COOKIE",
    "MaybePrincipal",
    "console_principal",
    "router",
    "safe_next",
    "sign_in_redirect",
]

router = APIRouter()
LOGIN_CSRF_COOKIE = "accord_login_csrf"
_PREFIX = "/console"


async def console_principal(request: Request) -> Principal | None:
    """The signed-in principal, or None when the request carries no valid session."""
    try:
        return await current_principal(request)
    except HTTPException as refused:
        if refused.status_code == 401:
            return None
        raise


MaybePrincipal = Annotated[Principal | None, Depends(console_principal)]


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console path only (never another site)."""
    if target and target.startswith(_PREFIX + "/") and not target.startswith("//"):
        return target
    return _PREFIX + "/"


def sign_in_redirect(request: Request) -> RedirectResponse:
    """Send an anonymous visitor to the sign-in page, coming back here afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{_PREFIX}/sign-in?next={quote(here, safe='')}", status_code=303)


def _sign_in_page(
    request: Request, *, next_path: str, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "sign_in.html",
        {"login_csrf": token, "next_path": next_path, "error": error},
        status_code=status_code,
    )
    settings: Settings = request.app.state.settings
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.session_cookie_secure,
        path=f"{_PREFIX}/sign-in",
    )
    return response


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str | None = None) -> HTMLResponse:
    """The sign-in form."""
    return _sign_in_page(request, next_path=safe_next(next))


@router.post("/sign-in", response_model=None)
async def sign_in(request: Request) -> Response:
    """Check the form's login CSRF token and the password; open a session and go on."""
    form = await request.form()
    next_path = safe_next(str(form.get("next") or ""))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    presented = str(form.get("csrf_token") or "")
    if not expected or not hmac.compare_digest(expected, presented):
        return _sign_in_page(
            request,
            next_path=next_path,
            error="This sign-in form has expired or was not sent by this console. "
            "Please enter your username and password again.",
            status_code=403,
        )
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    if not username or not password:
        return _sign_in_page(
            request,
            next_path=next_path,
            error="Enter both your username and your password.",
            status_code=422,
        )
    settings: Settings = request.app.state.settings
    try:
        logged_in = await throttled_log_in(request, username, password)
    except HTTPException as throttled:  # 429: too many failed logins
        page = _sign_in_page(
            request,
            next_path=next_path,
            error="Too many failed sign-ins for this username or from your network. Wait "
            f"{(throttled.headers or {}).get('Retry-After', 'a few')} seconds and try again; "
            "your partner's administrator can reset a forgotten password.",
            status_code=throttled.status_code,
        )
        page.headers.update(throttled.headers or {})
        return page
    except InvalidLoginError:
        return _sign_in_page(
            request,
            next_path=next_path,
            error="Unknown username or wrong password. Check both and try again; your "
            "partner's administrator can reset a forgotten password.",
            status_code=401,
        )
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookies(response, logged_in.opened, settings)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=f"{_PREFIX}/sign-in")
    return response


@router.post("/sign-out", response_model=None)
async def sign_out(request: Request) -> Response:
    """Close the session (the form carries the session's CSRF token) and go to sign-in."""
    # Checks the session and its CSRF token (form field `csrf_token`) like any API write.
    await current_principal(request)
    await run_in_threadpool(log_out, request.app.state.engine, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(f"{_PREFIX}/sign-in", status_code=303)
    clear_session_cookies(response, request.app.state.settings)
    return response
