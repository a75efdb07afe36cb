"""GET /audit/entries/{seq}/sealed: the opening of confidential details, to readers only."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from accord.audit import (
    Actor,
    AuditAction,
    AuditEvent,
    AuditLog,
    LogRecord,
    SealedOpening,
    open_checkpoint,
    verify_opening,
    verify_openings,
    verify_server,
)
from accord.service import create_app
from accord.store import PartnerKind, PartnerRepository, transaction
from tests.access._conjunction_world import build_conjunction_world
from tests.service._api import World, issue_key, settings_for

#: Details that name what an agreement protects: who received which objects.
RELEASE = {"recipient": "2", "clauses": ["esa-jaxa-leo-exchange/v1/x"], "subjects": [25544]}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, dict[str, int]]]:
    """The coalition, a platform admin key, and two entries: one sealed for esa, one not."""
    app = create_app(settings_for(tmp_path_factory.mktemp("sealed")))
    with TestClient(app) as test_client:
        build_conjunction_world(app.state.engine)
        keys = {h: issue_key(app.state.engine, h, ("read",)) for h in ("esa", "jaxa", "nasa")}
        world = World(test_client, app.state.engine, keys)
        with transaction(world.engine, write_lock=True) as session:
            partners = PartnerRepository(session)
            partners.create("Accord platform", kind=PartnerKind.SYSTEM, handle="platform")
            esa = partners.get_by_handle("esa")
            appended = AuditLog(session).append(
                [
                    AuditEvent(
                        AuditAction.DATA_RELEASED,
                        Actor.system(),
                        details={"data_class": "catalog_element_sets", "items": 1},
                        sealed=RELEASE,
                        readers=frozenset({esa.id}),
                    ),
                    AuditEvent(AuditAction.SCREENING_COMPLETED, Actor.system()),
                ]
            )
            AuditLog(session).sign_checkpoint(world.client.app.state.audit_signer)  # type: ignore[attr-defined]
        world.keys["platform"] = issue_key(world.engine, "platform", ("read", "admin"))
        sealed, plain = (entry.seq for entry in appended.entries)
        yield world, {"sealed": sealed, "plain": plain}


def _open(world: World, seq: int, handle: str | None) -> tuple[int, dict[str, object]]:
    headers = {} if handle is None else world.as_partner(handle)
    response = world.client.get(f"/audit/entries/{seq}/sealed", headers=headers)
    return response.status_code, response.json()


def test_a_reader_and_a_platform_admin_open_and_the_opening_verifies(
    world: tuple[World, dict[str, int]],
) -> None:
    client, seqs = world
    entry = base64.b64decode(client.client.get(f"/audit/entries/{seqs['sealed']}").json()["entry"])
    for handle in ("esa", "platform"):
        status, body = _open(client, seqs["sealed"], handle)
        assert status == 200, body
        assert verify_opening(entry, SealedOpening.from_json(body)) == RELEASE


def test_anyone_else_gets_the_same_404_as_for_an_entry_that_seals_nothing(
    world: tuple[World, dict[str, int]],
) -> None:
    client, seqs = world
    outsider = _open(client, seqs["sealed"], "jaxa")
    nothing = _open(client, seqs["plain"], "esa")
    assert outsider[0] == nothing[0] == 404
    said = {str(outsider[1]["detail"]).replace(str(seqs["sealed"]), "N")}
    said.add(str(nothing[1]["detail"]).replace(str(seqs["plain"]), "N"))
    assert len(said) == 1  # one message, whatever the reason
    assert _open(client, seqs["sealed"], None)[0] == 401
    assert _open(client, 10**9, "esa")[0] == 404


def test_the_public_pages_never_carry_the_sealed_details(
    world: tuple[World, dict[str, int]],
) -> None:
    client, seqs = world
    raw = client.client.get("/audit/entries", params={"limit": 1000}).content
    one = client.client.get(f"/audit/entries/{seqs['sealed']}").content
    entry = base64.b64decode(client.client.get(f"/audit/entries/{seqs['sealed']}").json()["entry"])
    for page in (raw, one, entry):
        assert b"esa-jaxa-leo-exchange/v1/x" not in page and b"25544" not in page


def seen_by(seen: list[bytes]) -> Callable[[LogRecord], None]:
    """An `on_record` hook that keeps the verified entries' bytes."""
    return lambda record: seen.append(record.entry)


def test_the_server_verifies_and_the_caller_s_openings_verify(
    world: tuple[World, dict[str, int]],
) -> None:
    """What `accord audit verify --url --api-key` runs: the log, then the readable openings."""
    client, _ = world
    verifier = client.client.app.state.audit_signer.verifier  # type: ignore[attr-defined]
    note = client.client.get("/audit/checkpoint").text
    open_checkpoint(note, verifier)
    for handle, readable in (("esa", 1), ("jaxa", 0)):
        seen: list[bytes] = []
        report = verify_server(
            client.client, pinned_note=note, verifier=verifier, on_record=seen_by(seen)
        )
        assert report.ok, report.summary()
        client.client.headers.update(client.as_partner(handle))
        try:
            openings = verify_openings(client.client, seen)
        finally:
            del client.client.headers["Authorization"]
        assert openings.ok and (openings.verified, openings.unreadable) == (readable, 1 - readable)
