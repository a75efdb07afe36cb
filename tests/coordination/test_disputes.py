"""Disputes: every transition and refusal, automatic escalation, a clause without mediation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accord.agreements import Agreement, load_agreement
from accord.coordination import (
    Dispute,
    DisputeClauseMissingError,
    DisputeClosedError,
    DisputeGrounds,
    DisputeState,
    InclusionProof,
    InvalidDisputeTransitionError,
    NoFurtherStepError,
    NotADisputeParticipantError,
    NotAuthorisedToDecideError,
    TimeOrderError,
    add_evidence,
    decide,
    escalate,
    escalate_if_due,
    open_dispute,
    post_message,
    withdraw,
)
from tests.coordination._builders import T0, example_agreement

LEO = example_agreement()  # negotiation 30 d -> mediation by unoosa 60 d -> arbitration 180 d


def _agreement(steps: str) -> Agreement:
    text = f"""
format: accord.agreement/v1
id: two-step
version: 1
title: t
parties: [{{partner: esa, name: E}}, {{partner: nasa, name: N}}]
effective_from: 2026-01-01
clauses:
  - id: cadence
    reciprocal_commitment: {{party: esa, metric: ephemeris_update_interval_h,
                            comparison: at_most, threshold: 24, period_days: 30}}
{steps}"""
    return load_agreement(text, source="test")


def _open(agreement: Agreement = LEO) -> Dispute:
    return open_dispute(
        "d1",
        agreement,
        grounds=DisputeGrounds.REFUSED_COORDINATION,
        claimant=sorted(agreement.signatory_ids)[0],
        respondent=sorted(agreement.signatory_ids)[1],
        subject="case c1 refused",
        reference="case:c1",
        at=T0,
    ).dispute


def test_open_starts_at_negotiation_with_its_deadline() -> None:
    update = open_dispute(
        "d1",
        LEO,
        grounds=DisputeGrounds.BREACH,
        claimant="jaxa",
        respondent="esa",
        subject="ephemerides late",
        at=T0,
    )
    d = update.dispute
    assert (d.state, d.deadline, d.clause_id) == (
        DisputeState.NEGOTIATION,
        T0 + timedelta(days=30),
        "disputes",
    )
    assert update.events[0].kind == "dispute.opened"
    assert update.events[0].notify == ("jaxa", "esa")


def test_escalate_if_due_walks_every_step_from_the_deadlines() -> None:
    d = _open()
    assert escalate_if_due(d, T0 + timedelta(days=29)).events == ()
    mediation = escalate_if_due(d, T0 + timedelta(days=30))
    assert mediation.dispute.state is DisputeState.MEDIATION
    assert mediation.dispute.participants == ("esa", "jaxa", "unoosa")
    assert mediation.events[0].detail["automatic"] is True
    # A scheduler that was down for a year: the steps chain from the deadlines, not from now.
    late = escalate_if_due(d, T0 + timedelta(days=400))
    assert [e.kind for e in late.events] == [
        "dispute.escalated",
        "dispute.escalated",
        "dispute.exhausted",
    ]
    assert [e.at for e in late.events] == [
        T0 + timedelta(days=30),
        T0 + timedelta(days=90),
        T0 + timedelta(days=270),
    ]
    assert late.dispute.state is DisputeState.EXHAUSTED
    assert escalate_if_due(late.dispute, T0 + timedelta(days=500)).events == ()


def test_clause_without_mediation_goes_from_negotiation_to_arbitration() -> None:
    agreement = _agreement(
        """  - id: disputes
    dispute_resolution:
      steps:
        - {kind: negotiation, deadline_days: 10}
        - {kind: arbitration, deadline_days: 90, body: Permanent Court of Arbitration}"""
    )
    d = escalate_if_due(_open(agreement), T0 + timedelta(days=10)).dispute
    assert d.state is DisputeState.ARBITRATION
    assert d.participants == ("esa", "nasa")
    with pytest.raises(NotAuthorisedToDecideError, match="Permanent Court"):
        decide(d, decided_by="esa", at=d.updated_at, outcome="x", reasons=("y",))
    resolved = decide(
        d, decided_by="pca", at=d.updated_at, outcome="ESA keeps the claim", reasons=("r",)
    ).dispute
    assert resolved.state is DisputeState.RESOLVED


def test_early_escalation_messages_evidence_and_a_mediated_decision() -> None:
    d = _open()
    d = post_message(d, by="esa", at=T0, text="we had no propellant").dispute
    proof = InclusionProof(
        leaf_index=42, tree_size=100, audit_path=("ab" * 32,), root_hash="cd" * 32
    )
    d = add_evidence(
        d, by="jaxa", at=T0, audit_seq=42, description="refusal", inclusion_proof=proof
    ).dispute
    d = escalate(d, by="jaxa", at=T0 + timedelta(days=2), reason="no progress").dispute
    assert (d.state, d.step_started_at) == (DisputeState.MEDIATION, T0 + timedelta(days=2))
    d = post_message(d, by="unoosa", at=d.updated_at, text="proposal").dispute
    assert [m.step.value for m in d.messages] == ["negotiation", "mediation"]
    assert d.evidence[0].inclusion_proof == proof
    with pytest.raises(NotAuthorisedToDecideError, match="both parties' agreement"):
        decide(d, decided_by="unoosa", at=d.updated_at, outcome="o", reasons=("r",))
    with pytest.raises(NotAuthorisedToDecideError, match="mediator 'unoosa'"):
        decide(d, decided_by="esa", at=d.updated_at, outcome="o", reasons=("r",),
               agreed_by=frozenset({"esa", "jaxa"}))  # fmt: skip
    update = decide(
        d,
        decided_by="unoosa",
        at=d.updated_at,
        outcome="ESA reimburses",
        reasons=("the refusal broke clause jaxa-coordination-answers",),
        agreed_by=frozenset({"esa", "jaxa"}),
    )
    assert update.dispute.state is DisputeState.RESOLVED
    assert update.dispute.decision is not None
    assert update.events[0].notify == ("esa", "jaxa", "unoosa")


def test_negotiated_settlement_and_withdrawal() -> None:
    settled = decide(
        _open(), decided_by="esa", at=T0, outcome="o", reasons=("r",),
        agreed_by=frozenset({"esa", "jaxa"}),
    )  # fmt: skip
    assert settled.dispute.state is DisputeState.RESOLVED
    withdrawn = withdraw(_open(), by="esa", at=T0, reason="resolved by phone")
    assert withdrawn.dispute.state is DisputeState.WITHDRAWN


def test_refusals() -> None:
    d = _open()
    with pytest.raises(NotADisputeParticipantError, match="'unoosa' takes no part"):
        post_message(d, by="unoosa", at=T0, text="too early")
    with pytest.raises(NotADisputeParticipantError, match="only the claimant"):
        withdraw(d, by="jaxa", at=T0, reason="x")
    with pytest.raises(NotADisputeParticipantError, match="only the parties escalate"):
        escalate(d, by="unoosa", at=T0, reason="x")
    with pytest.raises(InvalidDisputeTransitionError, match="non-empty reason"):
        decide(d, decided_by="esa", at=T0, outcome="o", reasons=(),
               agreed_by=frozenset({"esa", "jaxa"}))  # fmt: skip
    with pytest.raises(InvalidDisputeTransitionError, match="leaf 3, not entry 4"):
        add_evidence(d, by="esa", at=T0, audit_seq=4, description="x",
                     inclusion_proof=InclusionProof(3, 10, (), "00"))  # fmt: skip
    with pytest.raises(InvalidDisputeTransitionError, match="escalate_if_due"):
        post_message(d, by="esa", at=T0 + timedelta(days=30), text="late")
    with pytest.raises(TimeOrderError, match="before its last step"):
        post_message(d, by="esa", at=T0 - timedelta(days=1), text="x")
    arbitration = escalate(escalate(d, by="esa", at=T0, reason="x").dispute, by="esa", at=T0,
                           reason="x").dispute  # fmt: skip
    with pytest.raises(NoFurtherStepError, match="last step"):
        escalate(arbitration, by="esa", at=T0, reason="x")
    closed = withdraw(d, by="esa", at=T0, reason="x").dispute
    with pytest.raises(DisputeClosedError, match="withdrawn"):
        post_message(closed, by="esa", at=T0, text="x")
    with pytest.raises(DisputeClauseMissingError, match="no dispute_resolution clause"):
        _open(_agreement(""))
    with pytest.raises(NotADisputeParticipantError, match="not a signatory"):
        open_dispute("d2", LEO, grounds=DisputeGrounds.COMPLAINT, claimant="nasa",
                     respondent="esa", subject="x", at=T0)  # fmt: skip
