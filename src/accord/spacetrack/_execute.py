"""Run a parsed Space-Track query over plain rows: filter, sort, distinct, limit.

This is the reference semantics; a store may push predicates down into SQL (see
docs/spacetrack.md) and hand `run_query` only the candidate rows, which it filters again.
Comparisons follow MySQL's, which Space-Track runs on: text is case-insensitive, NULL
matches nothing but `null-val`, NULLs sort first ascending and last descending.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from accord.spacetrack._fields import Field, FieldKind
from accord.spacetrack._grammar import Operator, Predicate, Query
from accord.spacetrack._values import Comparable, comparable_value, printed_value

__all__ = ["QueryResult", "Row", "run_query"]

#: A row of a request class: field name (upper-case, as modeldef lists it) -> value.
Row = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class QueryResult:
    """The rows a query selected, in order, after limit/offset.

    `query` has its `now-N` values resolved; `total` counts the matching rows before
    limit and offset (Space-Track's metadata "Total"). Rows are whole; the projection
    (`query.fields`) is applied when they are written out.
    """

    query: Query
    rows: list[Row]
    total: int


def run_query(query: Query, rows: Iterable[Row], *, now: datetime) -> QueryResult:
    """Apply `query`'s predicates, orderby, distinct, limit and offset to `rows`.

    `now` (tz-aware) is the moment `now-N` values are relative to. Raise ValueError
    naming the field when a stored value does not parse as its field's kind.
    """
    resolved = query.at(now)
    matched = [row for row in rows if all(_holds(p, row) for p in resolved.predicates)]
    for key in reversed(resolved.order_by):
        # Stable sorts from the last key to the first give the multi-column order.
        matched.sort(key=partial(_sort_key, key.field), reverse=key.descending)
    if resolved.distinct:
        matched = _distinct(resolved, matched)
    total = len(matched)
    start = resolved.offset
    stop = None if resolved.limit is None else start + resolved.limit
    return QueryResult(resolved, matched[start:stop], total)


def _sort_key(field: Field, row: Row) -> tuple[bool, Any]:
    value = comparable_value(field, row.get(field.name))
    return (value is not None, value)


def _distinct(query: Query, rows: list[Row]) -> list[Row]:
    seen: set[tuple[str | None, ...]] = set()
    unique = []
    for row in rows:
        key = tuple(printed_value(field, row.get(field.name)) for field in query.fields)
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def _holds(predicate: Predicate, row: Row) -> bool:
    field = predicate.field
    raw = row.get(field.name)
    operator = predicate.operator
    if operator is Operator.IS_NULL:
        return raw is None or (raw == "" and field.kind is not FieldKind.TEXT)
    if operator in (Operator.LIKE, Operator.STARTS_WITH):
        printed = printed_value(field, raw)
        if printed is None:
            return False
        pattern = str(predicate.values[0]).casefold()
        if operator is Operator.LIKE:
            return pattern in printed.casefold()
        return printed.casefold().startswith(pattern)
    value = comparable_value(field, raw)
    if value is None:
        return False  # SQL: NULL compares to nothing
    if operator is Operator.IS_NOT_NULL:
        return True
    wanted = [_comparable_operand(operand) for operand in predicate.values]
    try:
        if operator is Operator.EQUAL:
            return value == wanted[0]
        if operator is Operator.NOT_EQUAL:
            return value != wanted[0]
        if operator is Operator.GREATER:
            return value > wanted[0]  # type: ignore[operator]
        if operator is Operator.LESS:
            return value < wanted[0]  # type: ignore[operator]
        if operator is Operator.BETWEEN:
            return wanted[0] <= value <= wanted[1]  # type: ignore[operator]
        if operator is Operator.IN:
            return value in wanted
    except TypeError:
        return False
    raise AssertionError(f"unhandled operator {operator}")


def _comparable_operand(operand: object) -> Comparable:
    if isinstance(operand, str):
        return operand.casefold()
    if isinstance(operand, int | float | datetime):
        return operand
    raise AssertionError(f"unresolved predicate value {operand!r}; call Query.at(now)")
