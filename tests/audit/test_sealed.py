"""Sealed (confidential) details: a salted commitment in the public entry, opened to readers."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from sqlalchemy.engine import Engine

from accord.audit import (
    SEALED_SALT_BYTES,
    Actor,
    AuditAction,
    AuditEvent,
    AuditLog,
    EntryFormatError,
    LogRecord,
    NoteSigner,
    SealedOpening,
    SealedOpeningError,
    SubjectRef,
    create_signing_key,
    entry_bytes,
    is_sealed,
    parse_entry,
    seal_details,
    verify_log,
    verify_opening,
)
from accord.store import transaction

TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
#: Confidential details of a CDM as `cdm.issued` seals them (values of a real-looking pair).
CDM_DETAILS: dict[str, Any] = {
    "message_id": "ACCORD-7-1",
    "objects": [90001, 90002],
    "tca": "2026-03-01T00:12:07.123456Z",
    "miss_m": 4239,
}


def _event(
    details: dict[str, Any] | None = None, readers: frozenset[int] = frozenset({3})
) -> AuditEvent:
    return AuditEvent(
        AuditAction.CDM_ISSUED,
        Actor.system(),
        subjects=(SubjectRef("cdm", "12"), SubjectRef("screening", "7")),
        content_sha256="ab" * 32,
        sealed=dict(CDM_DETAILS if details is None else details),
        readers=readers,
        time=TIME,
    )


def _append(engine: Engine, *events: AuditEvent) -> list[int]:
    with transaction(engine, write_lock=True) as session:
        appended = AuditLog(session).append(list(events))
    return [entry.seq for entry in appended.entries]


def test_the_public_entry_holds_only_the_salted_hash_of_the_sealed_details(
    engine: Engine,
) -> None:
    (seq,) = _append(engine, _event())
    with transaction(engine) as session:
        log = AuditLog(session)
        data = log.entry(seq)
        stored = log.sealed(seq)
    assert data is not None and stored is not None
    for secret in ("ACCORD-7-1", "90001", "90002", "2026-03-01T00:12", "4239"):
        assert secret.encode() not in data
    entry = parse_entry(data)
    assert entry.details is not None and set(entry.details) == {"sealed_sha256"}
    assert [s.id for s in entry.subjects] == ["12", "7"] and entry.content_sha256 == "ab" * 32
    # SHA-256(salt || RFC 8785 JSON), recomputed here from the definition in docs/audit.md.
    assert len(stored.salt) == SEALED_SALT_BYTES == 32
    assert stored.details_json == rfc8785.dumps(CDM_DETAILS)
    expected = hashlib.sha256(stored.salt + rfc8785.dumps(CDM_DETAILS)).hexdigest()
    assert entry.details["sealed_sha256"] == expected
    assert stored.readers == frozenset({3})
    assert is_sealed(data)


def test_a_reader_s_opening_verifies_and_returns_the_details(engine: Engine) -> None:
    (seq,) = _append(engine, _event())
    with transaction(engine) as session:
        log = AuditLog(session)
        data, opening = log.entry(seq), log.opening(seq)
    assert data is not None and opening is not None
    assert verify_opening(data, opening) == CDM_DETAILS
    # The JSON form the API serves reads back to the same opening.
    assert verify_opening(data, SealedOpening.from_json(opening.to_json())) == CDM_DETAILS


@pytest.mark.parametrize(
    "tamper",
    [
        lambda o: dataclasses.replace(o, details={**o.details, "miss_m": o.details["miss_m"] + 1}),
        lambda o: dataclasses.replace(o, details={**o.details, "objects": [90001, 90003]}),
        lambda o: dataclasses.replace(o, salt=bytes([o.salt[0] ^ 1]) + o.salt[1:]),
        lambda o: dataclasses.replace(o, salt=o.salt[:16]),
        lambda o: dataclasses.replace(o, seq=o.seq + 1),
        lambda o: dataclasses.replace(o, details={**o.details, "extra": True}),
    ],
    ids=["miss", "object", "salt-bit", "short-salt", "other-seq", "added-field"],
)
def test_a_tampered_opening_fails(tamper: Callable[[SealedOpening], SealedOpening]) -> None:
    """Pure: the entry as `AuditLog.append` builds it (the stored path is tested above)."""
    sealed = seal_details(CDM_DETAILS, frozenset({3}))
    data = entry_bytes(_event().entry(5, TIME, sealed.sha256))
    opening = SealedOpening(5, sealed.salt, dict(CDM_DETAILS))
    assert verify_opening(data, opening) == CDM_DETAILS
    with pytest.raises(SealedOpeningError):
        verify_opening(data, tamper(opening))


def test_an_entry_that_seals_nothing_has_no_opening(engine: Engine) -> None:
    (seq,) = _append(engine, AuditEvent(AuditAction.CDM_ISSUED, Actor.system(), time=TIME))
    with transaction(engine) as session:
        log = AuditLog(session)
        data = log.entry(seq)
        assert log.opening(seq) is None and log.sealed(seq) is None
    assert data is not None and not is_sealed(data)
    with pytest.raises(SealedOpeningError, match="seals nothing"):
        verify_opening(data, SealedOpening(seq, b"\0" * 32, CDM_DETAILS))


def test_equal_details_get_different_salts_and_commitments(engine: Engine) -> None:
    """A per-entry salt: equal details must not give equal (linkable, guessable) hashes."""
    first, second = _append(engine, _event(), _event())
    with transaction(engine) as session:
        log = AuditLog(session)
        salts = {log.sealed(first).salt, log.sealed(second).salt}  # type: ignore[union-attr]
        hashes = {
            parse_entry(log.entry(seq) or b"").details["sealed_sha256"]  # type: ignore[index]
            for seq in (first, second)
        }
    assert len(salts) == 2 and len(hashes) == 2


def test_sealed_details_follow_the_entry_rules(engine: Engine) -> None:
    with pytest.raises(EntryFormatError, match="floating-point"):
        seal_details({"miss_km": 4.2}, frozenset())
    with pytest.raises(EntryFormatError, match="non-empty"):
        seal_details({}, frozenset())
    with pytest.raises(EntryFormatError, match="partner id"):
        seal_details({"a": 1}, frozenset({"esa"}))  # type: ignore[arg-type]
    clash = dataclasses.replace(_event(), details={"sealed_sha256": "00" * 32})
    with pytest.raises(EntryFormatError, match="set by the log"):
        _append(engine, clash)
    with transaction(engine) as session:
        assert AuditLog(session).tree_size == 0  # the failed append left nothing


def test_a_log_with_sealed_entries_verifies_without_any_opening(
    engine: Engine, tmp_path: Path
) -> None:
    _append(engine, _event(), AuditEvent(AuditAction.SCREENING_COMPLETED, Actor.system()), _event())
    signer = NoteSigner("test.local/log", create_signing_key(tmp_path / "key.pem"))
    with transaction(engine, write_lock=True) as session:
        log = AuditLog(session)
        note = log.sign_checkpoint(signer).note
        records = [LogRecord(e.seq, e.entry, e.leaf_hash) for e in log.entries()]
    report = verify_log(records, checkpoint_note=note, pinned_note=note, verifier=signer.verifier)
    assert report.ok, report.summary()
    assert report.entries_read == 3
