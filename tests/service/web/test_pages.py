"""The console's server side without a browser: sign-in and its CSRF token, sign-out,
the 404 rule on object pages, redirects and security headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accord.service import create_app
from accord.service._auth import CSRF_COOKIE, SESSION_COOKIE
from accord.store import create_engine, upgrade
from tests.service._api import settings_for
from tests.service.web._world import NASA_OBJECT, PASSWORD, build_console_world

_LOGIN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = settings_for(tmp_path_factory.mktemp("pages"))
    engine = create_engine(settings.resolved_database_url)
    upgrade(engine)
    build_console_world(engine)
    engine.dispose()
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _sign_in(client: TestClient, username: str, *, next_path: str = "/console/") -> Any:
    client.cookies.clear()
    form = client.get("/console/sign-in")
    match = _LOGIN_TOKEN.search(form.text)
    assert match is not None
    return client.post(
        "/console/sign-in",
        data={
            "csrf_token": match.group(1),
            "username": username,
            "password": PASSWORD,
            "next": next_path,
        },
        follow_redirects=False,
    )


def test_pages_send_anonymous_visitors_to_sign_in_and_carry_a_strict_policy(
    client: TestClient,
) -> None:
    client.cookies.clear()
    response = client.get("/console/objects/25544", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in?next=%2Fconsole%2Fobjects%2F25544"
    page = client.get("/console/sign-in")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "connect-src 'self'" in page.headers["content-security-policy"]


def test_sign_in_opens_a_session_and_returns_only_to_console_paths(client: TestClient) -> None:
    response = _sign_in(client, "esa-analyst", next_path="/console/catalog?q=ISS")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/catalog?q=ISS"
    assert client.cookies.get(SESSION_COOKIE) and client.cookies.get(CSRF_COOKIE)
    elsewhere = _sign_in(client, "esa-analyst", next_path="https://example.org/")
    assert elsewhere.headers["location"] == "/console/"


def test_sign_in_without_the_forms_csrf_token_is_refused(client: TestClient) -> None:
    client.cookies.clear()
    client.get("/console/sign-in")
    response = client.post(
        "/console/sign-in",
        data={"csrf_token": "forged", "username": "esa-analyst", "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "has expired or was not sent by this console" in response.text
    assert SESSION_COOKIE not in response.cookies


def test_sign_out_needs_the_sessions_csrf_token(client: TestClient) -> None:
    _sign_in(client, "jaxa-analyst")
    refused = client.post("/console/sign-out", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/console/", follow_redirects=False).status_code == 200
    token = client.cookies.get(CSRF_COOKIE)
    done = client.post("/console/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/console/sign-in"
    client.cookies.clear()
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_an_object_not_granted_reads_exactly_like_an_absent_one(client: TestClient) -> None:
    _sign_in(client, "jaxa-analyst")
    hidden = client.get(f"/console/objects/{NASA_OBJECT}")
    absent = client.get("/console/objects/99999")
    assert hidden.status_code == absent.status_code == 404
    assert hidden.text.replace(str(NASA_OBJECT), "N") == absent.text.replace("99999", "N")
    assert client.get(f"/api/v1/catalog/{NASA_OBJECT}").status_code == 404


def test_the_audit_page_is_public_and_shows_the_signed_root(client: TestClient) -> None:
    client.cookies.clear()
    page = client.get("/console/audit")
    checkpoint = client.get("/audit/checkpoint", headers={"Accept": "application/json"}).json()
    assert page.status_code == 200
    assert checkpoint["root_hash"] in page.text
    assert f'data-testid="tree-size">{checkpoint["tree_size"]}<' in page.text
