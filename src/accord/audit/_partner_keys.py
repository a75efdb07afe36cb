"""Register and revoke partners' submission-signing keys, with their audit entries.

The rows live in `accord.store.PartnerKeyRepository`; this is the workflow over it, so that
every key state change appends `key.created` or `key.revoked` in the caller's transaction
(a key and its entry commit or roll back together). A `key.created` entry carries the raw
public key itself (`details.public_key`, standard base64 of the 32 bytes), so that anyone
holding the log can check every partner signature in it without asking the server.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.audit._actions import AuditAction
from accord.audit._entries import Actor, SubjectRef
from accord.audit._log import AuditEvent, AuditLog
from accord.store import (
    AuditLogRepository,
    Partner,
    PartnerKeyRepository,
    PartnerRepository,
    PartnerSigningKey,
)

__all__ = [
    "PARTNER_KEY_PURPOSE",
    "PUBLIC_KEY_DETAIL",
    "PartnerKeyRecord",
    "partner_key_records",
    "register_partner_key",
    "revoke_partner_key",
]

#: `details.purpose` of the key entries of partner keys (the log key's say "checkpoint signing").
PARTNER_KEY_PURPOSE = "partner-submission"
#: The `details` field of a partner key's `key.created` entry that holds the raw Ed25519
#: public key, standard base64 (RFC 4648 section 4) of its 32 bytes. Entries written before
#: it existed hold only the key's SHA-256 (`content_sha256`).
PUBLIC_KEY_DETAIL = "public_key"


def _event(action: AuditAction, key: PartnerSigningKey) -> AuditEvent:
    details: dict[str, str] = {"purpose": PARTNER_KEY_PURPOSE, "algorithm": "ed25519"}
    if action is AuditAction.KEY_CREATED:
        # A public key is no secret: logging it makes signatures checkable from the log alone.
        details[PUBLIC_KEY_DETAIL] = base64.b64encode(key.public_key).decode("ascii")
    return AuditEvent(
        action,
        Actor.system(),
        subjects=(
            SubjectRef("partner", str(key.partner_id)),
            SubjectRef("partner_signing_key", key.key_sha256),
        ),
        # The SHA-256 of the raw public key: the entry pins the exact key registered.
        content_sha256=key.key_sha256,
        details=details,
    )


def register_partner_key(
    session: Session, partner: Partner, public_key: bytes
) -> PartnerSigningKey:
    """Register a raw 32-byte Ed25519 public key for `partner` and log `key.created`.

    The entry carries the key (`details.public_key`, base64) and its SHA-256. Raises
    `accord.store.PartnerKeyError` for a key of the wrong length or already registered.
    """
    key = PartnerKeyRepository(session).register_signing_key(partner, public_key)
    AuditLog(session).append([_event(AuditAction.KEY_CREATED, key)])
    return key


def revoke_partner_key(session: Session, key_sha256: str) -> PartnerSigningKey:
    """Revoke the partner key with this SHA-256 (hex) and log `key.revoked`.

    Raises `accord.store.PartnerKeyError` for an unknown or already revoked key.
    """
    key = PartnerKeyRepository(session).revoke_signing_key(key_sha256)
    AuditLog(session).append([_event(AuditAction.KEY_REVOKED, key)])
    return key


@dataclass(frozen=True, slots=True)
class PartnerKeyRecord:
    """A partner's signing key as observers see it: whose, which, since and until when.

    `key_sha256` (lowercase hex SHA-256 of the raw key) is the key's id in entries;
    `registered_seq` is the seq of the `key.created` entry that registered it (None when
    the log has none, which only a store changed outside Accord would show).
    """

    partner_id: int
    partner_handle: str | None
    key_sha256: str
    public_key: bytes
    created_at: datetime
    revoked_at: datetime | None
    registered_seq: int | None


def partner_key_records(session: Session) -> list[PartnerKeyRecord]:
    """Every partner signing key, revoked ones included, by partner name then age.

    Costs one query per partner plus one for the registering entries' seqs.
    """
    keys = [
        (partner, key)
        for partner in PartnerRepository(session).all()
        for key in PartnerKeyRepository(session).signing_keys(partner)
    ]
    seqs = AuditLogRepository(session).first_seqs_by_content(
        AuditAction.KEY_CREATED.value, [key.key_sha256 for _, key in keys]
    )
    return [
        PartnerKeyRecord(
            partner_id=partner.id,
            partner_handle=partner.handle,
            key_sha256=key.key_sha256,
            public_key=bytes(key.public_key),
            created_at=key.created_at,
            revoked_at=key.revoked_at,
            registered_seq=seqs.get(key.key_sha256),
        )
        for partner, key in keys
    ]
