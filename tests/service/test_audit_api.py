"""The public audit endpoints against a real SQLite store: what they return verifies."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accord.audit import (
    LOG_KEY_FILE,
    Actor,
    AuditAction,
    AuditEvent,
    AuditLog,
    NoteVerifier,
    leaf_hash,
    open_checkpoint,
    parse_entry,
    verify_consistency,
    verify_inclusion,
)
from accord.service import create_app
from accord.settings import Settings
from accord.store import transaction

ENTRIES = 25  # the key.created entry and 24 more


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(var_dir=tmp_path, seed_demo=False, audit_checkpoint_interval_s=0)
    with TestClient(create_app(settings)) as test_client:
        app = test_client.app
        with transaction(app.state.engine, write_lock=True) as session:  # type: ignore[attr-defined]
            log = AuditLog(session)
            log.append(
                [AuditEvent(AuditAction.CDM_ISSUED, Actor.system()) for _ in range(ENTRIES - 1)]
            )
            log.sign_checkpoint(app.state.audit_signer)  # type: ignore[attr-defined]
        yield test_client


def _verifier(client: TestClient) -> NoteVerifier:
    response = client.get("/audit/public-key")
    assert response.headers["content-type"].startswith("text/plain")
    return NoteVerifier.from_vkey(response.text.strip())


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def test_first_start_creates_a_private_key_only_its_owner_can_read(
    client: TestClient, tmp_path: Path
) -> None:
    mode = stat.S_IMODE(os.stat(tmp_path / LOG_KEY_FILE).st_mode)
    assert mode == 0o600
    first = parse_entry(_b64(client.get("/audit/entries/0").json()["entry"]))
    assert first.action is AuditAction.KEY_CREATED
    assert first.subjects[0].id == _verifier(client).vkey


def test_checkpoint_is_a_signed_note_as_text_and_json(client: TestClient) -> None:
    response = client.get("/audit/checkpoint")
    assert response.headers["content-type"].startswith("text/plain")
    checkpoint = open_checkpoint(response.text, _verifier(client))
    assert (checkpoint.origin, checkpoint.tree_size) == ("accord.local/log", ENTRIES)
    as_json = client.get("/audit/checkpoint", headers={"accept": "application/json"}).json()
    assert as_json["note"] == response.text
    assert _b64(as_json["root_hash"]) == checkpoint.root_hash


def test_every_entry_proof_verifies_against_the_signed_checkpoint(client: TestClient) -> None:
    checkpoint = open_checkpoint(client.get("/audit/checkpoint").text, _verifier(client))
    for seq in range(ENTRIES):
        body = client.get(f"/audit/entries/{seq}").json()
        data = _b64(body["entry"])
        assert parse_entry(data).seq == seq == body["entry_json"]["seq"]
        assert _b64(body["leaf_hash"]) == leaf_hash(data)
        proof = [_b64(element) for element in body["inclusion_proof"]]
        verify_inclusion(leaf_hash(data), seq, body["tree_size"], proof, checkpoint.root_hash)


def test_consistency_proofs_verify_between_past_roots(client: TestClient) -> None:
    checkpoint = open_checkpoint(client.get("/audit/checkpoint").text, _verifier(client))
    engine = client.app.state.engine  # type: ignore[attr-defined]
    for first in (1, 7, 16, ENTRIES):
        body = client.get("/audit/consistency", params={"first": first}).json()
        assert body["second"] == ENTRIES
        with transaction(engine) as session:
            first_root = AuditLog(session).root_hash(first)
        proof = [_b64(element) for element in body["proof"]]
        verify_consistency(first, ENTRIES, proof, first_root, checkpoint.root_hash)


def test_entries_page_through_the_whole_log(client: TestClient) -> None:
    seqs, start = [], 0
    while start is not None:
        page = client.get("/audit/entries", params={"start": start, "limit": 10}).json()
        seqs += [item["seq"] for item in page["entries"]]
        start = page["next_start"]
    assert seqs == list(range(ENTRIES))


@pytest.mark.parametrize(
    ("url", "status", "detail"),
    [
        ("/audit/entries/99", 404, "entry 99 is not in the tree of size 25"),
        ("/audit/entries/3?tree_size=99", 404, "tree_size 99 is larger than the log"),
        ("/audit/consistency?first=9&second=4", 400, "first (9) must not exceed second (4)"),
        ("/audit/consistency?first=0", 422, "query.first"),
        ("/audit/entries?limit=5000", 422, "query.limit"),
    ],
)
def test_errors_are_problem_details(client: TestClient, url: str, status: int, detail: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith(detail)
