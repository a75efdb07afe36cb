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

Logins (`POST /auth/login`, `POST /ajaxauth/login`, the console's sign-in form) go through
`throttled_log_in`: failed logins are counted per username and per client address
(`LoginThrottle`), and past the settings' limits the login answers 429 with `Retry-After`
before any password is checked. The two API logins also refuse a browser request from
another site (`check_login_origin`: login CSRF, which the session's own CSRF token cannot
stop because there is no session yet); the console's form carries its own login token.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import Depends, HTTPException, Request, Response
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from accord.access import Principal, principal_from_api_key, principal_from_session
from accord.settings import Settings
from accord.store import (
    ApiKeyRejected,
    InvalidLoginError,
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
    "LoginThrottle",
    "RateLimiter",
    "authenticate",
    "check_login_origin",
    "clear_session_cookies",
    "client_address",
    "current_principal",
    "form_field",
    "log_in",
    "log_out",
    "login_throttle",
    "rate_limiter",
    "set_session_cookies",
    "throttled_log_in",
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

    Parsed with the standard library: console forms are url-encoded, so `parse_qs` is all
    one field takes, and the raw body stays cached for the route, which reads it again (as
    bytes, or as a form through python-multipart, a dependency of Accord like FastAPI's
    `Form` parameters).
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


# --- login throttle and login CSRF -------------------------------------------------------------

#: Key count past which stale entries are swept from the throttle (it then doubles).
_THROTTLE_SWEEP_AT = 1024


class LoginThrottle:
    """Failed logins per username and per client address in a sliding window, in this process.

    A key (`user:<name>` or `addr:<address>`) that has `limit` failures within `window_s`
    refuses further logins until the oldest of them is `window_s` old: roughly `limit`
    guesses per window, whichever password is tried. Failures of unknown usernames count
    alike, so the throttle says nothing about which usernames exist. Written by hand, as
    `RateLimiter` is: a dozen lines, no shared store (each process keeps its own counts;
    docs/api.md says so). Each key keeps at most `limit` timestamps, and keys idle for a
    window are swept, so a flood of made-up usernames cannot grow it without bound.
    """

    def __init__(
        self,
        max_failures_per_username: int,
        max_failures_per_address: int,
        window_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures_per_username = max_failures_per_username
        self.max_failures_per_address = max_failures_per_address
        self.window_s = window_s
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}
        self._sweep_at = _THROTTLE_SWEEP_AT

    def _keys(self, username: str, address: str) -> list[tuple[str, int]]:
        keys = []
        if self.max_failures_per_username > 0:
            keys.append(
                (f"user:{username.strip().casefold()[:200]}", self.max_failures_per_username)
            )
        if self.max_failures_per_address > 0:
            keys.append((f"addr:{address}", self.max_failures_per_address))
        return keys

    def retry_after(self, username: str, address: str) -> float | None:
        """None if a login of `username` from `address` may be tried now, else the seconds
        until it may."""
        now = self.clock()
        waits = []
        with self._lock:
            for key, limit in self._keys(username, address):
                failures = self._failures.get(key)
                if failures is not None and len(failures) >= limit:
                    wait_s = failures[0] + self.window_s - now
                    if wait_s > 0.0:
                        waits.append(wait_s)
        return max(waits) if waits else None

    def record_failure(self, username: str, address: str) -> None:
        """Count one failed login against the username and the address."""
        now = self.clock()
        with self._lock:
            for key, limit in self._keys(username, address):
                failures = self._failures.get(key)
                if failures is None or failures.maxlen != limit:
                    failures = self._failures[key] = deque(failures or (), maxlen=limit)
                failures.append(now)
            if len(self._failures) > self._sweep_at:
                horizon = now - self.window_s
                self._failures = {k: v for k, v in self._failures.items() if v[-1] > horizon}
                self._sweep_at = max(_THROTTLE_SWEEP_AT, 2 * len(self._failures))

    def record_success(self, username: str) -> None:
        """A good password: the username's failures are forgotten (the address's are not,
        so one account an attacker holds does not clear the way for guessing others)."""
        with self._lock:
            for key, _ in self._keys(username, ""):
                if key.startswith("user:"):
                    self._failures.pop(key, None)


def login_throttle(request: Request) -> LoginThrottle:
    """The application's login throttle, made on first use from its settings."""
    state = request.app.state
    throttle: LoginThrottle | None = getattr(state, "login_throttle", None)
    if throttle is None:
        settings: Settings = state.settings
        throttle = LoginThrottle(
            settings.login_max_failures,
            settings.login_max_failures_per_address,
            settings.login_failure_window_s,
        )
        state.login_throttle = throttle
    return throttle


def client_address(request: Request) -> str:
    """The peer address of the request (a proxy's own, unless the server is told to trust
    its forwarded headers, e.g. `uvicorn --forwarded-allow-ips`)."""
    return request.client.host if request.client is not None else "unknown"


async def throttled_log_in(request: Request, username: str, password: str) -> LoggedIn:
    """`log_in`, refused with 429 while the username or the client address has too many
    recent failures; counts this attempt's outcome.

    Raises `HTTPException` 429 (with `Retry-After`) or `accord.store.InvalidLoginError`.
    The password is never logged.
    """
    throttle = login_throttle(request)
    address = client_address(request)
    wait_s = throttle.retry_after(username, address)
    if wait_s is not None:
        retry_after_s = max(1, math.ceil(wait_s))
        _log.warning("auth: login of %r from %s refused: too many failures", username, address)
        raise HTTPException(
            429,
            f"too many failed logins for this username or from this address; retry after "
            f"{retry_after_s} s (Retry-After), or ask your partner's administrator to reset "
            "the password",
            headers={"Retry-After": str(retry_after_s)},
        )
    try:
        logged_in = await run_in_threadpool(
            log_in,
            request.app.state.engine,
            request.app.state.settings,
            username,
            password,
            previous_session_token=request.cookies.get(SESSION_COOKIE),
        )
    except InvalidLoginError:
        throttle.record_failure(username, address)
        _log.info("auth: failed login of %r from %s", username, address)
        raise
    throttle.record_success(username)
    return logged_in


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL or Origin, else None (`null`, malformed)."""
    try:
        parts = urlsplit(url.strip())
        scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or _DEFAULT_PORTS[scheme]


def _server_origin(request: Request) -> tuple[str, str, int] | None:
    settings: Settings = request.app.state.settings
    if settings.public_base_url:
        return _origin(settings.public_base_url)
    host = request.headers.get("host")
    return _origin(f"{request.url.scheme}://{host}") if host else None


def check_login_origin(request: Request) -> None:
    """Refuse (403) a login a browser sent from another site: login CSRF.

    OWASP's defence for login forms without a pre-session: the browser's own
    `Sec-Fetch-Site: cross-site`, or an `Origin` (else a `Referer`) other than this server's
    origin (`ACCORD_PUBLIC_BASE_URL`, else the scheme and Host the request came to). A
    request with none of these headers is not from a browser form (the `spacetrack`
    package, curl) and passes: CSRF needs a browser to send the victim's request.
    """
    reason = None
    fetch_site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    referer = request.headers.get("referer")
    own = _server_origin(request)
    if fetch_site is not None and fetch_site.strip().lower() == "cross-site":
        reason = "the browser marked the request cross-site (Sec-Fetch-Site)"
    elif origin is not None:
        if own is None or _origin(origin) != own:
            reason = f"its Origin {origin[:200]!r} is not this server's"
    elif referer is not None and (own is None or _origin(referer) != own):
        reason = "its Referer is not a page of this server"
    if reason is None:
        return
    _log.warning("auth: cross-site login refused from %s: %s", client_address(request), reason)
    raise HTTPException(
        403,
        f"login refused: {reason}, so another site may have sent it (login CSRF). Sign in "
        "on this server's own pages (/console/sign-in); scripts send no Origin, Referer or "
        "Sec-Fetch-Site header; behind a proxy, set ACCORD_PUBLIC_BASE_URL to the address "
        "browsers use",
    )


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
