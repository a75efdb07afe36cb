"""Coordination over HTTP: cases, manoeuvre plans, compliance reports and disputes.

Who sees and acts is decided by the authorisation point (`accord.access.authorize_cases`,
`authorize_plans`, `authorize_disputes`, `visible_compliance_reports`; docs/access.md,
"Coordination"); absent and not visible alike are 404, lists leave out what is not visible:
- a case: its parties, whoever the agreements in force grant a party's `conjunction_data`
  for that party's object (observers included), and the platform's admins;
- a plan: `hypothetical` its owner, `candidate` also the case's parties, `committed` also
  whoever the agreements grant the owner's `conjunction_data`; only its owner's operators
  and admins share or commit it, and a commit that would create a worse conjunction is 409
  with that conjunction in the problem's `conjunction`;
- a compliance report: its obligor and the other signatories of its agreement;
- a dispute: its parties, and the mediator of a step the dispute has reached.
A partner acts only for itself: the caller's partner is the party it acts as (a visible
case or dispute the caller is not a party of gives 403), and acting needs a key with the
`write` scope or a console role other than analyst/observer. Refused transitions are 409.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from accord.access import (
    PartnerSignature,
    Principal,
    visible_cases,
    visible_compliance_reports,
    visible_disputes,
)
from accord.audit import AuditAction
from accord.coordination import (
    CaseState,
    CoordinationCase,
    CoordinationError,
    Dispute,
    DisputeState,
    Manoeuvre,
)
from accord.coordination_ops import (
    accept_case,
    counter_propose_case,
    decide_dispute,
    get_case,
    hand_over_case,
    list_cases,
    list_disputes,
    post_dispute_message,
    refuse_case,
    signed_decision,
)
from accord.service._auth import CurrentPrincipal
from accord.service.api._common import Page, PageLimit, PageOffset, paginate, store
from accord.service.api._coordination_access import CaseIdPath as CaseIdPath
from accord.service.api._coordination_access import acting_case as _acting_case
from accord.service.api._coordination_access import acting_dispute as _acting_dispute
from accord.service.api._coordination_access import conflict as _conflict
from accord.service.api._coordination_access import now_utc as _now
from accord.service.api._coordination_access import visible_case as _visible_case
from accord.service.api._coordination_access import visible_dispute as _visible_dispute
from accord.service.api._coordination_plans import case_plans as case_plans
from accord.service.api._coordination_plans import router as plans_router
from accord.service.api._signatures import (
    SubmittedSignature,
    decision_submission,
    refused_as_422,
)
from accord.store import CoordinationStepRow

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["coordination"])

DisputeIdPath = Annotated[str, Path(max_length=64, description="dispute id")]
# The plan routes (create, list, read, share, commit) live in _coordination_plans; the app
# includes this router only.
router.include_router(plans_router)


# --- schemas ----------------------------------------------------------------------------------


class ProposalPublic(BaseModel):
    """The current proposal: who acts, by which rule or party, and each party's deadline."""

    number: int
    kind: str
    proposed_by: str | None
    proposed_at: datetime
    manoeuvre: Manoeuvre
    acting_operators: list[str]
    rule_id: str | None
    reasons: list[str]
    rationale: str | None
    deadlines: dict[str, datetime]
    accepted_by: list[str]


class CasePublic(BaseModel):
    """A coordination case in a list: parties, state, objects, TCA and next deadline."""

    id: str
    event_id: int
    state: CaseState
    parties: list[str]
    primary_norad_id: int
    secondary_norad_id: int
    tca: datetime
    miss_km: float
    pc: float | None
    next_deadline: datetime | None
    opened_at: datetime
    updated_at: datetime


class CaseStepPublic(BaseModel):
    """One step of a case with the audit entry that records it."""

    seq: int
    kind: str
    actor: str | None
    at: datetime
    detail: dict[str, Any]
    audit_seq: int


class CaseDetailPublic(CasePublic):
    """A case with its current proposal, its steps and what is awaited of whom."""

    proposal: ProposalPublic | None
    awaiting: list[str]
    agreement_ids: list[str]
    refused_by: str | None
    missed_by: list[str]
    steps: list[CaseStepPublic]


class AcceptCreate(BaseModel):
    """Acceptance of the current proposal by the caller's partner (no fields needed)."""


class CounterCreate(BaseModel):
    """Another outcome proposed by the caller's partner; deadlines restart."""

    manoeuvre: Manoeuvre
    rationale: str = Field(min_length=1, max_length=2000)


class HandOverCreate(BaseModel):
    """The caller's partner, asked to act, hands responsibility to the other object."""

    rationale: str = Field(min_length=1, max_length=2000)


class RefuseCreate(BaseModel):
    """The caller's partner refuses to coordinate (grounds for a dispute)."""

    reason: str = Field(min_length=1, max_length=2000)


class ComplianceReportPublic(BaseModel):
    """One evaluation of a partner's commitments under an agreement, with the figures."""

    id: int
    agreement_id: str
    partner: str
    period_start: datetime
    period_end: datetime
    verdict: str
    figures: dict[str, Any]
    evaluated_at: datetime


class DisputePublic(BaseModel):
    """A dispute in a list: agreement, grounds, parties, state, step and deadline."""

    id: str
    agreement_id: str
    grounds: str
    claimant: str
    respondent: str
    subject: str
    reference: str | None
    state: DisputeState
    step: str
    deadline: datetime | None
    opened_at: datetime
    updated_at: datetime


class DisputeMessagePublic(BaseModel):
    """A message between participants, in the step it was sent."""

    author: str
    sent_at: datetime
    step: str
    text: str


class EvidencePublic(BaseModel):
    """An audit-log entry given as evidence (verify it with GET /audit/entries/{seq})."""

    audit_seq: int
    description: str
    submitted_by: str
    submitted_at: datetime


class DecisionPublic(BaseModel):
    """How the dispute ended and why."""

    step: str
    decided_by: str
    decided_at: datetime
    outcome: str
    reasons: list[str]
    agreed_by: list[str]


class DisputeDetailPublic(DisputePublic):
    """A dispute with its clause's steps, who may write now, messages, evidence, decision."""

    steps: list[str]
    participants: list[str]
    messages: list[DisputeMessagePublic]
    evidence: list[EvidencePublic]
    decision: DecisionPublic | None


class DisputeMessageCreate(BaseModel):
    """A message from the caller's partner to the other participants."""

    text: str = Field(min_length=1, max_length=10_000)


class DecisionCreate(BaseModel):
    """The decision recorded by the caller's partner, with its reasons and who agreed."""

    outcome: str = Field(min_length=1, max_length=2000)
    reasons: list[Annotated[str, Field(min_length=1, max_length=2000)]] = Field(min_length=1)
    agreed_by: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list)


# --- conversions ------------------------------------------------------------------------------


def _case_public(case: CoordinationCase) -> CasePublic:
    return CasePublic(
        id=case.id,
        event_id=case.trigger.event_id,
        state=case.state,
        parties=list(case.parties),
        primary_norad_id=case.encounter.primary.norad_id,
        secondary_norad_id=case.encounter.secondary.norad_id,
        tca=case.trigger.tca,
        miss_km=case.trigger.miss_km,
        pc=case.trigger.pc,
        next_deadline=case.next_deadline,
        opened_at=case.opened_at,
        updated_at=case.updated_at,
    )


def _case_detail(session: Session, case: CoordinationCase) -> CaseDetailPublic:
    current = case.proposal
    proposal = None
    if current is not None:
        proposal = ProposalPublic(
            number=current.number,
            kind=current.kind.value,
            proposed_by=current.proposed_by,
            proposed_at=current.proposed_at,
            manoeuvre=current.manoeuvre,
            acting_operators=list(current.acting_operators),
            rule_id=current.rule_id,
            reasons=list(current.reasons),
            rationale=current.rationale,
            deadlines=dict(current.deadlines),
            accepted_by=sorted(current.accepted_by),
        )
    steps = [
        CaseStepPublic(
            seq=s.seq, kind=s.kind, actor=s.actor, at=s.at, detail=s.detail, audit_seq=s.audit_seq
        )
        for s in session.scalars(
            sa.select(CoordinationStepRow)
            .where(CoordinationStepRow.case_id == case.id)
            .order_by(CoordinationStepRow.seq)
        )
    ]
    return CaseDetailPublic(
        **_case_public(case).model_dump(),
        proposal=proposal,
        awaiting=list(case.awaiting),
        agreement_ids=list(case.terms.agreement_ids),
        refused_by=case.refused_by,
        missed_by=list(case.missed_by),
        steps=steps,
    )


def _dispute_public(dispute: Dispute) -> DisputePublic:
    return DisputePublic(
        id=dispute.id,
        agreement_id=dispute.agreement_id,
        grounds=dispute.grounds.value,
        claimant=dispute.claimant,
        respondent=dispute.respondent,
        subject=dispute.subject,
        reference=dispute.reference,
        state=dispute.state,
        step=dispute.step.kind.value,
        deadline=dispute.deadline,
        opened_at=dispute.opened_at,
        updated_at=dispute.updated_at,
    )


def _dispute_detail(dispute: Dispute) -> DisputeDetailPublic:
    decision = dispute.decision
    return DisputeDetailPublic(
        **_dispute_public(dispute).model_dump(),
        steps=[s.kind.value for s in dispute.steps],
        participants=list(dispute.participants),
        messages=[
            DisputeMessagePublic(author=m.author, sent_at=m.sent_at, step=m.step.value, text=m.text)
            for m in dispute.messages
        ],
        evidence=[
            EvidencePublic(
                audit_seq=e.audit_seq,
                description=e.description,
                submitted_by=e.submitted_by,
                submitted_at=e.submitted_at,
            )
            for e in dispute.evidence
        ],
        decision=None
        if decision is None
        else DecisionPublic(
            step=decision.step.value,
            decided_by=decision.decided_by,
            decided_at=decision.decided_at,
            outcome=decision.outcome,
            reasons=list(decision.reasons),
            agreed_by=sorted(decision.agreed_by),
        ),
    )


# --- cases ------------------------------------------------------------------------------------


@router.get("/coordination/cases", response_model=Page[CasePublic])
def list_visible_cases(
    request: Request,
    principal: CurrentPrincipal,
    offset: PageOffset = 0,
    limit: PageLimit = 100,
    open_only: Annotated[bool, Query(description="leave out closed, refused, lapsed")] = False,
) -> Page[CasePublic]:
    """Cases the caller may see (parties; others as the agreements grant), soonest TCA first."""
    with store(request, write=False) as session:
        found = visible_cases(session, principal, list_cases(session, open_only=open_only))
        cases = [_case_public(c) for c in found]
    return paginate(cases, offset, limit)


@router.get("/coordination/cases/{case_id}", response_model=CaseDetailPublic)
def case_detail(request: Request, principal: CurrentPrincipal, case_id: CaseIdPath) -> Any:
    """One case with its proposal, deadlines and steps."""
    with store(request, write=False) as session:
        return _case_detail(session, _visible_case(session, case_id, principal))


def _act(
    request: Request,
    principal: Principal,
    case_id: str,
    action: Callable[[Session], object],
    signed: tuple[str, BaseModel, PartnerSignature | None],
) -> CaseDetailPublic:
    decision, body, signature = signed
    with refused_as_422(), store(request) as session:
        _acting_case(session, case_id, principal)
        try:
            with signed_decision(
                session,
                by=principal.partner,
                action=AuditAction.COORDINATION_STEP_RECORDED,
                decision=decision_submission("case_id", case_id, decision, body),
                signature=signature,
                what=f"case {case_id} {decision}",
            ):
                action(session)
        except CoordinationError as error:
            raise _conflict(error) from None
        return _case_detail(session, get_case(session, case_id))


@router.post("/coordination/cases/{case_id}/accept", response_model=CaseDetailPublic)
def accept(
    request: Request,
    principal: CurrentPrincipal,
    case_id: CaseIdPath,
    body: AcceptCreate,
    signature: SubmittedSignature,
) -> Any:
    """The caller's partner accepts the current proposal."""
    return _act(
        request,
        principal,
        case_id,
        lambda s: accept_case(s, case_id, by=principal.partner, at=_now()),
        ("accept", body, signature),
    )


@router.post("/coordination/cases/{case_id}/counter", response_model=CaseDetailPublic)
def counter(
    request: Request,
    principal: CurrentPrincipal,
    case_id: CaseIdPath,
    body: CounterCreate,
    signature: SubmittedSignature,
) -> Any:
    """The caller's partner proposes another outcome."""
    return _act(
        request,
        principal,
        case_id,
        lambda s: counter_propose_case(
            s,
            case_id,
            by=principal.partner,
            at=_now(),
            manoeuvre=body.manoeuvre,
            rationale=body.rationale,
        ),
        ("counter", body, signature),
    )


@router.post("/coordination/cases/{case_id}/hand-over", response_model=CaseDetailPublic)
def hand_over(
    request: Request,
    principal: CurrentPrincipal,
    case_id: CaseIdPath,
    body: HandOverCreate,
    signature: SubmittedSignature,
) -> Any:
    """The caller's partner hands responsibility to the other party's object."""
    return _act(
        request,
        principal,
        case_id,
        lambda s: hand_over_case(
            s, case_id, by=principal.partner, at=_now(), rationale=body.rationale
        ),
        ("hand-over", body, signature),
    )


@router.post("/coordination/cases/{case_id}/refuse", response_model=CaseDetailPublic)
def refuse(
    request: Request,
    principal: CurrentPrincipal,
    case_id: CaseIdPath,
    body: RefuseCreate,
    signature: SubmittedSignature,
) -> Any:
    """The caller's partner refuses to coordinate."""
    return _act(
        request,
        principal,
        case_id,
        lambda s: refuse_case(s, case_id, by=principal.partner, at=_now(), reason=body.reason),
        ("refuse", body, signature),
    )


# --- compliance -------------------------------------------------------------------------------


@router.get("/compliance/reports", response_model=Page[ComplianceReportPublic])
def compliance_reports(
    request: Request,
    principal: CurrentPrincipal,
    partner: Annotated[str | None, Query(max_length=64)] = None,
    agreement: Annotated[str | None, Query(max_length=64)] = None,
    offset: PageOffset = 0,
    limit: PageLimit = 100,
) -> Page[ComplianceReportPublic]:
    """Compliance reports the caller may see (its own, and those owed to it), newest first."""
    with store(request, write=False) as session:
        rows = visible_compliance_reports(
            session, principal, partner=partner, agreement_id=agreement
        )
        reports = [
            ComplianceReportPublic(
                id=r.id,
                agreement_id=r.agreement_id,
                partner=r.partner,
                period_start=r.period_start,
                period_end=r.period_end,
                verdict=r.verdict,
                figures=r.figures,
                evaluated_at=r.evaluated_at,
            )
            for r in rows
        ]
    return paginate(reports, offset, limit)


# --- disputes ---------------------------------------------------------------------------------


@router.get("/disputes", response_model=Page[DisputePublic])
def disputes(
    request: Request, principal: CurrentPrincipal, offset: PageOffset = 0, limit: PageLimit = 100
) -> Page[DisputePublic]:
    """Disputes the caller is a party of, or mediates (once mediation is reached)."""
    with store(request, write=False) as session:
        shown = visible_disputes(session, principal, list_disputes(session))
        found = [_dispute_public(d) for d in shown]
    return paginate(found, offset, limit)


@router.get("/disputes/{dispute_id}", response_model=DisputeDetailPublic)
def dispute_detail(request: Request, principal: CurrentPrincipal, dispute_id: DisputeIdPath) -> Any:
    """One dispute with its messages, evidence and decision."""
    with store(request, write=False) as session:
        return _dispute_detail(_visible_dispute(session, dispute_id, principal))


@router.post("/disputes/{dispute_id}/messages", response_model=DisputeDetailPublic, status_code=201)
def dispute_message(
    request: Request,
    principal: CurrentPrincipal,
    dispute_id: DisputeIdPath,
    body: DisputeMessageCreate,
    signature: SubmittedSignature,
) -> Any:
    """The caller's partner writes to the other participants of the current step."""
    with refused_as_422(), store(request) as session:
        _acting_dispute(session, dispute_id, principal)
        try:
            with _signed_dispute_step(session, principal, dispute_id, "message", body, signature):
                updated = post_dispute_message(
                    session, dispute_id, by=principal.partner, at=_now(), text=body.text
                )
        except CoordinationError as error:
            raise _conflict(error) from None
        return _dispute_detail(updated)


@router.post("/disputes/{dispute_id}/decision", response_model=DisputeDetailPublic)
def dispute_decision(
    request: Request,
    principal: CurrentPrincipal,
    dispute_id: DisputeIdPath,
    body: DecisionCreate,
    signature: SubmittedSignature,
) -> Any:
    """The caller's partner records the decision (who may depends on the step: 409 if not)."""
    with refused_as_422(), store(request) as session:
        _acting_dispute(session, dispute_id, principal)
        try:
            with _signed_dispute_step(session, principal, dispute_id, "decision", body, signature):
                updated = decide_dispute(
                    session,
                    dispute_id,
                    decided_by=principal.partner,
                    at=_now(),
                    outcome=body.outcome,
                    reasons=tuple(body.reasons),
                    agreed_by=frozenset(body.agreed_by),
                )
        except CoordinationError as error:
            raise _conflict(error) from None
        return _dispute_detail(updated)


def _signed_dispute_step(
    session: Session,
    principal: Principal,
    dispute_id: str,
    decision: str,
    body: BaseModel,
    signature: PartnerSignature | None,
) -> AbstractContextManager[None]:
    return signed_decision(
        session,
        by=principal.partner,
        action=AuditAction.DISPUTE_STEP_RECORDED,
        decision=decision_submission("dispute_id", dispute_id, decision, body),
        signature=signature,
        what=f"dispute {dispute_id} {decision}",
    )
