"""Signed submissions over HTTP (`X-Accord-Signature`), and editing an unsigned draft (PUT).

One convention on every route (docs/audit.md, "Signed submissions"): a good signature is
kept in the entry and verifies from it alone; a bad one is a 422 that names the fix, with
nothing written.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import rfc8785
import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from accord.audit import (
    AuditAction,
    AuditEntry,
    AuditLog,
    parse_entry,
    public_key_sha256,
    register_partner_key,
    revoke_partner_key,
    submission_statement,
    verify_entry_submission,
)
from accord.store import PartnerRepository, transaction
from tests.catalog.test_ingest_audit import HEADER, ROW
from tests.service._api import World, running_world

DRAFT = """
format: accord.agreement/v1
id: esa-nasa-elsets
version: 1
title: ESA shares element sets with NASA
parties:
  - {partner: esa, name: ESA}
  - {partner: nasa, name: NASA}
effective_from: "2026-01-01"
clauses:
  - id: esa-to-nasa
    data_sharing:
      grantor: esa
      grantees: [nasa]
      data_classes: [catalog_element_sets]
      assets: all_claimed
"""
AGREEMENT = "/api/v1/agreements/esa-nasa-elsets"
BATCH = (HEADER + ROW.format(n=25544)).encode()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[World, dict[str, Ed25519PrivateKey]]]:
    """The coalition over HTTP, with one registered signing key for esa and nasa."""
    with running_world(tmp_path) as running:
        keys = {}
        with transaction(running.engine, write_lock=True) as session:
            for handle in ("esa", "nasa"):
                partner = PartnerRepository(session).get_by_handle(handle)
                key = Ed25519PrivateKey.generate()
                raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
                register_partner_key(session, partner, raw)
                keys[handle] = key
        yield running, keys


def _partner_id(world: World, handle: str) -> str:
    with transaction(world.engine) as session:
        return str(PartnerRepository(session).get_by_handle(handle).id)


def _signed(
    world: World, key: Ed25519PrivateKey, handle: str, action: AuditAction, digest: str
) -> dict[str, str]:
    statement = submission_statement(action, _partner_id(world, handle), digest)
    return {
        **world.as_partner(handle),
        "X-Accord-Signature": base64.b64encode(key.sign(statement)).decode(),
    }


def _document_sha256(text: str) -> str:
    """SHA-256 of the document's RFC 8785 canonical JSON, as a partner computes it."""
    return hashlib.sha256(rfc8785.dumps(yaml.safe_load(text))).hexdigest()


def _log(world: World) -> tuple[int, AuditEntry]:
    with transaction(world.engine) as session:
        log = AuditLog(session)
        stored = log.entry(log.tree_size - 1)
        assert stored is not None
        return log.tree_size, parse_entry(stored)


def _yaml(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Content-Type": "application/yaml"}


def test_signed_agreement_changes_are_kept_and_bad_ones_refused(
    world: tuple[World, dict[str, Ed25519PrivateKey]],
) -> None:
    running, keys = world
    client = running.client
    proposed, digest = AuditAction.AGREEMENT_VERSION_PROPOSED, _document_sha256(DRAFT)
    good = _signed(running, keys["esa"], "esa", proposed, digest)
    size, _ = _log(running)
    refusals = {
        "not base64": ({**good, "X-Accord-Signature": "not base64!"}, "not standard base64"),
        "wrong length": ({**good, "X-Accord-Signature": "AAAA"}, "decodes to 3 bytes"),
        "wrong bytes": (
            _signed(running, keys["esa"], "esa", proposed, "0" * 64),
            "verifies with none of the partner's 1 active key",
        ),
        "unknown key": (
            {**good, "X-Accord-Signature-Key": public_key_sha256(keys["nasa"].public_key())},
            "is not registered to this partner",
        ),
        "key id alone": (
            {**running.as_partner("esa"), "X-Accord-Signature-Key": "a" * 64},
            "without X-Accord-Signature",
        ),
    }
    for case, (headers, message) in refusals.items():
        response = client.post("/api/v1/agreements", content=DRAFT.encode(), headers=_yaml(headers))
        assert response.status_code == 422, case
        assert message in response.json()["detail"], (case, response.json())
        assert _log(running)[0] == size, case
        assert client.get(AGREEMENT, headers=running.as_partner("esa")).status_code == 404
    key_id = public_key_sha256(keys["esa"].public_key())
    response = client.post(
        "/api/v1/agreements",
        content=DRAFT.encode(),
        headers=_yaml({**good, "X-Accord-Signature-Key": key_id}),
    )
    assert response.status_code == 201, response.text
    _, entry = _log(running)
    assert entry.action is proposed and entry.content_sha256 == digest
    verify_entry_submission(entry, keys["esa"].public_key())

    signed = AuditAction.AGREEMENT_VERSION_SIGNED
    for handle in ("esa", "nasa"):
        headers = _signed(running, keys[handle], handle, signed, digest)
        response = client.post(f"{AGREEMENT}/sign", json={}, headers=headers)
        assert response.status_code == 200, response.text
        _, entry = _log(running)
        verify_entry_submission(entry, keys[handle].public_key())
    assert response.json()["status"] == "in_force"

    with transaction(running.engine, write_lock=True) as session:
        revoke_partner_key(session, key_id)
    reason = {"reason": "review"}
    canonical = rfc8785.dumps(
        {"agreement_id": "esa-nasa-elsets", "version": 1, "action": "suspend", "reason": "review"}
    )
    suspended = AuditAction.AGREEMENT_SUSPENDED
    lifecycle = hashlib.sha256(canonical).hexdigest()
    size, _ = _log(running)
    revoked = _signed(running, keys["esa"], "esa", suspended, lifecycle)
    response = client.post(f"{AGREEMENT}/suspend", json=reason, headers=revoked)
    assert response.status_code == 422 and "revoked at" in response.json()["detail"]
    assert _log(running)[0] == size
    headers = _signed(running, keys["nasa"], "nasa", suspended, lifecycle)
    response = client.post(f"{AGREEMENT}/suspend", json=reason, headers=headers)
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    _, entry = _log(running)
    assert entry.action is suspended and entry.content_sha256 == lifecycle
    verify_entry_submission(entry, keys["nasa"].public_key())


def test_an_unsigned_draft_is_edited_with_put_by_its_signatories_only(
    world: tuple[World, dict[str, Ed25519PrivateKey]],
) -> None:
    running, keys = world
    client = running.client
    created = client.post(
        "/api/v1/agreements", content=DRAFT.encode(), headers=_yaml(running.as_partner("esa"))
    )
    assert created.status_code == 201
    edited = DRAFT.replace("ESA shares element sets", "ESA shares its element sets")
    put = f"{AGREEMENT}/versions/1"
    # jaxa is no party: the agreement does not exist for it
    outsider = client.put(put, content=edited.encode(), headers=_yaml(running.as_partner("jaxa")))
    assert outsider.status_code == 404
    wrong = client.put(
        f"{AGREEMENT}/versions/2",
        content=edited.encode(),
        headers=_yaml(running.as_partner("nasa")),
    )
    assert wrong.status_code == 422 and "version 1" in wrong.json()["detail"]
    digest = _document_sha256(edited)
    headers = _signed(running, keys["nasa"], "nasa", AuditAction.AGREEMENT_VERSION_PROPOSED, digest)
    response = client.put(put, content=edited.encode(), headers=_yaml(headers))
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "ESA shares its element sets with NASA"
    _, entry = _log(running)
    assert entry.action is AuditAction.AGREEMENT_VERSION_PROPOSED
    assert entry.details is not None and entry.details["edited"] is True
    verify_entry_submission(entry, keys["nasa"].public_key())
    versions = client.get(f"{AGREEMENT}/versions", headers=running.as_partner("esa")).json()
    assert versions["items"][0]["content_sha256"] == digest
    client.post(f"{AGREEMENT}/sign", json={}, headers=running.as_partner("esa"))
    late = client.put(put, content=DRAFT.encode(), headers=_yaml(running.as_partner("esa")))
    assert late.status_code == 409 and "amend it with version 2" in late.json()["detail"]


def test_catalog_batches_take_the_same_signature_header(
    world: tuple[World, dict[str, Ed25519PrivateKey]],
) -> None:
    running, keys = world
    digest = hashlib.sha256(BATCH).hexdigest()
    accepted = AuditAction.CATALOG_BATCH_ACCEPTED
    url = "/api/v1/catalog/batches?source_name=gp.csv"
    size, _ = _log(running)
    for headers, message in (
        (_signed(running, keys["nasa"], "esa", accepted, digest), "verifies with none"),
        ({**running.as_partner("esa"), "X-Accord-Signature": "%%%"}, "not standard base64"),
    ):
        response = running.client.post(url, content=BATCH, headers=headers)
        assert response.status_code == 422 and message in response.json()["detail"]
        assert _log(running)[0] == size
    headers = _signed(running, keys["esa"], "esa", accepted, digest)
    response = running.client.post(url, content=BATCH, headers=headers)
    assert response.status_code == 201, response.text
    _, entry = _log(running)
    assert entry.action is accepted and entry.content_sha256 == digest
    verify_entry_submission(entry, keys["esa"].public_key())
