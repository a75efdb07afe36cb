"""Visible element sets filtered by owner in SQL: the store side of visibility-filtered lists.

Ownership (docs/access.md, "Ownership") as one SQL expression per element set: the
submitting partner when it is a member; NULL (public) when a data provider or the system
partner submitted it. Claims never change the owner. They only say which objects the
owner operates, which is what a clause's `all_claimed` scope covers: a row is *within* its
owner's claims when nobody actively claims the object or its owner is among the claimants,
and *beyond* them when only other partners claim it. `accord.access` says which owners
(and which scope of each, and which rows it decided one by one) a principal may see, from
the compiled policy; this module picks each object's **newest admitted element set** (a
window over the object's rows, newest first: epoch, batch, row, as the catalog's current
set is chosen), and counts, pages (by NORAD id) and loads only those, so a page of a
30,000-object catalog never loads the other 29,900.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

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

__all__ = [
    "CatalogListing",
    "ColumnCondition",
    "Comparison",
    "ListingColumn",
    "ListingOrder",
    "ListingSummary",
    "OwnedElementSet",
    "OwnerFilter",
]

_CLAIMS = SatelliteClaim.__table__
_ACTIVE = (ClaimStatus.CLAIMED.value, ClaimStatus.CONTESTED.value)
_PUBLIC_KINDS = (PartnerKind.DATA_PROVIDER.value, PartnerKind.SYSTEM.value)


@dataclass(frozen=True, slots=True)
class OwnerFilter:
    """Which rows to take, by owner (partner row ids) and claim scope; any one suffices.

    `public`: rows with no owner; `partner_ids`: every row of these owners;
    `within_claims`: these owners' rows about objects nobody else claims alone (unclaimed,
    or claimed by the owner too); `beyond_claims`: these owners' rows about objects that
    only other partners claim; `element_set_ids`: these rows.
    """

    public: bool
    partner_ids: frozenset[int] = frozenset()
    within_claims: frozenset[int] = frozenset()
    beyond_claims: frozenset[int] = frozenset()
    #: These element set rows (by row id) whoever owns them: rows decided one by one.
    element_set_ids: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        """True when no row can match."""
        return not (
            self.public
            or self.partner_ids
            or self.within_claims
            or self.beyond_claims
            or self.element_set_ids
        )


@dataclass(frozen=True, slots=True)
class OwnedElementSet:
    """An element set, its owning partner's row id (None: public) and claim scope.

    `beyond_claims` is True when other partners actively claim the object and its owner
    does not (a clause's `all_claimed` scope does not reach it).
    """

    stored: StoredElementSet
    owner_partner_id: int | None
    beyond_claims: bool = False


@dataclass(frozen=True, slots=True)
class ListingSummary:
    """Aggregates over the matching objects' newest admitted element sets: how many
    objects, how many of them synthetic, the newest epoch."""

    objects: int
    synthetic_objects: int
    #: Newest epoch among them (UTC), None when nothing matches.
    newest_epoch: datetime | None


class ListingColumn(StrEnum):
    """Element set columns a listing may filter (and, NORAD id and epoch, sort) on."""

    NORAD_ID = "norad_id"
    EPOCH = "epoch"
    OBJECT_NAME = "object_name"
    OBJECT_ID = "object_id"


class Comparison(StrEnum):
    """How a `ColumnCondition` compares; text comparisons are case-insensitive."""

    EQUAL = "="
    NOT_EQUAL = "<>"
    GREATER = ">"
    LESS = "<"
    BETWEEN = "between"  # both ends included
    IN = "in"  # an empty list matches nothing
    CONTAINS = "contains"
    STARTS_WITH = "starts with"
    IS_NULL = "is null"
    IS_NOT_NULL = "is not null"


_TEXT_COLUMNS = frozenset({ListingColumn.OBJECT_NAME, ListingColumn.OBJECT_ID})
_SORTABLE = frozenset({ListingColumn.NORAD_ID, ListingColumn.EPOCH})


@dataclass(frozen=True, slots=True)
class ColumnCondition:
    """One condition on an element set column, for SQL: all of a listing's are ANDed.

    Values: `int` for NORAD ids, tz-aware `datetime` for epochs, ASCII `str` for text.
    Numeric and time comparisons are exact. Text ones are case-insensitive and select
    *candidates*: SQL's `lower()` folds ASCII only, so a row whose text holds any
    non-ASCII character is always selected, for the caller to check (Python's casefold
    may fold it onto the ASCII value).
    """

    column: ListingColumn
    comparison: Comparison
    values: tuple[int | str | datetime, ...] = ()

    def __post_init__(self) -> None:
        text = self.column in _TEXT_COLUMNS
        for value in self.values:
            if text and not (isinstance(value, str) and value.isascii()):
                raise ValueError(
                    f"condition on {self.column.value}: {value!r} is not ASCII text; "
                    "filter non-ASCII text after loading"
                )

    @property
    def exact(self) -> bool:
        """True when SQL selects exactly the rows meeting the condition (not candidates)."""
        return self.column not in _TEXT_COLUMNS or self.comparison in (
            Comparison.IS_NULL,
            Comparison.IS_NOT_NULL,
        )


@dataclass(frozen=True, slots=True)
class ListingOrder:
    """One sort key of a listing: NORAD id or epoch, ascending or descending."""

    column: ListingColumn
    descending: bool = False

    def __post_init__(self) -> None:
        if self.column not in _SORTABLE:
            raise ValueError(
                f"listings sort by {', '.join(sorted(c.value for c in _SORTABLE))}, not "
                f"{self.column.value}; sort other columns after loading"
            )


class _Octets(FunctionElement[int]):
    """The byte length of a text value (UTF-8): differs from `length()` for non-ASCII text."""

    type = sa.Integer()
    inherit_cache = True


@compiles(_Octets)
def _octets_default(element: _Octets, compiler: SQLCompiler, **kw: Any) -> str:
    return f"octet_length({compiler.process(element.clauses, **kw)})"


@compiles(_Octets, "sqlite")
def _octets_sqlite(element: _Octets, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite before 3.43 has no octet_length(); a BLOB's length() counts its bytes.
    return f"length(CAST({compiler.process(element.clauses, **kw)} AS BLOB))"


def _like_escaped(text: str) -> str:
    return text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _condition_sql(condition: ColumnCondition) -> sa.ColumnElement[bool]:
    """SQL of one condition on `_ELEMENT_SETS` (see `ColumnCondition` for the text rule)."""
    column = _ELEMENT_SETS.c[condition.column.value]
    comparison, values = condition.comparison, condition.values
    if comparison is Comparison.IS_NULL:
        return column.is_(None)
    if comparison is Comparison.IS_NOT_NULL:
        return column.is_not(None)
    if condition.column in _TEXT_COLUMNS:
        folded = sa.func.lower(column)
        texts = [str(value) for value in values]
        test: sa.ColumnElement[bool]
        if comparison is Comparison.CONTAINS:
            test = folded.like(f"%{_like_escaped(texts[0])}%", escape="\\")
        elif comparison is Comparison.STARTS_WITH:
            test = folded.like(f"{_like_escaped(texts[0])}%", escape="\\")
        elif comparison is Comparison.EQUAL:
            test = folded == texts[0].lower()
        elif comparison is Comparison.IN:
            test = folded.in_(sorted({text.lower() for text in texts}))
        else:
            raise ValueError(f"text column {condition.column.value} takes no {comparison.value}")
        return sa.or_(test, _Octets(column) != sa.func.length(column))
    if comparison is Comparison.EQUAL:
        return column == values[0]
    if comparison is Comparison.NOT_EQUAL:
        return column != values[0]
    if comparison is Comparison.GREATER:
        return column > values[0]
    if comparison is Comparison.LESS:
        return column < values[0]
    if comparison is Comparison.BETWEEN:
        return column.between(values[0], values[1])
    if comparison is Comparison.IN:
        return column.in_(sorted(set(values)))
    raise ValueError(f"column {condition.column.value} takes no {comparison.value}")


def _order_sql(order: Sequence[ListingOrder], history: bool) -> list[sa.ColumnElement[Any]]:
    """ORDER BY of `order`, then the listing's own order as the tie-break (NORAD id; for
    histories newest first per object, as `CatalogRepository.history`), so that SQL and a
    stable sort in Python put equal keys in the same order."""
    es = _ELEMENT_SETS
    keys: list[sa.ColumnElement[Any]] = []
    for key in order:
        column = es.c[key.column.value]
        keys.append(column.desc() if key.descending else column.asc())
    keys.append(es.c.norad_id.asc())
    if history:
        keys += [es.c.epoch.desc(), es.c.batch_id.desc(), es.c.id.desc()]
    return keys


@dataclass(frozen=True, slots=True)
class _Joined:
    """One element set table joined with its batch and submitting partner (or aliases of
    them, for a correlated subquery over the same tables)."""

    element_sets: sa.FromClause
    batches: sa.FromClause
    partners: sa.FromClause


_MAIN = _Joined(_ELEMENT_SETS, _BATCHES, _PARTNERS)


def _owner_column(joined: _Joined = _MAIN) -> sa.ColumnElement[Any]:
    """The owning partner's id of the joined element set (NULL: public), as SQL: the
    submitter when it is a member. Claims play no part."""
    return sa.case(
        (joined.partners.c.kind.in_(_PUBLIC_KINDS), sa.null()),
        else_=joined.batches.c.partner_id,
    )


def _beyond_claims_column(joined: _Joined = _MAIN) -> sa.ColumnElement[bool]:
    """True when other partners actively claim the row's object and its submitter does not.

    Two correlated EXISTS on (norad_id, status), which the claims index serves; evaluated
    only for the owners whose scope matters to the filter.
    """
    norad = joined.element_sets.c.norad_id
    submitter = joined.batches.c.partner_id
    others = _CLAIMS.alias("other_claims")
    own = _CLAIMS.alias("own_claims")
    claimed_by_others = sa.exists().where(
        others.c.norad_id == norad,
        others.c.status.in_(_ACTIVE),
        others.c.partner_id != submitter,
    )
    claimed_by_owner = sa.exists().where(
        own.c.norad_id == norad,
        own.c.status.in_(_ACTIVE),
        own.c.partner_id == submitter,
    )
    return sa.and_(claimed_by_others, sa.not_(claimed_by_owner))


def _ids_in(column: sa.ColumnElement[int], ids: Iterable[int]) -> sa.ColumnElement[bool]:
    """`column IN (ids)` with the integers written into the SQL: a listing may name
    thousands of decided rows, past the drivers' bound-parameter limits."""
    values = sorted(set(ids))
    return column.in_(sa.bindparam(None, values, expanding=True, literal_execute=True))


def _admitted(owners: OwnerFilter, joined: _Joined = _MAIN) -> sa.ColumnElement[bool]:
    """SQL: the joined element set is one `owners` admits (claim scope: its own object's)."""
    owner = _owner_column(joined)
    allowed: list[sa.ColumnElement[bool]] = []
    if owners.public:
        allowed.append(owner.is_(None))
    if owners.partner_ids:
        allowed.append(owner.in_(sorted(owners.partner_ids)))
    if owners.within_claims:
        allowed.append(
            sa.and_(
                owner.in_(sorted(owners.within_claims)),
                sa.not_(_beyond_claims_column(joined)),
            )
        )
    if owners.beyond_claims:
        allowed.append(
            sa.and_(owner.in_(sorted(owners.beyond_claims)), _beyond_claims_column(joined))
        )
    if owners.element_set_ids:
        allowed.append(_ids_in(joined.element_sets.c.id, owners.element_set_ids))
    return sa.or_(*allowed) if allowed else sa.false()


def _norad_ids_sql(
    column: sa.ColumnElement[int], norad_ids: Iterable[int]
) -> sa.ColumnElement[bool]:
    ids = sorted(set(norad_ids))
    if len(ids) > _LOOKUP_CHUNK:
        raise ValueError(
            f"{len(ids)} NORAD ids in one lookup; ask for at most {_LOOKUP_CHUNK} "
            "at a time, or for the whole catalog with norad_ids=None"
        )
    return column.in_(ids)


def _newest_admitted(owners: OwnerFilter, norad_ids: Iterable[int] | None) -> sa.Subquery:
    """Per object, the id of the newest element set that `owners` admits (None: none is).

    The newest by epoch, batch, row, all descending: how the catalog's current set is
    chosen (`CatalogRepository._refresh_current`). So when the current set is admitted it
    is the answer, and only the objects whose current set is not admitted (a few, for
    most principals) look further, newest first along the (norad_id, epoch, batch_id)
    index; no scan of whole histories.
    """
    current = _Joined(
        _ELEMENT_SETS.alias("current_set"),
        _BATCHES.alias("current_batch"),
        _PARTNERS.alias("current_partner"),
    )
    older = _Joined(
        _ELEMENT_SETS.alias("older_set"),
        _BATCHES.alias("older_batch"),
        _PARTNERS.alias("older_partner"),
    )
    oes = older.element_sets
    newest_older = (
        sa.select(oes.c.id)
        .select_from(oes)
        .join(older.batches, older.batches.c.id == oes.c.batch_id)
        .join(older.partners, older.partners.c.id == older.batches.c.partner_id)
        .where(oes.c.norad_id == _OBJECTS.c.norad_id, _admitted(owners, older))
        .order_by(oes.c.epoch.desc(), oes.c.batch_id.desc(), oes.c.id.desc())
        .limit(1)
        .correlate(_OBJECTS)
        .scalar_subquery()
    )
    ces = current.element_sets
    chosen = sa.case((_admitted(owners, current), ces.c.id), else_=newest_older)
    query = (
        sa.select(_OBJECTS.c.norad_id, chosen.label("id"))
        .select_from(_OBJECTS)
        .join(ces, ces.c.id == _OBJECTS.c.current_element_set_id)
        .join(current.batches, current.batches.c.id == ces.c.batch_id)
        .join(current.partners, current.partners.c.id == current.batches.c.partner_id)
    )
    if norad_ids is not None:
        query = query.where(_norad_ids_sql(_OBJECTS.c.norad_id, norad_ids))
    return query.subquery("admitted")


class CatalogListing:
    """Counts, NORAD-id pages and rows of each object's newest admitted element set (or of
    every admitted one), filtered by owner in SQL."""

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
        conditions: Sequence[ColumnCondition] = (),
        history: bool = False,
        among: Iterable[int] | None = None,
        excluding: Iterable[int] = (),
        objects_only: bool = False,
    ) -> sa.Select[Any]:
        """Per object the newest element set that `owners` admits, or with `history` every
        admitted one, meeting `norad_ids`, `search` and `conditions`.

        Without `history`, `conditions` apply to the newest admitted row (what would be
        released), not to the rows it was chosen among. `among` keeps only the rows with
        these ids, `excluding` drops those (after the newest is chosen). `objects_only`:
        the columns and filters name no element set, batch or partner column (counts and
        NORAD ids), so the chosen rows are not joined.
        """
        selected = list(columns)
        if with_owner:
            selected += [
                _owner_column().label("owner_partner_id"),
                _beyond_claims_column().label("beyond_claims"),
            ]
        if history:
            query = (
                sa.select(*selected)
                .select_from(_ELEMENT_SETS)
                .join(_OBJECTS, _OBJECTS.c.norad_id == _ELEMENT_SETS.c.norad_id)
                .join(_BATCHES, _BATCHES.c.id == _ELEMENT_SETS.c.batch_id)
                .join(_PARTNERS, _PARTNERS.c.id == _BATCHES.c.partner_id)
                .where(_admitted(owners))
            )
        elif objects_only:
            newest = _newest_admitted(owners, norad_ids)
            query = (
                sa.select(*selected)
                .select_from(newest)
                .join(_OBJECTS, _OBJECTS.c.norad_id == newest.c.norad_id)
                .where(newest.c.id.is_not(None))
            )
        else:
            newest = _newest_admitted(owners, norad_ids)
            query = (
                sa.select(*selected)
                .select_from(newest)
                .join(_ELEMENT_SETS, _ELEMENT_SETS.c.id == newest.c.id)
                .join(_OBJECTS, _OBJECTS.c.norad_id == newest.c.norad_id)
                .join(_BATCHES, _BATCHES.c.id == _ELEMENT_SETS.c.batch_id)
                .join(_PARTNERS, _PARTNERS.c.id == _BATCHES.c.partner_id)
            )
        for condition in conditions:
            query = query.where(_condition_sql(condition))
        if norad_ids is not None:
            query = query.where(_norad_ids_sql(_OBJECTS.c.norad_id, norad_ids))
        if search is not None:
            query = query.where(search_matches(search))
        if among is not None:
            query = query.where(_ids_in(_ELEMENT_SETS.c.id, among))
        if excluding:
            query = query.where(sa.not_(_ids_in(_ELEMENT_SETS.c.id, excluding)))
        return query

    def count(
        self,
        owners: OwnerFilter,
        *,
        norad_ids: Iterable[int] | None = None,
        search: str | None = None,
    ) -> int:
        """How many objects have an element set that `owners` admits (and match)."""
        if owners.empty:
            return 0
        query = self._base([sa.func.count()], owners, norad_ids, search, objects_only=True)
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
            self._base(columns, owners, norad_ids, search, objects_only=True)
            .order_by(_OBJECTS.c.norad_id)
            .offset(offset)
            .limit(limit)
        )
        rows = self.session.execute(query).all()
        if not rows:
            return [], self.count(owners, norad_ids=norad_ids, search=search)
        return [row[0] for row in rows], int(rows[0][1])

    def newest(
        self,
        owners: OwnerFilter,
        *,
        norad_ids: Iterable[int] | None = None,
        search: str | None = None,
        conditions: Sequence[ColumnCondition] = (),
        order: Sequence[ListingOrder] = (),
        limit: int | None = None,
        among: Iterable[int] | None = None,
        excluding: Iterable[int] = (),
    ) -> list[OwnedElementSet]:
        """Each matching object's newest element set that `owners` admits, with provenance,
        owner and claim scope, by NORAD id.

        `conditions` narrow in SQL (ANDed) and apply to that newest row; `order` sorts
        before the NORAD id, and `limit` keeps the first rows of that order. `among`: only
        those of these element set row ids; `excluding`: none of these.
        """
        return self._owned_rows(
            owners,
            norad_ids,
            search,
            conditions,
            order,
            limit,
            history=False,
            among=among,
            excluding=excluding,
        )

    def history(
        self,
        owners: OwnerFilter,
        *,
        norad_ids: Iterable[int] | None = None,
        search: str | None = None,
        conditions: Sequence[ColumnCondition] = (),
        order: Sequence[ListingOrder] = (),
        limit: int | None = None,
    ) -> list[OwnedElementSet]:
        """Every stored element set that `owners` admits and that meets `norad_ids`,
        `search` (the object's) and `conditions`, with provenance, owner and claim scope.

        Ordered by `order`, then by NORAD id and newest first per object (epoch, batch,
        row: `CatalogRepository.history`'s order); `limit` keeps the first rows.
        """
        return self._owned_rows(owners, norad_ids, search, conditions, order, limit, history=True)

    def count_matching(
        self,
        owners: OwnerFilter,
        *,
        conditions: Sequence[ColumnCondition] = (),
        history: bool = False,
    ) -> int:
        """How many objects' newest admitted element sets (every admitted one with
        `history`) meet `conditions`."""
        if owners.empty:
            return 0
        query = self._base(
            [sa.func.count()], owners, None, None, conditions=conditions, history=history
        )
        return int(self.session.execute(query).scalar_one())

    def _owned_rows(
        self,
        owners: OwnerFilter,
        norad_ids: Iterable[int] | None,
        search: str | None,
        conditions: Sequence[ColumnCondition],
        order: Sequence[ListingOrder],
        limit: int | None,
        *,
        history: bool,
        among: Iterable[int] | None = None,
        excluding: Iterable[int] = (),
    ) -> list[OwnedElementSet]:
        if owners.empty or limit == 0:
            return []
        if limit is not None and limit < 0:
            raise ValueError(f"limit {limit} must not be negative")
        columns = [
            _ELEMENT_SETS,
            _BATCHES.c.submitted_at,
            _BATCHES.c.source_kind,
            _BATCHES.c.source_name,
            _PARTNERS.c.name.label("partner_name"),
        ]
        query = (
            self._base(
                columns,
                owners,
                norad_ids,
                search,
                with_owner=True,
                conditions=conditions,
                history=history,
                among=among,
                excluding=excluding,
            )
            .order_by(*_order_sql(order, history))
            .limit(limit)
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
