"""Conjunction data as one principal may see it: conjunctions, events, CDMs, audit.

A conjunction (and its CDM, and the event it belongs to) concerns two objects. Each
object's data has an owner, decided as for the catalog (docs/access.md, "Ownership"): the
member partner that submitted the object's current element set (the data the screening
read), or nobody (public) when a `data_provider` or `system` partner submitted it. Claims
never make a partner an owner here: claiming another partner's object reveals none of its
data, in conjunctions as in the catalog. An object the catalog does not hold has an
*unknown* owner, which never grants anything (deny by default).

The caller may see a conjunction when (docs/access.md, "Conjunction data"):

1. it owns either object (the agreements' base rule `base/owner-reads-own-data`); or
2. a data-sharing clause in force grants it `conjunction_data` of either object's owner
   (the embargo runs from the CDM's creation time). An `all_claimed` clause reaches the
   owner's object only when the owner claims it or nobody does; an object only other
   partners claim needs a clause listing it (decided against `listed_only`); or
3. both objects are public: a conjunction between public objects is itself public, under
   `access/public-conjunction` (`PUBLIC_CONJUNCTION_POLICY_ID`): it was computed from data
   everyone may read, so every principal with read access may read it.

Under a granting clause that degrades, the data goes out degraded: both objects' states at
TCA are coarsened (positions to multiples of P km, velocities to P / 600 s), and so is
everything relative that would locate the granted object next to a precisely known one (the
miss vector and miss distance to P, the relative velocity and speed as velocities); with
`covariance: withheld` the CDM's mandatory covariance terms are released as zeros under a
COMMENT saying so. Pc and TCA are released as computed. When both owners grant, the least
restrictive decision is used (the caller could read either).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from accord.access._catalog import MAX_RELEASE_SUBJECTS, NotFoundError
from accord.access._ownership import beyond_claims, listed_only, owner_of_submission
from accord.access._policy import PolicyCache, access_policy
from accord.access._principal import Principal
from accord.access._records import AgreementRepository
from accord.agreements import (
    AccessAction,
    AccessRequest,
    ClauseRef,
    Decision,
    ReleaseConditions,
    Resource,
    authorize_batch,
    coarsen_position_km,
    coarsen_velocity_km_s,
)
from accord.agreements import DataClass as _DataClass
from accord.audit import Actor, AuditAction, AuditEvent, AuditLog
from accord.formats import (
    CdmObject,
    CdmRtnCovariance,
    ConjunctionDataMessage,
    read_cdm,
)
from accord.store import (
    AlertLevel,
    CatalogListing,
    CatalogRepository,
    PartnerRepository,
    ScreeningRepository,
    StoredConjunction,
    StoredEvent,
)

__all__ = [
    "PUBLIC_CONJUNCTION_POLICY_ID",
    "ReleasedCdm",
    "VisibleConjunction",
    "VisibleEvent",
    "degrade_cdm",
    "get_visible_cdm",
    "get_visible_event",
    "record_conjunction_release",
    "release_conjunctions",
    "visible_conjunctions",
    "visible_events",
]

#: The rule that lets everyone read a conjunction between two public objects.
PUBLIC_CONJUNCTION_POLICY_ID = "access/public-conjunction"
_CONJUNCTION_DATA = _DataClass.CONJUNCTION_DATA
#: Objects asked of the catalog per query (the repository's limit on one IN list).
_LOOKUP_CHUNK = 5000
_PUBLIC = ""  # owner marker: public object (no owner)
_UNKNOWN = None  # owner marker: neither catalogued nor claimed


@dataclass(frozen=True, slots=True)
class VisibleConjunction:
    """One conjunction and its CDM as released to one principal (values degraded if required).

    km, km/s, UTC; `miss_rtn_km` in the primary's RTN frame. `owners` are the two objects'
    owner handles (None: public or unknown). `degraded` is True when a clause coarsened it.
    """

    conjunction_id: int
    screening_id: int
    event_id: int
    primary_norad_id: int
    secondary_norad_id: int
    tca: datetime
    miss_km: float
    relative_speed_km_s: float
    miss_rtn_km: tuple[float, float, float]
    collision_probability: float | None
    pc_method: str | None
    cdm_id: int
    message_id: str
    cdm_created_at: datetime
    owners: tuple[str | None, str | None]
    policy_ids: tuple[str, ...]
    clauses: tuple[ClauseRef, ...]
    conditions: ReleaseConditions

    @property
    def degraded(self) -> bool:
        """Whether a clause coarsened positions or withheld covariance on the way out."""
        degradation = self.conditions.degradation
        return degradation.position_precision_km is not None or degradation.covariance_withheld


@dataclass(frozen=True, slots=True)
class VisibleEvent:
    """A conjunction event as one principal sees it: its visible history, oldest first.

    The latest numbers are those of the latest visible conjunction (an embargoed newer CDM
    is not shown); `alert_level` is the stored level when that conjunction is the event's
    latest, else None (the stored level would reveal the embargoed CDM).
    """

    event_id: int
    primary_norad_id: int
    secondary_norad_id: int
    tca: datetime
    first_seen_at: datetime
    last_seen_at: datetime
    latest_miss_km: float
    latest_pc: float | None
    latest_pc_method: str | None
    alert_level: AlertLevel | None
    history: tuple[VisibleConjunction, ...]


@dataclass(frozen=True, slots=True)
class ReleasedCdm:
    """A CDM as released: the message (degraded if required) and its conjunction."""

    message: ConjunctionDataMessage
    conjunction: VisibleConjunction


def _object_owners(
    session: Session, norad_ids: set[int]
) -> tuple[dict[int, str | None], frozenset[int]]:
    """NORAD id -> owner handle (`_PUBLIC`, `_UNKNOWN`), and the objects beyond their
    owner's claims (other partners claim them, the owner does not)."""
    partners = {p.id: p for p in PartnerRepository(session).all()}
    by_name = {p.name: p for p in partners.values()}
    ordered = sorted(norad_ids)
    claimants = CatalogListing(session).claimants(ordered)
    owners: dict[int, str | None] = {}
    beyond: set[int] = set()
    catalog = CatalogRepository(session)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        chunk = ordered[start : start + _LOOKUP_CHUNK]
        for row in catalog.latest(norad_ids=chunk).items:
            norad_id = row.element_set.norad_id
            owner = owner_of_submission(by_name.get(row.partner_name))
            if owner is None:
                owners[norad_id] = _PUBLIC
                continue
            owners[norad_id] = owner.handle or f"partner-{owner.id}"
            if beyond_claims(owner.id, norad_id, claimants):
                beyond.add(norad_id)
    for norad_id in ordered:
        owners.setdefault(norad_id, _UNKNOWN)
    return owners, frozenset(beyond)


def _least_restrictive(decisions: Sequence[Decision]) -> Decision | None:
    """Of the allowing decisions, the one that degrades least (None when none allows)."""

    def rank(decision: Decision) -> tuple[bool, float, bool]:
        assert decision.conditions is not None
        degradation = decision.conditions.degradation
        precision = degradation.position_precision_km
        return (
            degradation.covariance_withheld,
            0.0 if precision is None else precision,
            bool(decision.clauses),  # at equal conditions, own data before a clause's grant
        )

    allowed = [d for d in decisions if d]
    return min(allowed, key=rank) if allowed else None


def _coarse(value: float, precision: float) -> float:
    return coarsen_position_km([value], precision)[0]


def _degrade_conjunction(
    conjunction: StoredConjunction, conditions: ReleaseConditions
) -> dict[str, object]:
    precision = conditions.degradation.position_precision_km
    if precision is None:
        return {}
    rtn = coarsen_position_km(conjunction.miss_rtn_km, precision)
    return {
        "miss_km": _coarse(conjunction.miss_km, precision),
        "miss_rtn_km": (rtn[0], rtn[1], rtn[2]),
        "relative_speed_km_s": coarsen_velocity_km_s([conjunction.relative_speed_km_s], precision)[
            0
        ],
    }


def release_conjunctions(
    session: Session,
    principal: Principal,
    conjunctions: Sequence[StoredConjunction],
    *,
    at: datetime | None = None,
    action: AccessAction = AccessAction.LIST,
    cache: PolicyCache | None = None,
) -> list[VisibleConjunction]:
    """The conjunctions `principal` may see, degraded as required, in their original order.

    Decided in one Cedar batch: for each conjunction, one request per owned object, as
    `Resource(conjunction_data, owner, norad_id, submitted_at=<CDM creation time>)`.
    Nothing is logged here (see `record_conjunction_release`).
    """
    if not principal.may_ask(action) or not conjunctions:
        return []
    now = at or datetime.now(UTC)
    norad_ids = {n for c in conjunctions for n in (c.primary_norad_id, c.secondary_norad_id)}
    owners, beyond = _object_owners(session, norad_ids)
    # Two batches: objects within their owner's claims against the policy in force, objects
    # beyond them against the same agreements without `all_claimed` clauses.
    requests: tuple[list[AccessRequest], list[AccessRequest]] = ([], [])
    asked: list[list[tuple[int, int]]] = []  # (batch, request index) per conjunction
    core = principal.core()
    for conjunction in conjunctions:
        indices = []
        for norad_id in (conjunction.primary_norad_id, conjunction.secondary_norad_id):
            owner = owners[norad_id]
            if owner:  # neither public nor unknown: the owner or a clause decides
                batch = 1 if norad_id in beyond else 0
                indices.append((batch, len(requests[batch])))
                requests[batch].append(
                    AccessRequest(
                        core,
                        action,
                        Resource(
                            _CONJUNCTION_DATA,
                            owner,
                            id=f"cdm:{conjunction.cdm_id}",
                            norad_id=norad_id,
                            submitted_at=conjunction.cdm_created_at,
                        ),
                        now,
                    )
                )
        asked.append(indices)
    policy = access_policy(session, now, cache=cache)
    decisions = (
        authorize_batch(requests[0], policy),
        authorize_batch(requests[1], listed_only(policy)) if requests[1] else [],
    )
    released = []
    for conjunction, indices in zip(conjunctions, asked, strict=True):
        pair = (owners[conjunction.primary_norad_id], owners[conjunction.secondary_norad_id])
        if pair == (_PUBLIC, _PUBLIC):
            policy_ids: tuple[str, ...] = (PUBLIC_CONJUNCTION_POLICY_ID,)
            clauses: tuple[ClauseRef, ...] = ()
            conditions = ReleaseConditions(redistribution_allowed=True)
        else:
            grant = _least_restrictive([decisions[batch][i] for batch, i in indices])
            if grant is None:
                continue
            assert grant.conditions is not None
            policy_ids, clauses, conditions = grant.policy_ids, grant.clauses, grant.conditions
        fields = {f.name: getattr(conjunction, f.name) for f in dataclasses.fields(conjunction)}
        fields.update(_degrade_conjunction(conjunction, conditions))
        released.append(
            VisibleConjunction(
                **fields,
                owners=(pair[0] or None, pair[1] or None),
                policy_ids=policy_ids,
                clauses=clauses,
                conditions=conditions,
            )
        )
    return released


def visible_conjunctions(
    session: Session,
    principal: Principal,
    *,
    screening_id: int | None = None,
    norad_id: int | None = None,
    tca_from: datetime | None = None,
    tca_to: datetime | None = None,
    min_pc: float | None = None,
    max_miss_km: float | None = None,
    at: datetime | None = None,
    cache: PolicyCache | None = None,
) -> list[VisibleConjunction]:
    """Every conjunction `principal` may see, filtered, oldest CDM first (unpaged).

    The Pc and miss filters apply to the released (degraded) values, so that filtering
    never reveals more precision than the release itself. Nothing is logged here: log
    what leaves (a page) with `record_conjunction_release`.
    """
    stored = ScreeningRepository(session).conjunctions(
        screening_ids=None if screening_id is None else [screening_id],
        norad_ids=None if norad_id is None else [norad_id],
        tca_from=tca_from,
        tca_to=tca_to,
    )
    released = release_conjunctions(session, principal, stored, at=at, cache=cache)

    def kept(c: VisibleConjunction) -> bool:
        if max_miss_km is not None and c.miss_km > max_miss_km:
            return False
        if min_pc is not None and (c.collision_probability or 0.0) < min_pc:
            return False
        return True

    return [c for c in released if kept(c)]


def _event(stored: StoredEvent, history: list[VisibleConjunction]) -> VisibleEvent:
    latest = history[-1]
    last_visible_is_latest = latest.screening_id == stored.last_screening_id
    return VisibleEvent(
        event_id=stored.event_id,
        primary_norad_id=stored.primary_norad_id,
        secondary_norad_id=stored.secondary_norad_id,
        tca=latest.tca,
        first_seen_at=stored.first_seen_at,
        last_seen_at=latest.cdm_created_at,
        latest_miss_km=latest.miss_km,
        latest_pc=latest.collision_probability,
        latest_pc_method=latest.pc_method,
        alert_level=stored.alert_level if last_visible_is_latest else None,
        history=tuple(history),
    )


def visible_events(
    session: Session,
    principal: Principal,
    *,
    norad_id: int | None = None,
    tca_from: datetime | None = None,
    tca_to: datetime | None = None,
    alert_levels: Sequence[AlertLevel] | None = None,
    event_ids: Sequence[int] | None = None,
    at: datetime | None = None,
    cache: PolicyCache | None = None,
) -> list[VisibleEvent]:
    """Events with at least one conjunction `principal` may see; alerts first, then by TCA.

    Each event carries only its visible history, degraded as required. Nothing is logged.
    """
    repository = ScreeningRepository(session)
    events = repository.events(tca_after=tca_from, alert_levels=alert_levels)

    def keep(e: StoredEvent) -> bool:
        return (
            (tca_to is None or e.tca <= tca_to)
            and (norad_id is None or norad_id in (e.primary_norad_id, e.secondary_norad_id))
            and (event_ids is None or e.event_id in event_ids)
        )

    events = [e for e in events if keep(e)]
    if not events:
        return []
    stored = repository.conjunctions(event_ids=[e.event_id for e in events])
    histories: dict[int, list[VisibleConjunction]] = {}
    for conjunction in release_conjunctions(session, principal, stored, at=at, cache=cache):
        histories.setdefault(conjunction.event_id, []).append(conjunction)
    return [_event(e, histories[e.event_id]) for e in events if e.event_id in histories]


def get_visible_event(
    session: Session,
    principal: Principal,
    event_id: int,
    *,
    at: datetime | None = None,
    cache: PolicyCache | None = None,
) -> VisibleEvent:
    """One event as `principal` sees it; `NotFoundError` whether absent or not granted."""
    found = visible_events(session, principal, event_ids=[event_id], at=at, cache=cache)
    if not found:
        raise NotFoundError(f"no conjunction event {event_id}")
    return found[0]


def _zero_covariance(obj: CdmObject, policy_ids: Sequence[str]) -> CdmObject:
    note = (
        "Covariance WITHHELD under "
        + ", ".join(policy_ids)
        + ": the zeros below are placeholders for the mandatory terms, not a covariance"
    )
    covariance = CdmRtnCovariance((0.0,) * 21, comments=(note,))
    return dataclasses.replace(obj, covariance=covariance)


def _coarsen_object(obj: CdmObject, precision_km: float) -> CdmObject:
    state = obj.state_vector
    x, y, z = coarsen_position_km([state.x_km, state.y_km, state.z_km], precision_km)
    vx, vy, vz = coarsen_velocity_km_s(
        [state.x_dot_km_s, state.y_dot_km_s, state.z_dot_km_s], precision_km
    )
    coarse = dataclasses.replace(
        state, x_km=x, y_km=y, z_km=z, x_dot_km_s=vx, y_dot_km_s=vy, z_dot_km_s=vz
    )
    return dataclasses.replace(obj, state_vector=coarse)


def _coarse_m(value: float | None, precision_m: float) -> float | None:
    return None if value is None else _coarse(value, precision_m)


def degrade_cdm(
    message: ConjunctionDataMessage, conditions: ReleaseConditions, policy_ids: Sequence[str]
) -> ConjunctionDataMessage:
    """A CDM degraded as `conditions` require (states, relative data, covariance)."""
    degradation = conditions.degradation
    precision = degradation.position_precision_km
    if precision is None and not degradation.covariance_withheld:
        return message
    object1, object2 = message.object1, message.object2
    relative = message.relative
    notes = []
    if precision is not None:
        object1 = _coarsen_object(object1, precision)
        object2 = _coarsen_object(object2, precision)
        precision_m = precision * 1000.0
        velocity_m_s = precision_m / 600.0
        relative = dataclasses.replace(
            relative,
            miss_distance_m=_coarse(relative.miss_distance_m, precision_m),
            relative_speed_m_s=_coarse_m(relative.relative_speed_m_s, velocity_m_s),
            relative_position_r_m=_coarse_m(relative.relative_position_r_m, precision_m),
            relative_position_t_m=_coarse_m(relative.relative_position_t_m, precision_m),
            relative_position_n_m=_coarse_m(relative.relative_position_n_m, precision_m),
            relative_velocity_r_m_s=_coarse_m(relative.relative_velocity_r_m_s, velocity_m_s),
            relative_velocity_t_m_s=_coarse_m(relative.relative_velocity_t_m_s, velocity_m_s),
            relative_velocity_n_m_s=_coarse_m(relative.relative_velocity_n_m_s, velocity_m_s),
        )
        notes.append(f"positions and relative data coarsened to {precision:g} km")
    if degradation.covariance_withheld:
        object1 = _zero_covariance(object1, policy_ids)
        object2 = _zero_covariance(object2, policy_ids)
        notes.append("covariance withheld")
    header = dataclasses.replace(
        message.header,
        comments=(
            *message.header.comments,
            f"Released under {', '.join(policy_ids)}: {'; '.join(notes)}",
        ),
    )
    return dataclasses.replace(
        message, header=header, relative=relative, object1=object1, object2=object2
    )


def get_visible_cdm(
    session: Session,
    principal: Principal,
    cdm_id: int,
    *,
    at: datetime | None = None,
    record_release: bool = True,
    cache: PolicyCache | None = None,
) -> ReleasedCdm:
    """One CDM as `principal` may read it, degraded as required, and logged when granted.

    `NotFoundError` with the same message whether the CDM is absent or not granted.
    """
    now = at or datetime.now(UTC)
    repository = ScreeningRepository(session)
    stored = repository.cdm(cdm_id)
    found = (
        []
        if stored is None
        else release_conjunctions(
            session,
            principal,
            repository.conjunctions(conjunction_ids=[stored.conjunction_id]),
            at=now,
            action=AccessAction.READ,
            cache=cache,
        )
    )
    if stored is None or not found:
        raise NotFoundError(f"no CDM {cdm_id}")
    conjunction = found[0]
    message = read_cdm(stored.kvn.encode("utf-8"), source=f"stored CDM {stored.message_id}")
    message = degrade_cdm(message, conjunction.conditions, conjunction.policy_ids)
    if record_release:
        record_conjunction_release(session, principal, [conjunction], at=now)
    return ReleasedCdm(message, conjunction)


def record_conjunction_release(
    session: Session,
    principal: Principal,
    conjunctions: Sequence[VisibleConjunction],
    *,
    at: datetime | None = None,
) -> None:
    """Log `data.released` (class conjunction_data) for the items granted by a clause.

    Subjects are the CDMs (`cdm:<id>`), at most `MAX_RELEASE_SUBJECTS` per entry; the
    caller's own and public conjunctions are not releases under an agreement and are not
    logged. Runs in the caller's transaction (on SQLite it must hold the write lock).
    """
    released = [c for c in conjunctions if c.clauses]
    if not released:
        return
    now = at or datetime.now(UTC)
    # Recipient, clauses and CDMs are sealed (docs/audit.md, "Confidential details"), opened
    # to the recipient and each applied clause's grantor, read from the agreement version
    # (either object's owner may have granted; only the one that did is a reader).
    partner_ids = {p.handle or f"partner-{p.id}": p.id for p in PartnerRepository(session).all()}
    agreements = AgreementRepository(session)
    grantor_of: dict[ClauseRef, int | None] = {}
    for ref in {ref for c in released for ref in c.clauses}:
        record = agreements.find(ref.agreement_id)
        clauses = () if record is None else record.version(ref.version).document.data_sharing
        grantor = next((k.grantor for k in clauses if k.id == ref.clause_id), None)
        grantor_of[ref] = partner_ids.get(grantor) if grantor is not None else None
    events = []
    for start in range(0, len(released), MAX_RELEASE_SUBJECTS):
        chunk = released[start : start + MAX_RELEASE_SUBJECTS]
        grantors = {grantor_of[ref] for c in chunk for ref in c.clauses} - {None}
        events.append(
            AuditEvent(
                AuditAction.DATA_RELEASED,
                Actor.system(),
                details={
                    "data_class": _CONJUNCTION_DATA.value,
                    "items": len(chunk),
                    "degraded": sum(1 for c in chunk if c.degraded),
                },
                sealed={
                    "recipient": str(principal.partner_id),
                    "clauses": sorted({ref.policy_id for c in chunk for ref in c.clauses}),
                    "subjects": [{"kind": "cdm", "id": str(c.cdm_id)} for c in chunk],
                },
                readers=frozenset({principal.partner_id, *(g for g in grantors if g is not None)}),
                time=now,
            )
        )
    AuditLog(session).append(events)
