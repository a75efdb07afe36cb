"""State changes of agreements, each with its audit entry and, optionally, the party's signature.

Every function works inside the caller's transaction and appends the audit entry there, so
the change and its entry commit or roll back together (on SQLite the transaction must hold
the write lock: `transaction(engine, write_lock=True)`). Actors are partners by row id.

A party may sign what it submits with its registered Ed25519 key (docs/audit.md, "Signed
submissions"). The signature is checked against the partner's keys before anything is
written and kept in the entry, whose `content_sha256` is the hash it covers:

- propose, amend, edit a draft, sign: the version's `content_sha256`, the SHA-256 of the
  document's RFC 8785 canonical JSON (what every party's signature covers);
- suspend, resume, terminate: the SHA-256 of the RFC 8785 canonical JSON of
  `{"agreement_id", "version", "action", "reason"}` (`lifecycle_submission`), `version`
  being the latest version when the action is taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.orm import Session

from accord.access._records import AgreementRepository
from accord.agreements import (
    Agreement,
    AgreementRecord,
    InvalidTransitionError,
    amend,
    edit_draft,
    propose,
    resume,
    sign,
    suspend,
    terminate,
)
from accord.audit import (
    Actor,
    AuditAction,
    AuditEvent,
    AuditLog,
    SubjectRef,
    SubmissionSignature,
    canonical_submission,
    content_sha256,
    verified_partner_submission,
)
from accord.store import AgreementRow, Partner, PartnerRepository, UnknownPartnerError

__all__ = [
    "PartnerSignature",
    "amend_agreement",
    "edit_agreement_draft",
    "lifecycle_submission",
    "propose_agreement",
    "resume_agreement",
    "sign_agreement",
    "suspend_agreement",
    "terminate_agreement",
]

LifecycleAction = Literal["suspend", "resume", "terminate"]


@dataclass(frozen=True, slots=True)
class PartnerSignature:
    """A party's Ed25519 signature of its submission statement, as it arrived.

    `signature` is the raw 64 bytes; `key_sha256` (optional) names the registered key that
    made it (the SHA-256 hex of the raw public key); without it every key is tried.
    """

    signature: bytes
    key_sha256: str | None = None


def _now(at: datetime | None) -> datetime:
    return at or datetime.now(UTC)


def _handle(partner: Partner) -> str:
    if partner.handle is None:
        raise UnknownPartnerError(f"partner {partner.name!r} has no handle; it cannot sign")
    return partner.handle


def _check_parties_registered(session: Session, document: Agreement) -> None:
    partners = PartnerRepository(session)
    missing = [p.partner for p in document.parties if partners.find_by_handle(p.partner) is None]
    if missing:
        raise UnknownPartnerError(
            f"agreement {document.id!r}: parties {', '.join(missing)} are not registered "
            "partner handles; register them first (`accord partner add NAME --kind KIND "
            "--handle HANDLE`)"
        )


def _verified(
    session: Session,
    partner: Partner,
    action: AuditAction,
    payload_sha256: str,
    signed: PartnerSignature | None,
    what: str,
) -> SubmissionSignature | None:
    if signed is None:
        return None
    return verified_partner_submission(
        session,
        partner,
        action,
        payload_sha256,
        signed.signature,
        key_sha256=signed.key_sha256,
        what=what,
    )


def _event(
    action: AuditAction,
    partner: Partner,
    record: AgreementRecord,
    *,
    content_sha256: str | None = None,
    submission: SubmissionSignature | None = None,
    **details: object,
) -> AuditEvent:
    return AuditEvent(
        action,
        Actor.partner(str(partner.id)),
        subjects=(SubjectRef("agreement", record.agreement_id),),
        content_sha256=content_sha256,
        submission=submission,
        details={k: v for k, v in details.items() if v is not None} or None,
    )


def propose_agreement(
    session: Session,
    document: Agreement,
    *,
    by: Partner,
    at: datetime | None = None,
    signature: PartnerSignature | None = None,
) -> AgreementRecord:
    """Store version 1 of a new agreement proposed by `by` (a signatory) and log it."""
    repository = AgreementRepository(session)
    if session.get(AgreementRow, document.id) is not None:
        raise InvalidTransitionError(
            document.id, "propose", "it already exists; amend it with the next version"
        )
    _check_parties_registered(session, document)
    record = propose(document, by=_handle(by), at=_now(at))
    digest = record.latest.content_sha256
    action = AuditAction.AGREEMENT_VERSION_PROPOSED
    what = f"agreement {document.id!r} version 1 proposal"
    submission = _verified(session, by, action, digest, signature, what)
    repository.save(record)
    entry = _event(action, by, record, content_sha256=digest, submission=submission, version=1)
    AuditLog(session).append([entry])
    return record


def amend_agreement(
    session: Session,
    document: Agreement,
    *,
    by: Partner,
    at: datetime | None = None,
    signature: PartnerSignature | None = None,
) -> AgreementRecord:
    """Store the next version of a signed agreement (every required signer signs it anew)."""
    repository = AgreementRepository(session)
    _check_parties_registered(session, document)
    record = amend(repository.get(document.id), document, by=_handle(by), at=_now(at))
    latest = record.latest
    action = AuditAction.AGREEMENT_VERSION_PROPOSED
    what = f"agreement {document.id!r} version {latest.number} amendment"
    submission = _verified(session, by, action, latest.content_sha256, signature, what)
    repository.save(record)
    entry = _event(
        action,
        by,
        record,
        content_sha256=latest.content_sha256,
        submission=submission,
        version=latest.number,
        amends=latest.number - 1,
    )
    AuditLog(session).append([entry])
    return record


def edit_agreement_draft(
    session: Session,
    document: Agreement,
    *,
    by: Partner,
    at: datetime | None = None,
    signature: PartnerSignature | None = None,
) -> AgreementRecord:
    """Replace the text of the latest version while no party has signed it (logged).

    `by` must be a signatory of that version; the document keeps its id and version number.
    Raises `SignedVersionImmutableError` once anyone has signed (amend it instead).
    """
    repository = AgreementRepository(session)
    _check_parties_registered(session, document)
    record = edit_draft(repository.get(document.id), document, by=_handle(by), at=_now(at))
    latest = record.latest
    action = AuditAction.AGREEMENT_VERSION_PROPOSED
    what = f"agreement {document.id!r} version {latest.number} edit"
    submission = _verified(session, by, action, latest.content_sha256, signature, what)
    repository.save(record)
    entry = _event(
        action,
        by,
        record,
        content_sha256=latest.content_sha256,
        submission=submission,
        version=latest.number,
        edited=True,
    )
    AuditLog(session).append([entry])
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
    signature: PartnerSignature | None = None,
) -> AgreementRecord:
    """Record `by`'s signature of the latest version; `version` and `content_sha256` default
    to the latest's (what the CLI has just shown). The last signature of an amendment also
    logs `agreement.amended`. A `signature` must cover the version's `content_sha256`."""
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
    signed = record.latest
    action = AuditAction.AGREEMENT_VERSION_SIGNED
    what = f"agreement {agreement_id!r} version {signed.number} signature"
    submission = _verified(session, by, action, signed.content_sha256, signature, what)
    repository.save(record)
    events = [
        _event(
            action,
            by,
            record,
            content_sha256=signed.content_sha256,
            submission=submission,
            version=signed.number,
        )
    ]
    if signed.fully_signed_at is not None and signed.number > 1:
        events.append(
            _event(
                AuditAction.AGREEMENT_AMENDED,
                by,
                record,
                content_sha256=signed.content_sha256,
                version=signed.number,
            )
        )
    AuditLog(session).append(events)
    return record


def lifecycle_submission(
    agreement_id: str, version: int, action: LifecycleAction, reason: str
) -> bytes:
    """The bytes a party hashes and signs to suspend, resume or terminate an agreement.

    RFC 8785 canonical JSON of `{"action", "agreement_id", "reason", "version"}`, where
    `version` is the agreement's latest version number and `reason` the exact text sent.
    """
    return canonical_submission(
        {"agreement_id": agreement_id, "version": version, "action": action, "reason": reason}
    )


_LIFECYCLE = {
    "suspend": (AuditAction.AGREEMENT_SUSPENDED, suspend),
    "resume": (AuditAction.AGREEMENT_RESUMED, resume),
    "terminate": (AuditAction.AGREEMENT_TERMINATED, terminate),
}


def _lifecycle(
    session: Session,
    agreement_id: str,
    by: Partner,
    at: datetime | None,
    reason: str,
    kind: LifecycleAction,
    signature: PartnerSignature | None,
) -> AgreementRecord:
    if not reason.strip():
        raise ValueError(f"agreement {agreement_id!r}: give a reason (--reason TEXT)")
    action, transition = _LIFECYCLE[kind]
    repository = AgreementRepository(session)
    before = repository.get(agreement_id)
    record = transition(before, by=_handle(by), at=_now(at), reason=reason)
    # The reason stays in the store: free text may name people, and the log is forever; the
    # entry keeps only the hash of what was decided, so a signature over it can be checked.
    digest = content_sha256(lifecycle_submission(agreement_id, before.latest.number, kind, reason))
    what = f"agreement {agreement_id!r} {kind}"
    submission = _verified(session, by, action, digest, signature, what)
    repository.save(record)
    entry = _event(action, by, record, content_sha256=digest, submission=submission)
    AuditLog(session).append([entry])
    return record


def suspend_agreement(
    session: Session,
    agreement_id: str,
    *,
    by: Partner,
    reason: str,
    at: datetime | None = None,
    signature: PartnerSignature | None = None,
) -> AgreementRecord:
    """Suspend the agreement from `at`: its clauses grant nothing until resumed."""
    return _lifecycle(session, agreement_id, by, at, reason, "suspend", signature)


def resume_agreement(
    session: Session,
    agreement_id: str,
    *,
    by: Partner,
    reason: str,
    at: datetime | None = None,
    signature: PartnerSignature | None = None,
) -> AgreementRecord:
    """End a suspension: the version that applies is in force again."""
    return _lifecycle(session, agreement_id, by, at, reason, "resume", signature)


def terminate_agreement(
    session: Session,
    agreement_id: str,
    *,
    by: Partner,
    reason: str,
    at: datetime | None = None,
    signature: PartnerSignature | None = None,
) -> AgreementRecord:
    """Terminate the agreement for good."""
    return _lifecycle(session, agreement_id, by, at, reason, "terminate", signature)
