"""The listing read plainly: decide every stored element set, keep per object the newest
released one, then slice.

Kept as the reference that the SQL-pushed-down listing (`accord.access.visible_catalog`)
must equal item for item (tests/access/test_visible_listing.py) and as the baseline of
benchmarks/access_catalog.py. An object is listed with the newest element set the
principal may see (public, its own, or granted and past its embargo), degraded as its
clause says, and only when one is visible (issue #4). Every element set of every object is
loaded (one plain query, no owner filter) and decided. Ownership and claim scope are
worked out here on their own (every partner and every claim row loaded, docs/access.md
"Ownership" read plainly: the member submitter owns, data providers' and the system's rows
are public, a row is beyond its owner's claims when other partners actively claim the
object and the owner does not);
the decision and release of each row are the production per-row path's
(`accord.access._catalog._release`, the same authorisation point).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from accord.access import (
    MAX_PAGE_SIZE,
    CatalogItem,
    PolicyCache,
    Principal,
    VisibleCatalogPage,
)
from accord.access._catalog import Ownership, _release
from accord.agreements import (
    AccessAction,
)
from accord.store import (
    CatalogRepository,
    ClaimStatus,
    PartnerKind,
    PartnerRepository,
    SatelliteClaim,
    StoredElementSet,
)
from accord.store._catalog import _ELEMENT_SETS, _stored

__all__ = ["newest_visible_reference", "reference_release", "visible_catalog_reference"]

_PUBLIC_SUBMITTERS = frozenset({PartnerKind.DATA_PROVIDER.value, PartnerKind.SYSTEM.value})


def reference_release(
    session: Session,
    principal: Principal,
    rows: Sequence[StoredElementSet],
    action: AccessAction,
    at: datetime,
    cache: PolicyCache | None = None,
) -> list[CatalogItem]:
    """Release `rows` with owners and claim scope found here (every partner and every claim
    loaded), then decided and released by the production per-row path: the listing's SQL
    push-down must give what deciding every row one by one gives."""
    if not principal.may_ask(action):
        return []
    partners = {p.id: p for p in PartnerRepository(session).all()}
    by_name = {p.name: p for p in partners.values()}
    claimants: dict[int, set[int]] = {}
    for claim in session.query(SatelliteClaim).all():
        if claim.status in (ClaimStatus.CLAIMED.value, ClaimStatus.CONTESTED.value):
            claimants.setdefault(claim.norad_id, set()).add(claim.partner_id)
    owners: dict[int, int | None] = {}
    beyond: set[int] = set()
    for row in rows:
        submitter = by_name.get(row.partner_name)
        public = submitter is None or submitter.kind in _PUBLIC_SUBMITTERS
        owner = None if public else submitter.id  # type: ignore[union-attr]
        owners[row.element_set_id] = owner
        others = claimants.get(row.element_set.norad_id, set())
        if owner is not None and others and owner not in others:
            beyond.add(row.element_set_id)
    ownership = Ownership(partners, owners, frozenset(beyond))
    return _release(session, principal, rows, action, at, cache, known=ownership)


def _every_element_set(session: Session) -> list[StoredElementSet]:
    """Every stored element set with provenance: by NORAD id, newest first per object
    (epoch, batch, row: the order in which the catalog picks its current set)."""
    es = _ELEMENT_SETS
    query = (
        CatalogRepository(session)
        ._provenance_query()
        .order_by(es.c.norad_id, es.c.epoch.desc(), es.c.batch_id.desc(), es.c.id.desc())
    )
    return [_stored(row) for row in session.execute(query).mappings()]


def newest_visible_reference(
    session: Session,
    principal: Principal,
    *,
    at: datetime | None = None,
    cache: PolicyCache | None = None,
) -> list[CatalogItem]:
    """Per object, the first element set released in newest-first order (every stored one
    decided); by NORAD id."""
    now = at or datetime.now(UTC)
    rows = _every_element_set(session)
    newest: dict[int, CatalogItem] = {}
    for item in reference_release(session, principal, rows, AccessAction.LIST, now, cache):
        newest.setdefault(item.norad_id, item)
    return [newest[norad_id] for norad_id in sorted(newest)]


def visible_catalog_reference(
    session: Session,
    principal: Principal,
    *,
    offset: int = 0,
    limit: int = 100,
    norad_ids: Sequence[int] | None = None,
    search: str | None = None,
    at: datetime | None = None,
    cache: PolicyCache | None = None,
) -> VisibleCatalogPage:
    """Every element set decided, the newest released one per object kept, then the page
    cut (nothing is logged).

    `search` narrows to the objects `CatalogRepository.search` matches, as the console did.
    """
    if limit < 1 or limit > MAX_PAGE_SIZE or offset < 0:
        raise ValueError(f"page offset={offset} limit={limit}")
    items = newest_visible_reference(session, principal, at=at, cache=cache)
    if search is not None:
        matching = {
            row.element_set.norad_id
            for row in CatalogRepository(session).search(search, limit=None).items
        }
        items = [item for item in items if item.norad_id in matching]
    if norad_ids is not None:
        wanted = set(norad_ids)
        items = [item for item in items if item.norad_id in wanted]
    return VisibleCatalogPage(items[offset : offset + limit], len(items), offset, limit)
