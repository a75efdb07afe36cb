"""docs/propagation.md stays true to the code: error codes, public names, failing cases."""

from __future__ import annotations

import re
from pathlib import Path

import accord.orbits
from accord.orbits import Sgp4ErrorCode
from tests.orbits.test_vallado_conformance import EXPECTED_FAILURES

DOC = Path(__file__).resolve().parents[2] / "docs" / "propagation.md"
#: Public names of the propagation and frames modules (the population API has its own doc).
DOCUMENTED_MODULES = (
    "accord.orbits._propagation",
    "accord.orbits._satrec",
    "accord.orbits._states",
    "accord.orbits._times",
    "accord.orbits._frames",
    "accord.orbits._errors",
)


def test_error_code_table_lists_every_code_with_its_name() -> None:
    text = DOC.read_text(encoding="utf-8")

    rows = dict(re.findall(r"^\| (\d) \| `(\w+)` \|", text, flags=re.MULTILINE))

    assert rows == {str(code.value): code.name for code in Sgp4ErrorCode}


def test_every_public_propagation_name_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    names = [
        name
        for name in accord.orbits.__all__
        if getattr(getattr(accord.orbits, name), "__module__", None) in DOCUMENTED_MODULES
    ]

    missing = [name for name in names if name not in text]

    assert names, "no public names found; has the module layout changed?"
    assert missing == []


def test_failing_verification_cases_are_described_as_tested() -> None:
    text = DOC.read_text(encoding="utf-8")

    for norad_id, (code, _minute) in EXPECTED_FAILURES.items():
        assert re.search(rf"{norad_id}[^,;]* code {int(code)}", text), norad_id
