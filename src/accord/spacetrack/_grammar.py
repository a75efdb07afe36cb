"""Parse Space-Track query paths into a small typed query AST.

The grammar is Space-Track's REST API (https://www.space-track.org/documentation#/api):
`class/<class>` then `<FIELD>/<value>` pairs and the REST keywords `orderby`, `limit`,
`format`, `emptyresult`, `distinct`, `predicates` and `metadata`. Values carry their
operator as a prefix (`>`, `<`, `<>`, `~~`, `^`), a range (`A--B`), a list (`A,B`), the
null marker `null-val`, or a time relative to now (`now-7.5`, days). Each path segment is
percent-decoded on its own, so `%2F` inside a value cannot split it.

The grammar is hand-written: no maintained library parses Space-Track's dialect.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from urllib.parse import unquote

from accord.spacetrack._errors import (
    InvalidValueError,
    MalformedQueryError,
    UnknownFieldError,
    UnknownRequestClassError,
    UnsupportedFeatureError,
)
from accord.spacetrack._fields import REQUEST_CLASSES, Field, FieldKind, RequestClass

__all__ = [
    "NowOffset",
    "Operator",
    "OrderBy",
    "OutputFormat",
    "Predicate",
    "PredicateValue",
    "Query",
    "is_bounded_history",
    "parse_modeldef",
    "parse_query",
]


@dataclass(frozen=True, slots=True)
class NowOffset:
    """A time relative to the moment of the query: `now-2.5` is NowOffset(days=-2.5)."""

    days: float

    def at(self, now: datetime) -> datetime:
        """The UTC time this offset names when the query runs at `now` (tz-aware).

        Raise InvalidValueError when that time is past the years 1 to 9999.
        """
        try:
            return now.astimezone(UTC) + timedelta(days=self.days)
        except OverflowError:
            sign = "+" if self.days >= 0 else "-"
            raise InvalidValueError(
                f"now{sign}{abs(self.days):g} is outside the years 1 to 9999; use an offset "
                "of fewer days, or a date"
            ) from None


#: A parsed predicate value: int or float for numeric fields, str for text (and for the
#: `~~`/`^` patterns), tz-aware UTC datetime for DATE and DATETIME fields (a date is its
#: 00:00 UTC), or NowOffset until `Query.at(now)` resolves it.
PredicateValue = int | float | str | datetime | NowOffset


class Operator(StrEnum):
    """A predicate's comparison, as SQL would say it."""

    EQUAL = "="  # FIELD/value
    NOT_EQUAL = "<>"  # FIELD/<>value
    GREATER = ">"  # FIELD/>value
    LESS = "<"  # FIELD/<value
    BETWEEN = "between"  # FIELD/low--high, both ends included
    IN = "in"  # FIELD/a,b,c
    LIKE = "like"  # FIELD/~~text: contains text, case-insensitive
    STARTS_WITH = "starts with"  # FIELD/^text, case-insensitive
    IS_NULL = "is null"  # FIELD/null-val
    IS_NOT_NULL = "is not null"  # FIELD/<>null-val


@dataclass(frozen=True, slots=True)
class Predicate:
    """One `FIELD/value` filter: `values` has 1 entry, 2 for BETWEEN, n for IN, 0 for nulls."""

    field: Field
    operator: Operator
    values: tuple[PredicateValue, ...]


@dataclass(frozen=True, slots=True)
class OrderBy:
    """One `orderby` key."""

    field: Field
    descending: bool = False


class OutputFormat(StrEnum):
    """The `format/` values Accord writes."""

    JSON = "json"
    CSV = "csv"
    XML = "xml"
    TLE = "tle"
    THREE_LE = "3le"
    KVN = "kvn"


_ELEMENT_SET_FORMATS = (OutputFormat.TLE, OutputFormat.THREE_LE, OutputFormat.KVN)


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed Space-Track query; all predicates must hold (they are ANDed).

    `fields` is the projection (`predicates/`), every field of the class when not given.
    `limit` None means no limit; `offset` counts rows skipped after sorting.
    """

    request_class: RequestClass
    predicates: tuple[Predicate, ...] = ()
    order_by: tuple[OrderBy, ...] = ()
    limit: int | None = None
    offset: int = 0
    format: OutputFormat = OutputFormat.JSON
    fields: tuple[Field, ...] = ()
    distinct: bool = False
    metadata: bool = False
    show_empty_result: bool = False

    def at(self, now: datetime) -> Query:
        """The same query with every NowOffset replaced by the UTC time it names at `now`."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware (UTC)")
        predicates = tuple(
            dataclasses.replace(
                predicate,
                values=tuple(
                    value.at(now) if isinstance(value, NowOffset) else value
                    for value in predicate.values
                ),
            )
            for predicate in self.predicates
        )
        return dataclasses.replace(self, predicates=predicates)


#: Operators that bound gp_history by NORAD_CAT_ID (ids) or EPOCH (a time range).
_NORAD_BOUNDS = frozenset({Operator.EQUAL, Operator.IN, Operator.BETWEEN})
_EPOCH_BOUNDS = frozenset(
    {Operator.EQUAL, Operator.IN, Operator.BETWEEN, Operator.GREATER, Operator.LESS}
)


def is_bounded_history(query: Query) -> bool:
    """Whether `query` names objects (NORAD_CAT_ID `=`, list or `--` range) or an EPOCH
    range (`--`, `>`, `<`, `=` or list): what a gp_history query over a large catalog
    needs (docs/spacetrack.md, "What each class returns")."""
    for predicate in query.predicates:
        name, operator = predicate.field.name, predicate.operator
        if name == "NORAD_CAT_ID" and operator in _NORAD_BOUNDS:
            return True
        if name == "EPOCH" and operator in _EPOCH_BOUNDS:
            return True
    return False


_KEYWORDS = frozenset(
    {"orderby", "limit", "format", "emptyresult", "distinct", "predicates", "metadata"}
)


def parse_query(path: str) -> Query:
    """Parse the path after `/basicspacedata/query/` ("class/gp/NORAD_CAT_ID/25544/...").

    Field names are case-insensitive (the `spacetrack` client sends them lower-case).
    Raise a SpaceTrackQueryError subclass naming the bad segment and the fix.
    """
    segments = _segments(path)
    request_class = _request_class(segments, path)
    query = Query(request_class, fields=request_class.fields)
    predicates: list[Predicate] = []
    pairs = segments[2:]
    if len(pairs) % 2:
        raise MalformedQueryError(
            f"'{pairs[-1]}' at the end of query '{path}' has no value; write "
            f"'{pairs[-1]}/<value>' (every field and keyword takes one value segment)"
        )
    for index in range(0, len(pairs), 2):
        key, value = pairs[index], pairs[index + 1]
        keyword = key.lower()
        if keyword in _KEYWORDS:
            query = _apply_keyword(query, keyword, value, path)
            continue
        if keyword == "favorites":
            raise UnsupportedFeatureError(
                "favorites are Space-Track user lists, which Accord does not keep; filter "
                "by NORAD_CAT_ID/<id>,<id>,... instead"
            )
        field = _field(request_class, key, path)
        if not value:
            raise MalformedQueryError(
                f"field {field.name} has an empty value in query '{path}'; give a value, "
                "or null-val for an empty field"
            )
        predicates.append(_predicate(field, value, path))
    query = dataclasses.replace(query, predicates=tuple(predicates))
    if query.format in _ELEMENT_SET_FORMATS and not request_class.has_element_sets:
        raise UnsupportedFeatureError(
            f"format/{query.format.value} writes element sets, which class "
            f"'{request_class.name}' does not hold; use it with class gp or gp_history, or "
            "ask for format/json, csv or xml"
        )
    return query


def parse_modeldef(path: str) -> RequestClass:
    """Parse the path after `/basicspacedata/modeldef/` ("class/gp") into its class."""
    segments = _segments(path)
    request_class = _request_class(segments, path)
    if len(segments) > 2:
        raise MalformedQueryError(
            f"modeldef takes only class/<class>, but '{path}' continues with "
            f"'{'/'.join(segments[2:])}'"
        )
    return request_class


def _segments(path: str) -> list[str]:
    # Split before decoding, so that an encoded '/' (%2F) stays inside its value.
    raw = path.strip("/").split("/")
    return [unquote(segment) for segment in raw] if raw != [""] else []


def _request_class(segments: list[str], path: str) -> RequestClass:
    if len(segments) < 2 or segments[0].lower() != "class":
        raise MalformedQueryError(
            f"query '{path}' does not start with class/<class>; write e.g. "
            f"'class/gp/NORAD_CAT_ID/25544' (classes: {', '.join(REQUEST_CLASSES)})"
        )
    request_class = REQUEST_CLASSES.get(segments[1].lower())
    if request_class is None:
        raise UnknownRequestClassError(
            f"unknown request class '{segments[1]}' in query '{path}'; Accord serves "
            f"{', '.join(REQUEST_CLASSES)} under basicspacedata"
        )
    return request_class


def _field(request_class: RequestClass, name: str, path: str) -> Field:
    field = request_class.field(name.strip())
    if field is None:
        raise UnknownFieldError(
            f"class '{request_class.name}' has no field '{name}' (in query '{path}'); its "
            f"fields are listed by basicspacedata/modeldef/class/{request_class.name}"
        )
    return field


def _apply_keyword(query: Query, keyword: str, value: str, path: str) -> Query:
    text = value.strip()
    if keyword == "orderby":
        return dataclasses.replace(query, order_by=_order_by(query.request_class, text, path))
    if keyword == "limit":
        limit, offset = _limit(text, path)
        return dataclasses.replace(query, limit=limit, offset=offset)
    if keyword == "format":
        return dataclasses.replace(query, format=_format(text))
    if keyword == "predicates":
        if text.lower() == "all":
            return dataclasses.replace(query, fields=query.request_class.fields)
        names = [name for name in text.split(",") if name.strip()]
        if not names:
            raise MalformedQueryError(f"predicates/ is empty in query '{path}'; list fields")
        fields = tuple(_field(query.request_class, name, path) for name in names)
        return dataclasses.replace(query, fields=fields)
    if keyword == "emptyresult":
        if text.lower() != "show":
            raise InvalidValueError(f"emptyresult/{value} is not valid; the one value is 'show'")
        return dataclasses.replace(query, show_empty_result=True)
    flag = _flag(keyword, text)
    if keyword == "distinct":
        return dataclasses.replace(query, distinct=flag)
    return dataclasses.replace(query, metadata=flag)


def _flag(keyword: str, text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise InvalidValueError(f"{keyword}/{text} is not valid; write {keyword}/true or false")
    return text.lower() == "true"


def _format(text: str) -> OutputFormat:
    try:
        return OutputFormat(text.lower())
    except ValueError:
        raise UnsupportedFeatureError(
            f"format/{text} is not offered; Accord writes "
            f"{', '.join(f.value for f in OutputFormat)}"
        ) from None


def _order_by(request_class: RequestClass, text: str, path: str) -> tuple[OrderBy, ...]:
    keys = []
    for part in text.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise InvalidValueError(
                f"orderby '{part.strip()}' in query '{path}' is not 'FIELD', 'FIELD asc' "
                "or 'FIELD desc'"
            )
        field = _field(request_class, words[0], path)
        keys.append(OrderBy(field, len(words) == 2 and words[1].lower() == "desc"))
    if not keys:
        raise MalformedQueryError(f"orderby/ is empty in query '{path}'; name a field")
    return tuple(keys)


def _limit(text: str, path: str) -> tuple[int, int]:
    count, _, offset = text.partition(",")
    if not count.strip().isdigit() or (offset and not offset.strip().isdigit()):
        raise InvalidValueError(
            f"limit/{text} in query '{path}' is not valid; write limit/<count> or "
            "limit/<count>,<offset> with whole numbers"
        )
    return int(count), int(offset) if offset else 0


def _predicate(field: Field, value: str, path: str) -> Predicate:
    if value.lower() == "null-val":
        return Predicate(field, Operator.IS_NULL, ())
    if value.startswith("<>"):
        rest = value[2:]
        if rest.lower() == "null-val":
            return Predicate(field, Operator.IS_NOT_NULL, ())
        return Predicate(field, Operator.NOT_EQUAL, (_typed(field, rest, path),))
    if value.startswith("~~"):
        return Predicate(field, Operator.LIKE, (value[2:],))
    if value.startswith("^"):
        return Predicate(field, Operator.STARTS_WITH, (value[1:],))
    if value.startswith(">"):
        return Predicate(field, Operator.GREATER, (_typed(field, value[1:], path),))
    if value.startswith("<"):
        return Predicate(field, Operator.LESS, (_typed(field, value[1:], path),))
    # A leading '-' is a sign (-5--5), so the range separator is looked for after it.
    separator = value.find("--", 1)
    if separator > 0:
        low, high = value[:separator], value[separator + 2 :]
        return Predicate(
            field, Operator.BETWEEN, (_typed(field, low, path), _typed(field, high, path))
        )
    if "," in value:
        items = [item for item in value.split(",") if item != ""]
        return Predicate(field, Operator.IN, tuple(_typed(field, item, path) for item in items))
    return Predicate(field, Operator.EQUAL, (_typed(field, value, path),))


def _typed(field: Field, text: str, path: str) -> PredicateValue:
    """The value `text` as `field`'s kind; InvalidValueError naming field and form if not."""
    kind = field.kind
    if kind is FieldKind.TEXT:
        return text
    stripped = text.strip()
    if kind in (FieldKind.INTEGER, FieldKind.DECIMAL):
        try:
            if kind is FieldKind.INTEGER and stripped.lstrip("+-").isdigit():
                return int(stripped)
            number = float(stripped)
        except ValueError:
            number = float("nan")
        if number - number != 0.0:
            raise InvalidValueError(
                f"'{text}' is not a number, as field {field.name} needs (query '{path}'); "
                "operators are >, <, <>, --, ~~, ^, commas and null-val (there is no >=)"
            ) from None
        return number
    offset = _now_offset(stripped)
    if offset is not None:
        return offset
    try:
        moment = datetime.fromisoformat(stripped)
    except ValueError:
        raise InvalidValueError(
            f"'{text}' is not a date or time, as field {field.name} needs (query '{path}'); "
            "write 2024-03-01, 2024-03-01 12:00:00, 2024-03-01T12:00:00.5, now or now-7.5"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _now_offset(text: str) -> NowOffset | None:
    lowered = text.lower()
    if lowered == "now":
        return NowOffset(0.0)
    if not lowered.startswith(("now-", "now+")):
        return None
    try:
        days = float(lowered[4:])
    except ValueError:
        return None
    if days - days != 0.0:
        return None
    return NowOffset(-days if lowered[3] == "-" else days)
