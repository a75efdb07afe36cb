"""Rules of the road as documents: the `accord.rules/v1` format, its schema, typed rules.

A rule set is YAML or JSON text validated against `schema/rules-v1.schema.json` and a few
semantic checks; every problem is collected before raising, like agreement documents.
A rule's conditions describe an `Encounter`; its specificity (scope first, then the number
of conditions) decides between rules that both match (see _rulebook.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, TypeVar

import jsonschema
import yaml

from accord.coordination._encounters import (
    Encounter,
    EncounterSide,
    LowerPcThreshold,
    ObjectType,
    OrbitRegime,
    Side,
)
from accord.coordination._errors import RuleProblem, RuleSetError

__all__ = [
    "BASELINE_SCOPE",
    "RULES_FORMAT",
    "Manoeuvre",
    "Rule",
    "RuleConditions",
    "RuleSet",
    "SideConditions",
    "baseline_rules",
    "load_rule_set",
    "parse_rule_set",
    "rules_schema",
]

#: The value of a rule set's `format` field.
RULES_FORMAT = "accord.rules/v1"
#: The scope of the baseline rule set (a bilateral set's scope is its agreement id).
BASELINE_SCOPE = "baseline"
_SCHEMA_RESOURCE = "rules-v1.schema.json"
_E = TypeVar("_E", bound=StrEnum)


class Manoeuvre(StrEnum):
    """A rule's outcome: which side manoeuvres, both coordinate, or neither can act."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    BOTH_COORDINATE = "both_coordinate"
    NEITHER = "neither"

    def mirrored(self) -> Manoeuvre:
        """The same outcome with primary and secondary swapped."""
        swap = {Manoeuvre.PRIMARY: Manoeuvre.SECONDARY, Manoeuvre.SECONDARY: Manoeuvre.PRIMARY}
        return swap.get(self, self)


@dataclass(frozen=True, slots=True)
class SideConditions:
    """Conditions on one side; None means the rule does not look at that property."""

    manoeuvrable: bool | None = None
    claimed: bool | None = None
    object_types: frozenset[ObjectType] | None = None

    @property
    def count(self) -> int:
        """How many conditions this side sets."""
        return sum(v is not None for v in (self.manoeuvrable, self.claimed, self.object_types))

    def reasons(self, side: Side, obj: EncounterSide) -> list[str] | None:
        """Why the object matches, one sentence per condition; None when it does not match."""
        said: list[str] = []
        label = f"{side.value} object {obj.norad_id}"
        if self.manoeuvrable is not None:
            if obj.manoeuvrable is not self.manoeuvrable:
                return None
            said.append(f"{label} {'can' if obj.manoeuvrable else 'cannot'} manoeuvre")
        if self.claimed is not None:
            if obj.claimed is not self.claimed:
                return None
            said.append(
                f"{label} is claimed by {obj.operator}" if obj.claimed else f"{label} is unclaimed"
            )
        if self.object_types is not None:
            if obj.object_type not in self.object_types:
                return None
            said.append(f"{label} is of type {obj.object_type.value}")
        return said


_LOWER_MIRROR = {
    LowerPcThreshold.PRIMARY: LowerPcThreshold.SECONDARY,
    LowerPcThreshold.SECONDARY: LowerPcThreshold.PRIMARY,
}


@dataclass(frozen=True, slots=True)
class RuleConditions:
    """Everything a rule requires of an encounter; an empty set of conditions matches all.

    The relative speed condition is the half-open interval [at_least, below) in km/s.
    """

    primary: SideConditions = field(default_factory=SideConditions)
    secondary: SideConditions = field(default_factory=SideConditions)
    regimes: frozenset[OrbitRegime] | None = None
    lower_pc_threshold: frozenset[LowerPcThreshold] | None = None
    speed_at_least_km_s: float | None = None
    speed_below_km_s: float | None = None

    @property
    def count(self) -> int:
        """The number of conditions: one per side property, regime, threshold order, speed."""
        has_speed = self.speed_at_least_km_s is not None or self.speed_below_km_s is not None
        return (
            self.primary.count
            + self.secondary.count
            + (self.regimes is not None)
            + (self.lower_pc_threshold is not None)
            + has_speed
        )

    def mirrored(self) -> RuleConditions:
        """The same conditions with primary and secondary swapped."""
        lower = self.lower_pc_threshold
        return replace(
            self,
            primary=self.secondary,
            secondary=self.primary,
            lower_pc_threshold=None
            if lower is None
            else frozenset(_LOWER_MIRROR.get(v, v) for v in lower),
        )

    def reasons(self, encounter: Encounter) -> list[str] | None:
        """Why the encounter matches, one sentence per condition; None when it does not."""
        said: list[str] = []
        for side, conditions in ((Side.PRIMARY, self.primary), (Side.SECONDARY, self.secondary)):
            found = conditions.reasons(side, encounter.side(side))
            if found is None:
                return None
            said += found
        if self.regimes is not None:
            if encounter.regime not in self.regimes:
                return None
            said.append(f"the encounter is in {encounter.regime.value}")
        if self.lower_pc_threshold is not None:
            lower = encounter.lower_pc_threshold
            if lower not in self.lower_pc_threshold:
                return None
            p, s = encounter.primary.pc_threshold, encounter.secondary.pc_threshold
            said.append(f"lower Pc threshold: {lower.value} (primary {p}, secondary {s})")
        speed = encounter.relative_speed_km_s
        if self.speed_at_least_km_s is not None:
            if speed < self.speed_at_least_km_s:
                return None
            said.append(f"relative speed {speed:g} km/s >= {self.speed_at_least_km_s:g} km/s")
        if self.speed_below_km_s is not None:
            if speed >= self.speed_below_km_s:
                return None
            said.append(f"relative speed {speed:g} km/s < {self.speed_below_km_s:g} km/s")
        return said


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the road, in one orientation.

    `id` is qualified by scope (`baseline/manoeuvrable-gives-way`,
    `esa-jaxa-leo-exchange/equal-thresholds`); a symmetric rule's second orientation has
    `mirrored` True and the same id.
    """

    id: str
    scope: str
    conditions: RuleConditions
    manoeuvre: Manoeuvre
    rationale: str
    mirrored: bool = False
    note: str | None = None

    @property
    def is_bilateral(self) -> bool:
        """Whether the rule belongs to an agreement rather than to the baseline."""
        return self.scope != BASELINE_SCOPE

    @property
    def specificity(self) -> tuple[int, int]:
        """(1 for bilateral / 0 for baseline, number of conditions): higher wins."""
        return (int(self.is_bilateral), self.conditions.count)

    @property
    def label(self) -> str:
        """The id, with the orientation when mirrored."""
        return f"{self.id} (mirrored)" if self.mirrored else self.id


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A validated rule-set document: its scope and its rules, both orientations expanded."""

    scope: str
    title: str | None
    rules: tuple[Rule, ...]
    source: str
    raw: dict[str, Any] = field(compare=False, repr=False, default_factory=dict)

    @property
    def is_baseline(self) -> bool:
        """Whether this is the baseline set."""
        return self.scope == BASELINE_SCOPE


@cache
def _schema_text() -> str:
    return (
        resources.files("accord.coordination")
        .joinpath("schema", _SCHEMA_RESOURCE)
        .read_text(encoding="utf-8")
    )


def rules_schema() -> dict[str, Any]:
    """The published JSON Schema (draft 2020-12) of rule sets, as a fresh dict."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = rules_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _path(parts: Iterable[object]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def load_rule_set(text: str, *, source: str) -> RuleSet:
    """Read one rule set from YAML or JSON text and validate it.

    `source` names the input in error messages. Raises RuleSetError listing every problem.
    Ambiguity between rules is checked when rule sets are compiled (`compile_rules`).
    """
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        raise RuleSetError(
            source, [RuleProblem("", f"text that is not YAML/JSON ({where})", "a rule set")]
        ) from exc
    return parse_rule_set(document, source=source)


def parse_rule_set(document: object, *, source: str) -> RuleSet:
    """Validate an already-parsed rule-set document (plain JSON types) into a RuleSet."""
    schema_errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.path))
    if schema_errors:
        raise RuleSetError(
            source,
            [
                RuleProblem(_path(e.absolute_path), _short(e.instance), e.message)
                for e in schema_errors
            ],
        )
    assert isinstance(document, Mapping)
    scope_doc = document["scope"]
    scope = BASELINE_SCOPE if scope_doc == BASELINE_SCOPE else str(scope_doc["agreement"])
    problems: list[RuleProblem] = []
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, rule_doc in enumerate(document["rules"]):
        where = f"rules[{index}]"
        local_id = rule_doc["id"]
        if local_id in seen:
            problems.append(RuleProblem(f"{where}.id", repr(local_id), "an id unique in the set"))
        seen.add(local_id)
        when = rule_doc.get("when", {})
        speed = when.get("relative_speed_km_s", {})
        at_least, below = speed.get("at_least"), speed.get("below")
        if at_least is not None and below is not None and not at_least < below:
            problems.append(
                RuleProblem(
                    f"{where}.when.relative_speed_km_s",
                    f"at_least={at_least}, below={below}",
                    "at_least < below (the interval [at_least, below) must not be empty)",
                )
            )
        conditions = RuleConditions(
            primary=_side(when.get("primary", {})),
            secondary=_side(when.get("secondary", {})),
            regimes=_set(when.get("regime"), OrbitRegime),
            lower_pc_threshold=_set(when.get("lower_pc_threshold"), LowerPcThreshold),
            speed_at_least_km_s=None if at_least is None else float(at_least),
            speed_below_km_s=None if below is None else float(below),
        )
        rule = Rule(
            id=f"{scope}/{local_id}",
            scope=scope,
            conditions=conditions,
            manoeuvre=Manoeuvre(rule_doc["then"]["manoeuvre"]),
            rationale=" ".join(str(rule_doc["then"]["rationale"]).split()),
            note=rule_doc.get("note"),
        )
        rules.append(rule)
        if rule_doc.get("symmetric", False):
            mirror = replace(
                rule,
                conditions=conditions.mirrored(),
                manoeuvre=rule.manoeuvre.mirrored(),
                mirrored=True,
            )
            # A rule that reads the same both ways (e.g. both sides non-manoeuvrable) is
            # kept once; one whose mirror differs only in outcome is left for the
            # ambiguity check to report.
            if (mirror.conditions, mirror.manoeuvre) != (rule.conditions, rule.manoeuvre):
                rules.append(mirror)
    if problems:
        raise RuleSetError(source, problems)
    return RuleSet(
        scope=scope,
        title=document.get("title"),
        rules=tuple(rules),
        source=source,
        raw=dict(document),
    )


def baseline_rules() -> RuleSet:
    """The baseline rule set shipped in the package (`rules/baseline.yaml`)."""
    return _baseline()


@cache
def _baseline() -> RuleSet:
    text = (
        resources.files("accord.coordination")
        .joinpath("rules", "baseline.yaml")
        .read_text(encoding="utf-8")
    )
    return load_rule_set(text, source="accord.coordination:rules/baseline.yaml")


def _side(doc: Mapping[str, Any]) -> SideConditions:
    return SideConditions(
        manoeuvrable=doc.get("manoeuvrable"),
        claimed=doc.get("claimed"),
        object_types=_set(doc.get("object_type"), ObjectType),
    )


def _set(value: object, enum: type[_E]) -> frozenset[_E] | None:
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    return frozenset(enum(str(v)) for v in values)


def _short(value: object) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
