"""Signed catalog batches: verified against the partner's active keys before any write."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.engine import Engine

from accord.audit import (
    AuditAction,
    AuditLog,
    parse_entry,
    public_key_sha256,
    register_partner_key,
    revoke_partner_key,
    submission_statement,
    verify_entry_submission,
)
from accord.catalog import CatalogSignatureError, import_catalog, import_reading
from accord.formats import read_catalog
from accord.store import (
    CatalogBatch,
    ElementSetRow,
    PartnerKind,
    PartnerRepository,
    SourceKind,
    transaction,
)
from tests.catalog.test_ingest_audit import HEADER, ROW

DATA = (HEADER + ROW.format(n=25544) + ROW.format(n=25545)).encode()


def _sign(key: Ed25519PrivateKey, partner_id: int, data: bytes = DATA) -> bytes:
    statement = submission_statement(
        AuditAction.CATALOG_BATCH_ACCEPTED, str(partner_id), hashlib.sha256(data).hexdigest()
    )
    return key.sign(statement)


@pytest.fixture
def partners(engine: Engine) -> dict[str, tuple[int, Ed25519PrivateKey]]:
    """Two partners with one registered key each."""
    made = {}
    with transaction(engine) as session:
        for name in ("ESA", "JAXA"):
            partner = PartnerRepository(session).create(name, kind=PartnerKind.SPACE_AGENCY)
            key = Ed25519PrivateKey.generate()
            raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            register_partner_key(session, partner, raw)
            made[name] = (partner.id, key)
    return made


def _counts(engine: Engine) -> tuple[int, int, int]:
    with transaction(engine) as session:
        batches = session.scalar(sa.select(sa.func.count()).select_from(CatalogBatch))
        rows = session.scalar(sa.select(sa.func.count()).select_from(ElementSetRow))
        return int(batches or 0), int(rows or 0), len(AuditLog(session).entries(0, 100))


def test_a_good_signature_is_stored_and_verifies_from_the_log_entry(
    engine: Engine, partners: dict[str, tuple[int, Ed25519PrivateKey]]
) -> None:
    esa, key = partners["ESA"]
    import_catalog(engine, DATA, source_name="gp.csv", partner="ESA", signature=_sign(key, esa))
    with transaction(engine) as session:
        stored = AuditLog(session).entry(2)  # after the two key.created entries
    assert stored is not None
    entry = parse_entry(stored)
    assert entry.action is AuditAction.CATALOG_BATCH_ACCEPTED
    assert entry.submission is not None
    assert entry.submission.key_sha256 == public_key_sha256(key.public_key())
    assert entry.content_sha256 == hashlib.sha256(DATA).hexdigest()
    verify_entry_submission(entry, key.public_key())  # from the entry alone


def test_a_reading_is_signed_over_its_file_hash(
    engine: Engine, partners: dict[str, tuple[int, Ed25519PrivateKey]]
) -> None:
    jaxa, key = partners["JAXA"]
    reading = read_catalog(DATA, source="gp.csv")
    report = import_reading(
        engine,
        reading,
        partner="JAXA",
        source_kind=SourceKind.API,
        file_sha256=hashlib.sha256(DATA).hexdigest(),
        signature=_sign(key, jaxa),
    )
    assert report.accepted_count == 2
    with pytest.raises(CatalogSignatureError, match="no file SHA-256"):
        import_reading(
            engine, reading, partner="JAXA", source_kind=SourceKind.API, signature=b"\0" * 64
        )


def _other_partners_key(p: dict[str, tuple[int, Ed25519PrivateKey]]) -> bytes:
    return _sign(p["JAXA"][1], p["ESA"][0])


def _other_bytes(p: dict[str, tuple[int, Ed25519PrivateKey]]) -> bytes:
    return _sign(p["ESA"][1], p["ESA"][0], DATA + b"\n")


def _another_partner_id(p: dict[str, tuple[int, Ed25519PrivateKey]]) -> bytes:
    return _sign(p["ESA"][1], p["JAXA"][0])


def _unregistered_key(p: dict[str, tuple[int, Ed25519PrivateKey]]) -> bytes:
    return _sign(Ed25519PrivateKey.generate(), p["ESA"][0])


def _raw_file_signature(p: dict[str, tuple[int, Ed25519PrivateKey]]) -> bytes:
    return p["ESA"][1].sign(DATA)  # not the statement: domain separation refuses it


@pytest.mark.parametrize(
    ("make_signature", "message"),
    [
        (_other_partners_key, "verifies with none of the partner's 1 active key"),
        (_other_bytes, "verifies with none"),
        (_another_partner_id, "verifies with none"),
        (_unregistered_key, "verifies with none"),
        (_raw_file_signature, "verifies with none"),
        (lambda p: b"\x00" * 64, "verifies with none"),
        (lambda p: b"garbage", "64 bytes, got 7"),
    ],
)
def test_a_bad_signature_is_refused_and_nothing_is_written(
    engine: Engine,
    partners: dict[str, tuple[int, Ed25519PrivateKey]],
    make_signature: Callable[[dict[str, tuple[int, Ed25519PrivateKey]]], bytes],
    message: str,
) -> None:
    before = _counts(engine)
    with pytest.raises(CatalogSignatureError, match=message) as raised:
        import_catalog(
            engine, DATA, source_name="gp.csv", partner="ESA", signature=make_signature(partners)
        )
    assert "partner 'ESA'" in str(raised.value)
    assert _counts(engine) == before


def test_a_revoked_key_is_refused_with_its_own_fix(
    engine: Engine, partners: dict[str, tuple[int, Ed25519PrivateKey]]
) -> None:
    esa, key = partners["ESA"]
    with transaction(engine) as session:
        revoke_partner_key(session, public_key_sha256(key.public_key()))
    before = _counts(engine)
    with pytest.raises(CatalogSignatureError, match="revoked at .*accord partner key add"):
        import_catalog(engine, DATA, source_name="gp.csv", partner="ESA", signature=_sign(key, esa))
    assert _counts(engine) == before
    # With no active key left, an unknown signature is told so.
    with pytest.raises(CatalogSignatureError, match="no active signing key"):
        import_catalog(
            engine,
            DATA,
            source_name="gp.csv",
            partner="ESA",
            signature=_sign(Ed25519PrivateKey.generate(), esa),
        )
    assert _counts(engine) == before


def test_unsigned_batches_stay_allowed(
    engine: Engine, partners: dict[str, tuple[int, Ed25519PrivateKey]]
) -> None:
    import_catalog(engine, DATA, source_name="gp.csv", partner="ESA")
    with transaction(engine) as session:
        stored = AuditLog(session).entry(2)
    assert stored is not None
    entry = parse_entry(stored)
    assert entry.actor.partner_id == str(partners["ESA"][0])
    assert entry.action is AuditAction.CATALOG_BATCH_ACCEPTED
    assert entry.submission is None
