"""Visibility-filtered listing that scales: what SQL can decide is decided there.

An object is listed with **the newest element set the principal may see** (public, its
own, or granted and past its embargo), not the newest overall: a member's newer set of an
object hides nothing that was visible before, and an embargoed newer set withdraws no
released older one. The compiled policy sorts the partners, for this principal and the
catalog data class, into groups (docs/access.md, "How a listing is computed"). A row's
owner is its submitter when a member (public otherwise), and its claim scope says whether
the owner's `all_claimed` clauses reach it (`accord.access._ownership`):

- **certain**: rows visible whatever the row: public data (no owner), the principal's own
  (the base rule `base/owner-reads-own-data`), and the rows within their owner's claims of
  grantors with a clause to the principal that names no asset list, no embargo and whose
  applicable clauses coarsen nothing (so no item can be dropped on the way out);
- **decided**: rows within claims of grantors whose clauses may apply to some rows only
  (asset lists, embargo) or coarsen positions (SGP4 may fail, and then nothing goes out),
  and rows beyond claims of grantors with a clause listing NORAD ids. Every such row of
  the matching objects (whole histories) is loaded and decided, one Cedar batch per scope;
- everything else: **invisible**, filtered out in SQL without a decision.

SQL then takes, per object, the newest row among the certain ones and the decided rows
the authorisation point released (by row id), and counts, pages and filters those. Every
owned item that goes out is still decided: the page's certain rows go through the same
Cedar batch as before, and a denial there (the SQL and the policy disagreeing) raises
rather than releases. `tests/access/test_visible_listing.py` checks the result against an
independent reference that decides every stored element set (`tests/access/_reference.py`)
on random coalitions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from accord.access._catalog import (
    MAX_PAGE_SIZE,
    CatalogItem,
    Ownership,
    VisibleCatalogPage,
    _record_release,
    _release,
)
from accord.access._policy import PolicyCache, access_policy
from accord.access._principal import Principal
from accord.agreements import AccessAction, DataClass, DataSharingClause
from accord.store import (
    CatalogListing,
    ColumnCondition,
    OwnedElementSet,
    OwnerFilter,
    Partner,
    PartnerRepository,
)

__all__ = [
    "ListingError",
    "ListingPlan",
    "VisibleCatalogSummary",
    "listing_plan",
    "visible_catalog",
    "visible_catalog_summary",
]

#: Actions whose permits the grouping reproduces (the base owner rule and clause permits).
_LISTED_ACTIONS = frozenset({AccessAction.LIST, AccessAction.READ})


class ListingError(RuntimeError):
    """The SQL grouping and the authorisation point disagree (a bug: nothing is released)."""


@dataclass(frozen=True, slots=True)
class ListingPlan:
    """Which partners' catalog rows (by row id, and by claim scope) are certainly visible
    to the principal, and which need a decision each.

    Public rows are always certain. `certain`: every row of these partners (the
    principal's own); `certain_within`: these grantors' rows within their claims;
    `decided`: these grantors' rows within their claims, decided one by one;
    `decided_beyond`: these grantors' rows beyond their claims, decided one by one (only
    a clause listing the object can grant them). Any other row is invisible.
    """

    certain: frozenset[int]
    decided: frozenset[int]
    partners: dict[int, Partner]
    certain_within: frozenset[int] = frozenset()
    decided_beyond: frozenset[int] = frozenset()

    @property
    def certain_rows(self) -> OwnerFilter:
        """The SQL filter of the rows visible without a decision."""
        return OwnerFilter(True, self.certain, within_claims=self.certain_within)

    @property
    def decided_rows(self) -> OwnerFilter:
        """The SQL filter of the rows decided one by one."""
        return OwnerFilter(False, within_claims=self.decided, beyond_claims=self.decided_beyond)

    def visible_rows(self, released: Iterable[int]) -> OwnerFilter:
        """The SQL filter of every visible row: the certain ones and the decided rows
        `released` (element set row ids the authorisation point released)."""
        return OwnerFilter(
            True,
            self.certain,
            within_claims=self.certain_within,
            element_set_ids=frozenset(released),
        )


@dataclass(frozen=True, slots=True)
class VisibleCatalogSummary:
    """Aggregates over the objects a principal may see; nothing in it is a release."""

    objects: int
    synthetic_objects: int
    #: Newest epoch of the element sets listed (UTC), None when the principal sees nothing.
    newest_epoch: datetime | None


def _handle(partner: Partner) -> str:
    # The owner name a Resource carries (accord.access._catalog._release's describe).
    return partner.handle or f"partner-{partner.id}"


def listing_plan(
    session: Session,
    principal: Principal,
    *,
    action: AccessAction = AccessAction.LIST,
    at: datetime,
    cache: PolicyCache | None = None,
) -> ListingPlan:
    """Group the partners for `principal`'s catalog listing from the policy in force at `at`."""
    partners = {p.id: p for p in PartnerRepository(session).all()}
    policy = access_policy(session, at, cache=cache)
    if action not in _LISTED_ACTIONS or "forbid" in policy.cedar_text:
        # The grouping reproduces permit-only policies; anything else is decided per item.
        everyone = frozenset(partners)
        return ListingPlan(frozenset(), everyone, partners, decided_beyond=everyone)
    clauses_by_grantor: dict[str, list[DataSharingClause]] = {}
    for agreement in policy.agreements:
        for clause in agreement.data_sharing:
            if (
                principal.partner in clause.grantees
                and DataClass.CATALOG_ELEMENT_SETS in clause.data_classes
            ):
                clauses_by_grantor.setdefault(clause.grantor, []).append(clause)
    certain: set[int] = set()
    certain_within: set[int] = set()
    decided: set[int] = set()
    decided_beyond: set[int] = set()
    for partner_id, partner in partners.items():
        handle = _handle(partner)
        if handle == principal.partner:
            certain.add(partner_id)  # own data: never degraded (a base rule grants it)
            continue
        clauses = clauses_by_grantor.get(handle)
        if not clauses:
            continue
        unconditional = any(c.assets.all_claimed and c.embargo_hours == 0 for c in clauses)
        coarsened = any(c.degradation.position_precision_km is not None for c in clauses)
        (certain_within if unconditional and not coarsened else decided).add(partner_id)
        if any(not c.assets.all_claimed for c in clauses):
            decided_beyond.add(partner_id)  # a listed object may lie beyond its claims
    # Public rows (data providers', the system's) never need a decision: no plan entry.
    return ListingPlan(
        frozenset(certain),
        frozenset(decided),
        partners,
        certain_within=frozenset(certain_within),
        decided_beyond=frozenset(decided_beyond),
    )


def _ownership(plan: ListingPlan, rows: Sequence[OwnedElementSet]) -> Ownership:
    """The ownership of rows the listing read, as the per-row release path takes it."""
    return Ownership(
        plan.partners,
        {row.stored.element_set_id: row.owner_partner_id for row in rows},
        frozenset(row.stored.element_set_id for row in rows if row.beyond_claims),
    )


def _decided_items(
    session: Session,
    principal: Principal,
    plan: ListingPlan,
    at: datetime,
    cache: PolicyCache | None,
    *,
    norad_ids: Sequence[int] | None = None,
    search: str | None = None,
    conditions: Sequence[ColumnCondition] = (),
) -> dict[int, CatalogItem]:
    """The decided grantors' element sets of the matching objects (whole histories) that
    the authorisation point releases, by element set row id.

    `norad_ids`, `search` and `conditions` must be conditions on the object (the same for
    all its rows): which of its rows is listed is decided after this.
    """
    if plan.decided_rows.empty:
        return {}
    rows = CatalogListing(session).history(
        plan.decided_rows, norad_ids=norad_ids, search=search, conditions=conditions
    )
    released = _release(
        session,
        principal,
        [row.stored for row in rows],
        AccessAction.LIST,
        at,
        cache,
        known=_ownership(plan, rows),
    )
    return {item.element_set_id: item for item in released if item.element_set_id is not None}


def _release_listed(
    session: Session,
    principal: Principal,
    plan: ListingPlan,
    rows: Sequence[OwnedElementSet],
    decided: dict[int, CatalogItem],
    at: datetime,
    cache: PolicyCache | None,
) -> list[CatalogItem]:
    """Release the rows SQL listed, in their order: decided ones as already released,
    certain ones through the authorisation point, which must grant every one."""
    certain = [row for row in rows if row.stored.element_set_id not in decided]
    released = _release(
        session,
        principal,
        [row.stored for row in certain],
        AccessAction.LIST,
        at,
        cache,
        known=_ownership(plan, certain),
    )
    if len(released) != len(certain):
        raise ListingError(
            f"{len(certain) - len(released)} of {len(certain)} element sets listed as "
            f"visible to {principal.partner!r} were denied; nothing released (report this bug)"
        )
    by_id: dict[int | None, CatalogItem] = {item.element_set_id: item for item in released}
    by_id.update(decided.items())
    return [by_id[row.stored.element_set_id] for row in rows]


def visible_catalog(
    session: Session,
    principal: Principal,
    *,
    offset: int = 0,
    limit: int = 100,
    norad_ids: Sequence[int] | None = None,
    search: str | None = None,
    at: datetime | None = None,
    record_release: bool = True,
    cache: PolicyCache | None = None,
) -> VisibleCatalogPage:
    """Per object the newest element set `principal` may see, by NORAD id, one page.

    An object is listed when at least one of its element sets is visible (public, the
    principal's own, or granted and past its embargo), with the newest such set, degraded
    as its clause says. `total` counts only visible objects. `norad_ids` narrows to those
    objects; `search` to objects whose NORAD id equals it or whose name or COSPAR id
    contains it (as `CatalogRepository.search`). Items released under an agreement clause
    are logged (`data.released`, one entry per response) in the caller's transaction,
    which on SQLite must hold the write lock (`transaction(engine, write_lock=True)`);
    pass `record_release=False` only for output that leaves nobody's hands (tests, counts).
    """
    if limit < 1 or limit > MAX_PAGE_SIZE or offset < 0:
        raise ValueError(
            f"page offset={offset} limit={limit}: use offset >= 0 and 1 <= limit <= {MAX_PAGE_SIZE}"
        )
    if search is not None and not search.strip():
        raise ValueError("empty search text; give a NORAD id, a name or a COSPAR id")
    now = at or datetime.now(UTC)
    action = AccessAction.LIST
    if not principal.may_ask(action):
        return VisibleCatalogPage([], 0, offset, limit)
    plan = listing_plan(session, principal, action=action, at=now, cache=cache)
    listing = CatalogListing(session)
    decided = _decided_items(
        session, principal, plan, now, cache, norad_ids=norad_ids, search=search
    )
    visible = plan.visible_rows(decided)
    wanted, total = listing.norad_ids(
        visible, norad_ids=norad_ids, search=search, offset=offset, limit=limit
    )
    page: list[CatalogItem] = []
    if wanted:
        rows = listing.newest(visible, norad_ids=wanted)
        page = _release_listed(session, principal, plan, rows, decided, now, cache)
    if record_release:
        _record_release(session, principal, page, now)
    return VisibleCatalogPage(page, total, offset, limit)


def visible_catalog_summary(
    session: Session,
    principal: Principal,
    *,
    at: datetime | None = None,
    cache: PolicyCache | None = None,
) -> VisibleCatalogSummary:
    """How many objects `principal` may see, how many are SYNTHETIC, and the newest epoch.

    Over the same element sets as `visible_catalog` lists (per object the newest visible
    one), without releasing 30,000 items: only decided grantors' rows are decided, and
    SQL aggregates. Counts release nothing, so nothing is logged.
    """
    now = at or datetime.now(UTC)
    action = AccessAction.LIST
    if not principal.may_ask(action):
        return VisibleCatalogSummary(0, 0, None)
    plan = listing_plan(session, principal, action=action, at=now, cache=cache)
    decided = _decided_items(session, principal, plan, now, cache)
    summary = CatalogListing(session).summary(plan.visible_rows(decided))
    return VisibleCatalogSummary(
        objects=summary.objects,
        synthetic_objects=summary.synthetic_objects,
        newest_epoch=summary.newest_epoch,
    )
