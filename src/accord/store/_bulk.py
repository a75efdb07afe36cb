"""Bulk writes and chunked lookups shared by the store's repositories."""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

__all__ = ["LOOKUP_CHUNK", "chunks", "insert_rows"]

#: Bound parameters per IN (...) lookup: well under SQLite's 32,766 and PostgreSQL's 65,535.
LOOKUP_CHUNK = 5_000


def insert_rows(
    connection: sa.Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
) -> None:
    """Insert many rows of `columns` values in one executemany.

    On SQLite the statement goes straight to the driver's executemany with the columns'
    own bind processors (UTCDateTime included) applied: SQLAlchemy's per-row parameter
    handling would otherwise cost more than the insert itself. Other databases take a
    Core insert, which batches rows into multi-row VALUES (insertmanyvalues).
    """
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        connection.execute(sa.insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    compiled = sa.insert(table).compile(dialect=connection.dialect, column_keys=list(columns))
    order = list(compiled.positiontup or ())
    if sorted(order) != sorted(columns):
        raise AssertionError(f"{table.name}: placeholders {order} do not match {columns}")
    # Per placeholder: where its value sits in a row, and the column type's bind processor
    # (only UTCDateTime has one on SQLite, so the loop below touches one value per row).
    sources = [columns.index(name) for name in order]
    processors = [
        (slot, processor)
        for slot, name in enumerate(order)
        if (processor := table.c[name].type.bind_processor(connection.dialect)) is not None
    ]
    if not processors and sources == list(range(len(columns))):
        prepared: Sequence[Sequence[Any]] = rows
    else:
        pick = operator.itemgetter(*sources)
        prepared = []
        for row in rows:
            values = list(pick(row))
            for slot, processor in processors:
                values[slot] = processor(values[slot])
            prepared.append(tuple(values))
    connection.exec_driver_sql(compiled.string, prepared)


def chunks(values: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
