"""Authentication over HTTP: keys, console sessions, CSRF, rate limits, deny by default."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from accord.access import add_console_user, revoke_api_key
from accord.service._auth import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    LoginThrottle,
    RateLimiter,
    current_principal,
)
from accord.store import ApiKeyRepository, PartnerRepository, transaction
from tests.service._api import World, bearer, issue_key, running_world

PASSWORD = "correct horse battery staple"
#: Routes anyone may call: liveness, API docs, public audit verification, console login,
#: and the Space-Track login (which authenticates by its own form).
PUBLIC_PATHS = {"/health", "/auth/login", "/ajaxauth/login", "/"}
PUBLIC_PREFIXES = ("/audit/", "/docs", "/redoc", "/openapi.json")
#: HTML pages of the web console: they redirect to their sign-in page instead of a 401
#: problem, with their own dependency over the same session check (tests/service/web).
CONSOLE_PREFIXES = ("/console",)
#: Space-Track-compatible routes call `accord.service._auth.authenticate` themselves, to
#: answer in Space-Track's shape (tests/service/test_spacetrack_client.py).
SPACETRACK_PREFIXES = ("/ajaxauth/", "/basicspacedata/")


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with running_world(tmp_path_factory.mktemp("auth")) as running:
        with transaction(running.engine, write_lock=True) as session:
            esa = PartnerRepository(session).get_by_handle("esa")
            add_console_user(session, "ops@esa", esa, "operator", PASSWORD)
        yield running


@pytest.fixture
def world(shared_world: World) -> Iterator[World]:
    """The module's app with an empty cookie jar (each test logs in for itself) and a fresh
    login throttle made from its settings (failed logins of one test do not count in the
    next)."""
    shared_world.client.cookies.clear()
    state = shared_world.client.app.state  # type: ignore[attr-defined]
    settings = state.settings
    state.login_throttle = None
    yield shared_world
    state.settings = settings
    state.login_throttle = None


def problem(response: object) -> dict[str, object]:
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    return body


# --- API keys ---------------------------------------------------------------------------------


def test_a_valid_key_authenticates_as_its_partner_with_its_scopes(world: World) -> None:
    token = issue_key(world.engine, "jaxa", ("read",))
    for headers in (bearer(token), {"X-API-Key": token}):
        me = world.client.get("/auth/me", headers=headers)
        assert me.status_code == 200
        assert me.json()["partner"] == "jaxa" and me.json()["scopes"] == ["read"]
        assert me.json()["roles"] == ["analyst"]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="wrong-scheme"),
        pytest.param({"Authorization": "Bearer"}, id="empty-bearer"),
        pytest.param({"Authorization": "Bearer not-a-key"}, id="malformed"),
        pytest.param({"X-API-Key": "acc_zzzz"}, id="malformed-header"),
        pytest.param({"Authorization": "Bearer acc_0123456789ab_" + "A" * 43}, id="unknown-prefix"),
    ],
)
def test_missing_and_malformed_credentials_are_401_problems(
    world: World, headers: dict[str, str]
) -> None:
    response = world.client.get("/api/v1/catalog", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert problem(response)["status"] == 401


def test_a_forged_key_with_a_real_prefix_is_refused(world: World) -> None:
    token = world.keys["esa"]
    prefix, secret = token[: len("acc_") + 12], token[len("acc_") + 13 :]
    forged = f"{prefix}_{'B' if secret[0] != 'B' else 'C'}{secret[1:]}"
    assert forged != token
    assert world.client.get("/api/v1/catalog", headers=bearer(forged)).status_code == 401


def test_expired_and_revoked_keys_are_refused_alike(world: World) -> None:
    expired = issue_key(
        world.engine, "jaxa", ("read",), expires_at=datetime.now(UTC) + timedelta(hours=1)
    )
    revoked = issue_key(world.engine, "jaxa", ("read",))
    assert world.client.get("/auth/me", headers=bearer(expired)).status_code == 200
    with transaction(world.engine, write_lock=True) as session:
        # the hour passes (the store's expiry moved back rather than the test waiting)
        ApiKeyRepository(session).get(expired.split("_")[1]).expires_at = datetime.now(
            UTC
        ) - timedelta(seconds=1)
    assert world.client.get("/auth/me", headers=bearer(revoked)).status_code == 200
    with transaction(world.engine, write_lock=True) as session:
        revoke_api_key(session, revoked.split("_")[1])
    details = set()
    for token in (expired, revoked):
        response = world.client.get("/api/v1/catalog", headers=bearer(token))
        assert response.status_code == 401
        details.add(problem(response)["detail"])
    assert len(details) == 1  # the client cannot tell why: the server log can


def test_a_read_only_key_cannot_write(world: World) -> None:
    reader = issue_key(world.engine, "esa", ("read",))
    response = world.client.post(
        "/api/v1/catalog/batches", content=b"anything", headers=bearer(reader)
    )
    assert response.status_code == 403 and problem(response)["status"] == 403
    claim = world.client.post(
        "/api/v1/assets/claims", json={"norad_id": 20000}, headers=bearer(reader)
    )
    assert claim.status_code == 403
    # the same partner with a write key may
    writer = issue_key(world.engine, "esa", ("write",))
    claim = world.client.post(
        "/api/v1/assets/claims", json={"norad_id": 20000}, headers=bearer(writer)
    )
    assert claim.status_code == 201 and claim.json()["claim"]["partner"] == "esa"


def test_a_key_needs_no_csrf_token_for_state_changes(world: World) -> None:
    response = world.client.post(
        "/api/v1/assets/stations",
        json={
            "station_id": "esa:kiruna",
            "name": "Kiruna",
            "latitude_deg": 67.86,
            "longitude_deg": 20.96,
        },
        headers=world.as_partner("esa"),
    )
    assert response.status_code == 201, response.text


# --- console sessions -------------------------------------------------------------------------


def login(world: World, **extra: str) -> dict[str, object]:
    response = world.client.post(
        "/auth/login", json={"username": "ops@esa", "password": PASSWORD, **extra}
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_login_sets_an_httponly_lax_session_cookie_and_returns_the_csrf_token(
    world: World,
) -> None:
    response = world.client.post("/auth/login", json={"username": "ops@esa", "password": PASSWORD})
    assert response.status_code == 200
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    assert "Secure" not in session_cookie  # settings_for turns Secure off for plain HTTP
    assert response.json()["csrf_token"] == world.client.cookies[CSRF_COOKIE]
    assert response.json()["partner"] == "esa" and response.json()["role"] == "operator"
    assert world.client.get("/auth/me").json()["name"].startswith("user:")


def test_the_session_cookie_is_secure_by_default(tmp_path: Path) -> None:
    with running_world(tmp_path, session_cookie_secure=True) as secure_world:
        with transaction(secure_world.engine, write_lock=True) as session:
            esa = PartnerRepository(session).get_by_handle("esa")
            add_console_user(session, "ops@esa", esa, "operator", PASSWORD)
        response = secure_world.client.post(
            "/auth/login", json={"username": "ops@esa", "password": PASSWORD}
        )
        assert all("Secure" in c for c in response.headers.get_list("set-cookie"))


def test_login_by_form_post_works(world: World) -> None:
    response = world.client.post("/auth/login", data={"username": "ops@esa", "password": PASSWORD})
    assert response.status_code == 200 and response.json()["username"] == "ops@esa"


def test_wrong_password_and_unknown_user_read_the_same(world: World) -> None:
    wrong = world.client.post("/auth/login", json={"username": "ops@esa", "password": "x" * 12})
    unknown = world.client.post("/auth/login", json={"username": "nobody", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 401
    assert problem(wrong)["detail"] == problem(unknown)["detail"]
    assert SESSION_COOKIE not in world.client.cookies


def test_session_fixation_an_offered_id_is_never_adopted_and_old_ids_die(world: World) -> None:
    world.client.cookies.set(SESSION_COOKIE, "attacker-chosen-id", domain="testserver.local")
    login(world)
    first = world.client.cookies[SESSION_COOKIE]
    assert first != "attacker-chosen-id"
    login(world)  # logging in again, with the first session's cookie
    second = world.client.cookies[SESSION_COOKIE]
    assert second != first
    for stale in ("attacker-chosen-id", first):
        assert me_with_cookie(world, stale) == 401
    assert me_with_cookie(world, second) == 200


def me_with_cookie(world: World, session_cookie: str) -> int:
    world.client.cookies.clear()
    world.client.cookies.set(SESSION_COOKIE, session_cookie, domain="testserver.local")
    return world.client.get("/auth/me").status_code


def test_logout_ends_the_session(world: World) -> None:
    csrf = login(world)["csrf_token"]
    cookie = world.client.cookies[SESSION_COOKIE]
    response = world.client.post("/auth/logout", headers={CSRF_HEADER: str(csrf)})
    assert response.status_code == 204
    assert me_with_cookie(world, cookie) == 401


STATION = {"station_id": "esa:redu", "name": "Redu", "latitude_deg": 50.0, "longitude_deg": 5.15}
#: Registered by the test of a valid token (the refused ones must not register it).
ACCEPTED_STATION = {**STATION, "station_id": "esa:redu-accepted"}


def test_cookie_posts_without_or_with_a_wrong_csrf_token_are_403(world: World) -> None:
    login(world)
    missing = world.client.post("/api/v1/assets/stations", json=STATION)
    wrong = world.client.post(
        "/api/v1/assets/stations", json=STATION, headers={CSRF_HEADER: "guess"}
    )
    for response in (missing, wrong):
        assert response.status_code == 403 and problem(response)["status"] == 403
    stations = world.client.get("/api/v1/assets/stations")  # GET needs no token
    assert stations.status_code == 200
    assert STATION["station_id"] not in {s["station_id"] for s in stations.json()["items"]}


def test_cookie_posts_with_the_right_csrf_token_pass(world: World) -> None:
    csrf = str(login(world)["csrf_token"])
    response = world.client.post(
        "/api/v1/assets/stations", json=ACCEPTED_STATION, headers={CSRF_HEADER: csrf}
    )
    assert response.status_code == 201, response.text
    # another session's token is not this session's
    other = world.client.post("/auth/login", json={"username": "ops@esa", "password": PASSWORD})
    assert other.json()["csrf_token"] != csrf
    again = world.client.post(
        "/api/v1/assets/stations",
        json={**STATION, "station_id": "esa:redu-other-session"},
        headers={CSRF_HEADER: csrf},
    )
    assert again.status_code == 403


def test_csrf_token_in_an_urlencoded_form_field_is_accepted(world: World) -> None:
    csrf = str(login(world)["csrf_token"])
    without = world.client.post("/auth/logout", data={"other": "x"})
    assert without.status_code == 403
    with_token = world.client.post("/auth/logout", data={"csrf_token": csrf})
    assert with_token.status_code == 204


# --- rate limits ------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s


def test_rate_limit_answers_429_with_retry_after_per_key(tmp_path: Path) -> None:
    with running_world(tmp_path, rate_limit_per_minute=3) as limited:
        clock = FakeClock()
        limited.client.app.state.rate_limiter = RateLimiter(3, clock=clock)  # type: ignore[attr-defined]
        esa = limited.as_partner("esa")
        assert [limited.client.get("/auth/me", headers=esa).status_code for _ in range(3)] == [
            200
        ] * 3
        refused = limited.client.get("/auth/me", headers=esa)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "20"  # one token per 60/3 s
        assert problem(refused)["status"] == 429
        # another key has its own bucket
        assert limited.client.get("/auth/me", headers=limited.as_partner("jaxa")).status_code == 200
        clock.now_s += 20.0
        assert limited.client.get("/auth/me", headers=esa).status_code == 200


def test_the_rate_limit_comes_from_settings_and_zero_disables_it(tmp_path: Path) -> None:
    with running_world(tmp_path, rate_limit_per_minute=0) as unlimited:
        esa = unlimited.as_partner("esa")
        assert all(
            unlimited.client.get("/auth/me", headers=esa).status_code == 200 for _ in range(5)
        )
        assert unlimited.client.app.state.rate_limiter.per_minute == 0  # type: ignore[attr-defined]


# --- deny by default --------------------------------------------------------------------------


def test_every_route_but_the_public_ones_requires_a_principal(world: World) -> None:
    # FastAPI keeps included routers as branches of `app.routes`: walk the effective routes
    # (a walk of `app.routes` alone saw two routes and passed whatever the others did).
    unguarded, walked = [], 0
    for context in iter_route_contexts(world.client.app.routes):  # type: ignore[attr-defined]
        if not isinstance(context.original_route, APIRoute):
            continue
        walked += 1
        path = context.path_format or ""
        if path in PUBLIC_PATHS or path.startswith(
            PUBLIC_PREFIXES + CONSOLE_PREFIXES + SPACETRACK_PREFIXES
        ):
            continue
        calls = set()
        stack = [context.dependant]
        while stack:
            dependant = stack.pop()
            calls.add(dependant.call)
            stack.extend(dependant.dependencies)
        if current_principal not in calls:
            unguarded.append(path)
    assert walked >= 80  # every API, audit, console and Space-Track route
    assert unguarded == []


def test_every_api_v1_get_refuses_anonymous_callers(world: World) -> None:
    document = world.client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1") or "get" not in operations:
            continue
        concrete = path.replace("{norad_id}", "25544").replace("{handle}", "esa")
        concrete = concrete.replace("{agreement_id}", "esa-jaxa-leo-exchange")
        assert world.client.get(concrete).status_code == 401, path


# --- login CSRF: cross-site logins are refused ------------------------------------------------

#: The TestClient's own origin (its base URL), as a browser on one of its pages sends it.
OWN_ORIGIN = "http://testserver"
CROSS_SITE_HEADERS = [
    pytest.param({"Sec-Fetch-Site": "cross-site"}, id="sec-fetch-site"),
    pytest.param({"Origin": "https://attacker.example"}, id="foreign-origin"),
    pytest.param({"Origin": "null"}, id="opaque-origin"),
    pytest.param({"Origin": "https://testserver"}, id="other-scheme"),
    pytest.param({"Origin": "http://testserver:8080"}, id="other-port"),
    pytest.param({"Referer": "https://attacker.example/form.html"}, id="foreign-referer"),
    pytest.param(
        {"Sec-Fetch-Site": "cross-site", "Origin": OWN_ORIGIN}, id="cross-site-own-origin"
    ),
]
SAME_ORIGIN_HEADERS = [
    pytest.param({}, id="no-browser-headers"),
    pytest.param({"Origin": OWN_ORIGIN, "Sec-Fetch-Site": "same-origin"}, id="own-origin"),
    pytest.param({"Origin": "HTTP://TESTSERVER:80"}, id="own-origin-spelled-out"),
    pytest.param({"Referer": f"{OWN_ORIGIN}/console/sign-in"}, id="own-referer"),
    pytest.param({"Sec-Fetch-Site": "none"}, id="typed-by-the-user"),
]


@pytest.mark.parametrize("headers", CROSS_SITE_HEADERS)
def test_a_cross_site_login_is_refused_with_a_problem_and_no_cookie(
    world: World, headers: dict[str, str]
) -> None:
    credentials = {"username": "ops@esa", "password": PASSWORD}
    for response in (
        world.client.post("/auth/login", data=credentials, headers=headers),
        world.client.post("/auth/login", json=credentials, headers=headers),
        world.client.post(
            "/ajaxauth/login",
            data={"identity": "ops@esa", "password": PASSWORD},
            headers=headers,
        ),
    ):
        assert response.status_code == 403
        assert "login CSRF" in str(problem(response)["detail"])
        assert "set-cookie" not in response.headers
    assert SESSION_COOKIE not in world.client.cookies


@pytest.mark.parametrize("headers", SAME_ORIGIN_HEADERS)
def test_same_origin_and_non_browser_logins_pass(world: World, headers: dict[str, str]) -> None:
    response = world.client.post(
        "/auth/login", data={"username": "ops@esa", "password": PASSWORD}, headers=headers
    )
    assert response.status_code == 200, response.text
    spacetrack = world.client.post(
        "/ajaxauth/login", data={"identity": "ops@esa", "password": PASSWORD}, headers=headers
    )
    assert spacetrack.status_code == 200 and spacetrack.json() == ""


def test_the_configured_public_base_url_is_the_login_origin(world: World) -> None:
    state = world.client.app.state  # type: ignore[attr-defined]
    state.settings = state.settings.model_copy(
        update={"public_base_url": "https://accord.example.org"}
    )
    credentials = {"username": "ops@esa", "password": PASSWORD}
    public = {"Origin": "https://accord.example.org"}
    assert world.client.post("/auth/login", json=credentials, headers=public).is_success
    # the Host the request came to is no longer the reference
    host = {"Origin": OWN_ORIGIN}
    assert world.client.post("/auth/login", json=credentials, headers=host).status_code == 403


# --- failed-login throttle --------------------------------------------------------------------

WINDOW_S = 900.0


def test_the_throttle_refuses_after_n_failures_until_the_window_passes() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(3, 10, WINDOW_S, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("ops@esa", "192.0.2.1") is None
        throttle.record_failure("ops@esa", "192.0.2.1")
        clock.now_s += 10.0
    # the first of the three failures was 30 s ago: 870 s to go
    assert throttle.retry_after("ops@esa", "192.0.2.1") == pytest.approx(WINDOW_S - 30.0)
    assert throttle.retry_after("OPS@esa ", "192.0.2.9") == pytest.approx(WINDOW_S - 30.0)
    assert throttle.retry_after("other@esa", "192.0.2.1") is None  # 3 of 10 for the address
    clock.now_s += WINDOW_S - 30.0
    assert throttle.retry_after("ops@esa", "192.0.2.1") is None
    # one more failure: blocked again until the second failure is a window old
    throttle.record_failure("ops@esa", "192.0.2.1")
    assert throttle.retry_after("ops@esa", "192.0.2.1") == pytest.approx(10.0)


def test_a_success_clears_the_username_but_not_the_address() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(2, 3, WINDOW_S, clock=clock)
    throttle.record_failure("ops@esa", "192.0.2.1")
    throttle.record_failure("ops@esa", "192.0.2.1")
    assert throttle.retry_after("ops@esa", "192.0.2.7") is not None
    throttle.record_success("ops@esa")
    assert throttle.retry_after("ops@esa", "192.0.2.7") is None
    # password spraying from one address: one failure per username, the address stops it
    throttle.record_failure("admin@jaxa", "192.0.2.1")
    assert throttle.retry_after("anyone@nasa", "192.0.2.1") is not None
    assert throttle.retry_after("anyone@nasa", "192.0.2.2") is None


def test_zero_limits_disable_the_throttle_and_idle_keys_are_swept() -> None:
    assert LoginThrottle(0, 0, WINDOW_S).retry_after("ops@esa", "192.0.2.1") is None
    disabled = LoginThrottle(0, 0, WINDOW_S)
    for _ in range(10):
        disabled.record_failure("ops@esa", "192.0.2.1")
    assert disabled.retry_after("ops@esa", "192.0.2.1") is None
    clock = FakeClock()
    throttle = LoginThrottle(5, 0, WINDOW_S, clock=clock)
    for n in range(3000):  # made-up usernames, one failure each, a second apart
        throttle.record_failure(f"user{n}", "192.0.2.1")
        clock.now_s += 1.0
    # only the keys failed within the last window (plus those since the last sweep) remain
    assert len(throttle._failures) <= 2 * int(WINDOW_S) + 1024


def throttled(world: World, **limits: float) -> FakeClock:
    """Give the app a login throttle with the settings' limits (or `limits`) on a clock the
    test moves; the `world` fixture drops it afterwards."""
    state = world.client.app.state  # type: ignore[attr-defined]
    settings = state.settings.model_copy(update=limits)
    clock = FakeClock()
    state.login_throttle = LoginThrottle(
        settings.login_max_failures,
        settings.login_max_failures_per_address,
        settings.login_failure_window_s,
        clock=clock,
    )
    return clock


def test_eight_wrong_space_track_logins_are_throttled_after_the_default_five(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    clock = throttled(world)  # the default settings: 5 failures per username in 900 s
    wrong = "wrong password 1234"
    with caplog.at_level(logging.DEBUG):
        answers = [
            world.client.post("/ajaxauth/login", data={"identity": "ops@esa", "password": wrong})
            for _ in range(8)
        ]
        assert [a.status_code for a in answers] == [200] * 5 + [429] * 3
        assert all(a.json() == {"Login": "Failed"} for a in answers[:5])
        refused = answers[-1]
        assert problem(refused)["status"] == 429
        assert refused.headers["retry-after"] == "900"  # the window: no time passed
        # the right password is refused too while the window lasts, on both routes
        good = {"identity": "ops@esa", "password": PASSWORD}
        assert world.client.post("/ajaxauth/login", data=good).status_code == 429
        login_json = {"username": "ops@esa", "password": PASSWORD}
        assert world.client.post("/auth/login", json=login_json).status_code == 429
        clock.now_s += 899.0
        assert world.client.post("/auth/login", json=login_json).headers["retry-after"] == "1"
        clock.now_s += 1.0
        assert world.client.post("/auth/login", json=login_json).status_code == 200
        # the success forgot the username's failures: a wrong password is a 401 again
        again = world.client.post("/auth/login", json={**login_json, "password": wrong})
        assert again.status_code == 401
    assert wrong not in caplog.text and PASSWORD not in caplog.text
    assert "failed login of 'ops@esa'" in caplog.text  # failures are logged, passwords never


def test_an_unknown_username_is_throttled_exactly_like_a_known_one(world: World) -> None:
    throttled(world, login_max_failures=2)
    transcripts = []
    for username in ("ops@esa", "nobody@nowhere"):
        answers = [
            world.client.post("/auth/login", json={"username": username, "password": "x" * 12})
            for _ in range(3)
        ]
        transcripts.append(
            [(a.status_code, problem(a)["detail"], a.headers.get("retry-after")) for a in answers]
        )
    assert transcripts[0] == transcripts[1]
    assert [status for status, _, _ in transcripts[0]] == [401, 401, 429]


def test_the_address_limit_stops_guessing_across_usernames(world: World) -> None:
    throttled(world, login_max_failures_per_address=3)
    statuses = [
        world.client.post(
            "/auth/login", json={"username": f"guess{n}@esa", "password": "x" * 12}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def sign_in_fields(page_html: str) -> dict[str, str]:
    """The hidden fields of the console's sign-in form (its login CSRF token and `next`)."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert match is not None
    return {"csrf_token": match.group(1), "next": "/console/"}


def test_the_console_sign_in_form_is_throttled_with_a_page(world: World) -> None:
    throttled(world, login_max_failures=1)
    client = world.client
    fields = sign_in_fields(client.get("/console/sign-in").text)
    wrong = client.post(
        "/console/sign-in", data={**fields, "username": "ops@esa", "password": "x" * 12}
    )
    assert wrong.status_code == 401
    refused = client.post(
        "/console/sign-in",
        data={**sign_in_fields(wrong.text), "username": "ops@esa", "password": PASSWORD},
    )
    assert refused.status_code == 429 and refused.headers["retry-after"] == "900"
    assert "Too many failed sign-ins" in refused.text
    assert SESSION_COOKIE not in client.cookies
