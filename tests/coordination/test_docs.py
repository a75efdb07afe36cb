"""docs/coordination.md stays true: its rule sets parse and its decisions table holds."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from accord.coordination import (
    Encounter,
    EncounterSide,
    ObjectType,
    OrbitRegime,
    load_rule_set,
)
from tests.coordination._builders import DOCS, example_book

DOC = DOCS / "coordination.md"


def _block(name: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split(f"<!-- {name} -->", 1)[1].split("<!-- /", 1)[0]


def _yaml(name: str) -> str:
    return _block(name).split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_baseline_in_the_docs_is_the_shipped_file() -> None:
    shipped = resources.files("accord.coordination").joinpath("rules", "baseline.yaml").read_text()
    assert _yaml("baseline") == shipped
    assert load_rule_set(_yaml("baseline"), source="docs").is_baseline


def test_the_example_in_the_docs_is_the_example_file() -> None:
    path = DOCS / "examples" / "rules" / "esa-jaxa-leo-exchange.yaml"
    assert _yaml("example:esa-jaxa-leo-exchange.yaml") == path.read_text(encoding="utf-8")


def _side(norad_id: int, cell: str) -> EncounterSide:
    operator, kind, moves, threshold = cell.split()
    return EncounterSide(
        norad_id,
        ObjectType(kind),
        moves == "m",
        None if operator == "-" else operator,
        None if threshold == "-" else float(threshold),
    )


def _rows() -> list[list[str]]:
    lines = _block("decisions:esa-jaxa-leo-exchange.yaml").strip().splitlines()[2:]
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]


ROWS = _rows()
BOOK = example_book()


def test_the_table_has_rows() -> None:
    assert len(ROWS) == 8


@pytest.mark.parametrize("row", ROWS, ids=[f"row{i}" for i in range(len(ROWS))])
def test_documented_decisions(row: list[str]) -> None:
    primary, secondary, regime, speed, rule, manoeuvre = row
    encounter = Encounter(_side(1, primary), _side(2, secondary), OrbitRegime(regime), float(speed))
    proposal = BOOK.decide(encounter)
    label = proposal.rule_id + (" (mirrored)" if proposal.mirrored else "")
    assert (label, proposal.manoeuvre.value) == (rule, manoeuvre)


def test_doc_exists_at_the_documented_path() -> None:
    assert Path(DOC).is_file()
