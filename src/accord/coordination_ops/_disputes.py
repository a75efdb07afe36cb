"""Disputes over the store, following the agreement's dispute clause, and `advance_all`.

Each function works in the caller's transaction: load the dispute (its row, messages and
evidence), apply the pure transition, save, audit and notify. `advance_all` is the
scheduler's step: cases' deadlines and TCAs, then disputes' escalations, each idempotent,
so a scheduler that was down catches up with the same dates and no step twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord.access import AgreementRepository
from accord.agreements import DisputeStepKind
from accord.coordination import (
    CaseState,
    CoordinationCase,
    Dispute,
    DisputeGrounds,
    DisputeMessage,
    DisputeUpdate,
    EvidenceItem,
    InclusionProof,
    add_evidence,
    decide,
    escalate_if_due,
    open_dispute,
    post_message,
)
from accord.coordination_ops._cases import advance_cases
from accord.coordination_ops._codec import (
    decision_to_json,
    dispute_from_json,
    dispute_to_json,
    proof_from_json,
    proof_to_json,
)
from accord.coordination_ops._steps import partner_ids, record_dispute_events
from accord.store import (
    CoordinationCaseRow,
    DisputeEvidenceRow,
    DisputeMessageRow,
    DisputeRow,
    transaction,
)

__all__ = [
    "AdvanceReport",
    "UnknownDisputeError",
    "add_dispute_evidence",
    "advance_all",
    "decide_dispute",
    "get_dispute",
    "list_disputes",
    "open_dispute_record",
    "post_dispute_message",
]


class UnknownDisputeError(LookupError):
    """No dispute with this id is stored."""


def get_dispute(session: Session, dispute_id: str) -> Dispute:
    """The stored dispute with its messages and evidence."""
    row = session.get(DisputeRow, dispute_id)
    if row is None:
        raise UnknownDisputeError(
            f"no dispute {dispute_id!r}; list them with `accord dispute show --all`"
        )
    messages = tuple(
        DisputeMessage(m.author, m.sent_at, DisputeStepKind(m.step), m.text)
        for m in session.scalars(
            sa.select(DisputeMessageRow)
            .where(DisputeMessageRow.dispute_id == dispute_id)
            .order_by(DisputeMessageRow.id)
        )
    )
    evidence = tuple(
        EvidenceItem(
            e.audit_seq,
            e.description,
            e.submitted_by,
            e.submitted_at,
            proof_from_json(e.inclusion_proof),
        )
        for e in session.scalars(
            sa.select(DisputeEvidenceRow)
            .where(DisputeEvidenceRow.dispute_id == dispute_id)
            .order_by(DisputeEvidenceRow.id)
        )
    )
    return dispute_from_json(row.document, messages, evidence)


def list_disputes(session: Session, *, open_only: bool = False) -> list[Dispute]:
    """Stored disputes, oldest first."""
    query = sa.select(DisputeRow.id).order_by(DisputeRow.opened_at, DisputeRow.id)
    if open_only:
        query = query.where(DisputeRow.deadline.is_not(None))
    return [get_dispute(session, i) for i in session.scalars(query)]


def _save(session: Session, update: DisputeUpdate, previous: Dispute | None) -> Dispute:
    dispute = update.dispute
    row = session.get(DisputeRow, dispute.id)
    if row is None:
        row = DisputeRow(id=dispute.id)
        session.add(row)
    row.agreement_id, row.grounds = dispute.agreement_id, dispute.grounds.value
    row.claimant, row.respondent, row.reference = (
        dispute.claimant,
        dispute.respondent,
        dispute.reference,
    )
    row.state, row.step, row.deadline = (
        dispute.state.value,
        dispute.step.kind.value,
        dispute.deadline,
    )
    row.opened_at, row.updated_at = dispute.opened_at, dispute.updated_at
    row.decision = decision_to_json(dispute.decision)
    row.document = dispute_to_json(dispute)
    old_messages = len(previous.messages) if previous else 0
    for message in dispute.messages[old_messages:]:
        session.add(
            DisputeMessageRow(
                dispute_id=dispute.id,
                author=message.author,
                sent_at=message.sent_at,
                step=message.step.value,
                text=message.text,
            )
        )
    old_evidence = len(previous.evidence) if previous else 0
    for item in dispute.evidence[old_evidence:]:
        session.add(
            DisputeEvidenceRow(
                dispute_id=dispute.id,
                audit_seq=item.audit_seq,
                description=item.description,
                submitted_by=item.submitted_by,
                submitted_at=item.submitted_at,
                inclusion_proof=proof_to_json(item.inclusion_proof),
            )
        )
    session.flush()
    record_dispute_events(
        session,
        update.events,
        readers=_readers(session, dispute),
        written=_written(update, previous),
    )
    return dispute


def _readers(session: Session, dispute: Dispute) -> frozenset[int]:
    """Who may open a dispute's sealed audit details: its parties and every mediator its
    clause names (partner ids).

    Readers are fixed when an entry is appended, so a mediator is one from the start: once
    the dispute reaches mediation it must be able to read (and verify) the earlier steps
    it is asked to settle. Until then the access rules keep the dispute itself from it.
    """
    mediators = (s.mediator.partner for s in dispute.steps if s.mediator is not None)
    return partner_ids(session, (*dispute.parties, *mediators))


def _written(update: DisputeUpdate, previous: Dispute | None) -> list[dict[str, object]]:
    """What each event's author wrote beyond its detail, aligned with `update.events`: the
    subject of an opened dispute, a message's text, an evidence item's description."""
    dispute = update.dispute
    messages = iter(dispute.messages[len(previous.messages) if previous else 0 :])
    evidence = iter(dispute.evidence[len(previous.evidence) if previous else 0 :])
    written: list[dict[str, object]] = []
    for event in update.events:
        if event.kind == "dispute.opened":
            written.append({"subject": dispute.subject})
        elif event.kind == "dispute.message":
            message = next(messages, None)
            written.append({"text": message.text} if message else {})
        elif event.kind == "dispute.evidence_added":
            item = next(evidence, None)
            written.append({"description": item.description} if item else {})
        else:
            written.append({})
    return written


def open_dispute_record(
    session: Session,
    agreement_id: str,
    *,
    grounds: DisputeGrounds,
    claimant: str,
    respondent: str,
    subject: str,
    at: datetime,
    reference: str | None = None,
) -> Dispute:
    """Open a dispute under the agreement's clause (the version in force at `at`).

    Idempotent for a reference: a dispute already open on the same grounds and reference
    is returned as it is (a breach or a refused case opens one dispute).
    """
    if reference is not None:
        existing = session.scalar(
            sa.select(DisputeRow.id).where(
                DisputeRow.grounds == grounds.value, DisputeRow.reference == reference
            )
        )
        if existing is not None:
            return get_dispute(session, existing)
    record = AgreementRepository(session).get(agreement_id)
    version = record.version_in_force(at) or record.latest
    count = session.scalar(sa.select(sa.func.count()).select_from(DisputeRow)) or 0
    dispute_id = f"dispute-{count + 1}"
    update = open_dispute(
        dispute_id,
        version.document,
        grounds=grounds,
        claimant=claimant,
        respondent=respondent,
        subject=subject,
        at=at,
        reference=reference,
    )
    return _save(session, update, None)


def post_dispute_message(
    session: Session, dispute_id: str, *, by: str, at: datetime, text: str
) -> Dispute:
    """A participant writes to the others."""
    dispute = get_dispute(session, dispute_id)
    return _save(session, post_message(dispute, by=by, at=at, text=text), dispute)


def add_dispute_evidence(
    session: Session,
    dispute_id: str,
    *,
    by: str,
    at: datetime,
    audit_seq: int,
    description: str,
    inclusion_proof: InclusionProof | None = None,
) -> Dispute:
    """A participant points at an audit-log entry as evidence."""
    dispute = get_dispute(session, dispute_id)
    update = add_evidence(
        dispute,
        by=by,
        at=at,
        audit_seq=audit_seq,
        description=description,
        inclusion_proof=inclusion_proof,
    )
    return _save(session, update, dispute)


def decide_dispute(
    session: Session,
    dispute_id: str,
    *,
    decided_by: str,
    at: datetime,
    outcome: str,
    reasons: tuple[str, ...],
    agreed_by: frozenset[str] = frozenset(),
) -> Dispute:
    """Record the decision and its reasons (who may decide depends on the step)."""
    dispute = get_dispute(session, dispute_id)
    update = decide(
        dispute,
        decided_by=decided_by,
        at=at,
        outcome=outcome,
        reasons=reasons,
        agreed_by=agreed_by,
    )
    return _save(session, update, dispute)


@dataclass(frozen=True, slots=True)
class AdvanceReport:
    """What `advance_all` changed: case ids, dispute ids escalated or exhausted, disputes opened."""

    cases: tuple[str, ...]
    disputes: tuple[str, ...]
    disputes_opened: tuple[str, ...]


def _disputes_from_cases(
    session: Session, cases: Sequence[CoordinationCase], now: datetime
) -> list[str]:
    """A refused or lapsed case between two partners under an agreement with a dispute
    clause opens a `refused_coordination` dispute (claimant: the other party)."""
    opened: list[str] = []
    for case in cases:
        if case.state not in (CaseState.REFUSED, CaseState.LAPSED) or len(case.parties) < 2:
            continue
        respondents = (case.refused_by,) if case.refused_by else case.missed_by
        for agreement_id in case.terms.agreement_ids:
            for respondent in respondents:
                claimant = next(p for p in case.parties if p != respondent)
                try:
                    dispute = open_dispute_record(
                        session,
                        agreement_id,
                        grounds=DisputeGrounds.REFUSED_COORDINATION,
                        claimant=claimant,
                        respondent=respondent,
                        subject=f"{respondent} did not coordinate on case {case.id}",
                        at=now,
                        reference=f"case:{case.id}",
                    )
                except ValueError:
                    continue  # no dispute clause in this agreement
                opened.append(dispute.id)
            break
    return opened


def advance_all(engine: Engine, now: datetime) -> AdvanceReport:
    """The scheduler's step at `now`: lapse/close cases whose deadlines or TCA passed
    (opening `refused_coordination` disputes), then escalate disputes whose deadline passed.

    One short transaction per case (its steps, audit entries, notices and the dispute it
    opens) and per dispute, each re-reading its row under the write lock (SQLite) or a row
    lock (FOR UPDATE elsewhere) and checking it is still due: a process killed mid-batch
    leaves every item either done or untouched, and the next call (any process) finishes
    the rest with the same dates. No sleeps, no in-memory state; call it from the service's
    scheduler, a job, a timer or `accord coordination advance`.
    """
    final = [s.value for s in CaseState if s.is_final]
    with transaction(engine) as session:
        due_cases = session.scalars(
            sa.select(CoordinationCaseRow.id)
            .where(
                CoordinationCaseRow.state.not_in(final),
                CoordinationCaseRow.next_deadline <= now,
            )
            .order_by(CoordinationCaseRow.next_deadline, CoordinationCaseRow.id)
        ).all()
    changed: list[str] = []
    opened: list[str] = []
    for case_id in due_cases:
        with transaction(engine, write_lock=True) as session:
            row = session.scalar(
                sa.select(CoordinationCaseRow)
                .where(CoordinationCaseRow.id == case_id)
                .with_for_update()
            )
            if row is None or row.state in final or row.next_deadline is None:
                continue
            if row.next_deadline > now:
                continue  # another process advanced it meanwhile
            cases = advance_cases(session, now, case_ids=(case_id,))
            opened += _disputes_from_cases(session, cases, now)
            changed += [c.id for c in cases]
    escalated = _escalate_due(engine, now)
    return AdvanceReport(tuple(changed), tuple(escalated), tuple(opened))


def _escalate_due(engine: Engine, now: datetime) -> list[str]:
    """`escalate_if_due` on every dispute whose deadline passed, one transaction each."""
    with transaction(engine) as session:
        due = session.scalars(
            sa.select(DisputeRow.id)
            .where(DisputeRow.deadline.is_not(None), DisputeRow.deadline <= now)
            .order_by(DisputeRow.deadline, DisputeRow.id)
        ).all()
    escalated: list[str] = []
    for dispute_id in due:
        with transaction(engine, write_lock=True) as session:
            row = session.scalar(
                sa.select(DisputeRow).where(DisputeRow.id == dispute_id).with_for_update()
            )
            if row is None or row.deadline is None or row.deadline > now:
                continue  # another process escalated it meanwhile
            dispute = get_dispute(session, dispute_id)
            update = escalate_if_due(dispute, now)
            if update.events:
                _save(session, update, dispute)
                escalated.append(dispute_id)
    return escalated
