"""Shared builders for the coordination tests: example agreements, rule books, encounters."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from accord.agreements import Agreement, load_agreement
from accord.coordination import (
    Encounter,
    EncounterSide,
    ObjectType,
    OrbitRegime,
    RuleBook,
    RuleSet,
    baseline_rules,
    compile_rules,
    load_rule_set,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def example_agreement(name: str = "leo-data-exchange.yaml") -> Agreement:
    path = DOCS / "examples" / "agreements" / name
    return load_agreement(path.read_text(encoding="utf-8"), source=str(path))


def example_rules(name: str = "esa-jaxa-leo-exchange.yaml") -> RuleSet:
    path = DOCS / "examples" / "rules" / name
    return load_rule_set(path.read_text(encoding="utf-8"), source=str(path))


def example_book() -> RuleBook:
    return compile_rules(baseline_rules(), [example_rules()], [example_agreement()])


def side(
    norad_id: int,
    *,
    operator: str | None = None,
    manoeuvrable: bool = True,
    object_type: ObjectType = ObjectType.PAYLOAD,
    pc_threshold: float | None = None,
) -> EncounterSide:
    return EncounterSide(norad_id, object_type, manoeuvrable, operator, pc_threshold)


def encounter(
    primary: EncounterSide,
    secondary: EncounterSide,
    regime: OrbitRegime = OrbitRegime.LEO,
    speed_km_s: float = 14.0,
) -> Encounter:
    return Encounter(primary, secondary, regime, speed_km_s)
