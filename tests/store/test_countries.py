"""ISO 3166-1 country codes: assigned and user-assigned accepted, anything else refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.store import country_code_problem, is_iso_country_code

#: The tz database's table of ISO 3166-1 alpha-2 codes (public domain), where installed.
TZ_ISO3166 = Path("/usr/share/zoneinfo/iso3166.tab")


@pytest.mark.parametrize("code", ["FR", "FRA", "JP", "JPN", "US", "USA", "IN", "IND", "SS", "SSD"])
def test_assigned_codes_are_accepted(code: str) -> None:
    assert is_iso_country_code(code) and country_code_problem(code) is None


@pytest.mark.parametrize("code", ["XA", "XD", "XZ", "AA", "QM", "QZ", "ZZ", "XAA", "QMZ", "ZZZ"])
def test_user_assigned_codes_like_the_demos_are_accepted(code: str) -> None:
    assert is_iso_country_code(code)


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("fr", "only in upper case: give 'FR'"),
        ("EU", "not an assigned ISO 3166-1 code"),  # exceptionally reserved, not a country
        ("UK", "not an assigned ISO 3166-1 code"),  # the UK is GB / GBR
        ("AB", "not an assigned ISO 3166-1 code"),
        ("F", "two or three upper-case letters"),
        ("FRAN", "two or three upper-case letters"),
    ],
)
def test_other_codes_are_refused_with_the_fix(code: str, problem: str) -> None:
    message = country_code_problem(code)
    assert message is not None and problem in message


def test_alpha_2_codes_match_the_tz_databases_table() -> None:
    if not TZ_ISO3166.exists():
        pytest.skip(f"{TZ_ISO3166} is not installed (package tzdata)")
    rows = [line for line in TZ_ISO3166.read_text().splitlines() if not line.startswith("#")]
    tz_codes = {line.split("\t")[0] for line in rows}
    assert len(tz_codes) == 249
    assert all(is_iso_country_code(code) for code in tz_codes)
    # And no other two-letter code outside the user-assigned ranges.
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    accepted = {a + b for a in letters for b in letters if is_iso_country_code(a + b)}
    user_assigned = {"AA", "ZZ"} | {f"Q{c}" for c in letters[12:]} | {f"X{c}" for c in letters}
    assert accepted == tz_codes | user_assigned
