"""Coordination cases: who manoeuvres, negotiated between partners, as a pure state machine.

A case opens from a conjunction event above the thresholds that involves assets of two
different partners, or a partner's asset and an object nobody claims. The rules of the
road make the first proposal; each party then accepts, counter-proposes or hands
responsibility over, within its response deadline. Every transition returns a
`CaseUpdate`: the new case (the old one is unchanged) and the events to notify and log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from accord.agreements import Agreement, CommitmentMetric, ReciprocalCommitmentClause
from accord.coordination._encounters import Encounter, Side
from accord.coordination._errors import (
    CaseClosedError,
    CaseNotWarrantedError,
    InvalidCaseTransitionError,
    NotACasePartyError,
    TimeOrderError,
)
from accord.coordination._rulebook import RuleBook
from accord.coordination._rules import Manoeuvre

__all__ = [
    "DEFAULT_RESPONSE_TIME_H",
    "CaseEvent",
    "CaseResolution",
    "CaseState",
    "CaseTrigger",
    "CaseUpdate",
    "CoordinationCase",
    "CoordinationTerms",
    "Proposal",
    "ProposalKind",
    "accept",
    "advance",
    "close_case",
    "coordination_terms",
    "counter_propose",
    "hand_over",
    "open_case",
    "propose_from_rules",
    "refuse",
]

#: Response time when no agreement binding both parties commits one (hours).
DEFAULT_RESPONSE_TIME_H = 24.0


class CaseState(StrEnum):
    """Where a case stands; closed, refused and lapsed are final."""

    OPENED = "opened"
    PROPOSED = "proposed"
    AGREED = "agreed"
    CLOSED = "closed"
    REFUSED = "refused"
    LAPSED = "lapsed"

    @property
    def is_final(self) -> bool:
        """Whether no transition leaves this state."""
        return self in (CaseState.CLOSED, CaseState.REFUSED, CaseState.LAPSED)


class CaseResolution(StrEnum):
    """Why a case was closed."""

    MANOEUVRE_EXECUTED = "manoeuvre_executed"
    NO_ACTION_NEEDED = "no_action_needed"
    WITHDRAWN = "withdrawn"
    TCA_PASSED = "tca_passed"


class ProposalKind(StrEnum):
    """Who made a proposal and how."""

    RULES = "rules"
    COUNTER = "counter"
    HAND_OVER = "hand_over"


@dataclass(frozen=True, slots=True)
class CaseTrigger:
    """The conjunction event a case is about (from the screening's event store).

    `alert_level` is the event's level (`alert`, `watch`, `none`); `pc` None when unknown.
    """

    event_id: int
    tca: datetime
    miss_km: float
    pc: float | None
    alert_level: str


@dataclass(frozen=True, slots=True)
class CoordinationTerms:
    """What the agreements binding the case's parties say about coordination.

    `response_time_h`: each party's time to answer a proposal, from its
    `coordination_response_time_h` commitment (the smallest if several) or the default;
    `commitments`: the clause refs `<agreement>/<clause>` those times come from.
    """

    agreement_ids: tuple[str, ...]
    response_time_h: Mapping[str, float]
    commitments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Proposal:
    """One proposal of who manoeuvres, with each party's response deadline (UTC)."""

    number: int
    kind: ProposalKind
    proposed_by: str
    proposed_at: datetime
    manoeuvre: Manoeuvre
    acting_operators: tuple[str, ...]
    rationale: str
    deadlines: Mapping[str, datetime]
    rule_id: str | None = None
    reasons: tuple[str, ...] = ()
    accepted_by: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CoordinationCase:
    """A coordination case; change it only through the transition functions."""

    id: str
    trigger: CaseTrigger
    encounter: Encounter
    parties: tuple[str, ...]
    terms: CoordinationTerms
    state: CaseState
    opened_at: datetime
    updated_at: datetime
    proposals: tuple[Proposal, ...] = ()
    resolution: CaseResolution | None = None
    refused_by: str | None = None
    missed_by: tuple[str, ...] = ()
    note: str | None = None

    @property
    def proposal(self) -> Proposal | None:
        """The current (latest) proposal."""
        return self.proposals[-1] if self.proposals else None

    @property
    def awaiting(self) -> tuple[str, ...]:
        """Parties that have not yet accepted the current proposal."""
        current = self.proposal
        if current is None or self.state is not CaseState.PROPOSED:
            return ()
        return tuple(p for p in self.parties if p not in current.accepted_by)

    @property
    def next_deadline(self) -> datetime | None:
        """The earliest pending deadline, else the TCA while the case is open."""
        if self.state.is_final:
            return None
        current = self.proposal
        times = [current.deadlines[p] for p in self.awaiting] if current else []
        return min([*times, self.trigger.tca])


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """Something to notify the parties of and to append to the audit log.

    `kind` is `case.<verb>`; `detail` holds plain JSON values.
    """

    kind: str
    case_id: str
    at: datetime
    notify: tuple[str, ...]
    detail: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CaseUpdate:
    """A transition's result: the new case and the events it produced, oldest first."""

    case: CoordinationCase
    events: tuple[CaseEvent, ...]


def coordination_terms(
    agreements: Iterable[Agreement],
    parties: Iterable[str],
    *,
    default_response_time_h: float = DEFAULT_RESPONSE_TIME_H,
) -> CoordinationTerms:
    """The response times of `parties` under the agreements binding all of them.

    With one party (the other object unclaimed) no agreement binds the encounter and
    every party gets the default.
    """
    party_set = frozenset(parties)
    binding = [a for a in agreements if len(party_set) > 1 and party_set <= a.party_ids]
    times: dict[str, float] = {}
    refs: list[str] = []
    for agreement in binding:
        for clause in agreement.clauses:
            if (
                isinstance(clause, ReciprocalCommitmentClause)
                and clause.metric is CommitmentMetric.COORDINATION_RESPONSE_TIME_H
                and clause.party in party_set
            ):
                times[clause.party] = min(
                    times.get(clause.party, clause.threshold), clause.threshold
                )
                refs.append(f"{agreement.id}/{clause.id}")
    return CoordinationTerms(
        agreement_ids=tuple(a.id for a in binding),
        response_time_h={p: times.get(p, default_response_time_h) for p in sorted(party_set)},
        commitments=tuple(refs),
    )


def open_case(
    case_id: str,
    trigger: CaseTrigger,
    encounter: Encounter,
    agreements: Iterable[Agreement],
    *,
    at: datetime,
    open_levels: frozenset[str] = frozenset({"alert"}),
    default_response_time_h: float = DEFAULT_RESPONSE_TIME_H,
) -> CaseUpdate:
    """Open a case for an event above the thresholds between partners (state `opened`).

    Raises CaseNotWarrantedError when the event's level is not in `open_levels`, its TCA
    has passed, or no two different partners (or a partner and an unclaimed object) meet.
    """
    _require_aware(at, "at")
    _require_aware(trigger.tca, "trigger.tca")
    where = f"event {trigger.event_id}"
    if trigger.alert_level not in open_levels:
        raise CaseNotWarrantedError(
            f"{where}: alert level {trigger.alert_level!r} is not one of {sorted(open_levels)}; "
            "a case opens only for events above the alert thresholds"
        )
    if at >= trigger.tca:
        raise CaseNotWarrantedError(f"{where}: TCA {trigger.tca.isoformat()} is not after {at}")
    primary, secondary = encounter.primary.operator, encounter.secondary.operator
    if primary is None and secondary is None:
        raise CaseNotWarrantedError(f"{where}: neither object is claimed: no partner to coordinate")
    if primary == secondary:
        raise CaseNotWarrantedError(
            f"{where}: both objects belong to {primary}; an operator deconflicts its own objects"
        )
    parties = tuple(sorted(encounter.operators))
    terms = coordination_terms(agreements, parties, default_response_time_h=default_response_time_h)
    case = CoordinationCase(
        id=case_id,
        trigger=trigger,
        encounter=encounter,
        parties=parties,
        terms=terms,
        state=CaseState.OPENED,
        opened_at=at,
        updated_at=at,
    )
    detail = {
        "event_id": trigger.event_id,
        "tca": trigger.tca.isoformat(),
        "pc": trigger.pc,
        "miss_km": trigger.miss_km,
        "agreements": list(terms.agreement_ids),
    }
    return CaseUpdate(case, (CaseEvent("case.opened", case_id, at, parties, detail),))


def propose_from_rules(case: CoordinationCase, book: RuleBook, *, at: datetime) -> CaseUpdate:
    """Make the rules of the road's proposal: `opened` -> `proposed`."""
    _check_step(case, "propose from the rules", at, {CaseState.OPENED})
    decision = book.decide(case.encounter)
    proposal = Proposal(
        number=1,
        kind=ProposalKind.RULES,
        proposed_by="rules",
        proposed_at=at,
        manoeuvre=decision.manoeuvre,
        acting_operators=decision.acting_operators,
        rationale=decision.rationale,
        deadlines=_deadlines(case, at),
        rule_id=decision.rule_id,
        reasons=decision.reasons,
    )
    return _proposed(case, proposal, "case.proposed", at)


def accept(case: CoordinationCase, *, by: str, at: datetime) -> CaseUpdate:
    """A party accepts the current proposal; when every party has, the case is `agreed`."""
    current = _check_party_step(case, "accept", by, at)
    if by in current.accepted_by:
        raise InvalidCaseTransitionError(
            case.id, "accept", f"{by} already accepted proposal {current.number}"
        )
    accepted = replace(current, accepted_by=current.accepted_by | {by})
    new = replace(case, proposals=(*case.proposals[:-1], accepted), updated_at=at)
    events = [
        CaseEvent(
            "case.accepted", case.id, at, case.parties, {"by": by, "proposal": accepted.number}
        )
    ]
    if set(case.parties) <= accepted.accepted_by:
        new = replace(new, state=CaseState.AGREED)
        events.append(
            CaseEvent(
                "case.agreed",
                case.id,
                at,
                case.parties,
                {"manoeuvre": accepted.manoeuvre.value, "acting": list(accepted.acting_operators)},
            )
        )
    return CaseUpdate(new, tuple(events))


def counter_propose(
    case: CoordinationCase, *, by: str, at: datetime, manoeuvre: Manoeuvre, rationale: str
) -> CaseUpdate:
    """A party proposes another outcome; the proposer accepts it, deadlines restart."""
    current = _check_party_step(case, "counter-propose", by, at)
    if manoeuvre is current.manoeuvre:
        raise InvalidCaseTransitionError(
            case.id, "counter-propose", f"{manoeuvre.value!r} is the current proposal; accept it"
        )
    proposal = _next(case, current, ProposalKind.COUNTER, by, at, manoeuvre, rationale)
    return _proposed(case, proposal, "case.counter_proposed", at)


def hand_over(case: CoordinationCase, *, by: str, at: datetime, rationale: str) -> CaseUpdate:
    """A party asked to act hands responsibility to the other party's object."""
    current = _check_party_step(case, "hand over", by, at)
    if by not in current.acting_operators:
        raise InvalidCaseTransitionError(
            case.id, "hand over", f"{by} is not asked to act in proposal {current.number}"
        )
    own = Side.PRIMARY if case.encounter.primary.operator == by else Side.SECONDARY
    other = case.encounter.side(own.other)
    if other.operator is None:
        raise InvalidCaseTransitionError(
            case.id,
            "hand over",
            f"object {other.norad_id} is unclaimed: there is nobody to hand responsibility to",
        )
    manoeuvre = Manoeuvre(own.other.value)
    proposal = _next(case, current, ProposalKind.HAND_OVER, by, at, manoeuvre, rationale)
    return _proposed(case, proposal, "case.handed_over", at)


def refuse(case: CoordinationCase, *, by: str, at: datetime, reason: str) -> CaseUpdate:
    """A party refuses to coordinate: the case ends `refused` (grounds for a dispute)."""
    _check_party_step(case, "refuse", by, at)
    new = replace(case, state=CaseState.REFUSED, refused_by=by, note=reason, updated_at=at)
    event = CaseEvent("case.refused", case.id, at, case.parties, {"by": by, "reason": reason})
    return CaseUpdate(new, (event,))


def close_case(
    case: CoordinationCase, *, at: datetime, resolution: CaseResolution, note: str | None = None
) -> CaseUpdate:
    """Close a case: `agreed` -> closed (executed / no action), or withdrawn from any open state.

    Withdrawal is for an event that fell below the thresholds (a newer CDM).
    """
    allowed = (
        {CaseState.OPENED, CaseState.PROPOSED, CaseState.AGREED}
        if resolution is CaseResolution.WITHDRAWN
        else {CaseState.AGREED}
    )
    if resolution is CaseResolution.TCA_PASSED:
        raise InvalidCaseTransitionError(
            case.id, "close", "tca_passed is recorded by advance(case, now), not by hand"
        )
    _check_step(case, f"close as {resolution.value}", at, allowed)
    new = replace(case, state=CaseState.CLOSED, resolution=resolution, note=note, updated_at=at)
    event = CaseEvent(
        "case.closed", case.id, at, case.parties, {"resolution": resolution.value, "note": note}
    )
    return CaseUpdate(new, (event,))


def advance(case: CoordinationCase, now: datetime) -> CaseUpdate:
    """Apply what the passing of time decides; idempotent, no events when nothing is due.

    A response deadline passed with parties still silent -> `lapsed` (they are named in
    `missed_by` and the `case.deadline_missed` event); the TCA passed on an open case ->
    `closed` with resolution `tca_passed`. Deadlines never exceed the TCA, so a silent
    party is always reported before the TCA closes the case.
    """
    _require_aware(now, "now")
    if case.state.is_final:
        return CaseUpdate(case, ())
    current = case.proposal
    if case.state is CaseState.PROPOSED and current is not None:
        missed = tuple(p for p in case.awaiting if current.deadlines[p] <= now)
        if missed:
            when = max(current.deadlines[p] for p in missed)
            new = replace(case, state=CaseState.LAPSED, missed_by=missed, updated_at=when)
            detail = {
                "missed_by": list(missed),
                "proposal": current.number,
                "deadlines": {p: current.deadlines[p].isoformat() for p in missed},
            }
            event = CaseEvent("case.deadline_missed", case.id, when, case.parties, detail)
            return CaseUpdate(new, (event,))
    if now >= case.trigger.tca:
        at = case.trigger.tca
        new = replace(
            case, state=CaseState.CLOSED, resolution=CaseResolution.TCA_PASSED, updated_at=at
        )
        event = CaseEvent(
            "case.closed", case.id, at, case.parties, {"resolution": "tca_passed", "note": None}
        )
        return CaseUpdate(new, (event,))
    return CaseUpdate(case, ())


# --- helpers ------------------------------------------------------------------------------


def _deadlines(case: CoordinationCase, at: datetime) -> dict[str, datetime]:
    # A deadline after the TCA would be meaningless: the encounter is over by then.
    return {
        party: min(at + timedelta(hours=case.terms.response_time_h[party]), case.trigger.tca)
        for party in case.parties
    }


def _next(
    case: CoordinationCase,
    current: Proposal,
    kind: ProposalKind,
    by: str,
    at: datetime,
    manoeuvre: Manoeuvre,
    rationale: str,
) -> Proposal:
    sides = {
        Manoeuvre.PRIMARY: (case.encounter.primary,),
        Manoeuvre.SECONDARY: (case.encounter.secondary,),
        Manoeuvre.BOTH_COORDINATE: (case.encounter.primary, case.encounter.secondary),
        Manoeuvre.NEITHER: (),
    }[manoeuvre]
    return Proposal(
        number=current.number + 1,
        kind=kind,
        proposed_by=by,
        proposed_at=at,
        manoeuvre=manoeuvre,
        acting_operators=tuple(dict.fromkeys(s.operator for s in sides if s.operator)),
        rationale=rationale,
        deadlines=_deadlines(case, at),
        accepted_by=frozenset({by}),
    )


def _proposed(case: CoordinationCase, proposal: Proposal, kind: str, at: datetime) -> CaseUpdate:
    new = replace(
        case, state=CaseState.PROPOSED, proposals=(*case.proposals, proposal), updated_at=at
    )
    detail = {
        "proposal": proposal.number,
        "by": proposal.proposed_by,
        "manoeuvre": proposal.manoeuvre.value,
        "acting": list(proposal.acting_operators),
        "rule_id": proposal.rule_id,
        "rationale": proposal.rationale,
        "deadlines": {p: t.isoformat() for p, t in proposal.deadlines.items()},
    }
    return CaseUpdate(new, (CaseEvent(kind, case.id, at, case.parties, detail),))


def _check_step(
    case: CoordinationCase, transition: str, at: datetime, allowed: set[CaseState]
) -> None:
    _require_aware(at, "at")
    if case.state.is_final:
        raise CaseClosedError(case.id, transition, f"the case is {case.state.value} (final)")
    if case.state not in allowed:
        names = ", ".join(sorted(s.value for s in allowed))
        raise InvalidCaseTransitionError(
            case.id, transition, f"the case is {case.state.value}; allowed only when {names}"
        )
    if at < case.updated_at:
        raise TimeOrderError(
            f"case {case.id!r}: {transition} at {at.isoformat()} is before its last step at "
            f"{case.updated_at.isoformat()}; pass the time of the step"
        )


def _check_party_step(case: CoordinationCase, transition: str, by: str, at: datetime) -> Proposal:
    _check_step(case, transition, at, {CaseState.PROPOSED})
    if by not in case.parties:
        raise NotACasePartyError(
            case.id, transition, f"{by!r} is not a party (parties: {', '.join(case.parties)})"
        )
    current = case.proposal
    assert current is not None  # PROPOSED always has a proposal
    deadline = current.deadlines[by]
    if by not in current.accepted_by and at >= deadline:
        raise InvalidCaseTransitionError(
            case.id,
            transition,
            f"{by}'s deadline {deadline.isoformat()} has passed; advance(case, now) lapses it",
        )
    if at >= case.trigger.tca:
        raise InvalidCaseTransitionError(case.id, transition, "the TCA has passed")
    return current


def _require_aware(at: datetime, name: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise TimeOrderError(f"{name}={at.isoformat()} has no time zone; pass a UTC datetime")
