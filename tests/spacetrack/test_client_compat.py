"""Compatibility with the real `spacetrack` client (2.1.0), without a server.

The client builds each predicate value with its public operator functions and then
percent-encodes it with `urllib.parse.quote(value, safe="")` (spacetrack/base.py,
`_generic_request_generator`); it has no public URL-building call, so the full
request path is exercised end to end by the HTTP layer's tests against a running
server. Here: the values its operators produce parse as intended, and our modeldef and
JSON go through the client's own parsing code (`_parse_predicates_data`,
`_parse_types`: private, but the exact code the client runs on these responses).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from spacetrack.base import SpaceTrackClient

import spacetrack
from accord.spacetrack import (
    REQUEST_CLASSES,
    NowOffset,
    Operator,
    format_result,
    modeldef,
    parse_query,
    run_query,
)
from tests.spacetrack._rows import NOW, catalog_rows


def _client_segment(value: str) -> str:
    return quote(value, safe="")


@pytest.mark.parametrize(
    ("value", "operator", "values"),
    [
        (spacetrack.greater_than(25000), Operator.GREATER, (25000,)),
        (spacetrack.less_than(25000), Operator.LESS, (25000,)),
        (spacetrack.not_equal(25544), Operator.NOT_EQUAL, (25544,)),
        (spacetrack.inclusive_range(1, 99999), Operator.BETWEEN, (1, 99999)),
        (spacetrack.like(255), Operator.LIKE, ("255",)),
        (spacetrack.startswith(255), Operator.STARTS_WITH, ("255",)),
        ("25544,20580", Operator.IN, (25544, 20580)),
    ],
)
def test_client_operator_values_parse(
    value: str, operator: Operator, values: tuple[object, ...]
) -> None:
    query = parse_query(f"class/gp/norad_cat_id/{_client_segment(value)}")
    assert (query.predicates[0].operator, query.predicates[0].values) == (operator, values)


def test_client_datetime_and_none_values_parse() -> None:
    window = spacetrack.inclusive_range(
        datetime(2024, 1, 1, 6, tzinfo=UTC), datetime(2024, 1, 2, 18, 30)
    )
    query = parse_query(f"class/gp/epoch/{_client_segment(window)}")
    assert query.predicates[0].values == (
        datetime(2024, 1, 1, 6, tzinfo=UTC),
        datetime(2024, 1, 2, 18, 30, tzinfo=UTC),
    )
    after = spacetrack.greater_than(date(2024, 1, 1))
    assert parse_query(f"class/gp/launch_date/{_client_segment(after)}").predicates[0].values == (
        datetime(2024, 1, 1, tzinfo=UTC),
    )
    recent = _client_segment(spacetrack.greater_than("now-30"))
    assert parse_query(f"class/gp/epoch/{recent}").predicates[0].values == (NowOffset(-30.0),)
    assert parse_query("class/gp/decay_date/null-val").predicates[0].operator is Operator.IS_NULL


def test_client_keyword_values_parse() -> None:
    orderby = _client_segment("epoch desc")
    query = parse_query(f"class/gp/orderby/{orderby}/limit/{_client_segment('10,5')}/format/3le")
    assert (query.order_by[0].field.name, query.order_by[0].descending) == ("EPOCH", True)
    assert (query.limit, query.offset, query.format.value) == (10, 5, "3le")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[SpaceTrackClient]:
    with SpaceTrackClient("identity", "password", cache_path=tmp_path) as st:
        yield st


@pytest.mark.parametrize("class_name", sorted(REQUEST_CLASSES))
def test_the_client_reads_every_modeldef_without_warnings(
    client: SpaceTrackClient, class_name: str
) -> None:
    body = json.loads(json.dumps(modeldef(REQUEST_CLASSES[class_name])))
    assert body["controller"] == "basicspacedata"
    with warnings.catch_warnings():
        warnings.simplefilter("error", spacetrack.UnknownPredicateTypeWarning)
        predicates = client._parse_predicates_data(body["data"])
    names = [p.name for p in predicates]
    assert names == [name.lower() for name in REQUEST_CLASSES[class_name].field_names]


def test_the_client_types_gp_predicates_as_space_track_does(client: SpaceTrackClient) -> None:
    predicates = {
        p.name: p for p in client._parse_predicates_data(modeldef(REQUEST_CLASSES["gp"])["data"])
    }
    assert predicates["norad_cat_id"].type_ == "int"
    assert predicates["mean_motion"].type_ == "float"
    assert predicates["epoch"].type_ == "datetime"
    assert predicates["launch_date"].type_ == "date"
    assert predicates["object_name"].type_ == "str"
    assert not predicates["gp_id"].nullable
    satcat = client._parse_predicates_data(modeldef(REQUEST_CLASSES["satcat"])["data"])
    current = next(p for p in satcat if p.name == "current")
    assert (current.type_, current.values) == ("enum", ("Y", "N"))


def test_the_client_parses_our_json_with_parse_types(client: SpaceTrackClient) -> None:
    predicates = client._parse_predicates_data(modeldef(REQUEST_CLASSES["gp"])["data"])
    body = format_result(run_query(parse_query("class/gp/orderby/GP_ID"), catalog_rows(), now=NOW))
    rows = SpaceTrackClient._parse_types(json.loads(body.body), predicates)
    assert rows[0]["NORAD_CAT_ID"] == 25544
    assert rows[0]["EPOCH"] == datetime(2024, 1, 1, 12)
    assert rows[0]["MEAN_MOTION"] == 15.49815399
    assert rows[0]["LAUNCH_DATE"] == date(1998, 11, 20)
    metadata = format_result(
        run_query(parse_query("class/gp/metadata/true/limit/1"), catalog_rows(), now=NOW)
    )
    wrapped = SpaceTrackClient._parse_types(json.loads(metadata.body), predicates)
    assert wrapped["data"][0]["GP_ID"] == 1
