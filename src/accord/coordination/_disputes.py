"""Disputes between partners, following the agreement's dispute clause step by step.

States: one per clause step (`negotiation`, `mediation`, `arbitration`, in the clause's
order), then a final `resolved` (a decision with reasons), `withdrawn` (by the claimant)
or `exhausted` (the last step's deadline passed without a decision). Each step starts when
the previous one's deadline passes (`escalate_if_due`) or when a party escalates early.
Transitions return a `DisputeUpdate`; the old dispute is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from accord.agreements import (
    Agreement,
    DisputeResolutionClause,
    DisputeStep,
    DisputeStepKind,
)
from accord.coordination._errors import (
    DisputeClauseMissingError,
    DisputeClosedError,
    InvalidDisputeTransitionError,
    NoFurtherStepError,
    NotADisputeParticipantError,
    NotAuthorisedToDecideError,
    TimeOrderError,
)

__all__ = [
    "Decision",
    "Dispute",
    "DisputeEvent",
    "DisputeGrounds",
    "DisputeMessage",
    "DisputeState",
    "DisputeUpdate",
    "EvidenceItem",
    "InclusionProof",
    "add_evidence",
    "decide",
    "escalate",
    "escalate_if_due",
    "open_dispute",
    "post_message",
    "withdraw",
]


class DisputeGrounds(StrEnum):
    """What opened the dispute."""

    BREACH = "breach"
    CONTESTED_CLAIM = "contested_claim"
    REFUSED_COORDINATION = "refused_coordination"
    COMPLAINT = "complaint"


class DisputeState(StrEnum):
    """A step of the clause while open; resolved, withdrawn and exhausted are final."""

    NEGOTIATION = "negotiation"
    MEDIATION = "mediation"
    ARBITRATION = "arbitration"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"
    EXHAUSTED = "exhausted"

    @property
    def is_final(self) -> bool:
        """Whether no transition leaves this state."""
        return self in (DisputeState.RESOLVED, DisputeState.WITHDRAWN, DisputeState.EXHAUSTED)


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """An RFC 6962 inclusion proof of an audit-log entry (hex hashes), as the log serves it."""

    leaf_index: int
    tree_size: int
    audit_path: tuple[str, ...]
    root_hash: str


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """Evidence: an audit-log entry by `seq`, with its inclusion proof once fetched."""

    audit_seq: int
    description: str
    submitted_by: str
    submitted_at: datetime
    inclusion_proof: InclusionProof | None = None


@dataclass(frozen=True, slots=True)
class DisputeMessage:
    """A message between the participants, during the step it was sent in."""

    author: str
    sent_at: datetime
    step: DisputeStepKind
    text: str


@dataclass(frozen=True, slots=True)
class Decision:
    """How the dispute ended: the outcome, its reasons, who decided and who agreed."""

    step: DisputeStepKind
    decided_by: str
    decided_at: datetime
    outcome: str
    reasons: tuple[str, ...]
    agreed_by: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Dispute:
    """A dispute under one agreement's dispute clause; change it only through transitions.

    `step_index` points into `steps`; `step_started_at` is when the current step began (a
    step started by a passed deadline begins at that deadline, not when it was noticed).
    """

    id: str
    agreement_id: str
    clause_id: str
    steps: tuple[DisputeStep, ...]
    grounds: DisputeGrounds
    claimant: str
    respondent: str
    subject: str
    reference: str | None
    opened_at: datetime
    state: DisputeState
    step_index: int
    step_started_at: datetime
    updated_at: datetime
    messages: tuple[DisputeMessage, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    decision: Decision | None = None

    @property
    def step(self) -> DisputeStep:
        """The current (or, once final, the last reached) step."""
        return self.steps[self.step_index]

    @property
    def parties(self) -> tuple[str, str]:
        """Claimant and respondent."""
        return (self.claimant, self.respondent)

    @property
    def deadline(self) -> datetime | None:
        """When the current step ends unresolved; None once final."""
        if self.state.is_final:
            return None
        return self.step_started_at + timedelta(days=self.step.deadline_days)

    @property
    def participants(self) -> tuple[str, ...]:
        """Who may write in the current step: the parties, and the mediator in mediation."""
        mediator = self.step.mediator
        if self.state is DisputeState.MEDIATION and mediator is not None:
            return (*self.parties, mediator.partner)
        return self.parties


@dataclass(frozen=True, slots=True)
class DisputeEvent:
    """Something to notify and to append to the audit log (`dispute.<verb>`)."""

    kind: str
    dispute_id: str
    at: datetime
    notify: tuple[str, ...]
    detail: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DisputeUpdate:
    """A transition's result: the new dispute and its events, oldest first."""

    dispute: Dispute
    events: tuple[DisputeEvent, ...]


def open_dispute(
    dispute_id: str,
    agreement: Agreement,
    *,
    grounds: DisputeGrounds,
    claimant: str,
    respondent: str,
    subject: str,
    at: datetime,
    reference: str | None = None,
) -> DisputeUpdate:
    """Open a dispute at the first step of the agreement's dispute clause.

    `reference` points at what it is about (a case id, a breach notice key, a NORAD id).
    Raises DisputeClauseMissingError when the agreement has no dispute clause,
    NotADisputeParticipantError when claimant or respondent is not a signatory.
    """
    _require_aware(at, "at")
    clause = next((c for c in agreement.clauses if isinstance(c, DisputeResolutionClause)), None)
    if clause is None:
        raise DisputeClauseMissingError(
            f"agreement {agreement.id!r} v{agreement.version} has no dispute_resolution clause; "
            "amend it to add one (docs/agreements.md) before opening a dispute under it"
        )
    for role, partner in (("claimant", claimant), ("respondent", respondent)):
        if partner not in agreement.signatory_ids:
            raise NotADisputeParticipantError(
                dispute_id, "open", f"{role} {partner!r} is not a signatory of {agreement.id!r}"
            )
    if claimant == respondent:
        raise InvalidDisputeTransitionError(
            dispute_id, "open", "claimant and respondent are the same partner"
        )
    first = clause.steps[0]
    dispute = Dispute(
        id=dispute_id,
        agreement_id=agreement.id,
        clause_id=clause.id,
        steps=clause.steps,
        grounds=grounds,
        claimant=claimant,
        respondent=respondent,
        subject=subject,
        reference=reference,
        opened_at=at,
        state=DisputeState(first.kind.value),
        step_index=0,
        step_started_at=at,
        updated_at=at,
    )
    detail = {
        "grounds": grounds.value,
        "claimant": claimant,
        "respondent": respondent,
        "agreement": agreement.id,
        "clause": clause.id,
        "reference": reference,
        "step": first.kind.value,
        "deadline": _iso(dispute.deadline),
    }
    return DisputeUpdate(
        dispute, (DisputeEvent("dispute.opened", dispute_id, at, dispute.parties, detail),)
    )


def post_message(dispute: Dispute, *, by: str, at: datetime, text: str) -> DisputeUpdate:
    """A participant writes to the others."""
    _check_open(dispute, "post a message", at)
    _check_participant(dispute, "post a message", by)
    message = DisputeMessage(by, at, dispute.step.kind, text)
    new = replace(dispute, messages=(*dispute.messages, message), updated_at=at)
    event = DisputeEvent(
        "dispute.message", dispute.id, at, _notify(dispute), {"by": by, "step": message.step.value}
    )
    return DisputeUpdate(new, (event,))


def add_evidence(
    dispute: Dispute,
    *,
    by: str,
    at: datetime,
    audit_seq: int,
    description: str,
    inclusion_proof: InclusionProof | None = None,
) -> DisputeUpdate:
    """A participant submits an audit-log entry as evidence (proof attached now or later)."""
    _check_open(dispute, "add evidence", at)
    _check_participant(dispute, "add evidence", by)
    if audit_seq < 0:
        raise InvalidDisputeTransitionError(
            dispute.id, "add evidence", f"audit_seq={audit_seq}; log sequence numbers are >= 0"
        )
    if inclusion_proof is not None and inclusion_proof.leaf_index != audit_seq:
        raise InvalidDisputeTransitionError(
            dispute.id,
            "add evidence",
            f"the inclusion proof is for leaf {inclusion_proof.leaf_index}, not entry {audit_seq}",
        )
    item = EvidenceItem(audit_seq, description, by, at, inclusion_proof)
    new = replace(dispute, evidence=(*dispute.evidence, item), updated_at=at)
    event = DisputeEvent(
        "dispute.evidence_added",
        dispute.id,
        at,
        _notify(dispute),
        {"by": by, "audit_seq": audit_seq},
    )
    return DisputeUpdate(new, (event,))


def escalate(dispute: Dispute, *, by: str, at: datetime, reason: str) -> DisputeUpdate:
    """A party escalates before the deadline: the next step starts now."""
    _check_open(dispute, "escalate", at)
    if by not in dispute.parties:
        raise NotADisputeParticipantError(
            dispute.id, "escalate", f"{by!r} is not a party; only the parties escalate"
        )
    if dispute.step_index + 1 >= len(dispute.steps):
        raise NoFurtherStepError(
            dispute.id,
            "escalate",
            f"{dispute.step.kind.value} is the clause's last step; decide or withdraw",
        )
    return _to_next_step(dispute, at, {"by": by, "reason": reason, "automatic": False})


def escalate_if_due(dispute: Dispute, now: datetime) -> DisputeUpdate:
    """Escalate through every step whose deadline is at or before `now`; idempotent.

    Each next step starts at the previous deadline, so a late call (a scheduler that was
    down) gives the same result as timely ones. After the last step's deadline the
    dispute is `exhausted`.
    """
    _require_aware(now, "now")
    events: list[DisputeEvent] = []
    while not dispute.state.is_final:
        deadline = dispute.deadline
        assert deadline is not None
        if deadline > now:
            break
        if dispute.step_index + 1 < len(dispute.steps):
            update = _to_next_step(
                dispute, deadline, {"by": None, "reason": "deadline passed", "automatic": True}
            )
        else:
            new = replace(dispute, state=DisputeState.EXHAUSTED, updated_at=deadline)
            detail = {"step": dispute.step.kind.value, "deadline": deadline.isoformat()}
            update = DisputeUpdate(
                new,
                (
                    DisputeEvent(
                        "dispute.exhausted", dispute.id, deadline, _notify(dispute), detail
                    ),
                ),
            )
        dispute = update.dispute
        events += update.events
    return DisputeUpdate(dispute, tuple(events))


def decide(
    dispute: Dispute,
    *,
    decided_by: str,
    at: datetime,
    outcome: str,
    reasons: tuple[str, ...],
    agreed_by: frozenset[str] = frozenset(),
) -> DisputeUpdate:
    """Record the decision that resolves the dispute.

    Negotiation: a party records a settlement both parties agreed to. Mediation: the
    named mediator records a settlement both parties agreed to (mediation does not bind).
    Arbitration: the arbitrator (not a party) decides; its award binds without agreement.
    Reasons are required.
    """
    _check_open(dispute, "decide", at)
    step = dispute.step
    if not reasons or not all(r.strip() for r in reasons):
        raise InvalidDisputeTransitionError(
            dispute.id, "decide", "a decision needs at least one non-empty reason"
        )
    both = set(dispute.parties) <= agreed_by
    if step.kind is DisputeStepKind.NEGOTIATION:
        allowed, needs_both = decided_by in dispute.parties, True
        who = "a party"
    elif step.kind is DisputeStepKind.MEDIATION:
        mediator = step.mediator.partner if step.mediator else None
        allowed, needs_both = decided_by == mediator, True
        who = f"the mediator {mediator!r}"
    else:
        allowed, needs_both = decided_by not in dispute.parties, False
        who = "the arbitrator" + (f" ({step.body})" if step.body else "") + ", not a party"
    if not allowed:
        raise NotAuthorisedToDecideError(
            dispute.id, "decide", f"in {step.kind.value} the decision is recorded by {who}"
        )
    if needs_both and not both:
        raise NotAuthorisedToDecideError(
            dispute.id,
            "decide",
            f"a {step.kind.value} settlement needs both parties' agreement "
            f"(agreed_by={sorted(agreed_by)})",
        )
    decision = Decision(step.kind, decided_by, at, outcome, reasons, agreed_by)
    new = replace(dispute, state=DisputeState.RESOLVED, decision=decision, updated_at=at)
    detail = {
        "step": step.kind.value,
        "decided_by": decided_by,
        "outcome": outcome,
        "reasons": list(reasons),
    }
    return DisputeUpdate(
        new, (DisputeEvent("dispute.decided", dispute.id, at, _notify(dispute), detail),)
    )


def withdraw(dispute: Dispute, *, by: str, at: datetime, reason: str) -> DisputeUpdate:
    """The claimant withdraws the dispute."""
    _check_open(dispute, "withdraw", at)
    if by != dispute.claimant:
        raise NotADisputeParticipantError(
            dispute.id, "withdraw", f"only the claimant {dispute.claimant!r} withdraws, not {by!r}"
        )
    new = replace(dispute, state=DisputeState.WITHDRAWN, updated_at=at)
    event = DisputeEvent(
        "dispute.withdrawn", dispute.id, at, _notify(dispute), {"by": by, "reason": reason}
    )
    return DisputeUpdate(new, (event,))


# --- helpers ------------------------------------------------------------------------------


def _to_next_step(dispute: Dispute, at: datetime, detail: dict[str, object]) -> DisputeUpdate:
    index = dispute.step_index + 1
    step = dispute.steps[index]
    new = replace(
        dispute,
        state=DisputeState(step.kind.value),
        step_index=index,
        step_started_at=at,
        updated_at=at,
    )
    full = {
        **detail,
        "from": dispute.step.kind.value,
        "to": step.kind.value,
        "mediator": step.mediator.partner if step.mediator else None,
        "deadline": _iso(new.deadline),
    }
    return DisputeUpdate(
        new, (DisputeEvent("dispute.escalated", dispute.id, at, _notify(new), full),)
    )


def _notify(dispute: Dispute) -> tuple[str, ...]:
    return tuple(dict.fromkeys(dispute.participants))


def _check_open(dispute: Dispute, transition: str, at: datetime) -> None:
    _require_aware(at, "at")
    if dispute.state.is_final:
        raise DisputeClosedError(
            dispute.id, transition, f"the dispute is {dispute.state.value} (final)"
        )
    if at < dispute.updated_at:
        raise TimeOrderError(
            f"dispute {dispute.id!r}: {transition} at {at.isoformat()} is before its last step "
            f"at {dispute.updated_at.isoformat()}; pass the time of the step"
        )
    deadline = dispute.deadline
    if deadline is not None and at >= deadline:
        raise InvalidDisputeTransitionError(
            dispute.id,
            transition,
            f"the {dispute.step.kind.value} deadline {deadline.isoformat()} has passed; "
            "call escalate_if_due(dispute, now) first",
        )


def _check_participant(dispute: Dispute, transition: str, by: str) -> None:
    if by not in dispute.participants:
        raise NotADisputeParticipantError(
            dispute.id,
            transition,
            f"{by!r} takes no part in the {dispute.step.kind.value} step "
            f"(participants: {', '.join(dispute.participants)})",
        )


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _require_aware(at: datetime, name: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise TimeOrderError(f"{name}={at.isoformat()} has no time zone; pass a UTC datetime")
