"""State changes of partners' assets, contacts, keys and users, each with its audit entry.

Agreements' state changes live in `_agreement_workflows`.

Every function works inside the caller's transaction and appends the audit entry there, so
the change and its entry commit or roll back together (on SQLite the transaction must hold
the write lock: `transaction(engine, write_lock=True)`). Actors are partners by row id, as
in every other entry; no personal data goes into the log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from accord.access._catalog import can_see_object
from accord.access._principal import principal_for_partner
from accord.agreements import PrincipalRole
from accord.audit import Actor, AuditAction, AuditEvent, AuditLog, SubjectRef
from accord.store import (
    ApiKeyRepository,
    ApiKeyRow,
    AssetRepository,
    ClaimOutcome,
    ConsoleUserRow,
    IssuedApiKey,
    Partner,
    PartnerContact,
    SatelliteClaim,
    UnknownObjectError,
    UserRepository,
)

__all__ = [
    "API_KEY_PURPOSE",
    "add_console_user",
    "add_partner_contact",
    "claim_satellite",
    "create_api_key",
    "remove_partner_contact",
    "revoke_api_key",
    "rotate_api_key",
    "withdraw_claim",
]

#: `details.purpose` of the key entries of API keys (partner signing keys say "partner-submission").
API_KEY_PURPOSE = "api"


def _now(at: datetime | None) -> datetime:
    return at or datetime.now(UTC)


def _actor(partner: Partner) -> Actor:
    return Actor.partner(str(partner.id))


# --- assets -------------------------------------------------------------------------------


def claim_satellite(
    session: Session, partner: Partner, norad_id: int, *, at: datetime | None = None
) -> ClaimOutcome:
    """Claim a catalogued object for `partner`; logs `asset.claimed` or `asset.contested`.

    A partner may claim only an object it can see: at least one of its element sets is
    public, its own, or granted to it at `at` (docs/access.md, "Ownership"). Raises
    `accord.store.UnknownObjectError`, the same for an absent object and for one it cannot
    see (no existence oracle). A claim transfers no data: it says which satellites the
    partner operates.
    """
    claimant = principal_for_partner(partner, [PrincipalRole.ANALYST], name="claim")
    if not can_see_object(session, claimant, norad_id, at=at):
        raise UnknownObjectError.for_claim(norad_id)
    outcome = AssetRepository(session).claim(partner, norad_id, at=at)
    action = AuditAction.ASSET_CONTESTED if outcome.contested else AuditAction.ASSET_CLAIMED
    details: dict[str, object] = {"claim": outcome.claim.id}
    if outcome.contested:
        details["contested_with_partners"] = sorted(
            str(c.partner_id) for c in outcome.contested_with
        )
    AuditLog(session).append(
        [
            AuditEvent(
                action,
                _actor(partner),
                subjects=(SubjectRef("object", str(norad_id)),),
                details=details,
            )
        ]
    )
    return outcome


def withdraw_claim(
    session: Session, partner: Partner, norad_id: int, *, at: datetime | None = None
) -> list[SatelliteClaim]:
    """Withdraw `partner`'s claim on `norad_id`; logs `asset.withdrawn`. Returns the claims left."""
    assets = AssetRepository(session)
    assets.withdraw(partner, norad_id, at=at)
    AuditLog(session).append(
        [
            AuditEvent(
                AuditAction.ASSET_WITHDRAWN,
                _actor(partner),
                subjects=(SubjectRef("object", str(norad_id)),),
            )
        ]
    )
    return assets.active_claims(norad_id)


# --- contacts -------------------------------------------------------------------------------


def _contact_event(
    action: AuditAction,
    partner: Partner,
    contact: PartnerContact,
    by: Partner | None,
    **details: object,
) -> AuditEvent:
    # Names and addresses are personal data and the log is forever: the entry says whose
    # contact changed, which (an opaque id) and what it is for, never who the person is.
    return AuditEvent(
        action,
        _actor(by or partner),
        subjects=(
            SubjectRef("partner", str(partner.id)),
            SubjectRef("contact", str(contact.id)),
        ),
        details={"role": contact.role, **details},
    )


def add_partner_contact(
    session: Session,
    partner: Partner,
    *,
    name: str,
    email: str,
    role: str,
    by: Partner | None = None,
    at: datetime | None = None,
) -> PartnerContact:
    """Add a contact who receives `partner`'s notices and log `contact.added`.

    `by` is the acting partner when it is not `partner` itself (the platform's admins). The
    entry carries the partner, the contact's id and its role only. Raises
    `accord.store.AssetError` for an invalid name, role or e-mail address.
    """
    contact = AssetRepository(session).add_contact(
        partner, name=name, email=email, role=role, at=at
    )
    AuditLog(session).append([_contact_event(AuditAction.CONTACT_ADDED, partner, contact, by)])
    return contact


def remove_partner_contact(
    session: Session, partner: Partner, contact_id: int, *, by: Partner | None = None
) -> int:
    """Remove `partner`'s contact `contact_id`, log `contact.removed`; returns the notices
    dropped.

    Notices queued for it and not yet delivered would still go to the removed address, so
    they are dropped (the count is also the entry's `undelivered_dropped`). Raises
    `accord.store.AssetError` if the partner has no such contact.
    """
    contact, dropped = AssetRepository(session).remove_contact(partner, contact_id)
    AuditLog(session).append(
        [
            _contact_event(
                AuditAction.CONTACT_REMOVED, partner, contact, by, undelivered_dropped=dropped
            )
        ]
    )
    return dropped


# --- API keys and console users -------------------------------------------------------------


def _key_event(action: AuditAction, key: ApiKeyRow, **details: object) -> AuditEvent:
    return AuditEvent(
        action,
        Actor.partner(str(key.partner_id)),
        subjects=(
            SubjectRef("partner", str(key.partner_id)),
            SubjectRef("api_key", key.key_prefix),
        ),
        details={"purpose": API_KEY_PURPOSE, "scopes": key.scopes, **details},
    )


def create_api_key(
    session: Session,
    partner: Partner,
    scopes: Iterable[str],
    *,
    expires_at: datetime | None = None,
    at: datetime | None = None,
) -> IssuedApiKey:
    """Issue an API key for `partner` and log `key.created`; show `token` once."""
    issued = ApiKeyRepository(session).create(partner, scopes, expires_at=expires_at, at=at)
    AuditLog(session).append([_key_event(AuditAction.KEY_CREATED, issued.row)])
    return issued


def revoke_api_key(session: Session, key_prefix: str, *, at: datetime | None = None) -> ApiKeyRow:
    """Revoke an API key by its prefix and log `key.revoked`."""
    row = ApiKeyRepository(session).revoke(key_prefix, at=at)
    AuditLog(session).append([_key_event(AuditAction.KEY_REVOKED, row)])
    return row


def rotate_api_key(
    session: Session,
    key_prefix: str,
    *,
    grace: timedelta,
    expires_at: datetime | None = None,
    at: datetime | None = None,
) -> IssuedApiKey:
    """Issue a replacement key; the old one expires after `grace`. Logs `key.created`."""
    issued = ApiKeyRepository(session).rotate(key_prefix, grace=grace, expires_at=expires_at, at=at)
    AuditLog(session).append([_key_event(AuditAction.KEY_CREATED, issued.row, replaces=key_prefix)])
    return issued


def add_console_user(
    session: Session, username: str, partner: Partner, role: str, password: str
) -> ConsoleUserRow:
    """Add a console user (argon2id password) and log `user.added` with its row id only."""
    user = UserRepository(session).add(username, partner, role, password)
    AuditLog(session).append(
        [
            AuditEvent(
                AuditAction.USER_ADDED,
                Actor.system(),
                subjects=(
                    SubjectRef("partner", str(partner.id)),
                    SubjectRef("console_user", str(user.id)),
                ),
                details={"role": user.role},
            )
        ]
    )
    return user
