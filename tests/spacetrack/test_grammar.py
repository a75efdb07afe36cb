"""The query grammar: every operator, keywords, URL decoding, and the errors it raises."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accord.spacetrack import (
    REQUEST_CLASSES,
    InvalidValueError,
    MalformedQueryError,
    NowOffset,
    Operator,
    OutputFormat,
    SpaceTrackQueryError,
    UnknownFieldError,
    UnknownRequestClassError,
    UnsupportedFeatureError,
    parse_modeldef,
    parse_query,
)


def _only_predicate(path: str) -> tuple[str, Operator, tuple[object, ...]]:
    (predicate,) = parse_query(path).predicates
    return predicate.field.name, predicate.operator, predicate.values


@pytest.mark.parametrize(
    ("value", "operator", "values"),
    [
        ("25544", Operator.EQUAL, (25544,)),
        ("%3E25544", Operator.GREATER, (25544,)),
        ("%3C25544", Operator.LESS, (25544,)),
        ("%3C%3E25544", Operator.NOT_EQUAL, (25544,)),
        ("<>25544", Operator.NOT_EQUAL, (25544,)),
        ("25000--26000", Operator.BETWEEN, (25000, 26000)),
        ("25544%2C20580", Operator.IN, (25544, 20580)),
        ("25544,20580,41866", Operator.IN, (25544, 20580, 41866)),
        ("null-val", Operator.IS_NULL, ()),
        ("%3C%3Enull-val", Operator.IS_NOT_NULL, ()),
        ("~~255", Operator.LIKE, ("255",)),
        ("%5E255", Operator.STARTS_WITH, ("255",)),
        ("-5--5", Operator.BETWEEN, (-5, 5)),
    ],
)
def test_every_operator_parses_on_an_integer_field(
    value: str, operator: Operator, values: tuple[object, ...]
) -> None:
    assert _only_predicate(f"class/gp/NORAD_CAT_ID/{value}") == ("NORAD_CAT_ID", operator, values)


def test_decimal_and_text_values_are_typed_by_their_field() -> None:
    assert _only_predicate("class/gp/ECCENTRICITY/%3E0.25")[2] == (0.25,)
    assert _only_predicate("class/gp/OBJECT_NAME/~~STARLINK")[1:] == (Operator.LIKE, ("STARLINK",))
    # A text value is taken whole, digits and all.
    assert _only_predicate("class/satcat/COUNTRY/US")[2] == ("US",)


def test_field_names_are_case_insensitive_as_the_client_sends_them_lower_case() -> None:
    assert _only_predicate("class/gp/norad_cat_id/25544")[0] == "NORAD_CAT_ID"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("now", (NowOffset(0.0),)),
        ("%3Enow-30", (NowOffset(-30.0),)),
        ("%3Cnow%2B1.5", (NowOffset(1.5),)),
        ("now-0.25--now", (NowOffset(-0.25), NowOffset(0.0))),
    ],
)
def test_now_offsets_are_days_relative_to_the_query_time(
    value: str, expected: tuple[object, ...]
) -> None:
    query = parse_query(f"class/gp/EPOCH/{value}")
    assert query.predicates[0].values == expected
    now = datetime(2024, 1, 10, 12, tzinfo=UTC)
    resolved = query.at(now).predicates[0].values
    assert resolved == tuple(offset.at(now) for offset in expected)  # type: ignore[attr-defined]


def test_now_minus_fractional_days_resolves_to_the_exact_time() -> None:
    query = parse_query("class/gp/EPOCH/%3Enow-1.5").at(datetime(2024, 1, 10, 12, tzinfo=UTC))
    assert query.predicates[0].values == (datetime(2024, 1, 9, 0, tzinfo=UTC),)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-02", datetime(2024, 1, 2, tzinfo=UTC)),
        ("2024-01-02%2012%3A30%3A00", datetime(2024, 1, 2, 12, 30, tzinfo=UTC)),
        ("2024-01-02T12:30:00.250000", datetime(2024, 1, 2, 12, 30, 0, 250000, tzinfo=UTC)),
        ("2024-01-02T14:30:00%2B02:00", datetime(2024, 1, 2, 12, 30, tzinfo=UTC)),
    ],
)
def test_iso_dates_and_datetimes_are_utc(value: str, expected: datetime) -> None:
    assert _only_predicate(f"class/gp/EPOCH/%3E{value}")[2] == (expected,)


def test_a_datetime_range_with_spaces_splits_on_the_double_dash() -> None:
    value = "2024-01-01%2000%3A00%3A00--2024-01-02%2012%3A00%3A00"
    assert _only_predicate(f"class/gp/EPOCH/{value}")[2] == (
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 2, 12, tzinfo=UTC),
    )


def test_an_encoded_slash_stays_inside_its_value() -> None:
    assert _only_predicate("class/satcat/OBJECT_NAME/A%2FB")[2] == ("A/B",)


def test_rest_keywords() -> None:
    query = parse_query(
        "class/gp/orderby/EPOCH%20desc,norad_cat_id%20asc,OBJECT_NAME/limit/10,20"
        "/format/3le/emptyresult/show/distinct/true/metadata/true/predicates/NORAD_CAT_ID,EPOCH/"
    )
    assert [(key.field.name, key.descending) for key in query.order_by] == [
        ("EPOCH", True),
        ("NORAD_CAT_ID", False),
        ("OBJECT_NAME", False),
    ]
    assert (query.limit, query.offset) == (10, 20)
    assert query.format is OutputFormat.THREE_LE
    assert query.show_empty_result and query.distinct and query.metadata
    assert [field.name for field in query.fields] == ["NORAD_CAT_ID", "EPOCH"]


def test_defaults_are_json_all_fields_no_limit() -> None:
    query = parse_query("/class/satcat/")
    assert query.format is OutputFormat.JSON
    assert query.fields == REQUEST_CLASSES["satcat"].fields
    assert (query.limit, query.offset, query.order_by, query.predicates) == (None, 0, (), ())


def test_repeated_fields_are_all_applied() -> None:
    query = parse_query("class/gp/EPOCH/%3E2024-01-01/EPOCH/%3C2024-02-01")
    assert [p.operator for p in query.predicates] == [Operator.GREATER, Operator.LESS]


def test_modeldef_path_names_the_class() -> None:
    assert parse_modeldef("class/cdm_public").name == "cdm_public"
    with pytest.raises(MalformedQueryError, match="modeldef takes only class"):
        parse_modeldef("class/gp/NORAD_CAT_ID/1")


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        ("class/tle_latest/NORAD_CAT_ID/1", UnknownRequestClassError, "unknown request class"),
        ("NORAD_CAT_ID/1", MalformedQueryError, "does not start with class"),
        ("", MalformedQueryError, "does not start with class"),
        ("class/gp/NORAD_ID/1", UnknownFieldError, "has no field 'NORAD_ID'"),
        ("class/gp/orderby/SATNAME", UnknownFieldError, "has no field 'SATNAME'"),
        ("class/gp/predicates/EPOCH,NOPE", UnknownFieldError, "has no field 'NOPE'"),
        ("class/gp/NORAD_CAT_ID", MalformedQueryError, "has no value"),
        ("class/gp/NORAD_CAT_ID/%3E%3D5", InvalidValueError, "there is no >="),
        ("class/gp/EPOCH/%3Eyesterday", InvalidValueError, "not a date or time"),
        ("class/gp/EPOCH/now-x", InvalidValueError, "not a date or time"),
        ("class/gp/MEAN_MOTION/fast", InvalidValueError, "not a number"),
        ("class/gp/limit/ten", InvalidValueError, "limit/<count>"),
        ("class/gp/limit/10,-1", InvalidValueError, "limit/<count>"),
        ("class/gp/orderby/EPOCH%20down", InvalidValueError, "FIELD desc"),
        ("class/gp/distinct/yes", InvalidValueError, "distinct/true or false"),
        ("class/gp/emptyresult/hide", InvalidValueError, "'show'"),
        ("class/gp/format/html", UnsupportedFeatureError, "format/html is not offered"),
        ("class/satcat/format/tle", UnsupportedFeatureError, "does not hold"),
        ("class/gp/favorites/mine", UnsupportedFeatureError, "favorites"),
    ],
)
def test_errors_name_the_problem(path: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as raised:
        parse_query(path)
    assert isinstance(raised.value, SpaceTrackQueryError)
    assert raised.value.error_body() == {"error": raised.value.message}


def test_error_statuses() -> None:
    with pytest.raises(SpaceTrackQueryError) as unknown_class:
        parse_query("class/nope")
    with pytest.raises(SpaceTrackQueryError) as unknown_field:
        parse_query("class/gp/NOPE/1")
    assert (unknown_class.value.http_status, unknown_field.value.http_status) == (404, 400)


def test_at_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_query("class/gp/EPOCH/now").at(datetime(2024, 1, 1))
