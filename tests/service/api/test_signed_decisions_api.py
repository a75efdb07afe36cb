"""Signed coordination decisions over HTTP: a case step and a dispute's message and decision.

The decision a partner signs is the RFC 8785 canonical JSON of the body it sent, with the
case or dispute id and the decision's name (docs/audit.md, "Signed submissions").
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from accord.audit import (
    AuditAction,
    AuditEntry,
    AuditLog,
    SealedOpening,
    parse_entry,
    register_partner_key,
    submission_statement,
    verify_entry_submission,
    verify_opening,
)
from accord.coordination import DisputeGrounds
from accord.coordination_ops import open_dispute_record
from accord.store import PartnerRepository, transaction
from tests.service._api import World, running_world
from tests.service.test_coordination_api import AGREEMENT, _encounter


def _keys(world: World) -> dict[str, tuple[str, Ed25519PrivateKey]]:
    keys = {}
    with transaction(world.engine, write_lock=True) as session:
        for handle in ("esa", "jaxa"):
            partner = PartnerRepository(session).get_by_handle(handle)
            key = Ed25519PrivateKey.generate()
            register_partner_key(
                session, partner, key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            )
            keys[handle] = (str(partner.id), key)
    return keys


def _headers(
    world: World,
    keys: dict[str, tuple[str, Ed25519PrivateKey]],
    handle: str,
    action: AuditAction,
    decision: Any,
) -> dict[str, str]:
    partner_id, key = keys[handle]
    digest = hashlib.sha256(rfc8785.dumps(decision)).hexdigest()
    signature = key.sign(submission_statement(action, partner_id, digest))
    return {**world.as_partner(handle), "X-Accord-Signature": base64.b64encode(signature).decode()}


def _log(world: World) -> tuple[int, AuditEntry | None]:
    """The log size and the latest entry by a partner (a step may add system entries after)."""
    with transaction(world.engine) as session:
        log = AuditLog(session)
        for seq in range(log.tree_size - 1, -1, -1):
            stored = log.entry(seq)
            assert stored is not None
            entry = parse_entry(stored)
            if entry.submission is not None:
                return log.tree_size, entry
        return log.tree_size, None


def _opened(world: World, handle: str, entry: AuditEntry) -> dict[str, Any]:
    """The entry's sealed details as partner `handle` opens them over HTTP, checked."""
    response = world.client.get(
        f"/audit/entries/{entry.seq}/sealed", headers=world.as_partner(handle)
    )
    assert response.status_code == 200, response.text
    return verify_opening(entry, SealedOpening.from_json(response.json()))


def _public_bytes(world: World, seq: int) -> bytes:
    """Entry `seq` as anyone reads it from the public log."""
    page = world.client.get("/audit/entries", params={"start": seq, "limit": 1}).json()
    return base64.b64decode(page["entries"][0]["entry"])


def test_a_signed_case_decision_is_kept_and_a_bad_one_refused(tmp_path: Path) -> None:
    with running_world(tmp_path, coordination_tick_s=0) as world:
        keys = _keys(world)
        case_id = _encounter(world.engine)
        url = f"/api/v1/coordination/cases/{case_id}/counter"
        body = {"manoeuvre": "secondary", "rationale": "our propellant is low"}
        action = AuditAction.COORDINATION_STEP_RECORDED
        decision = {**body, "case_id": case_id, "decision": "counter"}
        size, _ = _log(world)
        # signed as an acceptance, sent as a counter-proposal: other bytes, refused
        wrong = _headers(world, keys, "esa", action, {**decision, "decision": "accept"})
        refused = world.client.post(url, json=body, headers=wrong)
        assert refused.status_code == 422 and "verifies with none" in refused.json()["detail"]
        assert _log(world)[0] == size
        response = world.client.post(
            url, json=body, headers=_headers(world, keys, "esa", action, decision)
        )
        assert response.status_code == 200, response.text
        _, entry = _log(world)
        assert entry is not None and entry.action is action
        assert entry.details is not None and entry.details["step"] == "case.counter_proposed"
        verify_entry_submission(entry, keys["esa"][1].public_key())


def test_signed_dispute_steps_are_kept_and_bad_ones_refused(tmp_path: Path) -> None:
    with running_world(tmp_path, coordination_tick_s=0) as world:
        keys = _keys(world)
        with transaction(world.engine, write_lock=True) as session:
            dispute = open_dispute_record(
                session,
                AGREEMENT,
                grounds=DisputeGrounds.COMPLAINT,
                claimant="esa",
                respondent="jaxa",
                subject="late ephemerides",
                at=datetime.now(UTC),
            )
        url = f"/api/v1/disputes/{dispute.id}"
        action = AuditAction.DISPUTE_STEP_RECORDED
        message = {"text": "we propose a call"}
        signed = {**message, "dispute_id": dispute.id, "decision": "message"}
        size, _ = _log(world)
        bad = {**world.as_partner("esa"), "X-Accord-Signature": "c2lnbmF0dXJl"}
        refused = world.client.post(f"{url}/messages", json=message, headers=bad)
        assert refused.status_code == 422 and "decodes to 9 bytes" in refused.json()["detail"]
        by_jaxa_key = _headers(world, keys, "jaxa", action, signed)
        stolen = {**by_jaxa_key, **world.as_partner("esa")}
        refused = world.client.post(f"{url}/messages", json=message, headers=stolen)
        assert refused.status_code == 422
        assert _log(world)[0] == size
        written = world.client.post(
            f"{url}/messages", json=message, headers=_headers(world, keys, "esa", action, signed)
        )
        assert written.status_code == 201, written.text
        _, entry = _log(world)
        assert entry is not None
        verify_entry_submission(entry, keys["esa"][1].public_key())
        # The message's text is sealed with the step; the signed hash is that of the
        # canonical decision, which the opening lets a party rebuild.
        said = _opened(world, "jaxa", entry)
        assert said["text"] == "we propose a call"
        rebuilt = {"text": said["text"], "dispute_id": dispute.id, "decision": "message"}
        assert hashlib.sha256(rfc8785.dumps(rebuilt)).hexdigest() == entry.content_sha256
        assert b"we propose a call" not in _public_bytes(world, entry.seq)

        body = {"outcome": "settled", "reasons": ["call held"], "agreed_by": ["esa", "jaxa"]}
        decision = {**body, "dispute_id": dispute.id, "decision": "decision"}
        settled = world.client.post(
            f"{url}/decision", json=body, headers=_headers(world, keys, "jaxa", action, decision)
        )
        assert settled.status_code == 200, settled.text
        _, entry = _log(world)
        assert entry is not None and entry.details is not None
        assert entry.details["step"] == "dispute.decided"
        # The signature verifies from the public entry alone; the decision itself is
        # sealed for the parties, who check its opening and the signed hash against it.
        verify_entry_submission(entry, keys["jaxa"][1].public_key())
        opened = _opened(world, "jaxa", entry)
        assert opened["outcome"] == "settled" and opened["reasons"] == ["call held"]
        assert b"call held" not in _public_bytes(world, entry.seq)
