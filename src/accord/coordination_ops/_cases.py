"""Coordination cases over the store: opening from alerts, answers, and the deadlines.

A case is loaded from its `document`, changed by a transition of `accord.coordination`,
and saved with its steps, audit entries and notifications in the caller's transaction.
The encounter the rules of the road see is built from the store: claims (`claimed` only: a
contested object has no undisputed operator), the `coordination_assets` profile of each
object, else defaults (a claimed object is a manoeuvrable payload; an unclaimed one is
debris or a rocket body when its name says `DEB` or `R/B`, else of unknown type, and not
manoeuvrable), the regime of the primary's current element set, and the relative speed of
the event's latest conjunction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.coordination import (
    CaseNotWarrantedError,
    CaseState,
    CaseTrigger,
    CaseUpdate,
    CoordinationCase,
    Encounter,
    EncounterSide,
    Manoeuvre,
    ObjectType,
    OrbitRegime,
    RuleBook,
    accept,
    advance,
    baseline_rules,
    compile_rules,
    counter_propose,
    hand_over,
    load_rule_set,
    open_case,
    propose_from_rules,
    refuse,
)
from accord.coordination_ops._codec import case_from_json, case_to_json, proposal_to_json
from accord.coordination_ops._steps import in_force, partner_ids, record_case_events
from accord.screening import open_alerts
from accord.store import (
    CatalogRepository,
    ClaimStatus,
    CoordinationAssetRow,
    CoordinationCaseRow,
    CoordinationStepRow,
    Partner,
    RuleSetRow,
    SatelliteClaim,
    ScreeningRepository,
    StoredEvent,
    transaction,
)

__all__ = [
    "UnknownCaseError",
    "accept_case",
    "advance_cases",
    "case_id_for",
    "counter_propose_case",
    "encounter_for_event",
    "get_case",
    "hand_over_case",
    "list_cases",
    "open_cases_from_alerts",
    "refuse_case",
    "rule_book",
    "set_asset_profile",
    "set_rule_set",
]

_EARTH_MU_KM3_S2 = 398600.4418
_EARTH_RADIUS_KM = 6378.137


class UnknownCaseError(LookupError):
    """No case with this id is stored."""


def case_id_for(event_id: int) -> str:
    """The id of the case of a conjunction event (one case per event)."""
    return f"case-{event_id}"


# --- rules of the road and encounters -------------------------------------------------------


def set_rule_set(session: Session, agreement_id: str, text: str, *, at: datetime) -> None:
    """Store (or replace) an agreement's bilateral rules; they are validated first."""
    rule_set = load_rule_set(text, source=f"rules of {agreement_id}")
    scope = rule_set.scope
    if scope != agreement_id:
        raise ValueError(
            f"rule set scope {scope!r} does not name agreement {agreement_id!r}; set "
            f"`scope: {{agreement: {agreement_id}}}` in the rule set"
        )
    row = session.get(RuleSetRow, agreement_id)
    if row is None:
        session.add(RuleSetRow(agreement_id=agreement_id, text=text, updated_at=at))
    else:
        row.text, row.updated_at = text, at


def rule_book(session: Session, agreements: Sequence[Agreement]) -> RuleBook:
    """The baseline plus the stored bilateral rules of `agreements`, compiled (checked)."""
    ids = [a.id for a in agreements]
    rows = session.scalars(sa.select(RuleSetRow).where(RuleSetRow.agreement_id.in_(ids))).all()
    bilateral = [load_rule_set(r.text, source=f"rules of {r.agreement_id}") for r in rows]
    return compile_rules(baseline_rules(), bilateral, agreements)


def set_asset_profile(
    session: Session,
    norad_id: int,
    *,
    object_type: ObjectType,
    manoeuvrable: bool,
    pc_threshold: float | None,
    at: datetime,
) -> None:
    """Record what the rules of the road need of an object (type, manoeuvrable, Pc threshold)."""
    row = session.get(CoordinationAssetRow, norad_id)
    if row is None:
        row = CoordinationAssetRow(norad_id=norad_id)
        session.add(row)
    row.object_type, row.manoeuvrable = object_type.value, manoeuvrable
    row.pc_threshold, row.updated_at = pc_threshold, at


def _operator(session: Session, norad_id: int) -> str | None:
    handle = session.scalar(
        sa.select(Partner.handle)
        .join(SatelliteClaim, SatelliteClaim.partner_id == Partner.id)
        .where(
            SatelliteClaim.norad_id == norad_id,
            SatelliteClaim.status == ClaimStatus.CLAIMED.value,
        )
        .order_by(SatelliteClaim.claimed_at)
    )
    return handle


def _side(session: Session, norad_id: int, name: str | None) -> EncounterSide:
    operator = _operator(session, norad_id)
    profile = session.get(CoordinationAssetRow, norad_id)
    if profile is not None:
        return EncounterSide(
            norad_id,
            ObjectType(profile.object_type),
            profile.manoeuvrable,
            operator,
            profile.pc_threshold if operator else None,
        )
    if operator is not None:
        return EncounterSide(norad_id, ObjectType.PAYLOAD, True, operator)
    upper = (name or "").upper()
    kind = (
        ObjectType.DEBRIS
        if " DEB" in upper
        else ObjectType.ROCKET_BODY
        if "R/B" in upper
        else ObjectType.UNKNOWN
    )
    return EncounterSide(norad_id, kind, False, None)


def _regime(mean_motion_rev_per_day: float, eccentricity: float) -> OrbitRegime:
    period_min = 1440.0 / mean_motion_rev_per_day
    a_km = (_EARTH_MU_KM3_S2 * (period_min * 60.0 / (2 * math.pi)) ** 2) ** (1 / 3)
    if eccentricity >= 0.25:
        return OrbitRegime.HEO
    if a_km * (1 - eccentricity) - _EARTH_RADIUS_KM < 2000.0:
        return OrbitRegime.LEO
    if abs(period_min - 1436.0) <= 30.0 and eccentricity < 0.1:
        return OrbitRegime.GEO
    return OrbitRegime.MEO


def encounter_for_event(session: Session, event: StoredEvent) -> Encounter:
    """The encounter of a stored event as the rules of the road see it (module notes)."""
    catalog = CatalogRepository(session)
    primary, secondary = (
        catalog.current(event.primary_norad_id),
        catalog.current(event.secondary_norad_id),
    )
    history = ScreeningRepository(session).event_history(event.event_id)
    speed = history[-1].relative_speed_km_s if history else 0.0
    regime = (
        _regime(primary.element_set.mean_motion_rev_per_day, primary.element_set.eccentricity)
        if primary is not None
        else OrbitRegime.LEO
    )
    primary_name = primary.element_set.object_name if primary else None
    secondary_name = secondary.element_set.object_name if secondary else None
    return Encounter(
        _side(session, event.primary_norad_id, primary_name),
        _side(session, event.secondary_norad_id, secondary_name),
        regime,
        speed,
    )


# --- persistence ------------------------------------------------------------------------------


def _save(session: Session, update: CaseUpdate, *, new: bool = False) -> CoordinationCase:
    case = update.case
    current = case.proposal
    row = CoordinationCaseRow(id=case.id) if new else session.get(CoordinationCaseRow, case.id)
    if row is None:
        raise UnknownCaseError(case.id)
    row.event_id = case.trigger.event_id
    row.parties = list(case.parties)
    row.state = case.state.value
    row.proposal = proposal_to_json(current) if current else None
    row.rule_id = current.rule_id if current else None
    row.next_deadline = case.next_deadline
    row.tca = case.trigger.tca
    row.opened_at, row.updated_at = case.opened_at, case.updated_at
    row.document = case_to_json(case)
    if new:
        session.add(row)
    session.flush()
    count = session.scalar(sa.select(sa.func.count()).where(CoordinationStepRow.case_id == case.id))
    # The steps' audit details are sealed for the case's parties (docs/audit.md).
    record_case_events(
        session,
        case.id,
        update.events,
        first_seq=int(count or 0) + 1,
        readers=partner_ids(session, case.parties),
    )
    return case


def get_case(session: Session, case_id: str) -> CoordinationCase:
    """The stored case; UnknownCaseError names the id and how to list cases."""
    row = session.get(CoordinationCaseRow, case_id)
    if row is None:
        raise UnknownCaseError(
            f"no coordination case {case_id!r}; list them with `accord coordination list`"
        )
    return case_from_json(row.document)


def list_cases(session: Session, *, open_only: bool = False) -> list[CoordinationCase]:
    """Stored cases, soonest TCA first; `open_only` leaves out final states."""
    query = sa.select(CoordinationCaseRow).order_by(CoordinationCaseRow.tca)
    if open_only:
        final = [s.value for s in CaseState if s.is_final]
        query = query.where(CoordinationCaseRow.state.not_in(final))
    return [case_from_json(r.document) for r in session.scalars(query)]


# --- workflows ---------------------------------------------------------------------------------


def open_cases_from_alerts(
    engine: Engine, *, now: datetime, open_levels: frozenset[str] = frozenset({"alert"})
) -> list[str]:
    """Open (and propose from the rules) a case for each open alert event that warrants
    one; idempotent: an event that already has a case is skipped. Returns new case ids.

    One transaction per case; an event that does not warrant a case (same operator, nobody
    claims either object, below `open_levels`) is skipped.
    """
    with transaction(engine) as session:
        events = [
            e
            for e in open_alerts(session, now=now)
            if session.get(CoordinationCaseRow, case_id_for(e.event_id)) is None
        ]
    opened: list[str] = []
    for event in events:
        with transaction(engine, write_lock=True) as session:
            case_id = case_id_for(event.event_id)
            if session.get(CoordinationCaseRow, case_id) is not None:
                continue  # another process opened it meanwhile
            agreements = in_force(session, now)
            trigger = CaseTrigger(
                event.event_id,
                event.tca,
                event.latest_miss_km,
                event.latest_pc,
                event.alert_level.value,
            )
            try:
                update = open_case(
                    case_id,
                    trigger,
                    encounter_for_event(session, event),
                    agreements,
                    at=now,
                    open_levels=open_levels,
                )
            except CaseNotWarrantedError:
                continue
            proposed = propose_from_rules(update.case, rule_book(session, agreements), at=now)
            _save(
                session,
                CaseUpdate(proposed.case, (*update.events, *proposed.events)),
                new=True,
            )
            opened.append(case_id)
    return opened


def accept_case(session: Session, case_id: str, *, by: str, at: datetime) -> CoordinationCase:
    """Party `by` accepts the current proposal (audited, notified)."""
    return _save(session, accept(get_case(session, case_id), by=by, at=at))


def counter_propose_case(
    session: Session,
    case_id: str,
    *,
    by: str,
    at: datetime,
    manoeuvre: Manoeuvre,
    rationale: str,
) -> CoordinationCase:
    """Party `by` proposes another outcome; deadlines restart."""
    case = get_case(session, case_id)
    return _save(
        session, counter_propose(case, by=by, at=at, manoeuvre=manoeuvre, rationale=rationale)
    )


def hand_over_case(
    session: Session, case_id: str, *, by: str, at: datetime, rationale: str
) -> CoordinationCase:
    """Party `by`, asked to act, hands responsibility to the other party's object."""
    return _save(session, hand_over(get_case(session, case_id), by=by, at=at, rationale=rationale))


def refuse_case(
    session: Session, case_id: str, *, by: str, at: datetime, reason: str
) -> CoordinationCase:
    """Party `by` refuses to coordinate (grounds for a `refused_coordination` dispute)."""
    return _save(session, refuse(get_case(session, case_id), by=by, at=at, reason=reason))


def advance_cases(
    session: Session, now: datetime, *, case_ids: Sequence[str] | None = None
) -> list[CoordinationCase]:
    """Apply passed deadlines and TCAs to every open case due at `now` (idempotent);
    `case_ids` limits it to those cases (the scheduler takes one per transaction)."""
    final = [s.value for s in CaseState if s.is_final]
    query = sa.select(CoordinationCaseRow.id).where(
        CoordinationCaseRow.state.not_in(final), CoordinationCaseRow.next_deadline <= now
    )
    if case_ids is not None:
        query = query.where(CoordinationCaseRow.id.in_(list(case_ids)))
    due = session.scalars(query.order_by(CoordinationCaseRow.id)).all()
    changed: list[CoordinationCase] = []
    for case_id in due:
        update = advance(get_case(session, case_id), now)
        if update.events:
            changed.append(_save(session, update))
    return changed
