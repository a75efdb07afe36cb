"""/api/v1/partners/{handle}/contacts: the partner itself or a platform admin, 404 to others."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from accord.audit import AuditAction, AuditLog, parse_entry
from accord.store import PartnerKind, PartnerRepository, transaction
from tests.service._api import World, bearer, issue_key, running_world

CONTACTS = "/api/v1/partners/{}/contacts"
DESK = {"name": "Flight Dynamics Desk", "email": "fd-desk@esa.example", "role": "operations"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp_path: Path = tmp_path_factory.mktemp("contacts-api")
    with running_world(tmp_path, rate_limit_per_minute=0) as running:
        with transaction(running.engine) as session:
            PartnerRepository(session).create("Accord", kind=PartnerKind.SYSTEM, handle="accord")
        running.keys["platform"] = issue_key(running.engine, "accord", ("read", "write", "admin"))
        running.keys["esa-read"] = issue_key(running.engine, "esa", ("read",))
        yield running


def _log(engine: Engine) -> list[bytes]:
    with transaction(engine) as session:
        return [e.entry for e in AuditLog(session).entries(0, 1000)]


def _partner_id(engine: Engine, handle: str) -> str:
    with transaction(engine) as session:
        return str(PartnerRepository(session).get_by_handle(handle).id)


def test_the_partner_adds_lists_and_removes_its_contacts_each_logged(world: World) -> None:
    client, esa = world.client, world.as_partner("esa")
    created = client.post(CONTACTS.format("esa"), json=DESK, headers=esa)
    assert created.status_code == 201, created.text
    contact = created.json()
    assert {k: contact[k] for k in DESK} == DESK and contact["partner"] == "esa"
    page = client.get(CONTACTS.format("esa"), headers=esa).json()
    assert contact in page["items"] and page["total"] == len(page["items"])
    added = parse_entry(_log(world.engine)[-1])
    assert added.action is AuditAction.CONTACT_ADDED
    assert added.actor.partner_id == _partner_id(world.engine, "esa")
    assert [(s.kind, s.id) for s in added.subjects][1] == ("contact", str(contact["id"]))
    assert added.details == {"role": "operations"}
    assert b"fd-desk" not in _log(world.engine)[-1] and b"Dynamics" not in _log(world.engine)[-1]

    path = f"{CONTACTS.format('esa')}/{contact['id']}"
    assert client.delete(path, headers=esa).status_code == 204
    assert parse_entry(_log(world.engine)[-1]).action is AuditAction.CONTACT_REMOVED
    assert contact not in client.get(CONTACTS.format("esa"), headers=esa).json()["items"]
    again = client.delete(path, headers=esa)
    assert again.status_code == 404 and f"no contact {contact['id']}" in again.json()["detail"]


def test_other_partners_see_no_contacts_a_read_key_is_refused(world: World) -> None:
    client = world.client
    esa = world.as_partner("esa")
    assert client.post(CONTACTS.format("esa"), json=DESK, headers=esa).status_code == 201
    jaxa = world.as_partner("jaxa")
    hidden = client.get(CONTACTS.format("esa"), headers=jaxa)
    absent = client.get(CONTACTS.format("no-such-partner"), headers=jaxa)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["detail"].replace("esa", "X") == absent.json()["detail"].replace(
        "no-such-partner", "X"
    )
    entries = len(_log(world.engine))
    assert client.post(CONTACTS.format("esa"), json=DESK, headers=jaxa).status_code == 404
    assert client.delete(f"{CONTACTS.format('esa')}/1", headers=jaxa).status_code == 404
    assert len(_log(world.engine)) == entries  # nothing written

    read_only = bearer(world.keys["esa-read"])
    refused = client.get(CONTACTS.format("esa"), headers=read_only)
    assert refused.status_code == 403 and "write scope" in refused.json()["detail"]
    # Contacts never appear in the directory.
    for url in ("/api/v1/partners/esa", "/api/v1/partners"):
        assert "fd-desk" not in client.get(url, headers=jaxa).text


def test_a_platform_admin_manages_any_partners_contacts(world: World) -> None:
    client, platform = world.client, bearer(world.keys["platform"])
    created = client.post(CONTACTS.format("jaxa"), json=DESK, headers=platform)
    assert created.status_code == 201, created.text
    entry = parse_entry(_log(world.engine)[-1])
    assert entry.actor.partner_id == _partner_id(world.engine, "accord")
    assert entry.subjects[0].id == _partner_id(world.engine, "jaxa")
    listed = client.get(CONTACTS.format("jaxa"), headers=platform).json()["items"]
    assert [c["id"] for c in listed] == [created.json()["id"]]
    path = f"{CONTACTS.format('jaxa')}/{created.json()['id']}"
    assert client.delete(path, headers=platform).status_code == 204


@pytest.mark.parametrize(
    ("email", "where"),
    [("fd-desk.esa.example", "body.email"), ("fd desk@esa.example", "body.email")],
)
def test_an_invalid_address_is_a_422_naming_the_field(world: World, email: str, where: str) -> None:
    entries = len(_log(world.engine))
    answer = world.client.post(
        CONTACTS.format("esa"), json={**DESK, "email": email}, headers=world.as_partner("esa")
    )
    assert answer.status_code == 422
    assert where in answer.text
    assert len(_log(world.engine)) == entries


def test_an_address_the_store_refuses_is_a_422_naming_it_and_nothing_is_written(
    world: World,
) -> None:
    esa = world.as_partner("esa")
    before = world.client.get(CONTACTS.format("esa"), headers=esa).json()["total"]
    entries = len(_log(world.engine))
    answer = world.client.post(
        CONTACTS.format("esa"), json={**DESK, "email": "desk@esa..example"}, headers=esa
    )
    assert answer.status_code == 422
    assert "e-mail 'desk@esa..example' is not an address" in answer.json()["detail"]
    assert world.client.get(CONTACTS.format("esa"), headers=esa).json()["total"] == before
    assert len(_log(world.engine)) == entries
