"""Operator ephemerides as one principal may see them: decision, degradation, release log.

Ownership is the catalog's (docs/access.md, "Ownership"): an ephemeris belongs to the member
that submitted it, always; claims only decide the reach of `all_claimed` clauses (an
ephemeris beyond its owner's claims, after the owner withdrew its claim and another partner
claimed the object, is decided against `listed_only`). Each stored ephemeris is asked as
`Resource(operator_ephemerides, owner, id="ephemeris:<id>", norad_id, data_epoch=<usable
start>, submitted_at=<submission time>)`, so a clause's embargo runs, as docs/agreements.md
says of every item, from the later of the data's epoch (the start of its usable span) and
its submission.

On the way out, under the applied clause (`release_oem`):

- `position_precision_km` P: every position snapped to the nearest multiple of P and every
  velocity to a multiple of P / 600 s, per component (`coarsen_position_km`,
  `coarsen_velocity_km_s`, the method element sets are coarsened with); accelerations and
  the data lines' comments are dropped (they could refine or restate the positions);
- `covariance: withheld`: the OEM goes out without COVARIANCE sections;
- the header gets a COMMENT naming the policies and what was done.

Invisible ephemerides answer `NotFoundError` (the same message as an absent id) and are
dropped before counting. Handing out an OEM granted by a clause appends `data.released`
(class `operator_ephemerides`), sealed like the catalog's. Summaries (lists, details) are
decided by the same rule but not logged: they carry no state vector, only what the
`ephemeris.accepted` entry already tells (object, counts) plus the usable span.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy.orm import Session

from accord.access._catalog import MAX_RELEASE_SUBJECTS, PUBLIC_POLICY_ID, NotFoundError
from accord.access._ownership import beyond_claims, listed_only, owner_of_submission
from accord.access._policy import PolicyCache, access_policy
from accord.access._principal import Principal
from accord.agreements import (
    AccessAction,
    ClauseRef,
    DataClass,
    Decision,
    ReleaseConditions,
    Resource,
    coarsen_position_km,
    coarsen_velocity_km_s,
    visible,
)
from accord.audit import Actor, AuditAction, AuditEvent, AuditLog
from accord.formats import OemHeader, OemSegment, OrbitEphemerisMessage, format_oem_kvn, read_oem
from accord.store import (
    EphemerisRepository,
    EphemerisRow,
    Partner,
    PartnerRepository,
    active_claimants,
)

__all__ = [
    "EphemerisItem",
    "ReleasedOem",
    "VisibleEphemerisPage",
    "degrade_oem",
    "get_visible_ephemeris",
    "record_ephemeris_release",
    "release_oem",
    "visible_ephemerides",
]


@dataclass(frozen=True, slots=True)
class EphemerisItem:
    """One stored ephemeris's summary as released to one principal.

    `has_covariance` is what the caller receives (False when the clause withholds it);
    `current` marks the newest usable span of its submitter for its object; `owner` is the
    submitter's handle; `conditions` what the applied clause (or ownership) asks.
    """

    ephemeris_id: int
    norad_id: int
    object_name: str
    object_id: str
    owner: str | None
    submitter: str
    submitted_at: datetime
    source_name: str
    format: str
    file_sha256: str
    center_name: str
    ref_frame: str
    time_system: str
    usable_start: datetime
    usable_stop: datetime
    segment_count: int
    state_count: int
    has_covariance: bool
    signed: bool
    current: bool
    policy_ids: tuple[str, ...]
    clauses: tuple[ClauseRef, ...]
    conditions: ReleaseConditions

    @property
    def degraded(self) -> bool:
        """Whether positions are coarsened or covariance withheld on the way out."""
        degradation = self.conditions.degradation
        return degradation.position_precision_km is not None or degradation.covariance_withheld


@dataclass(frozen=True, slots=True)
class VisibleEphemerisPage:
    """A page of visible ephemerides, newest submission first; `total` counts only those."""

    items: list[EphemerisItem]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class ReleasedOem:
    """An ephemeris as handed to the caller: its summary and the OEM as KVN text."""

    item: EphemerisItem
    kvn: str


def _handle(partner: Partner) -> str:
    return partner.handle or f"partner-{partner.id}"


def _release(
    session: Session,
    principal: Principal,
    rows: Sequence[EphemerisRow],
    action: AccessAction,
    at: datetime,
    cache: PolicyCache | None,
) -> list[EphemerisItem]:
    """Decide `rows` (order kept) and summarise what `principal` may see."""
    if not principal.may_ask(action) or not rows:
        return []
    partners = {p.id: p for p in PartnerRepository(session).all()}
    claimants = active_claimants(session, {row.norad_id for row in rows})
    owners = {row.id: owner_of_submission(partners.get(row.partner_id)) for row in rows}
    owned = [row for row in rows if owners[row.id] is not None]

    def describe(row: EphemerisRow) -> Resource:
        owner = owners[row.id]
        assert owner is not None
        return Resource(
            DataClass.OPERATOR_EPHEMERIDES,
            _handle(owner),
            id=f"ephemeris:{row.id}",
            norad_id=row.norad_id,
            data_epoch=row.usable_start,
            submitted_at=row.submitted_at,
        )

    granted: dict[int, Decision] = {}
    if owned:
        policy = access_policy(session, at, cache=cache)
        beyond = {
            row.id
            for row in owned
            if beyond_claims(owners[row.id].id, row.norad_id, claimants)  # type: ignore[union-attr]
        }
        groups = (
            ([row for row in owned if row.id not in beyond], policy),
            ([row for row in owned if row.id in beyond], listed_only(policy) if beyond else None),
        )
        for chosen, rule in groups:
            if not chosen or rule is None:
                continue
            for row, decision in visible(
                principal.core(), chosen, rule, at=at, describe=describe, action=action
            ):
                granted[row.id] = decision
    current = EphemerisRepository(session).current_ids(sorted({row.norad_id for row in rows}))
    items = []
    for row in rows:
        owner = owners[row.id]
        if owner is None:
            # Not a member's (none today: only claimants submit and data providers claim
            # nothing): public, as in the catalog (ownership rule 2).
            policy_ids: tuple[str, ...] = (PUBLIC_POLICY_ID,)
            clauses: tuple[ClauseRef, ...] = ()
            conditions = ReleaseConditions(redistribution_allowed=True)
        elif (grant := granted.get(row.id)) is not None:
            assert grant.conditions is not None
            policy_ids, clauses, conditions = grant.policy_ids, grant.clauses, grant.conditions
        else:
            continue
        submitter = partners.get(row.partner_id)
        items.append(
            EphemerisItem(
                ephemeris_id=row.id,
                norad_id=row.norad_id,
                object_name=row.object_name,
                object_id=row.object_id,
                owner=None if owner is None else _handle(owner),
                submitter=submitter.name if submitter is not None else f"partner-{row.partner_id}",
                submitted_at=row.submitted_at,
                source_name=row.source_name,
                format=row.format,
                file_sha256=row.file_sha256,
                center_name=row.center_name,
                ref_frame=row.ref_frame,
                time_system=row.time_system,
                usable_start=row.usable_start,
                usable_stop=row.usable_stop,
                segment_count=row.segment_count,
                state_count=row.state_count,
                has_covariance=row.has_covariance
                and not conditions.degradation.covariance_withheld,
                signed=row.signature is not None,
                current=row.id in current,
                policy_ids=policy_ids,
                clauses=clauses,
                conditions=conditions,
            )
        )
    return items


def visible_ephemerides(
    session: Session,
    principal: Principal,
    *,
    norad_id: int | None = None,
    offset: int = 0,
    limit: int = 100,
    at: datetime | None = None,
    cache: PolicyCache | None = None,
) -> VisibleEphemerisPage:
    """The ephemerides `principal` may list (of one object), newest submission first.

    What is not granted (or still embargoed) is dropped before counting and paging.
    """
    now = at or datetime.now(UTC)
    rows = EphemerisRepository(session).all(norad_ids=None if norad_id is None else [norad_id])
    items = _release(session, principal, rows, AccessAction.LIST, now, cache)
    return VisibleEphemerisPage(items[offset : offset + limit], len(items), offset, limit)


def get_visible_ephemeris(
    session: Session,
    principal: Principal,
    ephemeris_id: int,
    *,
    at: datetime | None = None,
    cache: PolicyCache | None = None,
) -> EphemerisItem:
    """One ephemeris's summary, or `NotFoundError` (the same for absent and not granted)."""
    row = EphemerisRepository(session).get(ephemeris_id)
    items = (
        _release(session, principal, [row], AccessAction.READ, at or datetime.now(UTC), cache)
        if row is not None
        else []
    )
    if not items:
        raise NotFoundError(f"no ephemeris with id {ephemeris_id}")
    return items[0]


def _release_comment(item: EphemerisItem) -> str:
    degradation = item.conditions.degradation
    done = []
    if degradation.position_precision_km is not None:
        precision = degradation.position_precision_km
        done.append(
            f"positions coarsened to multiples of {precision:g} km, velocities to multiples "
            f"of {precision:g} km / 600 s, accelerations and data comments removed"
        )
    if degradation.covariance_withheld:
        done.append("covariance withheld")
    return f"Released by Accord under {', '.join(item.policy_ids)}: {'; '.join(done)}"


def degrade_oem(oem: OrbitEphemerisMessage, conditions: ReleaseConditions) -> OrbitEphemerisMessage:
    """`oem` as `conditions` allow it out: coarsened states, covariance withheld (module notes).

    Positions per component to the nearest multiple of the precision (km), velocities to
    multiples of precision / 600 s (km/s): `accord.agreements.coarsen_position_km` and
    `coarsen_velocity_km_s`. Without degradation the message is returned unchanged.
    """
    degradation = conditions.degradation
    precision = degradation.position_precision_km
    if precision is None and not degradation.covariance_withheld:
        return oem
    segments: list[OemSegment] = []
    for segment in oem.segments:
        changes: dict[str, object] = {}
        if precision is not None:
            changes["position_km"] = np.array(
                [coarsen_position_km(row, precision) for row in segment.position_km.tolist()]
            ).reshape(-1, 3)
            changes["velocity_km_s"] = np.array(
                [coarsen_velocity_km_s(row, precision) for row in segment.velocity_km_s.tolist()]
            ).reshape(-1, 3)
            changes["acceleration_km_s2"] = None
            changes["data_comments"] = ()
        if degradation.covariance_withheld:
            changes["covariances"] = ()
        segments.append(dataclasses.replace(segment, **changes))  # type: ignore[arg-type]
    return dataclasses.replace(oem, segments=tuple(segments))


def release_oem(
    session: Session,
    principal: Principal,
    ephemeris_id: int,
    *,
    at: datetime | None = None,
    record_release: bool = True,
    cache: PolicyCache | None = None,
) -> ReleasedOem:
    """The ephemeris as an OEM (KVN) released to `principal`, degraded as its clause says.

    `NotFoundError` when absent or not granted. Logs `data.released` for a clause's grant
    (in the caller's transaction, which on SQLite must hold the write lock).
    """
    now = at or datetime.now(UTC)
    item = get_visible_ephemeris(session, principal, ephemeris_id, at=now, cache=cache)
    row = EphemerisRepository(session).get(ephemeris_id)
    assert row is not None
    oem = read_oem(row.oem, source=f"ephemeris {row.id}")
    if item.degraded:
        released = degrade_oem(oem, item.conditions)
        header: OemHeader = dataclasses.replace(
            released.header, comments=(*released.header.comments, _release_comment(item))
        )
        oem = dataclasses.replace(released, header=header)
    if record_release:
        record_ephemeris_release(session, principal, [item], at=now)
    return ReleasedOem(item, format_oem_kvn(oem))


def record_ephemeris_release(
    session: Session,
    principal: Principal,
    items: Sequence[EphemerisItem],
    *,
    at: datetime | None = None,
) -> None:
    """Log `data.released` (class operator_ephemerides) for the items granted by a clause.

    Recipient, clauses and subjects (`object:<norad id>` and `ephemeris:<id>`) are sealed
    for the recipient and the grantors (the items' owners), as for catalog releases; own and
    public data are not releases under an agreement and are not logged.
    """
    released = [item for item in items if item.clauses]
    if not released:
        return
    partner_ids = {_handle(p): p.id for p in PartnerRepository(session).all()}
    events = []
    for start in range(0, len(released), MAX_RELEASE_SUBJECTS // 2):
        chunk = released[start : start + MAX_RELEASE_SUBJECTS // 2]
        grantors = {partner_ids[i.owner] for i in chunk if i.owner in partner_ids}
        events.append(
            AuditEvent(
                AuditAction.DATA_RELEASED,
                Actor.system(),
                details={
                    "data_class": DataClass.OPERATOR_EPHEMERIDES.value,
                    "items": len(chunk),
                    "degraded": sum(1 for item in chunk if item.degraded),
                },
                sealed={
                    "recipient": str(principal.partner_id),
                    "clauses": sorted({ref.policy_id for i in chunk for ref in i.clauses}),
                    "subjects": [
                        subject
                        for i in chunk
                        for subject in (
                            {"kind": "object", "id": str(i.norad_id)},
                            {"kind": "ephemeris", "id": str(i.ephemeris_id)},
                        )
                    ],
                },
                readers=frozenset({principal.partner_id, *grantors}),
                time=at or datetime.now(UTC),
            )
        )
    AuditLog(session).append(events)
