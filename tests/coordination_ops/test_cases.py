"""Cases from a stored alert event: rules, counter-proposal, acceptance, lapse, disputes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.audit import AuditAction
from accord.coordination import (
    CaseState,
    DisputeGrounds,
    DisputeState,
    InvalidCaseTransitionError,
    Manoeuvre,
)
from accord.coordination_ops import (
    accept_case,
    advance_all,
    counter_propose_case,
    get_case,
    get_dispute,
    list_disputes,
    open_cases_from_alerts,
    set_rule_set,
)
from accord.store import AuditEntryRow, CoordinationStepRow, NotificationRow, transaction
from tests.coordination_ops._world import CONTACTS, ESA_SAT, JAXA_SAT, NOW, TCA, build

RULES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "rules"


def _open(engine: Engine) -> str:
    build(engine)
    with transaction(engine) as session:
        text = (RULES / "esa-jaxa-leo-exchange.yaml").read_text(encoding="utf-8")
        set_rule_set(session, "esa-jaxa-leo-exchange", text, at=NOW)
    opened = open_cases_from_alerts(engine, now=NOW)
    assert len(opened) == 1
    return opened[0]


def _step_audit(engine: Engine, case_id: str) -> list[tuple[str, str]]:
    """(step kind, audit action) of every step of the case, in order."""
    with transaction(engine) as session:
        rows = session.execute(
            sa.select(CoordinationStepRow.kind, AuditEntryRow.action)
            .join(AuditEntryRow, AuditEntryRow.seq == CoordinationStepRow.audit_seq)
            .where(CoordinationStepRow.case_id == case_id)
            .order_by(CoordinationStepRow.seq)
        ).all()
    return [(kind, action) for kind, action in rows]


def test_case_from_alert_is_proposed_by_the_bilateral_rule_countered_and_agreed(
    engine: Engine,
) -> None:
    case_id = _open(engine)
    assert open_cases_from_alerts(engine, now=NOW) == []  # idempotent
    with transaction(engine) as session:
        case = get_case(session, case_id)
    assert case.parties == ("esa", "jaxa")
    assert (case.encounter.primary.norad_id, case.encounter.secondary.norad_id) == (
        ESA_SAT,
        JAXA_SAT,
    )
    assert case.trigger.tca == pytest.approx(TCA, abs=timedelta(seconds=5))
    proposal = case.proposal
    assert proposal is not None and case.state is CaseState.PROPOSED
    # Between two manoeuvrable ESA and JAXA satellites in LEO the agreement's rule wins.
    assert proposal.rule_id == "esa-jaxa-leo-exchange/primary-acts-in-leo"
    assert proposal.acting_operators == ("esa",)
    assert proposal.reasons
    # JAXA answers within 12 h (its commitment), ESA within the default 24 h, capped at TCA.
    assert proposal.deadlines["jaxa"] == NOW + timedelta(hours=12)
    assert proposal.deadlines["esa"] == case.trigger.tca

    with transaction(engine) as session:
        counter_propose_case(
            session,
            case_id,
            by="esa",
            at=NOW + timedelta(hours=1),
            manoeuvre=Manoeuvre.SECONDARY,
            rationale="our satellite is in a campaign; JAXA's has fuel margin",
        )
    with transaction(engine) as session:
        case = accept_case(session, case_id, by="jaxa", at=NOW + timedelta(hours=2))
    assert case.state is CaseState.AGREED
    assert case.proposal is not None and case.proposal.acting_operators == ("jaxa",)

    steps = _step_audit(engine, case_id)
    assert [kind for kind, _ in steps] == [
        "case.opened",
        "case.proposed",
        "case.counter_proposed",
        "case.accepted",
        "case.agreed",
    ]
    assert {action for _, action in steps} == {AuditAction.COORDINATION_STEP_RECORDED.value}
    with transaction(engine) as session:
        addresses = set(session.scalars(sa.select(NotificationRow.recipient_address)))
        with pytest.raises(InvalidCaseTransitionError):
            accept_case(session, case_id, by="jaxa", at=NOW + timedelta(hours=3))
    assert addresses == set(CONTACTS.values())


def test_a_passed_deadline_lapses_the_case_and_opens_a_dispute_that_escalates(
    engine: Engine,
) -> None:
    case_id = _open(engine)
    report = advance_all(engine, NOW + timedelta(hours=11))
    assert report.cases == () and report.disputes_opened == ()

    report = advance_all(engine, NOW + timedelta(hours=13))
    assert report.cases == (case_id,)
    assert len(report.disputes_opened) == 1
    with transaction(engine) as session:
        case = get_case(session, case_id)
        dispute = get_dispute(session, report.disputes_opened[0])
    assert case.state is CaseState.LAPSED and case.missed_by == ("jaxa",)
    assert dispute.grounds is DisputeGrounds.REFUSED_COORDINATION
    assert (dispute.claimant, dispute.respondent) == ("esa", "jaxa")
    assert dispute.reference == f"case:{case_id}"
    assert dispute.state is DisputeState.NEGOTIATION
    # Applying the same instant again changes nothing.
    assert advance_all(engine, NOW + timedelta(hours=13)) == type(report)((), (), ())
    assert _step_audit(engine, case_id)[-1][0] == "case.deadline_missed"

    # Negotiation lasts 30 days; the scheduler, down for 40 days, escalates to mediation
    # dated at the negotiation deadline.
    opened_at = dispute.opened_at
    late = advance_all(engine, opened_at + timedelta(days=40))
    assert late.disputes == (dispute.id,)
    with transaction(engine) as session:
        (escalated,) = list_disputes(session)
        entries = session.scalars(
            sa.select(AuditEntryRow)
            .where(AuditEntryRow.action == AuditAction.DISPUTE_STEP_RECORDED.value)
            .order_by(AuditEntryRow.seq)
        ).all()
    assert escalated.state is DisputeState.MEDIATION
    assert escalated.step_started_at == opened_at + timedelta(days=30)
    assert len(entries) == 2  # opened, escalated
    assert advance_all(engine, opened_at + timedelta(days=40)).disputes == ()
