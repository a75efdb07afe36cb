"""Current element sets filtered by owner in SQL: the store side of visibility-filtered lists.

Ownership (docs/access.md, "Ownership") as one SQL expression per current element set: the
earliest active claim's partner; else the submitting partner when it is a member; else
NULL (public: data providers' and the system partner's unclaimed objects). `accord.access`
says which owners a principal may see (from the compiled policy); this module counts,
pages (by NORAD id) and loads only the rows of those owners, so a page of a 30,000-object
catalog never loads the other 29,900.
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
    """Which owners' rows to take: public rows (no owner) and/or these partners' (row ids)."""

    public: bool
    partner_ids: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        """True when no row can match."""
        return not self.public and not self.partner_ids


@dataclass(frozen=True, slots=True)
class OwnedElementSet:
    """A current element set and the row id of its owning partner (None: public)."""

    stored: StoredElementSet
    owner_partner_id: int | None


@dataclass(frozen=True, slots=True)
class ListingSummary:
    """Aggregates over matching current element sets: objects, synthetic ones, newest epoch."""

    objects: int
    synthetic_objects: int
    #: Newest epoch among them (UTC), None when nothing matches.
    newest_epoch: datetime | None


def _first_claims() -> sa.Subquery:
    """Each claimed object's owner: the partner of its earliest active claim (one row each)."""
    rank = (
        sa.func.row_number()
        .over(partition_by=_CLAIMS.c.norad_id, order_by=(_CLAIMS.c.claimed_at, _CLAIMS.c.id))
        .label("rank")
    )
    ranked = (
        sa.select(_CLAIMS.c.norad_id, _CLAIMS.c.partner_id, rank)
        .where(_CLAIMS.c.status.in_(_ACTIVE))
        .subquery("ranked_claims")
    )
    return (
        sa.select(ranked.c.norad_id, ranked.c.partner_id)
        .where(ranked.c.rank == 1)
        .subquery("first_claims")
    )


def _owner_column(first_claims: sa.Subquery) -> sa.ColumnElement[Any]:
    """The owning partner's id of the current element set (NULL: public), as SQL."""
    submitter = sa.case(
        (_PARTNERS.c.kind.in_(_PUBLIC_KINDS), sa.null()), else_=_BATCHES.c.partner_id
    )
    return sa.func.coalesce(first_claims.c.partner_id, submitter)


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
        # One join to the first claims (materialised once), not a subquery per object.
        first_claims = _first_claims()
        owner = _owner_column(first_claims)
        selected = [*columns, owner.label("owner_partner_id")] if with_owner else list(columns)
        query = (
            sa.select(*selected)
            .select_from(_OBJECTS)
            .join(_ELEMENT_SETS, _ELEMENT_SETS.c.id == _OBJECTS.c.current_element_set_id)
            .join(_BATCHES, _BATCHES.c.id == _ELEMENT_SETS.c.batch_id)
            .join(_PARTNERS, _PARTNERS.c.id == _BATCHES.c.partner_id)
            .outerjoin(first_claims, first_claims.c.norad_id == _OBJECTS.c.norad_id)
        )
        allowed: list[sa.ColumnElement[bool]] = []
        if owners.public:
            allowed.append(owner.is_(None))
        if owners.partner_ids:
            allowed.append(owner.in_(sorted(owners.partner_ids)))
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
            OwnedElementSet(_stored(row), row["owner_partner_id"])
            for row in self.session.execute(query).mappings()
        ]
