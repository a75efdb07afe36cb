"""Shared plumbing of the workflows: the agreements in force, actors, audit and notices.

Every workflow step calls `record_case_events` / `record_dispute_events` in its own
transaction, so the new state, its audit entries and its queued notifications commit (or
roll back) together. A partner's signed decision is verified by `signed_decision` before the
step runs and attached to the step's entry that the partner made (docs/audit.md).

The audit log is public, and a case, a dispute, a plan or a compliance report is not: their
entries publish the action, the actor, the subject ids, `details.step` (the step's kind) and
a signed decision's hash and signature; everything else the step says is sealed
(`AuditEvent.sealed`) for the partners the access rules let read that thing, given by the
caller as partner store ids (`partner_ids`). docs/audit.md, "Confidential details".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.access import AgreementRepository, PartnerSignature
from accord.agreements import Agreement, agreements_in_force
from accord.audit import (
    Actor,
    AuditAction,
    AuditEvent,
    AuditLog,
    SubjectRef,
    SubmissionSignature,
    SubmissionSignatureError,
    canonical_submission,
    content_sha256,
    verified_partner_submission,
)
from accord.coordination import CaseEvent, DisputeEvent
from accord.coordination_ops._notify import queue_notification
from accord.coordination_ops._subscriptions import Topic
from accord.store import CoordinationStepRow, Partner, PartnerRepository

__all__ = [
    "actor_of",
    "audit_details",
    "in_force",
    "partner_ids",
    "record_case_events",
    "record_dispute_events",
    "sealed_step",
    "signed_decision",
]

#: `session.info` key of the verified signature waiting for its step's entry.
_PENDING = "accord.signed_decision"


@dataclass(frozen=True, slots=True)
class _PendingSubmission:
    by: str
    payload_sha256: str
    submission: SubmissionSignature


@contextmanager
def signed_decision(
    session: Session,
    *,
    by: str,
    action: AuditAction,
    decision: Mapping[str, object],
    signature: PartnerSignature | None,
    what: str,
) -> Iterator[None]:
    """Verify partner `by`'s signature of `decision` and keep it in the entry of its step.

    `decision` is what the partner submitted (the request body's fields it sent, with the
    case or dispute id and the decision's name); the signature covers the SHA-256 of its
    RFC 8785 canonical JSON. It is checked before the step runs (SubmissionSignatureError,
    nothing written), then attached, with that hash as `content_sha256`, to the first entry
    of the step whose actor is `by`. No signature: the step runs as before.
    """
    if signature is None:
        yield
        return
    partner = PartnerRepository(session).get_by_handle(by)
    digest = content_sha256(canonical_submission(dict(decision)))
    verified = verified_partner_submission(
        session,
        partner,
        action,
        digest,
        signature.signature,
        key_sha256=signature.key_sha256,
        what=what,
    )
    session.info[_PENDING] = _PendingSubmission(by, digest, verified)
    try:
        yield
        if _PENDING in session.info:
            raise SubmissionSignatureError(
                f"{what}: the step recorded no entry by {by!r} to keep the signature in; "
                "nothing was stored"
            )
    finally:
        session.info.pop(_PENDING, None)


def _claim_signature(
    session: Session, by: str | None
) -> tuple[str | None, SubmissionSignature | None]:
    pending = session.info.get(_PENDING)
    if not isinstance(pending, _PendingSubmission) or by != pending.by:
        return None, None
    del session.info[_PENDING]
    return pending.payload_sha256, pending.submission


def in_force(session: Session, at: datetime) -> tuple[Agreement, ...]:
    """The agreement documents stored and in force at `at`."""
    return agreements_in_force(AgreementRepository(session).all(), at)


def actor_of(session: Session, handle: str | None) -> Actor:
    """The audit actor of a partner handle (by row id, as every entry), or the system."""
    if handle is None:
        return Actor.system()
    partner = PartnerRepository(session).find_by_handle(handle)
    return Actor.system() if partner is None else Actor.partner(str(partner.id))


def partner_ids(session: Session, handles: Iterable[str | None]) -> frozenset[int]:
    """The store ids of the partners with these handles, the readers of a sealed entry.

    A handle no partner of this deployment has (a mediator an agreement names by name
    only, not admitted here) is left out: nobody can read as it.
    """
    wanted = sorted({h for h in handles if h})
    if not wanted:
        return frozenset()
    return frozenset(session.scalars(sa.select(Partner.id).where(Partner.handle.in_(wanted))))


def sealed_step(
    kind: str, detail: Mapping[str, object]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The public details of a step's entry (its kind only) and what is sealed (the rest).

    Floats become decimal strings and None values are dropped (`audit_details`); a step
    that says nothing beyond its kind seals nothing.
    """
    sealed = audit_details(detail)
    return {"step": kind}, (sealed or None)


def _plain(detail: Mapping[str, object]) -> dict[str, object]:
    return {k: v for k, v in detail.items() if v is not None}


def audit_details(value: object) -> Any:
    """`value` with every float as its decimal string (audit entries allow no floats)."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping):
        return {str(k): audit_details(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [audit_details(v) for v in value]
    return value


def _by(detail: Mapping[str, object]) -> str | None:
    # A dispute's decision names its maker `decided_by`; it is the step's actor all the same.
    by = detail.get("by", detail.get("decided_by"))
    return by if isinstance(by, str) else None


def record_case_events(
    session: Session,
    case_id: str,
    events: Sequence[CaseEvent],
    *,
    first_seq: int,
    readers: frozenset[int],
) -> list[int]:
    """Append each event to the audit log, as a case step, and queue its notifications.

    `first_seq` numbers the steps of the case; `readers` are the partner ids that may open
    the steps' sealed details (the case's parties); returns the audit seqs.
    """
    seqs: list[int] = []
    for offset, event in enumerate(events):
        by = _by(event.detail)
        signed_sha256, submission = _claim_signature(session, by)
        # Public: the case id and the step's kind; the conjunction (event, TCA, Pc, miss),
        # proposals, reasons and agreements are the parties' (docs/audit.md).
        public, sealed = sealed_step(event.kind, event.detail)
        appended = AuditLog(session).append(
            [
                AuditEvent(
                    AuditAction.COORDINATION_STEP_RECORDED,
                    actor_of(session, by),
                    subjects=(SubjectRef("coordination_case", case_id),),
                    content_sha256=signed_sha256,
                    submission=submission,
                    details=public,
                    time=event.at,
                    sealed=sealed,
                    readers=readers,
                )
            ]
        )
        seq = appended.first_seq
        session.add(
            CoordinationStepRow(
                case_id=case_id,
                seq=first_seq + offset,
                kind=event.kind,
                actor=by,
                at=event.at,
                detail=_plain(event.detail),
                audit_seq=seq,
            )
        )
        for party in event.notify:
            queue_notification(
                session,
                partner=party,
                subject=f"[Accord] {event.kind} {case_id}",
                body=_body(f"coordination case {case_id}", event.kind, event.at, event.detail),
                at=event.at,
                dedup_key=f"{case_id}/{first_seq + offset}/{party}",
                topic=_topic(event.kind, by, Topic.CASE_STEP),
                payload={**_plain(event.detail), "case_id": case_id, "event": event.kind},
            )
        seqs.append(seq)
    session.flush()
    return seqs


def record_dispute_events(
    session: Session,
    events: Sequence[DisputeEvent],
    *,
    readers: frozenset[int],
    written: Sequence[Mapping[str, object]] = (),
) -> list[int]:
    """Append each dispute event to the audit log and queue its notifications.

    `readers` are the partner ids that may open the sealed details (the parties and every
    mediator the dispute clause names). `written`, aligned with `events` when given, is
    what the step's author wrote beyond the event's detail (a message's text, an evidence
    item's description): sealed with the detail, so the log commits to it, but never put
    into the notifications.
    """
    seqs: list[int] = []
    for index, event in enumerate(events):
        by = _by(event.detail)
        signed_sha256, submission = _claim_signature(session, by)
        extra = written[index] if index < len(written) else {}
        public, sealed = sealed_step(event.kind, {**event.detail, **extra})
        appended = AuditLog(session).append(
            [
                AuditEvent(
                    AuditAction.DISPUTE_STEP_RECORDED,
                    actor_of(session, by),
                    subjects=(SubjectRef("dispute", event.dispute_id),),
                    content_sha256=signed_sha256,
                    submission=submission,
                    details=public,
                    time=event.at,
                    sealed=sealed,
                    readers=readers,
                )
            ]
        )
        seqs.append(appended.first_seq)
        for party in event.notify:
            queue_notification(
                session,
                partner=party,
                subject=f"[Accord] {event.kind} {event.dispute_id}",
                body=_body(f"dispute {event.dispute_id}", event.kind, event.at, event.detail),
                at=event.at,
                dedup_key=f"{event.dispute_id}/{appended.first_seq}/{party}",
                topic=_topic(event.kind, by, Topic.DISPUTE_STEP),
                payload={
                    **_plain(event.detail),
                    "dispute_id": event.dispute_id,
                    "event": event.kind,
                },
            )
    return seqs


def _topic(kind: str, by: str | None, step_topic: Topic) -> Topic:
    """A missed deadline, or an escalation the platform applied, is a `deadline` notice."""
    platform_escalation = kind.endswith("escalated") and by is None
    if kind.endswith(("deadline_missed", "exhausted")) or platform_escalation:
        return Topic.DEADLINE
    return step_topic


def _body(what: str, kind: str, at: datetime, detail: Mapping[str, object]) -> str:
    lines = [f"{what}: {kind} at {at.isoformat()}", ""]
    lines += [f"{key}: {value}" for key, value in sorted(detail.items()) if value is not None]
    lines += ["", "Every step is recorded in the Accord audit log."]
    return "\n".join(lines) + "\n"
