"""State changes of partners' agreements, assets, keys and users, each with its audit entry.

Every function works inside the caller's transaction and appends the audit entry there, so
the change and its entry commit or roll back together (on SQLite the transaction must hold
the write lock: `transaction(engine, write_lock=True)`). Actors are partners by row id, as
in every other entry; no personal data goes into the log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from accord.access._records import AgreementRepository
from accord.agreements import (
    Agreement,
    AgreementRecord,
    InvalidTransitionError,
    amend,
    propose,
    resume,
    sign,
    suspend,
    terminate,
)
from accord.audit import Actor, AuditAction, AuditEvent, AuditLog, SubjectRef
from accord.store import (
    AgreementRow,
    ApiKeyRepository,
    ApiKeyRow,
    AssetRepository,
    ClaimOutcome,
    ConsoleUserRow,
    IssuedApiKey,
    Partner,
    PartnerContact,
    PartnerRepository,
    SatelliteClaim,
    UnknownPartnerError,
    UserRepository,
)

__all__ = [
    "API_KEY_PURPOSE",
    "add_console_user",
    "add_partner_contact",
    "amend_agreement",
    "claim_satellite",
    "create_api_key",
    "propose_agreement",
    "remove_partner_contact",
    "resume_agreement",
    "revoke_api_key",
    "rotate_api_key",
    "sign_agreement",
    "suspend_agreement",
    "terminate_agreement",
    "withdraw_claim",
]

#: `details.purpose` of the key entries of API keys (partner signing keys say "partner-submission").
API_KEY_PURPOSE = "api"


def _now(at: datetime | None) -> datetime:
    return at or datetime.now(UTC)


def _actor(partner: Partner) -> Actor:
    return Actor.partner(str(partner.id))


def _handle(partner: Partner) -> str:
    if partner.handle is None:
        raise UnknownPartnerError(f"partner {partner.name!r} has no handle; it cannot sign")
    return partner.handle


# --- agreements ---------------------------------------------------------------------------


def _check_parties_registered(session: Session, document: Agreement) -> None:
    partners = PartnerRepository(session)
    missing = [p.partner for p in document.parties if partners.find_by_handle(p.partner) is None]
    if missing:
        raise UnknownPartnerError(
            f"agreement {document.id!r}: parties {', '.join(missing)} are not registered "
            "partner handles; register them first (`accord partner add NAME --kind KIND "
            "--handle HANDLE`)"
        )


def _agreement_event(
    action: AuditAction,
    partner: Partner,
    record: AgreementRecord,
    *,
    content_sha256: str | None = None,
    **details: object,
) -> AuditEvent:
    return AuditEvent(
        action,
        _actor(partner),
        subjects=(SubjectRef("agreement", record.agreement_id),),
        content_sha256=content_sha256,
        details={k: v for k, v in details.items() if v is not None} or None,
    )


def propose_agreement(
    session: Session, document: Agreement, *, by: Partner, at: datetime | None = None
) -> AgreementRecord:
    """Store version 1 of a new agreement proposed by `by` (a signatory) and log it."""
    repository = AgreementRepository(session)
    if session.get(AgreementRow, document.id) is not None:
        raise InvalidTransitionError(
            document.id, "propose", "it already exists; amend it with the next version"
        )
    _check_parties_registered(session, document)
    record = propose(document, by=_handle(by), at=_now(at))
    repository.save(record)
    AuditLog(session).append(
        [
            _agreement_event(
                AuditAction.AGREEMENT_VERSION_PROPOSED,
                by,
                record,
                content_sha256=record.latest.content_sha256,
                version=1,
            )
        ]
    )
    return record


def amend_agreement(
    session: Session, document: Agreement, *, by: Partner, at: datetime | None = None
) -> AgreementRecord:
    """Store the next version of a signed agreement (every signatory signs it anew)."""
    repository = AgreementRepository(session)
    _check_parties_registered(session, document)
    record = amend(repository.get(document.id), document, by=_handle(by), at=_now(at))
    repository.save(record)
    number = record.latest.number
    AuditLog(session).append(
        [
            _agreement_event(
                AuditAction.AGREEMENT_VERSION_PROPOSED,
                by,
                record,
                content_sha256=record.latest.content_sha256,
                version=number,
                amends=number - 1,
            )
        ]
    )
    return record


def sign_agreement(
    session: Session,
    agreement_id: str,
    *,
    by: Partner,
    at: datetime | None = None,
    version: int | None = None,
    content_sha256: str | None = None,
    signer: str | None = None,
) -> AgreementRecord:
    """Record `by`'s signature of the latest version; `version` and `content_sha256` default
    to the latest's (what the CLI has just shown). The last signature of an amendment also
    logs `agreement.amended`."""
    repository = AgreementRepository(session)
    record = repository.get(agreement_id)
    latest = record.latest
    record = sign(
        record,
        party=_handle(by),
        at=_now(at),
        version=latest.number if version is None else version,
        content_sha256=latest.content_sha256 if content_sha256 is None else content_sha256,
        signer=signer,
    )
    repository.save(record)
    signed = record.latest
    events = [
        _agreement_event(
            AuditAction.AGREEMENT_VERSION_SIGNED,
            by,
            record,
            content_sha256=signed.content_sha256,
            version=signed.number,
        )
    ]
    if signed.fully_signed_at is not None and signed.number > 1:
        events.append(
            _agreement_event(
                AuditAction.AGREEMENT_AMENDED,
                by,
                record,
                content_sha256=signed.content_sha256,
                version=signed.number,
            )
        )
    AuditLog(session).append(events)
    return record


def _lifecycle(
    session: Session,
    agreement_id: str,
    by: Partner,
    at: datetime | None,
    reason: str,
    action: AuditAction,
) -> AgreementRecord:
    if not reason.strip():
        raise ValueError(f"agreement {agreement_id!r}: give a reason (--reason TEXT)")
    transition = {
        AuditAction.AGREEMENT_SUSPENDED: suspend,
        AuditAction.AGREEMENT_RESUMED: resume,
        AuditAction.AGREEMENT_TERMINATED: terminate,
    }[action]
    repository = AgreementRepository(session)
    record = transition(repository.get(agreement_id), by=_handle(by), at=_now(at), reason=reason)
    repository.save(record)
    # The reason stays in the store: free text may name people, and the log is forever.
    AuditLog(session).append([_agreement_event(action, by, record)])
    return record


def suspend_agreement(
    session: Session, agreement_id: str, *, by: Partner, reason: str, at: datetime | None = None
) -> AgreementRecord:
    """Suspend the agreement from `at`: its clauses grant nothing until resumed."""
    return _lifecycle(session, agreement_id, by, at, reason, AuditAction.AGREEMENT_SUSPENDED)


def resume_agreement(
    session: Session, agreement_id: str, *, by: Partner, reason: str, at: datetime | None = None
) -> AgreementRecord:
    """End a suspension: the version that applies is in force again."""
    return _lifecycle(session, agreement_id, by, at, reason, AuditAction.AGREEMENT_RESUMED)


def terminate_agreement(
    session: Session, agreement_id: str, *, by: Partner, reason: str, at: datetime | None = None
) -> AgreementRecord:
    """Terminate the agreement for good."""
    return _lifecycle(session, agreement_id, by, at, reason, AuditAction.AGREEMENT_TERMINATED)


# --- assets -------------------------------------------------------------------------------


def claim_satellite(
    session: Session, partner: Partner, norad_id: int, *, at: datetime | None = None
) -> ClaimOutcome:
    """Claim a catalogued object for `partner`; logs `asset.claimed` or `asset.contested`.

    Raises `accord.store.UnknownObjectError` for a NORAD id the catalog does not hold.
    """
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
