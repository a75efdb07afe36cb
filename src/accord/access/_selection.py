"""Element sets a principal may see, narrowed and (where certain) cut in SQL.

For edges that filter after release, such as the Space-Track query grammar: the caller
hands over SQL conditions on element set columns (`accord.store.ColumnCondition`) and,
when it needs only the first rows of an order, that order and how many. The rows are
grouped as the catalog listing groups them (`accord.access._listing`, docs/access.md "How
a listing is computed"):

- rows of no listed owner are invisible: never loaded;
- **decided** rows (grantors with embargoes, asset lists or coarsening, rows beyond
  claims) meeting the conditions are loaded and decided one by one, never cut in SQL;
- **certain** rows (public, the principal's own, unconditional grantors) meeting the
  conditions are loaded, cut in SQL to the first `first` of `order` when asked: every one
  of them is released, so the first rows of the merged answer lie among them and the
  decided ones.

Every row that goes out is still decided by the authorisation point (`_release`); a
certain row it denies raises `ListingError` rather than being released or silently lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from accord.access._catalog import CatalogItem, _release
from accord.access._listing import ListingError, _ownership, listing_plan
from accord.access._policy import PolicyCache
from accord.access._principal import Principal
from accord.agreements import AccessAction
from accord.store import (
    CatalogListing,
    ColumnCondition,
    ListingOrder,
    OwnedElementSet,
    OwnerFilter,
)

__all__ = ["VisibleSelection", "select_visible_element_sets"]

_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class VisibleSelection:
    """Released element sets and how many matching ones were cut off in SQL.

    `items` are in the catalog's order: by NORAD id, and for histories newest first per
    object (as `visible_element_sets` returns them). `unreturned` counts the certain rows
    meeting the conditions past the cut (0 without one): each would have been released.
    """

    items: list[CatalogItem]
    unreturned: int = 0


def _catalog_order(row: OwnedElementSet) -> tuple[int, int, int, int]:
    """NORAD id ascending, then newest first: epoch, batch, row (CatalogRepository.history)."""
    stored = row.stored
    epoch_us = (stored.element_set.epoch - _UNIX_EPOCH) // _MICROSECOND  # exact, unlike floats
    return (stored.element_set.norad_id, -epoch_us, -stored.batch_id, -stored.element_set_id)


def select_visible_element_sets(
    session: Session,
    principal: Principal,
    *,
    conditions: Sequence[ColumnCondition] = (),
    history: bool = False,
    order: Sequence[ListingOrder] = (),
    first: int | None = None,
    at: datetime | None = None,
    cache: PolicyCache | None = None,
) -> VisibleSelection:
    """The element sets `principal` may see that meet `conditions` (current ones, or every
    stored one with `history`), each decided and released as `visible_element_sets` does.

    `first` (with `order`, possibly empty: the catalog's order) asks for no more than the
    first `first` released rows of that order to be guaranteed: certain rows past them are
    not loaded, only counted in `unreturned`. Pass it only when every condition is
    `exact` and nothing else filters the rows afterwards, or the answer is short. Nothing
    is logged: log what leaves with `record_catalog_release`.
    """
    now = at or datetime.now(UTC)
    action = AccessAction.LIST
    if not principal.may_ask(action):
        return VisibleSelection([])
    plan = listing_plan(session, principal, action=action, at=now, cache=cache)
    listing = CatalogListing(session)

    def rows(owners: OwnerFilter, limit: int | None) -> list[OwnedElementSet]:
        if history:
            return listing.history(owners, conditions=conditions, order=order, limit=limit)
        return listing.current(owners, conditions=conditions, order=order, limit=limit)

    decided_rows = rows(plan.decided_rows, None)
    certain_rows = rows(plan.certain_rows, first)
    unreturned = 0
    if first is not None and len(certain_rows) == first:
        counted = listing.count_matching(plan.certain_rows, conditions=conditions, history=history)
        unreturned = counted - len(certain_rows)
    decided = _release(
        session,
        principal,
        [row.stored for row in decided_rows],
        action,
        now,
        cache,
        known=_ownership(plan, decided_rows),
    )
    certain = _release(
        session,
        principal,
        [row.stored for row in certain_rows],
        action,
        now,
        cache,
        known=_ownership(plan, certain_rows),
    )
    if len(certain) != len(certain_rows):
        raise ListingError(
            f"{len(certain_rows) - len(certain)} of {len(certain_rows)} element sets listed "
            f"as visible to {principal.partner!r} were denied; nothing released (report this bug)"
        )
    position = {
        row.stored.element_set_id: _catalog_order(row) for row in (*decided_rows, *certain_rows)
    }
    items = sorted(
        (*decided, *certain),
        key=lambda item: position[item.element_set_id],  # type: ignore[index]
    )
    return VisibleSelection(items, unreturned)
