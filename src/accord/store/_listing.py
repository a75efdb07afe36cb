"""Current element sets filtered by owner in SQL: the store side of visibility-filtered lists.

Ownership (docs/access.md, "Ownership") as one SQL expression per current element set: the
submitting partner when it is a member; NULL (public) when a data provider or the system
partner submitted it. Claims never change the owner. They only say which objects the
owner operates, which is what a clause's `all_claimed` scope covers: a row is *within* its
owner's claims when nobody actively claims the object or its owner is among the claimants,
and *beyond* them when only other partners claim it. `accord.access` says which owners
(and which scope of each) a principal may see, from the compiled policy; this module
counts, pages (by NORAD id) and loads only those rows, so a page of a 30,000-object catalog
never loads the other 29,900.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.store._access_models import ClaimStatus, SatelliteClaim
from accord.store._catalog import (
    _BATCHES,
    _ELEMENT_SETS,
    _LOOKUP_CHUNK,
    _OBJECTS,
    _PARTNERS,
    StoredElementSet,
    _stored,
    search_matches,
)
from accord.store._models import PartnerKind, SourceKind

__all__ = ["CatalogListing", "ListingSummary", "OwnedElementSet", "OwnerFilter"]

_CLAIMS = SatelliteClaim.__table__
_ACTIVE = (ClaimStatus.CLAIMED.value, ClaimStatus.CONTESTED.value)
_PUBLIC_KINDS = (PartnerKind.DATA_PROVIDER.value, PartnerKind.SYSTEM.value)


@dataclass(frozen=True, slots=True)
class OwnerFilter:
    """Which rows to take, by owner (partner row ids) and claim scope; any one suffices.

    `public`: rows with no owner; `partner_ids`: every row of these owners;
    `within_claims`: these owners' rows about objects nobody else claims alone (unclaimed,
    or claimed by the owner too); `beyond_claims`: these owners' rows about objects that
    only other partners claim.
    """

    public: bool
    partner_ids: frozenset[int] = frozenset()
    within_claims: frozenset[int] = frozenset()
    beyond_claims: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        """True when no row can match."""
        return not (self.public or self.partner_ids or self.within_claims or self.beyond_claims)


@dataclass(frozen=True, slots=True)
class OwnedElementSet:
    """A current element set, its owning partner's row id (None: public) and claim scope.

    `beyond_claims` is True when other partners actively claim the object and its owner
    does not (a clause's `all_claimed` scope does not reach it).
    """

    stored: StoredElementSet
    owner_partner_id: int | None
    beyond_claims: bool = False


@dataclass(frozen=True, slots=True)
class ListingSummary:
    """Aggregates over matching current element sets: objects, synthetic ones, newest epoch."""

    objects: int
    synthetic_objects: int
    #: Newest epoch among them (UTC), None when nothing matches.
    newest_epoch: datetime | None


def _owner_column() -> sa.ColumnElement[Any]:
    """The owning partner's id of the current element set (NULL: public), as SQL: the
    submitter when it is a member. Claims play no part."""
    return sa.case((_PARTNERS.c.kind.in_(_PUBLIC_KINDS), sa.null()), else_=_BATCHES.c.partner_id)


def _beyond_claims_column() -> sa.ColumnElement[bool]:
    """True when other partners actively claim the row's object and its submitter does not.

    Two correlated EXISTS on (norad_id, status), which the claims index serves; evaluated
    only for the owners whose scope matters to the filter.
    """
    others = _CLAIMS.alias("other_claims")
    own = _CLAIMS.alias("own_claims")
    claimed_by_others = sa.exists().where(
        others.c.norad_id == _OBJECTS.c.norad_id,
        others.c.status.in_(_ACTIVE),
        others.c.partner_id != _BATCHES.c.partner_id,
    )
    claimed_by_owner = sa.exists().where(
        own.c.norad_id == _OBJECTS.c.norad_id,
        own.c.status.in_(_ACTIVE),
        own.c.partner_id == _BATCHES.c.partner_id,
    )
    return sa.and_(claimed_by_others, sa.not_(claimed_by_owner))


class CatalogListing:
    """Counts, NORAD-id pages and rows of current element sets, filtered by owner in SQL."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _base(
        self,
        columns: Iterable[Any],
        owners: OwnerFilter,
        norad_ids: Iterable[int] | None,
        search: str | None,
        *,
        with_owner: bool = False,
    ) -> sa.Select[Any]:
        owner = _owner_column()
        selected = list(columns)
        if with_owner:
            selected += [
                owner.label("owner_partner_id"),
                _beyond_claims_column().label("beyond_claims"),
            ]
        query = (
            sa.select(*selected)
            .select_from(_OBJECTS)
            .join(_ELEMENT_SETS, _ELEMENT_SETS.c.id == _OBJECTS.c.current_element_set_id)
            .join(_BATCHES, _BATCHES.c.id == _ELEMENT_SETS.c.batch_id)
            .join(_PARTNERS, _PARTNERS.c.id == _BATCHES.c.partner_id)
        )
        allowed: list[sa.ColumnElement[bool]] = []
        if owners.public:
            allowed.append(owner.is_(None))
        if owners.partner_ids:
            allowed.append(owner.in_(sorted(owners.partner_ids)))
        if owners.within_claims:
            allowed.append(
                sa.and_(owner.in_(sorted(owners.within_claims)), sa.not_(_beyond_claims_column()))
            )
        if owners.beyond_claims:
            allowed.append(
                sa.and_(owner.in_(sorted(owners.beyond_claims)), _beyond_claims_column())
            )
        query = query.where(sa.or_(*allowed) if allowed else sa.false())
        if norad_ids is not None:
            ids = sorted(set(norad_ids))
            if len(ids) > _LOOKUP_CHUNK:
                raise ValueError(
                    f"{len(ids)} NORAD ids in one lookup; ask for at most {_LOOKUP_CHUNK} "
                    "at a time, or for the whole catalog with norad_ids=None"
                )
            query = query.where(_OBJECTS.c.norad_id.in_(ids))
        if search is not None:
            query = query.where(search_matches(search))
        return query

    def count(
        self,
        owners: OwnerFilter,
        *,
        norad_ids: Iterable[int] | None = None,
        search: str | None = None,
    ) -> int:
        """How many objects' current element sets belong to `owners` (and match)."""
        if owners.empty:
            return 0
        query = self._base([sa.func.count()], owners, norad_ids, search)
        return int(self.session.execute(query).scalar_one())

    def summary(
        self,
        owners: OwnerFilter,
        *,
        norad_ids: Iterable[int] | None = None,
        search: str | None = None,
    ) -> ListingSummary:
        """Count, synthetic count and newest epoch of the matching objects, in one scan."""
        if owners.empty:
            return ListingSummary(0, 0, None)
        synthetic = sa.func.coalesce(
            sa.func.sum(
                sa.case((_BATCHES.c.source_kind == SourceKind.SYNTHETIC.value, 1), else_=0)
            ),
            0,
        )
        columns = [sa.func.count(), synthetic, sa.func.max(_ELEMENT_SETS.c.epoch)]
        objects, synthetic_objects, newest = self.session.execute(
            self._base(columns, owners, norad_ids, search)
        ).one()
        return ListingSummary(int(objects), int(synthetic_objects), newest)

    def norad_ids(
        self,
        owners: OwnerFilter,
        *,
        norad_ids: Iterable[int] | None = None,
        search: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[list[int], int]:
        """NORAD ids of the matching objects, ascending, `offset` and `limit` applied, and
        the number of matches over all pages (one scan when the page is not empty)."""
        if offset < 0 or (limit is not None and limit < 0):
            raise ValueError(f"offset {offset} and limit {limit} must not be negative")
        if owners.empty:
            return [], 0
        columns = [_OBJECTS.c.norad_id, sa.func.count().over().label("total")]
        query = (
            self._base(columns, owners, norad_ids, search)
            .order_by(_OBJECTS.c.norad_id)
            .offset(offset)
            .limit(limit)
        )
        rows = self.session.execute(query).all()
        if not rows:
            return [], self.count(owners, norad_ids=norad_ids, search=search)
        return [row[0] for row in rows], int(rows[0][1])

    def current(
        self,
        owners: OwnerFilter,
        *,
        norad_ids: Iterable[int] | None = None,
        search: str | None = None,
    ) -> list[OwnedElementSet]:
        """The matching current element sets with provenance and owner, by NORAD id."""
        if owners.empty:
            return []
        columns = [
            _ELEMENT_SETS,
            _BATCHES.c.submitted_at,
            _BATCHES.c.source_kind,
            _BATCHES.c.source_name,
            _PARTNERS.c.name.label("partner_name"),
        ]
        query = self._base(columns, owners, norad_ids, search, with_owner=True).order_by(
            _OBJECTS.c.norad_id
        )
        return [
            OwnedElementSet(_stored(row), row["owner_partner_id"], bool(row["beyond_claims"]))
            for row in self.session.execute(query).mappings()
        ]

    def claimants(self, norad_ids: Iterable[int] | None = None) -> dict[int, frozenset[int]]:
        """NORAD id -> row ids of the partners actively claiming it (claimed or contested).

        Objects nobody actively claims are absent. `None` asks for every claimed object;
        a list is read in chunks of the catalog's lookup size.
        """
        query = sa.select(_CLAIMS.c.norad_id, _CLAIMS.c.partner_id).where(
            _CLAIMS.c.status.in_(_ACTIVE)
        )
        found: dict[int, set[int]] = {}
        if norad_ids is None:
            chunks: list[list[int] | None] = [None]
        else:
            ids = sorted(set(norad_ids))
            chunks = [ids[i : i + _LOOKUP_CHUNK] for i in range(0, len(ids), _LOOKUP_CHUNK)]
        for chunk in chunks:
            chunk_query = query if chunk is None else query.where(_CLAIMS.c.norad_id.in_(chunk))
            for norad_id, partner_id in self.session.execute(chunk_query):
                found.setdefault(norad_id, set()).add(partner_id)
        return {norad_id: frozenset(ids) for norad_id, ids in found.items()}
