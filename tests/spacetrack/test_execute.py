"""run_query over plain rows: predicates, now-N, ranges, ordering, limit/offset, distinct."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest

from accord.spacetrack import Row, parse_query, printed_value, run_query
from tests.spacetrack._rows import NOW, catalog_rows


def _ids(path: str, rows: Sequence[Row] | None = None) -> list[str]:
    """The NORAD_CAT_IDs selected, as text (rows may hold ints or printed strings)."""
    result = run_query(parse_query(path), catalog_rows() if rows is None else rows, now=NOW)
    return [str(row["NORAD_CAT_ID"]) for row in result.rows]


@pytest.mark.parametrize(
    ("predicate", "expected"),
    [
        ("NORAD_CAT_ID/25544", [25544]),
        ("NORAD_CAT_ID/%3E41866", [44713]),
        ("NORAD_CAT_ID/%3C25544", [20580]),
        ("NORAD_CAT_ID/%3C%3E25544", [20580, 41866, 44713]),
        ("NORAD_CAT_ID/25544--41866", [25544, 41866]),
        ("NORAD_CAT_ID/44713,20580,99999", [20580, 44713]),
        ("OBJECT_NAME/~~link", [44713]),
        ("OBJECT_NAME/%5Eiss", [25544]),
        ("OBJECT_NAME/hst", [20580]),
        ("RCS_SIZE/null-val", [41866]),
        ("RCS_SIZE/%3C%3Enull-val", [25544, 20580, 44713]),
        ("INCLINATION/%3E50", [25544, 44713]),
        ("MEAN_MOTION/1--2", [41866]),
        ("PERIOD/%3E1000", [41866]),
        ("LAUNCH_DATE/%3C1999-01-01", [25544, 20580]),
        ("EPOCH/2024-01-01%2012%3A00%3A00", [25544]),
        ("OBJECT_ID/~~067", [25544]),
        ("NORAD_CAT_ID/~~58", [20580]),
    ],
)
def test_each_operator_selects_the_right_rows(predicate: str, expected: list[int]) -> None:
    assert sorted(_ids(f"class/gp/{predicate}")) == sorted(str(i) for i in expected)


def test_null_matches_no_comparison() -> None:
    # GOES 16 has no RCS_SIZE: SQL NULL is neither equal nor unequal to anything.
    assert "41866" not in _ids("class/gp/RCS_SIZE/%3C%3ESMALL")
    assert "41866" not in _ids("class/gp/RCS_SIZE/%3CZ")


def test_now_minus_days_selects_recent_epochs() -> None:
    # NOW is 2024-01-10 12:00; epochs: ISS 01-01 12:00, HST 01-05 06:00, GOES 01-09 18:00,
    # STARLINK 2023-12-06.
    assert sorted(_ids("class/gp/EPOCH/%3Enow-5.5")) == ["20580", "41866"]
    assert sorted(_ids("class/gp/EPOCH/%3Enow-9.5")) == ["20580", "25544", "41866"]
    # '>' is strict: ISS's epoch is exactly now-9.
    assert sorted(_ids("class/gp/EPOCH/%3Enow-9")) == ["20580", "41866"]
    assert _ids("class/gp/EPOCH/now-1--now") == ["41866"]
    assert _ids("class/gp/EPOCH/%3Enow") == []


def test_a_date_only_bound_is_midnight_utc_on_a_datetime_field() -> None:
    assert sorted(_ids("class/gp/EPOCH/2024-01-01--2024-01-05")) == ["25544"]
    assert sorted(_ids("class/gp/EPOCH/2024-01-01--2024-01-06")) == ["20580", "25544"]


def test_decay_date_in_the_window_of_a_date_field() -> None:
    rows = catalog_rows()
    rows[0]["DECAY_DATE"] = date(2024, 1, 8)
    assert _ids("class/gp/DECAY_DATE/%3Enow-7", rows) == ["25544"]
    assert _ids("class/gp/DECAY_DATE/%3Enow-1", rows) == []


def test_orderby_several_columns_with_nulls_first_ascending() -> None:
    by_country_then_latest = _ids("class/gp/orderby/COUNTRY_CODE,EPOCH%20desc")
    assert by_country_then_latest == ["25544", "41866", "20580", "44713"]
    # MySQL order: NULL first ascending, last descending.
    assert _ids("class/gp/orderby/RCS_SIZE,NORAD_CAT_ID")[0] == "41866"
    assert _ids("class/gp/orderby/RCS_SIZE%20desc,NORAD_CAT_ID")[-1] == "41866"


def test_limit_and_offset_page_after_sorting_and_total_counts_all_matches() -> None:
    query = parse_query("class/gp/NORAD_CAT_ID/%3E1/orderby/NORAD_CAT_ID/limit/2,1")
    result = run_query(query, catalog_rows(), now=NOW)
    assert [row["NORAD_CAT_ID"] for row in result.rows] == [25544, 41866]
    assert result.total == 4
    assert _ids("class/gp/orderby/NORAD_CAT_ID%20desc/limit/1") == ["44713"]
    assert _ids("class/gp/orderby/NORAD_CAT_ID/limit/5,10") == []
    assert _ids("class/gp/limit/0") == []


def test_distinct_compares_the_projected_fields_only() -> None:
    query = parse_query("class/gp/predicates/COUNTRY_CODE/distinct/true/orderby/COUNTRY_CODE")
    result = run_query(query, catalog_rows(), now=NOW)
    field = query.fields[0]
    assert [printed_value(field, row["COUNTRY_CODE"]) for row in result.rows] == ["ISS", "US"]
    assert result.total == 2


def test_rows_of_strings_filter_and_sort_as_typed_rows_do() -> None:
    # A store may hand over the strings Space-Track prints; the semantics must not change.
    query = parse_query("class/gp")
    typed = catalog_rows()
    printed = [{f.name: printed_value(f, row[f.name]) for f in query.fields} for row in typed]
    for path in (
        "class/gp/EPOCH/%3Enow-9/orderby/MEAN_MOTION%20desc",
        "class/gp/NORAD_CAT_ID/%3C30000/orderby/LAUNCH_DATE",
        "class/gp/BSTAR/%3E0.0001/orderby/PERIOD",
        "class/gp/RCS_SIZE/null-val",
    ):
        assert _ids(path, typed) == _ids(path, printed)


def test_boxscore_and_satcat_rows_filter_by_their_own_fields() -> None:
    boxscore = [
        {"COUNTRY": "FRANCE", "SPADOC_CD": "FR", "ORBITAL_PAYLOAD_COUNT": 80},
        {"COUNTRY": "JAPAN", "SPADOC_CD": "JPN", "ORBITAL_PAYLOAD_COUNT": 200},
    ]
    result = run_query(
        parse_query("class/boxscore/ORBITAL_PAYLOAD_COUNT/%3E100"), boxscore, now=NOW
    )
    assert [row["COUNTRY"] for row in result.rows] == ["JAPAN"]
    satcat = [
        {"NORAD_CAT_ID": 25544, "CURRENT": "Y", "DECAY": None},
        {"NORAD_CAT_ID": 1, "CURRENT": "N", "DECAY": date(1958, 1, 4)},
    ]
    result = run_query(parse_query("class/satcat/CURRENT/Y/DECAY/null-val"), satcat, now=NOW)
    assert [row["NORAD_CAT_ID"] for row in result.rows] == [25544]


def test_cdm_public_by_tca_window_and_probability() -> None:
    cdms = [
        {"CDM_ID": 1, "TCA": datetime(2024, 1, 11, tzinfo=UTC), "PC": 1.2e-4},
        {"CDM_ID": 2, "TCA": datetime(2024, 1, 12, tzinfo=UTC), "PC": 3e-7},
        {"CDM_ID": 3, "TCA": datetime(2024, 1, 1, tzinfo=UTC), "PC": 5e-3},
    ]
    query = parse_query("class/cdm_public/TCA/%3Enow/PC/%3E0.0001/orderby/TCA")
    assert [row["CDM_ID"] for row in run_query(query, cdms, now=NOW).rows] == [1]


def test_a_stored_value_of_the_wrong_kind_is_reported_by_field() -> None:
    rows = [{"NORAD_CAT_ID": "not a number"}]
    with pytest.raises(ValueError, match="field NORAD_CAT_ID is not a integer"):
        run_query(parse_query("class/satcat/NORAD_CAT_ID/%3E5"), rows, now=NOW)
