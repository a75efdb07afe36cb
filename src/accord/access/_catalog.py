"""The catalog as one principal may see it: ownership, visibility, release, audit.

Ownership of an element set (docs/access.md, "Ownership"; `accord.access._ownership`):

1. an element set submitted by a member partner belongs to that partner, always (a claim
   never transfers it): the submitter always sees what it submitted;
2. one submitted by a `data_provider` or `system` partner is public, claimed object or
   not: every principal with read access sees it (it was public before Accord had it);
3. claims only decide the reach of `all_claimed` clauses: an owner's element set about an
   object that only other partners claim is granted by clauses listing that NORAD id, not
   by the owner's `all_claimed` clauses.

Owned items go through the agreements' authorisation point (`accord.agreements.visible`,
one Cedar batch per scope per request): the owner sees its own, a grantee what a clause in
force grants, after its embargo. Under a clause that coarsens positions, the mean elements
are never released (they cannot be coarsened): the item goes out as the SGP4 state vector
at its epoch (TEME), coarsened as the clause says, or not at all if SGP4 fails on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from accord.access._ownership import beyond_claims, listed_only, owner_of_submission
from accord.access._policy import PolicyCache, access_policy
from accord.access._principal import Principal
from accord.agreements import (
    AccessAction,
    ClauseRef,
    DataClass,
    Decision,
    Degradation,
    ReleaseConditions,
    Resource,
    apply_release,
    visible,
)
from accord.audit import Actor, AuditAction, AuditEvent, AuditLog
from accord.formats import ElementSet
from accord.orbits import satrec_from_element_set
from accord.store import (
    CatalogListing,
    CatalogRepository,
    ColumnCondition,
    Comparison,
    ListingColumn,
    Partner,
    PartnerRepository,
    StoredElementSet,
)

__all__ = [
    "MAX_PAGE_SIZE",
    "MAX_RELEASE_SUBJECTS",
    "PUBLIC_POLICY_ID",
    "CatalogItem",
    "NotFoundError",
    "ReleasedState",
    "VisibleCatalogPage",
    "can_see_object",
    "get_visible_object",
    "record_catalog_release",
    "visible_element_sets",
]

#: Largest page `visible_catalog` returns.
MAX_PAGE_SIZE = 1000
#: Objects named per `data.released` entry (entries stay far below the log's 16 KiB).
MAX_RELEASE_SUBJECTS = 200
#: The rule that lets everyone read public catalog data (not an agreement clause).
PUBLIC_POLICY_ID = "access/public-catalog"
#: Above this many objects, claims are read whole rather than by an IN (...) list.
_CLAIM_LOOKUP = 1000


class NotFoundError(LookupError):
    """No such object for this caller: absent, or present but not granted (one error: 404)."""


@dataclass(frozen=True, slots=True)
class ReleasedState:
    """A degraded release: SGP4 state at the element set's epoch, TEME, coarsened."""

    epoch: datetime
    position_km: tuple[float, float, float]
    velocity_km_s: tuple[float, float, float]
    position_precision_km: float


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One element set of an object as released to one principal.

    Exactly one of `element_set` (full mean elements) and `state` (a coarsened state vector)
    is set. `owner` is the owning partner's handle, None for public data; `policy_ids` the
    rules that granted it; `conditions` what was applied; `element_set_id` the stored row.
    """

    norad_id: int
    object_name: str | None
    object_id: str | None
    epoch: datetime
    owner: str | None
    submitter: str
    submitted_at: datetime
    source_kind: str
    is_synthetic: bool
    element_set: ElementSet | None
    state: ReleasedState | None
    policy_ids: tuple[str, ...]
    clauses: tuple[ClauseRef, ...]
    conditions: ReleaseConditions
    #: The stored element set's row id (the Space-Track GP_ID of what was released).
    element_set_id: int | None = None


@dataclass(frozen=True, slots=True)
class VisibleCatalogPage:
    """A page of visible objects; `total` counts only what the principal may see."""

    items: list[CatalogItem]
    total: int
    offset: int
    limit: int


def _degraded_state(element_set: ElementSet, precision_km: float) -> ReleasedState | None:
    satrec = satrec_from_element_set(element_set)
    error, position, velocity = satrec.sgp4_tsince(0.0)
    if error != 0:
        return None  # nothing rather than something the clause does not allow
    released = apply_release(
        {
            "x_km": position[0],
            "y_km": position[1],
            "z_km": position[2],
            "vx_km_s": velocity[0],
            "vy_km_s": velocity[1],
            "vz_km_s": velocity[2],
        },
        ReleaseConditions(Degradation(position_precision_km=precision_km)),
    )
    return ReleasedState(
        element_set.epoch,
        (released["x_km"], released["y_km"], released["z_km"]),
        (released["vx_km_s"], released["vy_km_s"], released["vz_km_s"]),
        precision_km,
    )


@dataclass(frozen=True, slots=True)
class Ownership:
    """Owners and claim scope of a set of element set rows (keys: element set row ids).

    `owners` maps each row to its owner's partner id (None: public); `beyond` holds the
    rows beyond their owner's claims (only clauses listing the object can grant them).
    """

    partners: dict[int, Partner]
    owners: dict[int, int | None]
    beyond: frozenset[int] = frozenset()


def _owned(session: Session, rows: Sequence[StoredElementSet]) -> Ownership:
    """Each row's owner (the member that submitted it, else public) and claim scope.

    Claims are read for the rows' objects only (all of them past `_CLAIM_LOOKUP` objects).
    """
    partners = {p.id: p for p in PartnerRepository(session).all()}
    by_name = {p.name: p for p in partners.values()}
    norad_ids = sorted({row.element_set.norad_id for row in rows})
    listing = CatalogListing(session)
    claimants: dict[int, frozenset[int]] = {}
    if len(norad_ids) > _CLAIM_LOOKUP:
        claimants = listing.claimants(None)
    elif norad_ids:
        claimants = listing.claimants(norad_ids)
    owners: dict[int, int | None] = {}
    beyond: set[int] = set()
    for row in rows:
        owner = owner_of_submission(by_name.get(row.partner_name))
        owners[row.element_set_id] = None if owner is None else owner.id
        if owner is not None and beyond_claims(owner.id, row.element_set.norad_id, claimants):
            beyond.add(row.element_set_id)
    return Ownership(partners, owners, frozenset(beyond))


def _release(
    session: Session,
    principal: Principal,
    rows: Sequence[StoredElementSet],
    action: AccessAction,
    at: datetime,
    cache: PolicyCache | None,
    known: Ownership | None = None,
) -> list[CatalogItem]:
    """Decide and release `rows`, in their order; `known` gives their ownership if known.

    Public rows need no decision; owned rows go to the authorisation point, one batch for
    those within their owner's claims and one (against `listed_only`) for those beyond.
    """
    if not principal.may_ask(action):
        return []
    ownership = known if known is not None else _owned(session, rows)
    partners, owners = ownership.partners, ownership.owners
    owned = [row for row in rows if owners[row.element_set_id] is not None]

    def describe(row: StoredElementSet) -> Resource:
        owner = partners[owners[row.element_set_id]]  # type: ignore[index]
        return Resource(
            DataClass.CATALOG_ELEMENT_SETS,
            owner.handle or f"partner-{owner.id}",
            id=f"element_set:{row.element_set_id}",
            norad_id=row.element_set.norad_id,
            data_epoch=row.element_set.epoch,
            submitted_at=row.submitted_at,
        )

    granted: dict[int, Decision] = {}
    if owned:
        policy = access_policy(session, at, cache=cache)
        within = [row for row in owned if row.element_set_id not in ownership.beyond]
        beyond = [row for row in owned if row.element_set_id in ownership.beyond]
        for chosen, rule in ((within, policy), (beyond, listed_only(policy) if beyond else None)):
            if not chosen or rule is None:
                continue
            for row, decision in visible(
                principal.core(), chosen, rule, at=at, describe=describe, action=action
            ):
                granted[row.element_set_id] = decision
    items = []
    for row in rows:
        element_set = row.element_set
        owner_id = owners[row.element_set_id]
        state = None
        if owner_id is None:
            policy_ids: tuple[str, ...] = (PUBLIC_POLICY_ID,)
            clauses: tuple[ClauseRef, ...] = ()
            conditions = ReleaseConditions(redistribution_allowed=True)
        elif (grant := granted.get(row.element_set_id)) is not None:
            assert grant.conditions is not None
            policy_ids, clauses, conditions = grant.policy_ids, grant.clauses, grant.conditions
            precision = conditions.degradation.position_precision_km
            if precision is not None:
                state = _degraded_state(element_set, precision)
                if state is None:
                    continue
        else:
            continue
        items.append(
            CatalogItem(
                norad_id=element_set.norad_id,
                object_name=element_set.object_name,
                object_id=element_set.object_id,
                epoch=element_set.epoch,
                owner=None if owner_id is None else partners[owner_id].handle,
                submitter=row.partner_name,
                submitted_at=row.submitted_at,
                source_kind=row.source_kind.value,
                is_synthetic=row.is_synthetic,
                element_set=None if state is not None else element_set,
                state=state,
                policy_ids=policy_ids,
                clauses=clauses,
                conditions=conditions,
                element_set_id=row.element_set_id,
            )
        )
    return items


def _record_release(
    session: Session, principal: Principal, items: Sequence[CatalogItem], at: datetime
) -> None:
    """One `data.released` entry per response (chunked), for items granted by clauses."""
    released = [item for item in items if item.clauses]
    if not released:
        return
    # Who received which objects under which clauses is the sharing graph the agreements
    # protect: sealed, opened to the recipient and the grantors (a clause grants an item
    # only when its grantor is the item's owner). docs/audit.md, "Confidential details".
    partner_ids = {p.handle or f"partner-{p.id}": p.id for p in PartnerRepository(session).all()}
    events = []
    for start in range(0, len(released), MAX_RELEASE_SUBJECTS):
        chunk = released[start : start + MAX_RELEASE_SUBJECTS]
        clauses = sorted({ref.policy_id for item in chunk for ref in item.clauses})
        grantors = {partner_ids[i.owner] for i in chunk if i.owner in partner_ids}
        events.append(
            AuditEvent(
                AuditAction.DATA_RELEASED,
                Actor.system(),
                details={
                    "data_class": DataClass.CATALOG_ELEMENT_SETS.value,
                    "items": len(chunk),
                    "degraded": sum(1 for item in chunk if item.state is not None),
                },
                sealed={
                    "recipient": str(principal.partner_id),
                    "clauses": clauses,
                    "subjects": [{"kind": "object", "id": str(i.norad_id)} for i in chunk],
                },
                readers=frozenset({principal.partner_id, *grantors}),
                time=at,
            )
        )
    AuditLog(session).append(events)


def get_visible_object(
    session: Session,
    principal: Principal,
    norad_id: int,
    *,
    at: datetime | None = None,
    record_release: bool = True,
    cache: PolicyCache | None = None,
) -> CatalogItem:
    """The newest element set of one object that `principal` may see (public, its own, or
    granted and past its embargo), released as its clause says.

    Every stored element set of the object is decided (one batch per scope): a newer set
    the caller may not see hides no older one it may. Raises `NotFoundError` with the same
    message whether the object is absent or none of its element sets is visible (the
    404-not-403 rule): nothing tells the two apart.
    """
    now = at or datetime.now(UTC)
    rows = CatalogRepository(session).history(norad_id)  # newest first
    items = _release(session, principal, rows, AccessAction.READ, now, cache) if rows else []
    if not items:
        raise NotFoundError(f"no object with NORAD id {norad_id}")
    newest = items[:1]
    if record_release:
        _record_release(session, principal, newest, now)
    return newest[0]


def can_see_object(
    session: Session,
    principal: Principal,
    norad_id: int,
    *,
    at: datetime | None = None,
    cache: PolicyCache | None = None,
) -> bool:
    """Whether `principal` may read at least one stored element set of `norad_id` (public,
    its own, or granted now), current or older. Nothing is released or logged.

    False for an object the catalog does not hold: a caller cannot tell the two apart.
    """
    now = at or datetime.now(UTC)
    rows = CatalogRepository(session).history(norad_id)
    if not rows:
        return False
    ownership = _owned(session, rows)
    if any(ownership.owners[row.element_set_id] in (None, principal.partner_id) for row in rows):
        return True  # public or its own: no decision needed
    return bool(_release(session, principal, rows, AccessAction.READ, now, cache, ownership))


def visible_element_sets(
    session: Session,
    principal: Principal,
    *,
    norad_ids: Sequence[int] | None = None,
    history: bool = False,
    at: datetime | None = None,
    cache: PolicyCache | None = None,
) -> list[CatalogItem]:
    """Every element set `principal` may see, unpaged: per object the newest visible one,
    or whole histories.

    For edges that filter after release (the Space-Track query grammar): nothing is logged
    here; log exactly what leaves with `record_catalog_release`. Without `history`, each
    visible object's newest visible element set, as `visible_catalog` lists it
    (`select_visible_element_sets`). `history=True` releases every stored element set of
    each object (newest first per object), each decided on its own, since an object's
    older sets may have other owners. Release conditions apply as in `visible_catalog`.
    """
    now = at or datetime.now(UTC)
    if not history:
        # Imported here: the selection builds on this module's release path.
        from accord.access._selection import select_visible_element_sets

        conditions = (
            ()
            if norad_ids is None
            else (ColumnCondition(ListingColumn.NORAD_ID, Comparison.IN, tuple(norad_ids)),)
        )
        return select_visible_element_sets(
            session, principal, conditions=conditions, at=now, cache=cache
        ).items
    catalog = CatalogRepository(session)
    current = catalog.latest(norad_ids=norad_ids).items
    rows = [row for item in current for row in catalog.history(item.element_set.norad_id)]
    return _release(session, principal, rows, AccessAction.LIST, now, cache)


def record_catalog_release(
    session: Session,
    principal: Principal,
    items: Sequence[CatalogItem],
    *,
    at: datetime | None = None,
) -> None:
    """Log the `data.released` entries of `items` handed to `principal` (clause grants only).

    Runs in the caller's transaction, which on SQLite must hold the write lock.
    """
    _record_release(session, principal, items, at or datetime.now(UTC))
