"""The catalog in the store: batches of element sets with provenance, history, current view.

Writes are bulk Core inserts (one executemany per table), never per-row ORM objects, so a
whole-catalog batch (~27,000 element sets) stores in a fraction of a second. Element sets
are only inserted; `space_objects` is refreshed from them after each batch.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.formats import ElementSet, ReadElementSet, RecordError
from accord.store._bulk import LOOKUP_CHUNK
from accord.store._bulk import chunks as _chunks
from accord.store._bulk import insert_rows as _insert_rows
from accord.store._models import (
    Base,
    BatchRejection,
    CatalogBatch,
    ElementSetRow,
    IngestMode,
    Partner,
    SourceKind,
    SpaceObject,
)

__all__ = [
    "BatchRecord",
    "CatalogFreshness",
    "CatalogPage",
    "CatalogRepository",
    "DuplicateElementSet",
    "StoredBatch",
    "StoredElementSet",
    "element_set_fingerprint",
]

_BATCHES = Base.metadata.tables[CatalogBatch.__tablename__]
_ELEMENT_SETS = Base.metadata.tables[ElementSetRow.__tablename__]
_OBJECTS = Base.metadata.tables[SpaceObject.__tablename__]
_PARTNERS = Base.metadata.tables[Partner.__tablename__]
_REJECTIONS = Base.metadata.tables[BatchRejection.__tablename__]

_LOOKUP_CHUNK = LOOKUP_CHUNK

# ElementSet fields stored as columns of the same name.
_ELEMENT_FIELDS = (
    "norad_id",
    "epoch",
    "mean_motion_rev_per_day",
    "eccentricity",
    "inclination_deg",
    "raan_deg",
    "arg_of_pericenter_deg",
    "mean_anomaly_deg",
    "bstar_per_earth_radius",
    "mean_motion_dot_rev_per_day2",
    "mean_motion_ddot_rev_per_day3",
    "object_name",
    "object_id",
    "classification",
    "ephemeris_type",
    "element_set_no",
    "rev_at_epoch",
    "tle_line1",
    "tle_line2",
)


_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_element_values = operator.attrgetter(*_ELEMENT_FIELDS)
_fingerprint_floats = operator.attrgetter(
    "mean_motion_rev_per_day",
    "eccentricity",
    "inclination_deg",
    "raan_deg",
    "arg_of_pericenter_deg",
    "mean_anomaly_deg",
    "bstar_per_earth_radius",
    "mean_motion_dot_rev_per_day2",
    "mean_motion_ddot_rev_per_day3",
)


def element_set_fingerprint(element_set: ElementSet) -> str:
    """SHA-256 (hex) of the values that make two element sets the same orbit data.

    Covers the NORAD id, the epoch (UTC, microseconds) and every element, not the name,
    COSPAR id or TLE text: the same element set read from a TLE and from an OMM is the
    same element set.
    """
    e = element_set
    # One tuple repr: floats print as their shortest round-trip form, the epoch as its
    # exact offset from 1970-01-01 UTC (days, seconds, microseconds), whatever its zone.
    text = repr(
        (
            e.norad_id,
            e.epoch - _UNIX_EPOCH,
            *map(float, _fingerprint_floats(e)),
            e.classification,
            e.ephemeris_type,
            e.element_set_no,
            e.rev_at_epoch,
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class DuplicateElementSet:
    """A submitted record identical to one its partner already stored (kept once, not lost)."""

    record: int
    line: int | None
    norad_id: int
    epoch: datetime
    #: The partner's stored element set it repeats, and the batch that first brought it.
    existing_element_set_id: int
    existing_batch_id: int


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """What `add_batch` wrote."""

    batch_id: int
    accepted_count: int
    duplicates: list[DuplicateElementSet]


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A stored catalog batch: its provenance and counts."""

    batch_id: int
    partner_name: str
    submitted_at: datetime
    source_kind: SourceKind
    source_name: str
    format: str | None
    file_sha256: str | None
    mode: IngestMode
    record_count: int
    accepted_count: int
    rejected_count: int
    duplicate_count: int

    @property
    def is_synthetic(self) -> bool:
        """True for generated (demo) data, which must never pass for observations."""
        return self.source_kind is SourceKind.SYNTHETIC


@dataclass(frozen=True, slots=True)
class StoredElementSet:
    """An element set as stored, with its provenance."""

    element_set_id: int
    element_set: ElementSet
    batch_id: int
    record_number: int
    partner_name: str
    submitted_at: datetime
    source_kind: SourceKind
    source_name: str

    @property
    def is_synthetic(self) -> bool:
        """True for generated (demo) data, which must never pass for observations."""
        return self.source_kind is SourceKind.SYNTHETIC


@dataclass(frozen=True, slots=True)
class CatalogPage:
    """One page of a listing and the number of matches over all pages."""

    items: list[StoredElementSet]
    total: int
    offset: int
    limit: int | None


@dataclass(frozen=True, slots=True)
class CatalogFreshness:
    """How current the catalog is: object count, newest epoch, last batch stored."""

    object_count: int
    newest_epoch: datetime | None
    last_batch_at: datetime | None
    last_batch_id: int | None


def search_matches(text: str) -> sa.ColumnElement[bool]:
    """SQL: the object's NORAD id equals `text`, or its name or COSPAR id contains it.

    Case-insensitive, over `space_objects`; `%`, `_` and `\\` in `text` match themselves.
    """
    needle = text.strip()
    if not needle:
        raise ValueError("empty search text; give a NORAD id, a name or a COSPAR id")
    escaped = needle.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    matches: list[sa.ColumnElement[bool]] = [
        sa.func.lower(_OBJECTS.c.object_name).like(pattern, escape="\\"),
        sa.func.lower(_OBJECTS.c.object_id).like(pattern, escape="\\"),
    ]
    if needle.isdigit():
        matches.append(_OBJECTS.c.norad_id == int(needle))
    return sa.or_(*matches)


class CatalogRepository:
    """Catalog reads and writes inside the caller's session (one transaction per batch)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- writes ---------------------------------------------------------------------------

    def add_batch(
        self,
        *,
        partner_id: int,
        source_kind: SourceKind,
        source_name: str,
        format: str | None,
        file_sha256: str | None,
        mode: IngestMode,
        record_count: int,
        element_sets: Sequence[ReadElementSet],
        rejections: Sequence[RecordError] = (),
        submitted_at: datetime | None = None,
    ) -> StoredBatch:
        """Store one batch: its provenance row, new objects, element sets and rejections.

        Element sets identical to one this partner already stored (same
        `element_set_fingerprint`, from this batch or an earlier one of the same partner)
        are not stored again; they come back in `duplicates` and in the batch's
        `duplicate_count`. Another partner's identical element set does not count: this
        partner's copy is stored as its own row, with its own provenance. Everything runs
        in the session's transaction: if any statement fails, the caller's rollback leaves
        no trace of the batch.
        """
        connection = self.session.connection()
        fingerprints = [element_set_fingerprint(r.element_set) for r in element_sets]
        stored = self._stored_fingerprints(connection, partner_id, fingerprints)

        fresh: list[int] = []  # indexes into element_sets of the rows to insert
        repeated: list[int] = []
        seen: set[str] = set(stored)
        for index, fingerprint in enumerate(fingerprints):
            if fingerprint in seen:
                repeated.append(index)
            else:
                seen.add(fingerprint)
                fresh.append(index)

        batch_id: int = connection.execute(
            sa.insert(_BATCHES).returning(_BATCHES.c.id),
            {
                "partner_id": partner_id,
                "submitted_at": submitted_at or datetime.now(UTC),
                "source_kind": SourceKind(source_kind).value,
                "source_name": source_name,
                "format": format,
                "file_sha256": file_sha256,
                "record_count": record_count,
                "accepted_count": len(fresh),
                "rejected_count": len({e.record for e in rejections} - {None})
                + sum(1 for e in rejections if e.record is None),
                "duplicate_count": len(repeated),
                "mode": IngestMode(mode).value,
            },
        ).scalar_one()

        self._insert_new_objects(connection, batch_id, [element_sets[i] for i in fresh])
        if fresh:
            columns = (
                *_ELEMENT_FIELDS,
                "batch_id",
                "partner_id",
                "record_number",
                "line_number",
                "content_sha256",
            )
            rows = [
                _element_values(element_sets[i].element_set)
                + (
                    batch_id,
                    partner_id,
                    element_sets[i].record,
                    element_sets[i].line,
                    fingerprints[i],
                )
                for i in fresh
            ]
            _insert_rows(connection, _ELEMENT_SETS, columns, rows)
            self._refresh_current(connection, batch_id)
        if rejections:
            connection.execute(
                sa.insert(_REJECTIONS),
                [
                    {
                        "batch_id": batch_id,
                        "record_number": e.record,
                        "line_number": e.line,
                        "field": e.field,
                        "problem": e.problem,
                        "expected": e.expected,
                    }
                    for e in rejections
                ],
            )
        duplicates = self._describe_duplicates(
            connection,
            partner_id,
            [element_sets[i] for i in repeated],
            [fingerprints[i] for i in repeated],
        )
        return StoredBatch(batch_id=batch_id, accepted_count=len(fresh), duplicates=duplicates)

    def _stored_fingerprints(
        self, connection: sa.Connection, partner_id: int, fingerprints: list[str]
    ) -> set[str]:
        """The fingerprints among `fingerprints` this partner has already stored."""
        column = _ELEMENT_SETS.c.content_sha256
        mine = _ELEMENT_SETS.c.partner_id == partner_id
        found: set[str] = set()
        for chunk in _chunks(fingerprints):
            found.update(connection.scalars(sa.select(column).where(mine, column.in_(chunk))))
        return found

    def _insert_new_objects(
        self, connection: sa.Connection, batch_id: int, element_sets: Sequence[ReadElementSet]
    ) -> None:
        norad_ids = sorted({r.element_set.norad_id for r in element_sets})
        known: set[int] = set()
        for chunk in _chunks(norad_ids):
            known.update(
                connection.scalars(
                    sa.select(_OBJECTS.c.norad_id).where(_OBJECTS.c.norad_id.in_(chunk))
                )
            )
        new_ids = set(norad_ids) - known
        if not new_ids:
            return
        rows: dict[int, tuple[Any, ...]] = {}
        for read in element_sets:
            e = read.element_set
            if e.norad_id in new_ids and e.norad_id not in rows:
                rows[e.norad_id] = (e.norad_id, e.object_name, e.object_id, batch_id)
        columns = ("norad_id", "object_name", "object_id", "first_seen_batch_id")
        _insert_rows(connection, _OBJECTS, columns, list(rows.values()))

    def _refresh_current(self, connection: sa.Connection, batch_id: int) -> None:
        """Point every object this batch touched at its current element set.

        Current = latest epoch; on equal epochs the later batch, then the later record.
        Name and COSPAR id follow the current element set when it carries them.
        """
        es = _ELEMENT_SETS
        touched = sa.select(es.c.norad_id).where(es.c.batch_id == batch_id)
        rank = sa.func.row_number().over(
            partition_by=es.c.norad_id,
            order_by=(es.c.epoch.desc(), es.c.batch_id.desc(), es.c.id.desc()),
        )
        ranked = (
            sa.select(es.c.id, es.c.norad_id, es.c.object_name, es.c.object_id, rank.label("rank"))
            .where(es.c.norad_id.in_(touched))
            .subquery("ranked")
        )
        current = connection.execute(
            sa.select(
                ranked.c.id, ranked.c.norad_id, ranked.c.object_name, ranked.c.object_id
            ).where(ranked.c.rank == 1)
        ).all()
        if not current:
            return
        # One UPDATE by primary key per object, not UPDATE ... FROM (ranked subquery): on
        # PostgreSQL, without statistics on freshly loaded tables, the planner could re-run
        # the window subquery for every object row (a 16,000-object second batch ran for
        # minutes); selected once and applied by key, the cost is linear.
        connection.execute(
            sa.update(_OBJECTS)
            .where(_OBJECTS.c.norad_id == sa.bindparam("b_norad_id"))
            .values(
                current_element_set_id=sa.bindparam("b_id"),
                object_name=sa.func.coalesce(
                    sa.bindparam("b_object_name", type_=sa.String), _OBJECTS.c.object_name
                ),
                object_id=sa.func.coalesce(
                    sa.bindparam("b_object_id", type_=sa.String), _OBJECTS.c.object_id
                ),
            ),
            [
                {
                    "b_norad_id": norad_id,
                    "b_id": element_set_id,
                    "b_object_name": name,
                    "b_object_id": cospar,
                }
                for element_set_id, norad_id, name, cospar in current
            ],
        )

    def _describe_duplicates(
        self,
        connection: sa.Connection,
        partner_id: int,
        element_sets: Sequence[ReadElementSet],
        fingerprints: Sequence[str],
    ) -> list[DuplicateElementSet]:
        if not element_sets:
            return []
        where: dict[str, tuple[int, int]] = {}
        for chunk in _chunks(sorted(set(fingerprints))):
            query = sa.select(
                _ELEMENT_SETS.c.content_sha256, _ELEMENT_SETS.c.id, _ELEMENT_SETS.c.batch_id
            ).where(
                _ELEMENT_SETS.c.partner_id == partner_id,
                _ELEMENT_SETS.c.content_sha256.in_(chunk),
            )
            where.update({row[0]: (row[1], row[2]) for row in connection.execute(query)})
        return [
            DuplicateElementSet(
                record=read.record,
                line=read.line,
                norad_id=read.element_set.norad_id,
                epoch=read.element_set.epoch,
                existing_element_set_id=where[fingerprint][0],
                existing_batch_id=where[fingerprint][1],
            )
            for read, fingerprint in zip(element_sets, fingerprints, strict=True)
        ]

    # --- reads ----------------------------------------------------------------------------

    def _provenance_query(self) -> sa.Select[Any]:
        es, batches = _ELEMENT_SETS, _BATCHES
        return (
            sa.select(
                es,
                batches.c.submitted_at,
                batches.c.source_kind,
                batches.c.source_name,
                _PARTNERS.c.name.label("partner_name"),
            )
            .join(batches, batches.c.id == es.c.batch_id)
            .join(_PARTNERS, _PARTNERS.c.id == batches.c.partner_id)
        )

    def _current_query(self) -> sa.Select[Any]:
        return self._provenance_query().join(
            _OBJECTS, _OBJECTS.c.current_element_set_id == _ELEMENT_SETS.c.id
        )

    def _page(self, query: sa.Select[Any], *, offset: int, limit: int | None) -> CatalogPage:
        if offset < 0 or (limit is not None and limit < 0):
            raise ValueError(f"offset {offset} and limit {limit} must not be negative")
        total = self.session.execute(
            sa.select(sa.func.count()).select_from(query.subquery())
        ).scalar_one()
        paged = query.order_by(_ELEMENT_SETS.c.norad_id).offset(offset).limit(limit)
        items = [_stored(row) for row in self.session.execute(paged).mappings()]
        return CatalogPage(items=items, total=total, offset=offset, limit=limit)

    def latest(
        self, *, norad_ids: Iterable[int] | None = None, offset: int = 0, limit: int | None = None
    ) -> CatalogPage:
        """Current element sets (one per object) by NORAD id, with the total count.

        `norad_ids` restricts to those objects (unknown ids are simply absent); `limit`
        None returns every match, as whole-catalog screening needs.
        """
        query = self._current_query()
        if norad_ids is not None:
            ids = sorted(set(norad_ids))
            if len(ids) > _LOOKUP_CHUNK:
                raise ValueError(
                    f"{len(ids)} NORAD ids in one lookup; ask for at most {_LOOKUP_CHUNK} "
                    "at a time, or for the whole catalog with norad_ids=None"
                )
            query = query.where(_ELEMENT_SETS.c.norad_id.in_(ids))
        return self._page(query, offset=offset, limit=limit)

    def current(self, norad_id: int) -> StoredElementSet | None:
        """The current element set of one object, or None if it is not catalogued."""
        items = self.latest(norad_ids=[norad_id]).items
        return items[0] if items else None

    def search(self, text: str, *, offset: int = 0, limit: int | None = 50) -> CatalogPage:
        """Objects whose NORAD id equals `text`, or whose name or COSPAR id contains it.

        Case-insensitive; returns current element sets by NORAD id.
        """
        return self._page(
            self._current_query().where(search_matches(text)), offset=offset, limit=limit
        )

    def history(self, norad_id: int) -> list[StoredElementSet]:
        """Every element set stored for one object, newest first (the current one first)."""
        es = _ELEMENT_SETS
        query = (
            self._provenance_query()
            .where(es.c.norad_id == norad_id)
            .order_by(es.c.epoch.desc(), es.c.batch_id.desc(), es.c.id.desc())
        )
        return [_stored(row) for row in self.session.execute(query).mappings()]

    def object_count(self) -> int:
        """Number of catalogued objects (each has at least one element set)."""
        query = sa.select(sa.func.count()).select_from(_OBJECTS)
        return int(self.session.execute(query).scalar_one())

    def freshness(self) -> CatalogFreshness:
        """Object count, newest current epoch, and the time and id of the last batch."""
        newest = self.session.execute(
            sa.select(sa.func.max(_ELEMENT_SETS.c.epoch)).join(
                _OBJECTS, _OBJECTS.c.current_element_set_id == _ELEMENT_SETS.c.id
            )
        ).scalar_one()
        last = self.session.execute(
            sa.select(_BATCHES.c.id, _BATCHES.c.submitted_at).order_by(_BATCHES.c.id.desc())
        ).first()
        return CatalogFreshness(
            object_count=self.object_count(),
            # max() over a TypeDecorator column comes back as stored; make it UTC-aware.
            newest_epoch=_as_utc(newest),
            last_batch_at=last.submitted_at if last else None,
            last_batch_id=last.id if last else None,
        )

    def batch(self, batch_id: int) -> BatchRecord | None:
        """One batch's provenance and counts, or None."""
        query = (
            sa.select(_BATCHES, _PARTNERS.c.name.label("partner_name"))
            .join(_PARTNERS, _PARTNERS.c.id == _BATCHES.c.partner_id)
            .where(_BATCHES.c.id == batch_id)
        )
        row = self.session.execute(query).mappings().first()
        if row is None:
            return None
        return BatchRecord(
            batch_id=row["id"],
            partner_name=row["partner_name"],
            submitted_at=row["submitted_at"],
            source_kind=SourceKind(row["source_kind"]),
            source_name=row["source_name"],
            format=row["format"],
            file_sha256=row["file_sha256"],
            mode=IngestMode(row["mode"]),
            record_count=row["record_count"],
            accepted_count=row["accepted_count"],
            rejected_count=row["rejected_count"],
            duplicate_count=row["duplicate_count"],
        )

    def batch_of_file(
        self, *, partner_id: int, source_name: str, file_sha256: str
    ) -> BatchRecord | None:
        """The latest batch this partner stored from `source_name` with these exact bytes."""
        query = (
            sa.select(_BATCHES.c.id)
            .where(
                _BATCHES.c.partner_id == partner_id,
                _BATCHES.c.source_name == source_name,
                _BATCHES.c.file_sha256 == file_sha256,
            )
            .order_by(_BATCHES.c.id.desc())
            .limit(1)
        )
        batch_id = self.session.execute(query).scalar_one_or_none()
        return None if batch_id is None else self.batch(batch_id)

    def rejections(self, batch_id: int) -> list[RecordError]:
        """The bad records of a batch stored in `store-valid` mode, in input order."""
        batch = self.batch(batch_id)
        source = batch.source_name if batch else str(batch_id)
        query = (
            sa.select(_REJECTIONS)
            .where(_REJECTIONS.c.batch_id == batch_id)
            .order_by(_REJECTIONS.c.id)
        )
        return [
            RecordError(
                source=source,
                record=row["record_number"],
                line=row["line_number"],
                field=row["field"],
                problem=row["problem"],
                expected=row["expected"],
            )
            for row in self.session.execute(query).mappings()
        ]


def _as_utc(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite returns the stored text for aggregates
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stored(row: sa.RowMapping) -> StoredElementSet:
    element_set = ElementSet(**{name: row[name] for name in _ELEMENT_FIELDS})
    return StoredElementSet(
        element_set_id=row["id"],
        element_set=element_set,
        batch_id=row["batch_id"],
        record_number=row["record_number"],
        partner_name=row["partner_name"],
        submitted_at=row["submitted_at"],
        source_kind=SourceKind(row["source_kind"]),
        source_name=row["source_name"],
    )
