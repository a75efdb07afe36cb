"""Coordination over HTTP: cases, manoeuvre plans, compliance reports and disputes.

Who sees what (decided here from the case, plan or dispute and, for data shared beyond
the parties, by `accord.access.authorize`; absent and not visible alike are 404):
- a case: its parties, and whoever the agreements in force grant a party's
  `conjunction_data` for that party's object (observers included);
- a plan: `hypothetical` its owner, `candidate` the case's parties, `committed` the parties
  and whoever the agreements grant the owner's `conjunction_data` (`plan_visible_to`);
- a compliance report: the signatories of its agreement;
- a dispute: its parties, and the mediator of a step the dispute has reached.
A partner acts only for itself: the caller's partner is the party it acts as (a visible
case or dispute the caller is not a party of gives 403), and acting needs a key with the
`write` scope or a console role other than analyst/observer. Refused transitions are 409.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from accord.access import AgreementRepository, NotFoundError, Principal, authorize
from accord.agreements import AccessAction, DataClass, PrincipalRole, Resource
from accord.coordination import (
    CaseState,
    CoordinationCase,
    CoordinationError,
    Dispute,
    DisputeState,
    Manoeuvre,
)
from accord.coordination_ops import (
    PlanError,
    UnknownCaseError,
    UnknownDisputeError,
    accept_case,
    counter_propose_case,
    decide_dispute,
    get_case,
    get_dispute,
    hand_over_case,
    list_cases,
    list_disputes,
    plan_manoeuvre,
    plan_visible_to,
    post_dispute_message,
    refuse_case,
)
from accord.service._auth import CurrentPrincipal
from accord.service.api._common import Forbidden, Page, PageLimit, PageOffset, paginate, store
from accord.store import (
    ComplianceReportRow,
    CoordinationStepRow,
    ManoeuvrePlanKind,
    ManoeuvrePlanRow,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["coordination"])

CaseIdPath = Annotated[str, Path(max_length=64, description="case id (`case-<event id>`)")]
DisputeIdPath = Annotated[str, Path(max_length=64, description="dispute id")]
PlanIdPath = Annotated[int, Path(ge=1, le=2**62, description="manoeuvre plan id")]
#: Largest OEM accepted in a plan (characters).
MAX_OEM_CHARS = 4 * 1024 * 1024
_ACTING_ROLES = frozenset({PrincipalRole.ADMIN, PrincipalRole.OPERATOR})


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


class PlanCreate(BaseModel):
    """A manoeuvre plan of the caller's object: a delta-v (RTN, m/s) at `burn_at`, or the
    post-manoeuvre trajectory as a CCSDS OEM (KVN text)."""

    kind: ManoeuvrePlanKind = ManoeuvrePlanKind.HYPOTHETICAL
    burn_at: datetime | None = None
    delta_v_rtn_m_s: tuple[float, float, float] | None = Field(
        default=None, description="radial, in-track, cross-track delta-v in m/s (each |x| <= 1000)"
    )
    oem: str | None = Field(default=None, max_length=MAX_OEM_CHARS)


class PlanPublic(BaseModel):
    """A plan and its screening verdict (`acceptable` or `worse` than the avoided event)."""

    id: int
    case_id: str
    owner: str
    norad_id: int
    kind: ManoeuvrePlanKind
    burn_at: datetime | None
    delta_v_rtn_m_s: list[float] | None
    verdict: Literal["acceptable", "worse"]
    screening: dict[str, Any]
    created_at: datetime


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


# --- who sees and acts ------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _case_visible(session: Session, case: CoordinationCase, principal: Principal) -> bool:
    if principal.partner in case.parties:
        return True
    if not principal.may_ask(AccessAction.READ):
        return False
    for side in (case.encounter.primary, case.encounter.secondary):
        if side.operator is None:
            continue
        resource = Resource(
            DataClass.CONJUNCTION_DATA, owner=side.operator, id=case.id, norad_id=side.norad_id
        )
        if authorize(session, principal, AccessAction.READ, resource).allowed:
            return True
    return False


def _visible_case(session: Session, case_id: str, principal: Principal) -> CoordinationCase:
    try:
        case = get_case(session, case_id)
    except UnknownCaseError:
        raise NotFoundError(f"no coordination case {case_id!r} visible to you") from None
    if not _case_visible(session, case, principal):
        raise NotFoundError(f"no coordination case {case_id!r} visible to you")
    return case


def _require_acting(principal: Principal, parties: tuple[str, ...], what: str) -> None:
    if principal.partner not in parties:
        raise Forbidden(
            f"{principal.partner!r} is not a party of {what} (parties: {', '.join(parties)}); "
            "a partner acts only for itself"
        )
    if not principal.may_ask(AccessAction.WRITE) or not principal.roles & _ACTING_ROLES:
        raise Forbidden(
            f"acting on {what} needs an API key with the `write` scope or a console operator "
            "or admin"
        )


def _conflict(error: CoordinationError | PlanError) -> HTTPException:
    return HTTPException(409 if isinstance(error, CoordinationError) else 422, str(error))


def _dispute_readers(dispute: Dispute) -> set[str]:
    readers = set(dispute.parties)
    for step in dispute.steps[: dispute.step_index + 1]:
        if step.mediator is not None:
            readers.add(step.mediator.partner)
    return readers


def _visible_dispute(session: Session, dispute_id: str, principal: Principal) -> Dispute:
    try:
        dispute = get_dispute(session, dispute_id)
    except UnknownDisputeError:
        raise NotFoundError(f"no dispute {dispute_id!r} visible to you") from None
    if principal.partner not in _dispute_readers(dispute):
        raise NotFoundError(f"no dispute {dispute_id!r} visible to you")
    return dispute


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


def _plan_public(row: ManoeuvrePlanRow) -> PlanPublic:
    dv = (row.delta_v_r_m_s, row.delta_v_t_m_s, row.delta_v_n_m_s)
    return PlanPublic(
        id=row.id,
        case_id=row.case_id,
        owner=row.owner,
        norad_id=row.norad_id,
        kind=ManoeuvrePlanKind(row.kind),
        burn_at=row.burn_at,
        delta_v_rtn_m_s=None if dv[0] is None else [float(x or 0.0) for x in dv],
        verdict="worse" if row.verdict == "worse" else "acceptable",
        screening=row.screening,
        created_at=row.created_at,
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
        cases = [
            _case_public(c)
            for c in list_cases(session, open_only=open_only)
            if _case_visible(session, c, principal)
        ]
    return paginate(cases, offset, limit)


@router.get("/coordination/cases/{case_id}", response_model=CaseDetailPublic)
def case_detail(request: Request, principal: CurrentPrincipal, case_id: CaseIdPath) -> Any:
    """One case with its proposal, deadlines and steps."""
    with store(request, write=False) as session:
        return _case_detail(session, _visible_case(session, case_id, principal))


def _act(
    request: Request, principal: Principal, case_id: str, action: Callable[[Session], object]
) -> CaseDetailPublic:
    with store(request) as session:
        case = _visible_case(session, case_id, principal)
        _require_acting(principal, case.parties, f"case {case_id}")
        try:
            action(session)
        except CoordinationError as error:
            raise _conflict(error) from None
        return _case_detail(session, get_case(session, case_id))


@router.post("/coordination/cases/{case_id}/accept", response_model=CaseDetailPublic)
def accept(
    request: Request, principal: CurrentPrincipal, case_id: CaseIdPath, body: AcceptCreate
) -> Any:
    """The caller's partner accepts the current proposal."""
    return _act(
        request,
        principal,
        case_id,
        lambda s: accept_case(s, case_id, by=principal.partner, at=_now()),
    )


@router.post("/coordination/cases/{case_id}/counter", response_model=CaseDetailPublic)
def counter(
    request: Request, principal: CurrentPrincipal, case_id: CaseIdPath, body: CounterCreate
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
    )


@router.post("/coordination/cases/{case_id}/hand-over", response_model=CaseDetailPublic)
def hand_over(
    request: Request, principal: CurrentPrincipal, case_id: CaseIdPath, body: HandOverCreate
) -> Any:
    """The caller's partner hands responsibility to the other party's object."""
    return _act(
        request,
        principal,
        case_id,
        lambda s: hand_over_case(
            s, case_id, by=principal.partner, at=_now(), rationale=body.rationale
        ),
    )


@router.post("/coordination/cases/{case_id}/refuse", response_model=CaseDetailPublic)
def refuse(
    request: Request, principal: CurrentPrincipal, case_id: CaseIdPath, body: RefuseCreate
) -> Any:
    """The caller's partner refuses to coordinate."""
    return _act(
        request,
        principal,
        case_id,
        lambda s: refuse_case(s, case_id, by=principal.partner, at=_now(), reason=body.reason),
    )


# --- manoeuvre plans --------------------------------------------------------------------------


@router.post("/coordination/cases/{case_id}/plans", response_model=PlanPublic, status_code=201)
def create_plan(
    request: Request, principal: CurrentPrincipal, case_id: CaseIdPath, body: PlanCreate
) -> Any:
    """Screen a plan of the caller's object against the whole catalog and store it."""
    if body.delta_v_rtn_m_s is not None and any(abs(x) > 1000.0 for x in body.delta_v_rtn_m_s):
        raise HTTPException(422, "delta_v_rtn_m_s: each component must be within ±1000 m/s")
    if body.oem is None and (body.burn_at is None or body.delta_v_rtn_m_s is None):
        raise HTTPException(422, "give `burn_at` and `delta_v_rtn_m_s`, or `oem`")
    burn_at = body.burn_at
    if burn_at is not None and burn_at.tzinfo is None:
        raise HTTPException(422, "burn_at: give a time zone (e.g. 2026-03-01T22:00:00Z)")
    with store(request) as session:
        case = _visible_case(session, case_id, principal)
        _require_acting(principal, case.parties, f"case {case_id}")
        try:
            plan_id, _ = plan_manoeuvre(
                session,
                case_id,
                owner=principal.partner,
                at=_now(),
                kind=body.kind,
                burn_at=burn_at.astimezone(UTC) if burn_at else None,
                delta_v_rtn_m_s=body.delta_v_rtn_m_s,
                oem_text=body.oem,
            )
        except PlanError as error:
            raise _conflict(error) from None
        row = session.get(ManoeuvrePlanRow, plan_id)
        assert row is not None
        return _plan_public(row)


@router.get("/coordination/cases/{case_id}/plans", response_model=list[PlanPublic])
def case_plans(request: Request, principal: CurrentPrincipal, case_id: CaseIdPath) -> Any:
    """The plans of a case the caller may see (by kind, then agreements)."""
    with store(request, write=False) as session:
        _visible_case(session, case_id, principal)
        rows = session.scalars(
            sa.select(ManoeuvrePlanRow)
            .where(ManoeuvrePlanRow.case_id == case_id)
            .order_by(ManoeuvrePlanRow.id)
        ).all()
        return [
            _plan_public(r) for r in rows if plan_visible_to(session, r.id, principal, at=_now())
        ]


@router.get("/coordination/plans/{plan_id}", response_model=PlanPublic)
def plan_detail(request: Request, principal: CurrentPrincipal, plan_id: PlanIdPath) -> Any:
    """One plan and its screening verdict."""
    with store(request, write=False) as session:
        row = session.get(ManoeuvrePlanRow, plan_id)
        if row is None or not plan_visible_to(session, plan_id, principal, at=_now()):
            raise NotFoundError(f"no manoeuvre plan {plan_id} visible to you")
        return _plan_public(row)


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
    """Compliance reports of the agreements the caller signs, newest first."""
    with store(request, write=False) as session:
        records = AgreementRepository(session).all()
        mine = {
            r.agreement_id for r in records if principal.partner in r.latest.document.signatory_ids
        }
        query = sa.select(ComplianceReportRow).where(ComplianceReportRow.agreement_id.in_(mine))
        if partner is not None:
            query = query.where(ComplianceReportRow.partner == partner)
        if agreement is not None:
            query = query.where(ComplianceReportRow.agreement_id == agreement)
        rows = session.scalars(
            query.order_by(ComplianceReportRow.evaluated_at.desc(), ComplianceReportRow.id.desc())
        ).all()
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
        found = [
            _dispute_public(d)
            for d in list_disputes(session)
            if principal.partner in _dispute_readers(d)
        ]
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
) -> Any:
    """The caller's partner writes to the other participants of the current step."""
    with store(request) as session:
        dispute = _visible_dispute(session, dispute_id, principal)
        _require_acting(principal, dispute.participants, f"dispute {dispute_id}")
        try:
            updated = post_dispute_message(
                session, dispute_id, by=principal.partner, at=_now(), text=body.text
            )
        except CoordinationError as error:
            raise _conflict(error) from None
        return _dispute_detail(updated)


@router.post("/disputes/{dispute_id}/decision", response_model=DisputeDetailPublic)
def dispute_decision(
    request: Request, principal: CurrentPrincipal, dispute_id: DisputeIdPath, body: DecisionCreate
) -> Any:
    """The caller's partner records the decision (who may depends on the step: 409 if not)."""
    with store(request) as session:
        dispute = _visible_dispute(session, dispute_id, principal)
        _require_acting(principal, tuple(_dispute_readers(dispute)), f"dispute {dispute_id}")
        try:
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
