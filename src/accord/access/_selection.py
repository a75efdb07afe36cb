"""Element sets a principal may see, narrowed and (where certain) cut in SQL.

For edges that filter after release, such as the Space-Track query grammar: the caller
hands over SQL conditions on element set columns (`accord.store.ColumnCondition`) and,
when it needs only the first rows of an order, that order and how many. The rows are
grouped as the catalog listing groups them (`accord.access._listing`, docs/access.md "How
a listing is computed"):

- rows of no listed owner are invisible: never loaded;
- **decided** rows (grantors with embargoes, asset lists or coarsening, rows beyond
  claims) are loaded and decided one by one, never cut in SQL;
- current sets (Space-Track `gp`): SQL takes per object the newest of the certain rows
  (public, the principal's own, unconditional grantors) and the decided rows released,
  applies the conditions to it and cuts to the first `first` of `order` when asked;
- histories (`gp_history`): certain rows meeting the conditions are cut in SQL to the
  first `first` of `order` when asked: every one of them is released, so the first rows
  of the merged answer lie among them and the decided ones.

Every row that goes out is still decided by the authorisation point (`_release`); a
certain row it denies raises `ListingError` rather than being released or silently lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from accord.access._catalog import CatalogItem, _release
from accord.access._listing import (
    _decided_items,
    _ownership,
    _release_listed,
    listing_plan,
)
from accord.access._policy import PolicyCache
from accord.access._principal import Principal
from accord.agreements import AccessAction
from accord.store import (
    CatalogListing,
    ColumnCondition,
    ListingColumn,
    ListingOrder,
    OwnedElementSet,
)

__all__ = ["VisibleSelection", "select_visible_element_sets"]

_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class VisibleSelection:
    """Released element sets and how many matching ones were cut off in SQL.

    `items` are in the catalog's order: by NORAD id, and for histories newest first per
    object (as `visible_element_sets` returns them). `unreturned` counts the certain rows
    meeting the conditions past the cut (0 without one): each would have been released
    (decided ones are never cut).
    """

    items: list[CatalogItem]
    unreturned: int = 0


def _catalog_order(row: OwnedElementSet) -> tuple[int, int, int, int]:
    """NORAD id ascending, then newest first: epoch, batch, row (CatalogRepository.history)."""
    stored = row.stored
    epoch_us = (stored.element_set.epoch - _UNIX_EPOCH) // _MICROSECOND  # exact, unlike floats
    return (stored.element_set.norad_id, -epoch_us, -stored.batch_id, -stored.element_set_id)


def _per_object(conditions: Sequence[ColumnCondition]) -> list[ColumnCondition]:
    """The conditions that hold for all of an object's element sets or none (its NORAD id):
    the only ones that may narrow the rows an object's newest visible set is chosen among."""
    return [c for c in conditions if c.column is ListingColumn.NORAD_ID]


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
    """Per object the newest element set `principal` may see, when it meets `conditions`
    (or, with `history`, every visible element set that meets them), each decided and
    released as `visible_catalog` does.

    Without `history`, `conditions` apply to the newest visible set (Space-Track's `gp`:
    the current element set, as this caller sees the catalog), never to the rows it is
    chosen among. `first` (with `order`, possibly empty: the catalog's order) asks for no
    more than the first `first` released rows of that order to be guaranteed: rows past
    them are not loaded, only counted in `unreturned`. Pass it only when every condition
    is `exact` and nothing else filters the rows afterwards, or the answer is short.
    Nothing is logged: log what leaves with `record_catalog_release`.
    """
    now = at or datetime.now(UTC)
    action = AccessAction.LIST
    if not principal.may_ask(action):
        return VisibleSelection([])
    plan = listing_plan(session, principal, action=action, at=now, cache=cache)
    listing = CatalogListing(session)
    if not history:
        decided = _decided_items(
            session, principal, plan, now, cache, conditions=_per_object(conditions)
        )
        visible = plan.visible_rows(decided)
        unreturned = 0
        if first is None:
            rows = listing.newest(visible, conditions=conditions, order=order)
        else:
            # Decided sets are never cut (some go out as states, which `gp` leaves out):
            # every one that is its object's newest visible and matches is loaded, and
            # only certain rows, each of which would be released, are cut.
            rows = listing.newest(
                visible, conditions=conditions, order=order, limit=first, excluding=decided
            )
            cut = len(rows)
            if decided:
                rows += listing.newest(visible, conditions=conditions, among=decided)
            if cut == first:
                unreturned = listing.count_matching(visible, conditions=conditions) - len(rows)
        items = _release_listed(session, principal, plan, rows, decided, now, cache)
        return VisibleSelection(sorted(items, key=lambda item: item.norad_id), unreturned)
    decided_rows = listing.history(plan.decided_rows, conditions=conditions)
    certain_rows = listing.history(
        plan.certain_rows, conditions=conditions, order=order, limit=first
    )
    unreturned = 0
    if first is not None and len(certain_rows) == first:
        counted = listing.count_matching(plan.certain_rows, conditions=conditions, history=True)
        unreturned = counted - len(certain_rows)
    released = _release(
        session,
        principal,
        [row.stored for row in decided_rows],
        action,
        now,
        cache,
        known=_ownership(plan, decided_rows),
    )
    certain = _release_listed(session, principal, plan, certain_rows, {}, now, cache)
    position = {
        row.stored.element_set_id: _catalog_order(row) for row in (*decided_rows, *certain_rows)
    }
    items = sorted(
        (*released, *certain),
        key=lambda item: position[item.element_set_id],  # type: ignore[index]
    )
    return VisibleSelection(items, unreturned)
