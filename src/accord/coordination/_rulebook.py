"""Compiling rule sets into a rule book, checked for ambiguity and totality, and deciding.

Selection: among the rules that match an encounter, the one of highest specificity
(bilateral before baseline, then more conditions) wins. Bilateral rules of an agreement
apply only when the two objects are claimed by two different parties of that agreement.
`compile_rules` proves, before any decision is asked for, that every encounter has exactly
one winning rule: it enumerates a representative of every class of encounters that the
rules can tell apart (each side's type, manoeuvrability, claim and threshold; the regime;
the relative speed at and between every bound the rules name) and evaluates them with the
same matching code as `decide`. The enumeration is exhaustive for these conditions because
no rule can distinguish two encounters of the same class.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from accord.agreements import Agreement
from accord.coordination._encounters import (
    Encounter,
    EncounterSide,
    ObjectType,
    OrbitRegime,
    Side,
)
from accord.coordination._errors import (
    AmbiguousRulesError,
    IncompleteRulesError,
    RuleProblem,
    RuleSetError,
)
from accord.coordination._rules import BASELINE_SCOPE, Manoeuvre, Rule, RuleSet

__all__ = ["ManoeuvreProposal", "RuleBook", "compile_rules"]

#: Two distinct Pc thresholds used to represent "lower", "equal" and "higher" in the check.
_THRESHOLDS = (None, 1e-5, 1e-4)


@dataclass(frozen=True, slots=True)
class ManoeuvreProposal:
    """What the rules of the road propose for one encounter, and why.

    `acting_operators`: the partners that must act (none for `neither`; an unclaimed
    acting object has no operator to ask). `reasons`: one sentence per matched condition,
    then why this rule won. `overridden`: the other matching rules, most specific first.
    """

    manoeuvre: Manoeuvre
    acting_norad_ids: tuple[int, ...]
    acting_operators: tuple[str, ...]
    rule_id: str
    scope: str
    mirrored: bool
    rationale: str
    reasons: tuple[str, ...]
    overridden: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleBook:
    """The baseline and the bilateral rule sets in force, proven unambiguous and total.

    `agreement_parties` maps each agreement id with bilateral rules to its parties.
    `inactive_scopes`: bilateral rule sets whose agreement is not among those given
    (not in force): kept out of every decision.
    """

    baseline: RuleSet
    bilateral: tuple[RuleSet, ...]
    agreement_parties: dict[str, frozenset[str]]
    inactive_scopes: tuple[str, ...]

    def applicable_rules(self, encounter: Encounter) -> tuple[Rule, ...]:
        """The baseline rules plus those of every agreement binding both operators."""
        rules = list(self.baseline.rules)
        for rule_set in self._bilateral_for(
            encounter.primary.operator, encounter.secondary.operator
        ):
            rules += rule_set.rules
        return tuple(rules)

    def _bilateral_for(self, primary: str | None, secondary: str | None) -> list[RuleSet]:
        if primary is None or secondary is None or primary == secondary:
            return []
        return [
            rule_set
            for rule_set in self.bilateral
            if {primary, secondary} <= self.agreement_parties[rule_set.scope]
        ]

    def decide(self, encounter: Encounter) -> ManoeuvreProposal:
        """The proposal of the most specific matching rule, with its reasons."""
        ranked = _ranked_matches(self.applicable_rules(encounter), encounter)
        # compile_rules proved there is exactly one winner; a failure here is a bug.
        best_rule, best_reasons = ranked[0]
        if len(ranked) > 1 and ranked[1][0].specificity == best_rule.specificity:
            raise AssertionError(f"tie between {best_rule.label} and {ranked[1][0].label}")
        outcome = best_rule.manoeuvre
        acting_sides = {
            Manoeuvre.PRIMARY: (Side.PRIMARY,),
            Manoeuvre.SECONDARY: (Side.SECONDARY,),
            Manoeuvre.BOTH_COORDINATE: (Side.PRIMARY, Side.SECONDARY),
            Manoeuvre.NEITHER: (),
        }[outcome]
        acting = [encounter.side(s) for s in acting_sides]
        tier = "bilateral" if best_rule.is_bilateral else "baseline"
        why = (
            f"rule {best_rule.label} ({tier}, {best_rule.conditions.count} condition(s)) is "
            f"the most specific of {len(ranked)} matching rule(s)"
        )
        return ManoeuvreProposal(
            manoeuvre=outcome,
            acting_norad_ids=tuple(side.norad_id for side in acting),
            acting_operators=tuple(dict.fromkeys(s.operator for s in acting if s.operator)),
            rule_id=best_rule.id,
            scope=best_rule.scope,
            mirrored=best_rule.mirrored,
            rationale=best_rule.rationale,
            reasons=(*best_reasons, why),
            overridden=tuple(rule.label for rule, _ in ranked[1:]),
        )


def _ranked_matches(rules: Iterable[Rule], encounter: Encounter) -> list[tuple[Rule, list[str]]]:
    found = []
    for rule in rules:
        reasons = rule.conditions.reasons(encounter)
        if reasons is not None:
            found.append((rule, reasons))
    found.sort(key=lambda item: item[0].specificity, reverse=True)
    return found


def compile_rules(
    baseline: RuleSet,
    bilateral: Sequence[RuleSet] = (),
    agreements: Iterable[Agreement] = (),
) -> RuleBook:
    """Build the rule book from the baseline and the agreements' bilateral rule sets.

    `agreements` are the agreements in force (`agreements_in_force`); a bilateral set
    whose agreement is not among them is inactive. Raises AmbiguousRulesError when two
    rules of equal specificity win some encounter, IncompleteRulesError when some
    encounter matches no rule, RuleSetError when the sets are misplaced (a bilateral set
    passed as baseline, two sets for one agreement).
    """
    if not baseline.is_baseline:
        raise RuleSetError(
            baseline.source,
            [RuleProblem("scope", repr(baseline.scope), f"{BASELINE_SCOPE!r} for the baseline")],
        )
    parties = {a.id: a.party_ids for a in agreements}
    active: list[RuleSet] = []
    inactive: list[RuleSet] = []
    for rule_set in bilateral:
        if rule_set.is_baseline:
            raise RuleSetError(
                rule_set.source,
                [RuleProblem("scope", "baseline", "{agreement: <id>} for a bilateral rule set")],
            )
        if any(r.scope == rule_set.scope for r in active):
            raise RuleSetError(
                rule_set.source,
                [RuleProblem("scope", rule_set.scope, "one rule set per agreement")],
            )
        (active if rule_set.scope in parties else inactive).append(rule_set)
    book = RuleBook(
        baseline=baseline,
        bilateral=tuple(active),
        agreement_parties={r.scope: parties[r.scope] for r in active},
        inactive_scopes=tuple(r.scope for r in inactive),
    )
    _check(book, baseline.rules, operators=("x", None), source=baseline.source)
    for pair in _partner_pairs(book):
        sets = book._bilateral_for(*pair)
        if sets:
            rules = list(baseline.rules)
            for rule_set in sets:
                rules += rule_set.rules
            source = " + ".join([baseline.source, *(s.source for s in sets)])
            _check(book, rules, operators=pair, source=source)
    return book


def _partner_pairs(book: RuleBook) -> list[tuple[str, str]]:
    partners = sorted(set().union(*book.agreement_parties.values()))
    return list(itertools.combinations(partners, 2))


def _check(
    book: RuleBook, rules: Sequence[Rule], *, operators: tuple[str | None, ...], source: str
) -> None:
    ambiguous: dict[tuple[str, str], Encounter] = {}
    unmatched: list[Encounter] = []
    for encounter in _representative_encounters(rules, operators):
        ranked = _ranked_matches(rules, encounter)
        if not ranked:
            unmatched.append(encounter)
            continue
        top = [rule for rule, _ in ranked if rule.specificity == ranked[0][0].specificity]
        for first, second in itertools.combinations(top, 2):
            ambiguous.setdefault((first.label, second.label), encounter)
    if ambiguous:
        problems = [
            RuleProblem(
                f"rules {a} and {b}",
                f"a tie at specificity {_specificity_of(rules, a)} for {_describe(example)}",
                "one of them more specific (add a condition), or a more specific rule for "
                "the overlap, or disjoint conditions",
            )
            for (a, b), example in sorted(ambiguous.items())
        ]
        raise AmbiguousRulesError(source, problems)
    if unmatched:
        raise IncompleteRulesError(
            source,
            [
                RuleProblem(
                    "rules",
                    f"no rule for {_describe(unmatched[0])} ({len(unmatched)} class(es))",
                    "a catch-all rule without conditions in the baseline",
                )
            ],
        )


def _specificity_of(rules: Sequence[Rule], label: str) -> tuple[int, int]:
    return next(rule.specificity for rule in rules if rule.label == label)


def _representative_encounters(
    rules: Sequence[Rule], operators: tuple[str | None, ...]
) -> Iterator[Encounter]:
    """One encounter per class of encounters the rules can tell apart (see module doc)."""
    uses_regime = any(r.conditions.regimes is not None for r in rules)
    regimes = list(OrbitRegime) if uses_regime else [OrbitRegime.LEO]
    bounds = sorted(
        {
            b
            for r in rules
            for b in (r.conditions.speed_at_least_km_s, r.conditions.speed_below_km_s)
            if b is not None
        }
    )
    speeds = sorted({0.0, *bounds, *(a + (b - a) / 2 for a, b in itertools.pairwise(bounds))})
    if bounds:
        speeds.append(bounds[-1] + 1.0)
    bilateral_pair = None not in operators
    primary_sides = list(_sides(1, operators[0] if bilateral_pair else None, bilateral_pair))
    secondary_sides = list(_sides(2, operators[1] if bilateral_pair else None, bilateral_pair))
    for primary, secondary in itertools.product(primary_sides, secondary_sides):
        for regime, speed in itertools.product(regimes, speeds):
            yield Encounter(primary, secondary, regime, speed)


def _sides(norad_id: int, operator: str | None, claimed_only: bool) -> Iterator[EncounterSide]:
    claims: list[str | None] = [operator or "x"] if claimed_only else [None, "x"]
    for object_type in ObjectType:
        for manoeuvrable in (False,) if object_type is ObjectType.DEBRIS else (False, True):
            for claim in claims:
                for threshold in _THRESHOLDS if claim else (None,):
                    yield EncounterSide(norad_id, object_type, manoeuvrable, claim, threshold)


def _describe(encounter: Encounter) -> str:
    def side(s: EncounterSide) -> str:
        claim = f"claimed, Pc threshold {s.pc_threshold}" if s.claimed else "unclaimed"
        move = "manoeuvrable" if s.manoeuvrable else "not manoeuvrable"
        return f"{s.object_type.value} {move} {claim}"

    return (
        f"primary {side(encounter.primary)} / secondary {side(encounter.secondary)}, "
        f"{encounter.regime.value}, {encounter.relative_speed_km_s:g} km/s"
    )
