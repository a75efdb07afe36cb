"""Partner signing keys: registration and revocation are stored and logged together."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.engine import Engine

from accord.audit import (
    PARTNER_KEY_PURPOSE,
    AuditAction,
    AuditLog,
    parse_entry,
    register_partner_key,
    revoke_partner_key,
)
from accord.store import (
    Partner,
    PartnerKeyError,
    PartnerKeyRepository,
    PartnerKind,
    PartnerRepository,
    PartnerSigningKey,
    transaction,
)


def _raw_public_key() -> bytes:
    return Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _partner(engine: Engine, name: str = "ESA") -> int:
    with transaction(engine) as session:
        return PartnerRepository(session).create(name, kind=PartnerKind.SPACE_AGENCY).id


def test_registering_and_revoking_a_key_is_logged_with_the_key_hash(engine: Engine) -> None:
    esa = _partner(engine)
    raw = _raw_public_key()
    key_sha256 = hashlib.sha256(raw).hexdigest()
    with transaction(engine) as session:
        key = register_partner_key(session, session.get_one(Partner, esa), raw)
        assert key.key_sha256 == key_sha256
    with transaction(engine) as session:
        partner = session.get_one(Partner, esa)
        [active] = PartnerKeyRepository(session).active_signing_keys(partner)
        assert active.public_key == raw
        revoke_partner_key(session, key_sha256)
    with transaction(engine) as session:
        partner = session.get_one(Partner, esa)
        assert PartnerKeyRepository(session).active_signing_keys(partner) == []
        [revoked] = PartnerKeyRepository(session).signing_keys(partner)
        assert revoked.revoked_at is not None
        entries = [parse_entry(item.entry) for item in AuditLog(session).entries(0, 10)]
    assert [e.action for e in entries] == [AuditAction.KEY_CREATED, AuditAction.KEY_REVOKED]
    for entry in entries:
        assert entry.content_sha256 == key_sha256
        assert [(s.kind, s.id) for s in entry.subjects] == [
            ("partner", str(esa)),
            ("partner_signing_key", key_sha256),
        ]
        assert entry.details is not None
        assert entry.details["purpose"] == PARTNER_KEY_PURPOSE


def _state(engine: Engine) -> tuple[int, int]:
    with transaction(engine) as session:
        keys = session.scalar(sa.select(sa.func.count()).select_from(PartnerSigningKey))
        return int(keys or 0), len(AuditLog(session).entries(0, 100))


@pytest.mark.parametrize(
    ("public_key", "message"),
    [(b"\x01" * 31, "32 bytes, got 31"), (b"-----BEGIN PUBLIC KEY-----\n" * 3, "got 81")],
)
def test_a_key_that_is_not_32_raw_bytes_is_refused(
    engine: Engine, public_key: bytes, message: str
) -> None:
    esa = _partner(engine)
    with pytest.raises(PartnerKeyError, match=message):
        with transaction(engine) as session:
            register_partner_key(session, session.get_one(Partner, esa), public_key)
    assert _state(engine) == (0, 0)


def test_a_key_is_registered_once_and_revoked_once(engine: Engine) -> None:
    esa, nasa = _partner(engine), _partner(engine, "NASA")
    raw = _raw_public_key()
    with transaction(engine) as session:
        register_partner_key(session, session.get_one(Partner, esa), raw)
    with pytest.raises(PartnerKeyError, match="already registered .partner 'ESA'"):
        with transaction(engine) as session:
            register_partner_key(session, session.get_one(Partner, nasa), raw)
    key_sha256 = hashlib.sha256(raw).hexdigest()
    with transaction(engine) as session:
        revoke_partner_key(session, key_sha256)
    with pytest.raises(PartnerKeyError, match="already revoked"):
        with transaction(engine) as session:
            revoke_partner_key(session, key_sha256)
    with pytest.raises(PartnerKeyError, match="no signing key with SHA-256 0+"):
        with transaction(engine) as session:
            revoke_partner_key(session, "0" * 64)
    assert _state(engine) == (1, 2)
