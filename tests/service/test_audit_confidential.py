"""The public log leaks no conjunction data and no sharing graph; readers open what is theirs.

The conjunction world (tests/access/_conjunction_world.py) screened once: four CDMs, one per
pair, and jaxa reading the CDM of the granted pair (esa's 90001 with public 90002) under the
clause `esa-conjunctions-to-jaxa/v1/coarse-conjunctions`, which logs `data.released`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accord.access import get_visible_cdm, principal_for_partner
from accord.audit import (
    AuditAction,
    AuditLog,
    LogRecord,
    SealedOpening,
    parse_entry,
    verify_log,
    verify_opening,
)
from accord.service import create_app
from accord.store import PartnerKind, PartnerRepository, ScreeningRepository, transaction
from tests.access._conjunction_world import (
    GRANTED_PAIR,
    OTHERS_PAIR,
    PAIRS,
    build_conjunction_world,
    screen,
)
from tests.service._api import World, issue_key, settings_for

HANDLES = ("esa", "jaxa", "nasa", "platform")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    app = create_app(settings_for(tmp_path_factory.mktemp("confidential")))
    with TestClient(app) as client:
        engine = app.state.engine
        build_conjunction_world(engine)
        with transaction(engine) as session:
            PartnerRepository(session).create(
                "Accord platform", kind=PartnerKind.SYSTEM, handle="platform"
            )
        screening_id = screen(engine)
        with transaction(engine, write_lock=True) as session:
            stored = ScreeningRepository(session).screening_conjunctions(screening_id)
            granted = next(
                c for c in stored if (c.primary_norad_id, c.secondary_norad_id) == GRANTED_PAIR
            )
            jaxa = principal_for_partner(
                PartnerRepository(session).get_by_handle("jaxa"), ["analyst"]
            )
            at = granted.cdm_created_at + timedelta(minutes=5)
            get_visible_cdm(session, jaxa, granted.cdm_id, at=at)  # logs data.released
            AuditLog(session).sign_checkpoint(app.state.audit_signer)
        scopes = {"platform": ("read", "admin")}
        keys = {h: issue_key(engine, h, scopes.get(h, ("read",))) for h in HANDLES}
        yield World(client, engine, keys)


def _entries(world: World, action: AuditAction) -> list[bytes]:
    page = world.client.get("/audit/entries", params={"limit": 1000}).json()["entries"]
    decoded = [base64.b64decode(item["entry"]) for item in page]
    return [data for data in decoded if parse_entry(data).action is action]


def _opened(world: World, handle: str, data: bytes) -> dict[str, Any] | None:
    seq = parse_entry(data).seq
    response = world.client.get(f"/audit/entries/{seq}/sealed", headers=world.as_partner(handle))
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return verify_opening(data, SealedOpening.from_json(response.json()))


def _by_pair(world: World) -> dict[tuple[int, int], bytes]:
    """cdm.issued entries by their pair, as the platform admin opens them."""
    found = {}
    for data in _entries(world, AuditAction.CDM_ISSUED):
        details = _opened(world, "platform", data)
        assert details is not None
        found[tuple(details["objects"])] = data
    assert set(found) == set(PAIRS)
    return found


def test_an_outsider_sees_no_objects_tca_miss_or_recipient(world: World) -> None:
    """Raw bytes of every public entry and of each entry's page, as an anonymous caller."""
    issued = _by_pair(world)
    opened = {pair: _opened(world, "platform", data) for pair, data in issued.items()}
    secrets: list[bytes] = []
    for pair, details in opened.items():
        assert details is not None
        secrets += [str(n).encode() for n in pair]
        secrets += [details["tca"][:19].encode(), details["message_id"].encode()]
        secrets.append(f'"miss_m":{details["miss_m"]}'.encode())
    (release,) = _entries(world, AuditAction.DATA_RELEASED)
    assert parse_entry(release).subjects == ()  # no CDM, no partner named
    for data in (*issued.values(), release):
        seq = parse_entry(data).seq
        page = world.client.get(f"/audit/entries/{seq}").content  # entry_json in clear
        for raw in (data, page):
            for secret in secrets:
                assert secret not in raw, (seq, secret)
            assert b"coarse-conjunctions" not in raw and b"recipient" not in raw
            assert b'"kind":"partner"' not in raw and b'"kind":"object"' not in raw
    public = parse_entry(release).details
    assert public is not None and set(public) == {
        "data_class",
        "items",
        "degraded",
        "sealed_sha256",
    }


def test_the_owners_open_their_cdm_entries_and_nobody_else(world: World) -> None:
    issued = _by_pair(world)
    readers = {
        GRANTED_PAIR: {"esa"},  # esa's object and a public one; jaxa's grant is a release
        OTHERS_PAIR: {"nasa", "jaxa"},
    }
    for pair, expected in readers.items():
        opened = {h for h in ("esa", "jaxa", "nasa") if _opened(world, h, issued[pair])}
        assert opened == expected, pair
        details = _opened(world, next(iter(expected)), issued[pair])
        assert details is not None and details["objects"] == list(pair)
        entry = parse_entry(issued[pair])
        assert [s.kind for s in entry.subjects] == ["cdm", "screening"]
        assert entry.content_sha256 is not None


def test_the_recipient_and_the_grantor_open_the_release(world: World) -> None:
    (release,) = _entries(world, AuditAction.DATA_RELEASED)
    opened = {h: _opened(world, h, release) for h in ("esa", "jaxa", "nasa")}
    assert opened["nasa"] is None
    assert opened["esa"] == opened["jaxa"]
    assert opened["jaxa"] is not None
    assert opened["jaxa"]["clauses"] == ["esa-conjunctions-to-jaxa/v1/coarse-conjunctions"]


def test_the_log_of_sealed_entries_verifies_from_the_public_pages(
    world: World, tmp_path: Path
) -> None:
    note = world.client.get("/audit/checkpoint").text
    page = world.client.get("/audit/entries", params={"limit": 1000}).json()["entries"]
    records = [
        LogRecord(item["seq"], base64.b64decode(item["entry"]), base64.b64decode(item["leaf_hash"]))
        for item in page
    ]
    verifier = world.client.app.state.audit_signer.verifier  # type: ignore[attr-defined]
    report = verify_log(records, checkpoint_note=note, pinned_note=note, verifier=verifier)
    assert report.ok, report.summary()


def test_the_console_shows_the_opened_details_to_a_reader_only(world: World) -> None:
    data = _by_pair(world)[GRANTED_PAIR]
    seq = parse_entry(data).seq
    pages = {
        handle: world.client.get(
            "/console/audit", params={"seq": seq}, headers=world.as_partner(handle)
        )
        for handle in ("esa", "nasa")
    }
    assert pages["esa"].status_code == pages["nasa"].status_code == 200
    assert 'data-testid="sealed-details"' in pages["esa"].text
    assert str(GRANTED_PAIR[0]) in pages["esa"].text
    assert 'data-testid="sealed-details"' not in pages["nasa"].text
    assert str(GRANTED_PAIR[0]) not in pages["nasa"].text
    anonymous = world.client.get("/console/audit", params={"seq": seq})
    assert anonymous.status_code == 200 and str(GRANTED_PAIR[0]) not in anonymous.text
