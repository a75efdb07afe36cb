"""The audit log in the running service: partner keys, signatures over --url, the log key,
periodic checkpoints. A real SQLite store and the real application."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from accord.audit import (
    LOG_KEY_FILE,
    Actor,
    AuditAction,
    AuditEvent,
    AuditLog,
    LogKeyMissingError,
    NoteSigner,
    admit_partner,
    content_sha256,
    register_partner_key,
    revoke_partner_key,
    sign_submission,
    verify_server,
)
from accord.catalog import import_reading
from accord.service import create_app
from accord.service.api.audit import sign_periodically
from accord.settings import Settings
from accord.store import Partner, PartnerKind, SourceKind, transaction
from tests.store._factory import element_set, reading


def _settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path, seed_demo=False, audit_checkpoint_interval_s=0)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(tmp_path))) as test_client:
        yield test_client


def _engine(client: TestClient) -> Engine:
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    return engine


def _signer(client: TestClient) -> NoteSigner:
    signer: NoteSigner = client.app.state.audit_signer  # type: ignore[attr-defined]
    return signer


def _partner_with_key(engine: Engine, key: Ed25519PrivateKey) -> int:
    with transaction(engine, write_lock=True) as session:
        partner = admit_partner(
            session, "JAXA", kind=PartnerKind.SPACE_AGENCY, actor=Actor.system(), handle="jaxa"
        )
        register_partner_key(session, partner, key.public_key().public_bytes_raw())
        return partner.id


def test_partner_keys_lists_each_key_with_the_entry_that_registered_it(
    client: TestClient,
) -> None:
    engine = _engine(client)
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    jaxa = _partner_with_key(engine, first)
    with transaction(engine, write_lock=True) as session:
        partner = session.get_one(Partner, jaxa)
        added = register_partner_key(session, partner, second.public_key().public_bytes_raw())
        revoke_partner_key(session, added.key_sha256)
        AuditLog(session).sign_checkpoint(_signer(client))
    body = client.get("/audit/partner-keys").json()
    assert [(k["partner"], k["partner_id"]) for k in body] == [("jaxa", jaxa)] * 2
    raw = [base64.b64decode(k["public_key"]) for k in body]
    assert raw == [first.public_key().public_bytes_raw(), second.public_key().public_bytes_raw()]
    assert [k["revoked_at"] is not None for k in body] == [False, True]
    for listed in body:
        entry = client.get(f"/audit/entries/{listed['registered_seq']}").json()["entry_json"]
        assert entry["action"] == "key.created"
        assert entry["content_sha256"] == listed["key_sha256"]
        assert entry["details"]["public_key"] == listed["public_key"]


def test_verify_over_the_api_checks_partner_signatures_from_the_log(client: TestClient) -> None:
    engine = _engine(client)
    key = Ed25519PrivateKey.generate()
    jaxa = _partner_with_key(engine, key)
    with transaction(engine, write_lock=True) as session:
        pinned = AuditLog(session).sign_checkpoint(_signer(client)).note
    payload = b"a signed batch\n"
    signature = sign_submission(key, AuditAction.CATALOG_BATCH_ACCEPTED, str(jaxa), payload)
    import_reading(
        engine,
        reading(element_set(25544)),
        partner="JAXA",
        source_kind=SourceKind.API,
        file_sha256=content_sha256(payload),
        signature=signature.signature,
    )
    with transaction(engine, write_lock=True) as session:
        AuditLog(session).sign_checkpoint(_signer(client))
    report = verify_server(client, pinned_note=pinned, verifier=_signer(client).verifier)
    assert report.ok, report.summary()
    assert report.signatures_checked == 1


def test_the_service_refuses_to_start_without_the_key_that_signed_its_checkpoints(
    tmp_path: Path,
) -> None:
    with TestClient(create_app(_settings(tmp_path))) as client:
        vkey = client.get("/audit/public-key").text  # the start signed a checkpoint
    key_file = tmp_path / LOG_KEY_FILE
    key_file.rename(tmp_path / "elsewhere.pem")
    with pytest.raises(LogKeyMissingError, match=f"signing key {key_file} is missing"):
        with TestClient(create_app(_settings(tmp_path))):
            pass
    assert not key_file.exists()
    (tmp_path / "elsewhere.pem").rename(key_file)  # restored: it starts, with the same key
    with TestClient(create_app(_settings(tmp_path))) as client:
        assert client.get("/audit/public-key").text == vkey


def test_the_periodic_round_signs_whenever_the_log_grew(client: TestClient) -> None:
    """Driven round by round through its sleep: no waiting, and no round skipped."""
    engine, signer = _engine(client), _signer(client)
    waits: list[float] = []

    async def one_round(interval_s: float) -> None:
        waits.append(interval_s)
        if len(waits) > 3:
            raise asyncio.CancelledError  # the service cancels the task at shutdown
        if len(waits) != 2:  # round 2 finds the log as round 1 left it
            with transaction(engine, write_lock=True) as session:
                AuditLog(session).append([AuditEvent(AuditAction.CDM_ISSUED, Actor.system())])

    with transaction(engine) as session:
        before = len(AuditLog(session).checkpoints())
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(sign_periodically(engine, signer, 30.0, sleep=one_round))
    with transaction(engine) as session:
        log = AuditLog(session)
        sizes = [signed.checkpoint.tree_size for signed in log.checkpoints()[before:]]
        assert sizes == [log.tree_size - 1, log.tree_size]
    assert waits == [30.0] * 4
