"""Coordination cases: opening, proposals, responses, deadlines from the agreement, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accord.coordination import (
    DEFAULT_RESPONSE_TIME_H,
    CaseClosedError,
    CaseNotWarrantedError,
    CaseResolution,
    CaseState,
    CaseTrigger,
    CoordinationCase,
    InvalidCaseTransitionError,
    Manoeuvre,
    NotACasePartyError,
    ProposalKind,
    TimeOrderError,
    accept,
    advance,
    close_case,
    counter_propose,
    hand_over,
    open_case,
    propose_from_rules,
    refuse,
)
from tests.coordination._builders import T0, encounter, example_agreement, example_book, side

BOOK = example_book()
AGREEMENTS = [example_agreement()]
TCA = T0 + timedelta(hours=48)
TRIGGER = CaseTrigger(event_id=7, tca=TCA, miss_km=0.21, pc=3e-4, alert_level="alert")
ESA_JAXA = encounter(
    side(39634, operator="esa", pc_threshold=1e-4), side(41240, operator="jaxa", pc_threshold=1e-5)
)


def _proposed() -> CoordinationCase:
    opened = open_case("c1", TRIGGER, ESA_JAXA, AGREEMENTS, at=T0).case
    return propose_from_rules(opened, BOOK, at=T0).case


def test_open_then_propose_uses_the_rules_and_the_agreement_deadlines() -> None:
    update = open_case("c1", TRIGGER, ESA_JAXA, AGREEMENTS, at=T0)
    assert update.case.state is CaseState.OPENED
    assert update.case.parties == ("esa", "jaxa")
    assert [e.kind for e in update.events] == ["case.opened"]
    # JAXA committed to answer within 12 h; ESA made no such commitment: the default.
    assert dict(update.case.terms.response_time_h) == {"esa": DEFAULT_RESPONSE_TIME_H, "jaxa": 12}
    assert update.case.terms.commitments == ("esa-jaxa-leo-exchange/jaxa-coordination-answers",)
    proposed = propose_from_rules(update.case, BOOK, at=T0)
    proposal = proposed.case.proposal
    assert proposal is not None
    assert proposed.case.state is CaseState.PROPOSED
    assert proposal.rule_id == "esa-jaxa-leo-exchange/primary-acts-in-leo"
    assert proposal.acting_operators == ("esa",)
    assert proposal.deadlines == {"esa": T0 + timedelta(hours=24), "jaxa": T0 + timedelta(hours=12)}
    assert proposed.events[0].detail["rule_id"] == proposal.rule_id


def test_deadline_never_exceeds_tca() -> None:
    trigger = CaseTrigger(7, T0 + timedelta(hours=6), 0.2, 3e-4, "alert")
    opened = open_case("c1", trigger, ESA_JAXA, AGREEMENTS, at=T0).case
    proposal = propose_from_rules(opened, BOOK, at=T0).case.proposal
    assert proposal is not None
    assert set(proposal.deadlines.values()) == {trigger.tca}


def test_both_accept_and_the_case_is_agreed_then_closed() -> None:
    case = _proposed()
    first = accept(case, by="esa", at=T0 + timedelta(hours=1))
    assert first.case.state is CaseState.PROPOSED
    assert first.case.awaiting == ("jaxa",)
    second = accept(first.case, by="jaxa", at=T0 + timedelta(hours=2))
    assert second.case.state is CaseState.AGREED
    assert [e.kind for e in second.events] == ["case.accepted", "case.agreed"]
    closed = close_case(
        second.case, at=T0 + timedelta(hours=30), resolution=CaseResolution.MANOEUVRE_EXECUTED
    )
    assert (closed.case.state, closed.case.resolution) == (
        CaseState.CLOSED,
        CaseResolution.MANOEUVRE_EXECUTED,
    )


def test_counter_proposal_restarts_deadlines_and_counts_the_proposer_as_accepting() -> None:
    at = T0 + timedelta(hours=3)
    update = counter_propose(
        _proposed(), by="jaxa", at=at, manoeuvre=Manoeuvre.BOTH_COORDINATE, rationale="we share"
    )
    proposal = update.case.proposal
    assert proposal is not None
    assert (proposal.number, proposal.kind, proposal.accepted_by) == (
        2,
        ProposalKind.COUNTER,
        frozenset({"jaxa"}),
    )
    assert proposal.deadlines["jaxa"] == at + timedelta(hours=12)
    assert update.case.awaiting == ("esa",)
    assert accept(update.case, by="esa", at=at).case.state is CaseState.AGREED


def test_hand_over_moves_responsibility_to_the_other_object() -> None:
    update = hand_over(_proposed(), by="esa", at=T0, rationale="no propellant margin")
    proposal = update.case.proposal
    assert proposal is not None
    assert (proposal.kind, proposal.manoeuvre, proposal.acting_operators) == (
        ProposalKind.HAND_OVER,
        Manoeuvre.SECONDARY,
        ("jaxa",),
    )
    assert [e.kind for e in update.events] == ["case.handed_over"]


def test_refusal_is_final() -> None:
    refused = refuse(_proposed(), by="jaxa", at=T0, reason="not our problem").case
    assert (refused.state, refused.refused_by) == (CaseState.REFUSED, "jaxa")
    with pytest.raises(CaseClosedError, match="refused"):
        accept(refused, by="esa", at=T0)


def test_advance_lapses_a_silent_party_once_and_only_once() -> None:
    case = accept(_proposed(), by="esa", at=T0).case
    assert advance(case, T0 + timedelta(hours=11)).events == ()
    update = advance(case, T0 + timedelta(hours=13))
    assert update.case.state is CaseState.LAPSED
    assert update.case.missed_by == ("jaxa",)
    (event,) = update.events
    assert (event.kind, event.at) == ("case.deadline_missed", T0 + timedelta(hours=12))
    assert advance(update.case, T0 + timedelta(hours=99)).events == ()


def test_advance_closes_an_agreed_case_at_tca() -> None:
    case = accept(accept(_proposed(), by="esa", at=T0).case, by="jaxa", at=T0).case
    assert advance(case, TCA - timedelta(seconds=1)).events == ()
    update = advance(case, TCA + timedelta(hours=1))
    assert (update.case.state, update.case.resolution) == (
        CaseState.CLOSED,
        CaseResolution.TCA_PASSED,
    )
    assert update.events[0].at == TCA


def test_case_with_an_unclaimed_object_has_one_party_and_the_default_deadline() -> None:
    unclaimed = encounter(side(39634, operator="esa"), side(99001, manoeuvrable=False))
    opened = open_case("c2", TRIGGER, unclaimed, AGREEMENTS, at=T0).case
    assert opened.parties == ("esa",)
    assert opened.terms.agreement_ids == ()
    proposed = propose_from_rules(opened, BOOK, at=T0).case
    assert proposed.proposal is not None
    assert proposed.proposal.rule_id == "baseline/manoeuvrable-gives-way"
    with pytest.raises(InvalidCaseTransitionError, match="unclaimed"):
        hand_over(proposed, by="esa", at=T0, rationale="x")
    assert accept(proposed, by="esa", at=T0).case.state is CaseState.AGREED


@pytest.mark.parametrize(
    ("trigger", "enc", "match"),
    [
        (CaseTrigger(7, TCA, 3.0, 1e-7, "watch"), ESA_JAXA, "alert level 'watch'"),
        (TRIGGER, encounter(side(1, operator="esa"), side(2, operator="esa")), "belong to esa"),
        (TRIGGER, encounter(side(1), side(2)), "neither object is claimed"),
        (CaseTrigger(7, T0, 0.2, 3e-4, "alert"), ESA_JAXA, "TCA"),
    ],
)
def test_events_that_do_not_warrant_a_case(trigger: CaseTrigger, enc: object, match: str) -> None:
    with pytest.raises(CaseNotWarrantedError, match=match):
        open_case("c3", trigger, enc, AGREEMENTS, at=T0)  # type: ignore[arg-type]


def test_impossible_transitions_are_refused_with_specific_errors() -> None:
    opened = open_case("c1", TRIGGER, ESA_JAXA, AGREEMENTS, at=T0).case
    with pytest.raises(InvalidCaseTransitionError, match="the case is opened"):
        accept(opened, by="esa", at=T0)
    case = _proposed()
    with pytest.raises(InvalidCaseTransitionError, match="the case is proposed"):
        propose_from_rules(case, BOOK, at=T0)
    with pytest.raises(NotACasePartyError, match="'nasa' is not a party"):
        accept(case, by="nasa", at=T0)
    with pytest.raises(InvalidCaseTransitionError, match="already accepted"):
        accept(accept(case, by="esa", at=T0).case, by="esa", at=T0)
    with pytest.raises(InvalidCaseTransitionError, match="is the current proposal"):
        counter_propose(case, by="jaxa", at=T0, manoeuvre=Manoeuvre.PRIMARY, rationale="x")
    with pytest.raises(InvalidCaseTransitionError, match="not asked to act"):
        hand_over(case, by="jaxa", at=T0, rationale="x")
    with pytest.raises(InvalidCaseTransitionError, match="deadline .* has passed"):
        accept(case, by="jaxa", at=T0 + timedelta(hours=12))
    with pytest.raises(TimeOrderError, match="before its last step"):
        accept(case, by="esa", at=T0 - timedelta(seconds=1))
    with pytest.raises(TimeOrderError, match="no time zone"):
        accept(case, by="esa", at=T0.replace(tzinfo=None))
    with pytest.raises(InvalidCaseTransitionError, match="allowed only when agreed"):
        close_case(case, at=T0, resolution=CaseResolution.MANOEUVRE_EXECUTED)
    with pytest.raises(InvalidCaseTransitionError, match="by advance"):
        close_case(case, at=T0, resolution=CaseResolution.TCA_PASSED)
    withdrawn = close_case(case, at=T0, resolution=CaseResolution.WITHDRAWN).case
    with pytest.raises(CaseClosedError, match="closed"):
        close_case(withdrawn, at=T0, resolution=CaseResolution.WITHDRAWN)
