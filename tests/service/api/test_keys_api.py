"""/api/v1/keys: the caller's partner's API keys, managed by its admins only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from accord.audit import AuditAction, AuditLog, parse_entry
from accord.store import ApiKeyRepository, PartnerRepository, transaction
from tests.service._api import World, bearer, issue_key, running_world

KEYS = "/api/v1/keys"
#: Slack allowed between the server's clock and the test's when checking expiries.
CLOCK_SLACK = timedelta(minutes=1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp_path: Path = tmp_path_factory.mktemp("keys-api")
    with running_world(tmp_path, rate_limit_per_minute=0) as running:
        yield running


def _log(engine: Engine) -> list[bytes]:
    with transaction(engine) as session:
        return [e.entry for e in AuditLog(session).entries(0, 1000)]


def _key_count(engine: Engine) -> int:
    with transaction(engine) as session:
        keys = ApiKeyRepository(session)
        return sum(len(keys.keys_of(p)) for p in PartnerRepository(session).all())


def _prefix(token: str) -> str:
    return token.split("_")[1]


def test_an_admin_lists_creates_rotates_and_revokes_its_keys(world: World) -> None:
    client, esa = world.client, world.as_partner("esa")
    listed = client.get(KEYS, headers=esa)
    assert listed.status_code == 200, listed.text
    mine = _prefix(world.keys["esa"])
    assert mine in [k["prefix"] for k in listed.json()["items"]]
    assert world.keys["esa"].split("_", 2)[2] not in listed.text
    assert "sha256" not in listed.text

    created = client.post(KEYS, json={"scopes": ["read", "write"]}, headers=esa)
    assert created.status_code == 201, created.text
    issued = created.json()
    assert issued["key"]["scopes"] == ["read", "write"]
    assert issued["token"].startswith(f"acc_{issued['key']['prefix']}_")
    assert client.get("/auth/me", headers=bearer(issued["token"])).status_code == 200
    entry = parse_entry(_log(world.engine)[-1])
    assert entry.action is AuditAction.KEY_CREATED
    assert entry.subjects[1].id == issued["key"]["prefix"]

    before = datetime.now(UTC)
    rotated = client.post(
        f"{KEYS}/{issued['key']['prefix']}/rotate", json={"grace_hours": 2}, headers=esa
    )
    assert rotated.status_code == 201, rotated.text
    body = rotated.json()
    assert body["replaced"]["replaced_by"] == body["key"]["prefix"]
    assert body["key"]["scopes"] == ["read", "write"]
    old_until = datetime.fromisoformat(body["replaced"]["expires_at"])
    assert abs(old_until - (before + timedelta(hours=2))) < CLOCK_SLACK
    # Within the grace period both tokens work.
    for token in (issued["token"], body["token"]):
        assert client.get("/auth/me", headers=bearer(token)).status_code == 200
    assert parse_entry(_log(world.engine)[-1]).details == {
        "purpose": "api",
        "scopes": "read write",
        "replaces": issued["key"]["prefix"],
    }

    revoked = client.delete(f"{KEYS}/{body['key']['prefix']}", headers=esa)
    assert revoked.status_code == 204
    assert parse_entry(_log(world.engine)[-1]).action is AuditAction.KEY_REVOKED
    assert client.get("/auth/me", headers=bearer(body["token"])).status_code == 401
    rotated_prefix = body["key"]["prefix"]
    listed_now = client.get(KEYS, headers=esa).json()["items"]
    [listed_key] = [k for k in listed_now if k["prefix"] == rotated_prefix]
    assert listed_key["revoked_at"] is not None
    twice = client.delete(f"{KEYS}/{body['key']['prefix']}", headers=esa)
    assert twice.status_code == 422 and "already revoked" in twice.json()["detail"]


def test_another_partners_key_reads_as_an_unknown_prefix(world: World) -> None:
    client, jaxa = world.client, world.as_partner("jaxa")
    esa_prefix = _prefix(world.keys["esa"])
    keys, entries = _key_count(world.engine), len(_log(world.engine))
    for method, suffix in (("post", "/rotate"), ("delete", "")):
        kwargs: dict[str, object] = {"json": {}} if method == "post" else {}
        theirs = getattr(client, method)(f"{KEYS}/{esa_prefix}{suffix}", headers=jaxa, **kwargs)
        unknown = getattr(client, method)(f"{KEYS}/{'0' * 12}{suffix}", headers=jaxa, **kwargs)
        assert theirs.status_code == unknown.status_code == 404
        assert theirs.json()["detail"].replace(esa_prefix, "P") == unknown.json()["detail"].replace(
            "0" * 12, "P"
        )
        assert "GET /api/v1/keys" in theirs.json()["detail"]
    assert esa_prefix not in client.get(KEYS, headers=jaxa).text
    assert (_key_count(world.engine), len(_log(world.engine))) == (keys, entries)
    assert client.get("/auth/me", headers=world.as_partner("esa")).status_code == 200


def test_roles_and_scopes_gate_every_operation(world: World) -> None:
    client, engine = world.client, world.engine
    reader = bearer(issue_key(engine, "esa", ("read", "write")))
    admin_only = bearer(issue_key(engine, "esa", ("admin",)))
    read_admin = bearer(issue_key(engine, "esa", ("read", "admin")))
    esa_prefix = _prefix(world.keys["esa"])
    keys, entries = _key_count(engine), len(_log(engine))

    for answer in (
        client.get(KEYS, headers=reader),
        client.post(KEYS, json={"scopes": ["read"]}, headers=reader),
        client.post(f"{KEYS}/{esa_prefix}/rotate", json={}, headers=reader),
        client.delete(f"{KEYS}/{esa_prefix}", headers=reader),
    ):
        assert answer.status_code == 403, answer.text
        assert "admin" in answer.json()["detail"]
    # Every GET needs the read scope; an admin-only key may still manage keys.
    assert client.get(KEYS, headers=admin_only).status_code == 403
    # A key cannot mint or rotate into a scope it lacks.
    stronger = client.post(KEYS, json={"scopes": ["read", "write"]}, headers=read_admin)
    assert stronger.status_code == 403 and "write" in stronger.json()["detail"]
    rotate = client.post(f"{KEYS}/{esa_prefix}/rotate", json={}, headers=read_admin)
    assert rotate.status_code == 403 and "lacks" in rotate.json()["detail"]
    assert (_key_count(engine), len(_log(engine))) == (keys, entries)

    weaker = client.post(KEYS, json={"scopes": ["read"]}, headers=admin_only)
    assert weaker.status_code == 403  # read is not among an admin-only key's scopes
    same = client.post(KEYS, json={"scopes": ["admin"]}, headers=admin_only)
    assert same.status_code == 201, same.text


def test_bad_input_is_refused_and_nothing_is_half_written(world: World) -> None:
    client, esa, engine = world.client, world.as_partner("esa"), world.engine
    target = client.post(KEYS, json={"scopes": ["read"]}, headers=esa).json()["key"]["prefix"]
    keys, entries = _key_count(engine), len(_log(engine))
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    for url, body in (
        (KEYS, {"scopes": ["read"], "expires_at": past}),
        (KEYS, {"scopes": ["read"], "expires_at": "2030-01-01T00:00:00"}),  # no UTC offset
        (KEYS, {"scopes": []}),
        (KEYS, {"scopes": ["superuser"]}),
        (f"{KEYS}/{target}/rotate", {"expires_at": past}),
        (f"{KEYS}/{target}/rotate", {"grace_hours": -1}),
        (f"{KEYS}/not-a-prefix/rotate", {}),
    ):
        answer = client.post(url, json=body, headers=esa)
        assert answer.status_code == 422, (url, body, answer.text)
    assert (_key_count(engine), len(_log(engine))) == (keys, entries)
    with transaction(engine) as session:
        untouched = ApiKeyRepository(session).get(target)
        assert untouched.expires_at is None and untouched.replaced_by_id is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/keys"),
        ("post", "/api/v1/keys"),
        ("post", "/api/v1/keys/0123456789ab/rotate"),
        ("delete", "/api/v1/keys/0123456789ab"),
        ("get", "/api/v1/partners/esa/contacts"),
        ("post", "/api/v1/partners/esa/contacts"),
        ("delete", "/api/v1/partners/esa/contacts/1"),
    ],
)
def test_the_management_routes_refuse_anonymous_callers(
    world: World, method: str, path: str
) -> None:
    answer = world.client.request(method.upper(), path, json={} if method == "post" else None)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
