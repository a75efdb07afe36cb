"""An object's element-set history as one principal may see it (the catalog detail page).

Each stored element set is decided on its own (`_release`, the same path as the current
one): its owner by the ownership rules, its embargo from its own epoch and submission time,
its degradation from the granting clause. An element set not granted is left out; an object
none of whose element sets is visible is not found (404, as for the current one).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from accord.access._catalog import CatalogItem, NotFoundError, _record_release, _release
from accord.access._policy import PolicyCache
from accord.access._principal import Principal
from accord.agreements import AccessAction
from accord.store import CatalogRepository

__all__ = ["MAX_HISTORY", "visible_history"]

#: Most element sets one history answer holds (newest first).
MAX_HISTORY = 1000


def visible_history(
    session: Session,
    principal: Principal,
    norad_id: int,
    *,
    limit: int = 100,
    at: datetime | None = None,
    record_release: bool = True,
    cache: PolicyCache | None = None,
) -> list[CatalogItem]:
    """The visible element sets of `norad_id`, newest first, at most `limit`.

    Raises `NotFoundError` when none is visible (absent and not granted read the same).
    Releases under a clause are logged as in `visible_catalog` (write lock on SQLite).
    """
    if limit < 1 or limit > MAX_HISTORY:
        raise ValueError(f"history limit={limit}: use 1 <= limit <= {MAX_HISTORY}")
    now = at or datetime.now(UTC)
    items: list[CatalogItem] = []
    for row in CatalogRepository(session).history(norad_id):
        # One row per call: ownership of an unclaimed object can differ between submitters.
        items.extend(_release(session, principal, [row], AccessAction.READ, now, cache))
        if len(items) == limit:
            break
    if not items:
        raise NotFoundError(f"no object with NORAD id {norad_id}")
    if record_release:
        _record_release(session, principal, items, now)
    return items
