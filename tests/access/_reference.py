"""The previous `visible_catalog`: load and release every current element set, then slice.

Kept as the reference that the SQL-pushed-down listing (`accord.access.visible_catalog`)
must equal item for item (tests/access/test_visible_listing.py) and as the baseline of
benchmarks/access_catalog.py. Ownership and claim scope are worked out here on their own
(every partner and every claim row loaded, docs/access.md "Ownership" read plainly: the
member submitter owns, data providers' and the system's rows are public, a row is beyond
its owner's claims when other partners actively claim the object and the owner does not);
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

__all__ = ["reference_release", "visible_catalog_reference"]

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
    """Every current element set released, then the page cut (nothing is logged).

    `search` narrows to `CatalogRepository.search` matches first, as the console did.
    """
    if limit < 1 or limit > MAX_PAGE_SIZE or offset < 0:
        raise ValueError(f"page offset={offset} limit={limit}")
    now = at or datetime.now(UTC)
    catalog = CatalogRepository(session)
    if search is not None:
        rows = catalog.search(search, limit=None).items
        if norad_ids is not None:
            wanted = set(norad_ids)
            rows = [row for row in rows if row.element_set.norad_id in wanted]
    else:
        rows = catalog.latest(norad_ids=norad_ids).items
    items = reference_release(session, principal, rows, AccessAction.LIST, now, cache)
    return VisibleCatalogPage(items[offset : offset + limit], len(items), offset, limit)
