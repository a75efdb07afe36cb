"""Which parts of a Space-Track query the store can answer in SQL, without changing results.

`run_query` (accord.spacetrack) stays the reference semantics and always runs on what the
store returns; this module only narrows what the store loads and decides:

- NORAD_CAT_ID (and satcat's OBJECT_NUMBER) `=`, `<>`, `>`, `<`, `--`, lists and null
  tests, exactly, as an inclusive integer range or list: a non-integer bound becomes the
  integer bound it implies (`>5.5` is `>=6`), bounds past the column's range are clamped;
- EPOCH (gp, gp_history) `=`, `<>`, `>`, `<`, `--`, lists and null tests, exactly, with
  `now-N` resolved once at the request's `now` (the same instant `run_query` uses);
- OBJECT_NAME, OBJECT_ID (satcat: SATNAME, INTLDES too) `=`, lists, `~~` and `^` with
  ASCII values, as candidates (SQL folds ASCII case only; `run_query` checks again).

Everything else is left to `run_query`. Only when every predicate was pushed down exactly,
`distinct` is off, and each `orderby` key is NORAD_CAT_ID or EPOCH, may the store cut the
answer at `offset + limit` rows of that order (then NORAD id, and newest first within an
object's history, which is the order `run_query` receives rows in, so ties break alike).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from accord.spacetrack import FieldKind, Operator, OrderBy, Predicate, Query
from accord.store import ColumnCondition, Comparison, ListingColumn, ListingOrder

__all__ = ["PushDown", "push_down"]

#: The NORAD id column's range (a 32-bit integer on PostgreSQL).
_ID_MIN, _ID_MAX = -(2**31), 2**31 - 1
#: Longest list pushed down as one IN (...); longer ones are filtered after loading.
_MAX_LIST = 5000

_COLUMNS: dict[str, dict[str, ListingColumn]] = {
    "gp": {
        "NORAD_CAT_ID": ListingColumn.NORAD_ID,
        "EPOCH": ListingColumn.EPOCH,
        "OBJECT_NAME": ListingColumn.OBJECT_NAME,
        "OBJECT_ID": ListingColumn.OBJECT_ID,
    },
    "satcat": {
        "NORAD_CAT_ID": ListingColumn.NORAD_ID,
        "OBJECT_NUMBER": ListingColumn.NORAD_ID,
        "OBJECT_NAME": ListingColumn.OBJECT_NAME,
        "SATNAME": ListingColumn.OBJECT_NAME,
        "OBJECT_ID": ListingColumn.OBJECT_ID,
        "INTLDES": ListingColumn.OBJECT_ID,
    },
}
_COLUMNS["gp_history"] = _COLUMNS["gp"]

_SAME = {
    Operator.EQUAL: Comparison.EQUAL,
    Operator.NOT_EQUAL: Comparison.NOT_EQUAL,
    Operator.GREATER: Comparison.GREATER,
    Operator.LESS: Comparison.LESS,
    Operator.BETWEEN: Comparison.BETWEEN,
    Operator.IN: Comparison.IN,
}


@dataclass(frozen=True, slots=True)
class PushDown:
    """The SQL part of a query: conditions (ANDed), and the cut when it is allowed.

    `exact`: every predicate is answered exactly by `conditions`. `first` (with `order`):
    the store may keep only the first `first` rows of `order`; None: it may not cut.
    """

    conditions: tuple[ColumnCondition, ...]
    exact: bool
    order: tuple[ListingOrder, ...] = ()
    first: int | None = None


def push_down(query: Query, now: datetime) -> PushDown:
    """What of `query` (class gp, gp_history or satcat) the store can do in SQL at `now`."""
    columns = _COLUMNS.get(query.request_class.name, {})
    resolved = query.at(now)
    conditions: list[ColumnCondition] = []
    exact = True
    for predicate in resolved.predicates:
        column = columns.get(predicate.field.name)
        translated = None if column is None else _condition(column, predicate)
        if translated is None:
            exact = False
            continue
        condition, condition_exact = translated
        exact = exact and condition_exact
        if condition is not None:
            conditions.append(condition)
    pushed = PushDown(tuple(conditions), exact)
    if not exact or resolved.distinct or resolved.limit is None:
        return pushed
    order = [_order(columns, key) for key in resolved.order_by]
    if any(key is None for key in order):
        return pushed
    return PushDown(
        pushed.conditions,
        exact,
        tuple(key for key in order if key is not None),
        resolved.offset + resolved.limit,
    )


def _order(columns: dict[str, ListingColumn], key: OrderBy) -> ListingOrder | None:
    column = columns.get(key.field.name)
    if column not in (ListingColumn.NORAD_ID, ListingColumn.EPOCH):
        return None
    return ListingOrder(column, key.descending)


def _condition(
    column: ListingColumn, predicate: Predicate
) -> tuple[ColumnCondition | None, bool] | None:
    """(condition or None for "every row", exact?) of one predicate, None if not pushed."""
    operator = predicate.operator
    if operator is Operator.IS_NULL:
        return ColumnCondition(column, Comparison.IS_NULL), True
    if operator is Operator.IS_NOT_NULL:
        return ColumnCondition(column, Comparison.IS_NOT_NULL), True
    if column is ListingColumn.NORAD_ID:
        return _norad_condition(predicate)
    if column is ListingColumn.EPOCH:
        return _epoch_condition(predicate)
    return _text_condition(column, predicate)


def _integral(value: int | float) -> int | None:
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    return value


def _norad_condition(predicate: Predicate) -> tuple[ColumnCondition | None, bool] | None:
    """NORAD ids compared exactly as integers (the grammar allows decimals: `>5.5`).

    Bounds are brought into the column's range (32-bit on PostgreSQL) without changing
    which ids match: a bound past every storable id is "every row" or "no row".
    """
    if predicate.field.kind is not FieldKind.INTEGER:
        return None
    operator, values = predicate.operator, predicate.values
    numbers = [v for v in values if isinstance(v, int | float)]
    if len(numbers) != len(values):
        return None
    column = ListingColumn.NORAD_ID
    if operator in (Operator.EQUAL, Operator.IN):
        if len(numbers) > _MAX_LIST:
            return None
        ids = {_integral(v) for v in numbers}
        kept = tuple(sorted(i for i in ids if i is not None and _ID_MIN <= i <= _ID_MAX))
        return ColumnCondition(column, Comparison.IN, kept), True
    if operator is Operator.NOT_EQUAL:
        wanted = _integral(numbers[0])
        if wanted is None or not _ID_MIN <= wanted <= _ID_MAX:
            return None, True  # no stored id equals it: every row passes
        return ColumnCondition(column, Comparison.NOT_EQUAL, (wanted,)), True
    if operator in (Operator.GREATER, Operator.LESS, Operator.BETWEEN):
        if operator is Operator.GREATER:
            low, high = math.floor(numbers[0]) + 1, _ID_MAX
        elif operator is Operator.LESS:
            low, high = _ID_MIN, math.ceil(numbers[0]) - 1
        else:
            low, high = math.ceil(numbers[0]), math.floor(numbers[1])
        low, high = max(low, _ID_MIN), min(high, _ID_MAX)
        if low > high:
            return ColumnCondition(column, Comparison.IN, ()), True
        return ColumnCondition(column, Comparison.BETWEEN, (low, high)), True
    return None  # ~~ and ^ compare printed text


def _epoch_condition(predicate: Predicate) -> tuple[ColumnCondition | None, bool] | None:
    """EPOCH compared exactly as UTC instants (values resolved from now-N already)."""
    comparison = _SAME.get(predicate.operator)
    if comparison is None or not all(isinstance(v, datetime) for v in predicate.values):
        return None
    if comparison is Comparison.IN and len(predicate.values) > _MAX_LIST:
        return None
    values = tuple(v for v in predicate.values if isinstance(v, datetime))
    return ColumnCondition(ListingColumn.EPOCH, comparison, values), True


_TEXT = {
    Operator.EQUAL: Comparison.EQUAL,
    Operator.IN: Comparison.IN,
    Operator.LIKE: Comparison.CONTAINS,
    Operator.STARTS_WITH: Comparison.STARTS_WITH,
}


def _text_condition(
    column: ListingColumn, predicate: Predicate
) -> tuple[ColumnCondition | None, bool] | None:
    """Text compared case-insensitively, as candidates (run_query decides)."""
    comparison = _TEXT.get(predicate.operator)
    texts = [v for v in predicate.values if isinstance(v, str)]
    if comparison is None or len(texts) != len(predicate.values) or len(texts) > _MAX_LIST:
        return None
    if not all(text.isascii() for text in texts):
        return None
    return ColumnCondition(column, comparison, tuple(texts)), False
