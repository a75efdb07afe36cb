"""The previous `visible_catalog`: load and release every current element set, then slice.

Kept as the reference that the SQL-pushed-down listing (`accord.access.visible_catalog`)
must equal item for item (tests/access/test_visible_listing.py) and as the baseline of
benchmarks/access_catalog.py. Not production code: every decision here goes through the
same authorisation point (`accord.agreements.visible`), one Cedar request per owned row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from accord.access import (
    MAX_PAGE_SIZE,
    PUBLIC_POLICY_ID,
    CatalogItem,
    PolicyCache,
    Principal,
    VisibleCatalogPage,
    access_policy,
)
from accord.access._catalog import _degraded_state
from accord.agreements import (
    AccessAction,
    ClauseRef,
    DataClass,
    Decision,
    ReleaseConditions,
    Resource,
    visible,
)
from accord.store import (
    AssetRepository,
    CatalogRepository,
    PartnerKind,
    PartnerRepository,
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
    """Release `rows` as the previous implementation did (all partners, all claims loaded)."""
    if not principal.may_ask(action):
        return []
    partners = {p.id: p for p in PartnerRepository(session).all()}
    by_name = {p.name: p for p in partners.values()}
    claims = AssetRepository(session).owners(None)
    owners: dict[int, int | None] = {}
    for row in rows:
        norad_id = row.element_set.norad_id
        if norad_id in claims:
            owners[row.element_set_id] = claims[norad_id]
        else:
            submitter = by_name.get(row.partner_name)
            public = submitter is None or submitter.kind in _PUBLIC_SUBMITTERS
            owners[row.element_set_id] = None if public else submitter.id  # type: ignore[union-attr]
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
        for row, decision in visible(
            principal.core(), owned, policy, at=at, describe=describe, action=action
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
