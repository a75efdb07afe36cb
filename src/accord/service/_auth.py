"""Who is calling: API keys, console sessions, CSRF and per-key rate limits.

Every route but the public ones (`/health`, `/docs`, `/openapi.json`, `/audit/*`,
`POST /auth/login`) takes `CurrentPrincipal`, which yields the `accord.access.Principal`
of the request or answers a RFC 9457 problem:

- an API key, as `Authorization: Bearer acc_...` or `X-API-Key: acc_...` (checked against
  the store's SHA-256, constant-time; revoked and expired keys are refused alike: 401);
- else a console session cookie (`accord_session`, HttpOnly, SameSite=Lax, `Secure` unless
  `ACCORD_SESSION_COOKIE_SECURE=false`); a state-changing request (anything but GET, HEAD,
  OPTIONS) authenticated by cookie must also carry the session's CSRF token, as the
  `X-CSRF-Token` header or a `csrf_token` form field (synchronizer token: the store keeps
  its hash with the session), else 403. API-key requests need no CSRF token: browsers never
  attach a key on their own, which is what CSRF abuses.

Then the caller's bucket is charged one token (`RateLimiter`); an empty bucket answers 429
with `Retry-After`. The reason a key was refused goes to the server's log, never to the
client (every refusal reads the same, so a prober learns nothing).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from accord.access import Principal, principal_from_api_key, principal_from_session
from accord.settings import Settings
from accord.store import (
    ApiKeyRejected,
    InvalidSessionError,
    OpenedSession,
    UserRepository,
    transaction,
)

__all__ = [
    "API_KEY_HEADER",
    "CSRF_COOKIE",
    "CSRF_FORM_FIELD",
    "CSRF_HEADER",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "CurrentPrincipal",
    "LoggedIn",
    "RateLimiter",
    "authenticate",
    "clear_session_cookies",
    "current_principal",
    "form_field",
    "log_in",
    "log_out",
    "rate_limiter",
    "set_session_cookies",
]

_log = logging.getLogger(__name__)

API_KEY_HEADER = "X-API-Key"
SESSION_COOKIE = "accord_session"
#: Readable by the console's scripts (not HttpOnly) so they can echo it in `X-CSRF-Token`.
CSRF_COOKIE = "accord_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORM_TYPE = "application/x-www-form-urlencoded"
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="accord"'}


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers=_CHALLENGE)


class RateLimiter:
    """Token buckets per caller: `per_minute` tokens, refilled continuously, in this process.

    Written by hand: the limit is a dozen lines and needs no shared store; a deployment with
    several processes gets `per_minute` per process (docs/api.md says so). `clock` returns
    seconds (monotonic) and is injectable so tests need no sleeping.
    """

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # caller -> (tokens, at)

    def take(self, caller: str) -> float | None:
        """Charge `caller` one request: None if allowed, else the seconds until it would be."""
        if self.per_minute <= 0:
            return None
        rate_per_s = self.per_minute / 60.0
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get(caller, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - at) * rate_per_s)
            if tokens >= 1.0:
                self._buckets[caller] = (tokens - 1.0, now)
                return None
            self._buckets[caller] = (tokens, now)
            return (1.0 - tokens) / rate_per_s


def rate_limiter(request: Request) -> RateLimiter:
    """The application's limiter, made on first use from its settings."""
    state = request.app.state
    limiter: RateLimiter | None = getattr(state, "rate_limiter", None)
    if limiter is None:
        settings: Settings = state.settings
        limiter = RateLimiter(settings.rate_limit_per_minute)
        state.rate_limiter = limiter
    return limiter


def _presented_key(request: Request) -> str | None:
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise _unauthorized(
                "the Authorization header must read `Bearer <API key>`; create a key with "
                "`accord key create`"
            )
        return credentials.strip()
    return request.headers.get(API_KEY_HEADER)


def authenticate(
    engine: Engine,
    *,
    api_key: str | None,
    session_token: str | None,
    csrf_token: str | None,
    state_changing: bool,
    at: datetime | None = None,
) -> Principal:
    """The principal of presented credentials (an API key wins over a session cookie).

    Raises `HTTPException` 401 for missing or invalid credentials, 403 for a cookie-
    authenticated state-changing request without the session's CSRF token.
    """
    now = at or datetime.now(UTC)
    if api_key is not None:
        try:
            # The write lock: verifying may record last_used_at (at most once a minute).
            with transaction(engine, write_lock=True) as session:
                return principal_from_api_key(session, api_key, at=now)
        except ApiKeyRejected as rejected:
            _log.info("auth: %s", rejected)
            raise _unauthorized("the API key is not valid (unknown, revoked or expired)") from None
    if session_token is not None:
        with transaction(engine) as session:
            users = UserRepository(session)
            try:
                row, _ = users.session_user(session_token, at=now)
            except InvalidSessionError:
                raise _unauthorized("the console session is not valid; log in again") from None
            if state_changing:
                try:
                    users.check_csrf(row, csrf_token)
                except InvalidSessionError as error:
                    raise HTTPException(403, str(error)) from None
            return principal_from_session(session, session_token, at=now)
    raise _unauthorized(
        "authentication required: send `Authorization: Bearer <API key>` (or `X-API-Key`), "
        "or log in at POST /auth/login"
    )


async def form_field(request: Request, name: str) -> str | None:
    """One field of an url-encoded form body (the body stays cached for the route).

    Parsed here with the standard library: Starlette's form parser needs python-multipart,
    which Accord does not depend on (console forms are url-encoded, not multipart).
    """
    values = parse_qs((await request.body()).decode("utf-8", "replace")).get(name)
    return values[0] if values else None


async def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the authenticated, rate-limited principal of this request."""
    state_changing = request.method not in SAFE_METHODS
    csrf_token = request.headers.get(CSRF_HEADER)
    session_token = request.cookies.get(SESSION_COOKIE)
    api_key = _presented_key(request)
    if (
        api_key is None
        and state_changing
        and csrf_token is None
        and session_token is not None
        and request.headers.get("content-type", "").startswith(_FORM_TYPE)
    ):
        csrf_token = await form_field(request, CSRF_FORM_FIELD)
    principal = await run_in_threadpool(
        authenticate,
        request.app.state.engine,
        api_key=api_key,
        session_token=session_token,
        csrf_token=csrf_token,
        state_changing=state_changing,
    )
    retry_after_s = rate_limiter(request).take(principal.name)
    if retry_after_s is not None:
        raise HTTPException(
            429,
            f"rate limit of {rate_limiter(request).per_minute} requests per minute reached for "
            f"{principal.name}; retry after the time in Retry-After",
            headers={"Retry-After": str(max(1, math.ceil(retry_after_s)))},
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


# --- console sessions -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggedIn:
    """A console login: the opened session (tokens shown once) and who it is for."""

    opened: OpenedSession
    username: str
    partner_id: int
    role: str


def log_in(
    engine: Engine,
    settings: Settings,
    username: str,
    password: str,
    *,
    previous_session_token: str | None = None,
    at: datetime | None = None,
) -> LoggedIn:
    """Check a console password (argon2id) and open a fresh session.

    The session id is always new, never one the client offered, and a session the client
    still held is closed (no fixation). Raises `accord.store.InvalidLoginError`.
    """
    now = at or datetime.now(UTC)
    with transaction(engine, write_lock=True) as session:
        users = UserRepository(session)
        user = users.authenticate(username, password)
        if previous_session_token is not None:
            users.close_session(previous_session_token, at=now)
        opened = users.open_session(
            user, lifetime=timedelta(seconds=settings.session_lifetime_s), at=now
        )
        return LoggedIn(opened, user.username, user.partner_id, user.role)


def log_out(engine: Engine, session_token: str | None) -> None:
    """Close a console session (an unknown or absent token is ignored)."""
    if session_token is None:
        return
    with transaction(engine, write_lock=True) as session:
        UserRepository(session).close_session(session_token)


def set_session_cookies(response: Response, opened: OpenedSession, settings: Settings) -> None:
    """Set the session cookie (HttpOnly) and the CSRF cookie (readable by scripts)."""
    max_age = int(settings.session_lifetime_s)
    response.set_cookie(
        SESSION_COOKIE,
        opened.session_token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=settings.session_cookie_secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        opened.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=settings.session_cookie_secure,
        path="/",
    )


def clear_session_cookies(response: Response, settings: Settings) -> None:
    """Delete both console cookies."""
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(
            name, path="/", secure=settings.session_cookie_secure, samesite="lax"
        )
