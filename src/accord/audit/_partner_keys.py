"""Register and revoke partners' submission-signing keys, with their audit entries.

The rows live in `accord.store.PartnerKeyRepository`; this is the workflow over it, so that
every key state change appends `key.created` or `key.revoked` in the caller's transaction
(a key and its entry commit or roll back together).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from accord.audit._actions import AuditAction
from accord.audit._entries import Actor, SubjectRef
from accord.audit._log import AuditEvent, AuditLog
from accord.store import Partner, PartnerKeyRepository, PartnerSigningKey

__all__ = ["PARTNER_KEY_PURPOSE", "register_partner_key", "revoke_partner_key"]

#: `details.purpose` of the key entries of partner keys (the log key's say "checkpoint signing").
PARTNER_KEY_PURPOSE = "partner-submission"


def _event(action: AuditAction, key: PartnerSigningKey) -> AuditEvent:
    return AuditEvent(
        action,
        Actor.system(),
        subjects=(
            SubjectRef("partner", str(key.partner_id)),
            SubjectRef("partner_signing_key", key.key_sha256),
        ),
        # The SHA-256 of the raw public key: the entry pins the exact key registered.
        content_sha256=key.key_sha256,
        details={"purpose": PARTNER_KEY_PURPOSE, "algorithm": "ed25519"},
    )


def register_partner_key(
    session: Session, partner: Partner, public_key: bytes
) -> PartnerSigningKey:
    """Register a raw 32-byte Ed25519 public key for `partner` and log `key.created`.

    Raises `accord.store.PartnerKeyError` for a key of the wrong length or already registered.
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
