"""Rules of the road: each baseline rule, bilateral overrides, load-time ambiguity, totality."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.coordination import (
    AmbiguousRulesError,
    EncounterError,
    EncounterSide,
    IncompleteRulesError,
    Manoeuvre,
    ObjectType,
    OrbitRegime,
    RuleSetError,
    baseline_rules,
    compile_rules,
    load_rule_set,
    rules_schema,
)
from tests.coordination._builders import (
    encounter,
    example_agreement,
    example_book,
    example_rules,
    side,
)

BASELINE = compile_rules(baseline_rules())
BOOK = example_book()
DEB = ObjectType.DEBRIS


@pytest.mark.parametrize(
    ("primary", "secondary", "rule_id", "manoeuvre", "mirrored"),
    [
        (side(1, operator="esa"), side(2, operator="nasa", manoeuvrable=False),
         "baseline/manoeuvrable-gives-way", Manoeuvre.PRIMARY, False),
        (side(1, operator="esa", manoeuvrable=False), side(2, operator="nasa"),
         "baseline/manoeuvrable-gives-way", Manoeuvre.SECONDARY, True),
        (side(1, operator="esa"), side(2, manoeuvrable=False, object_type=DEB),
         "baseline/debris-never-manoeuvres", Manoeuvre.PRIMARY, False),
        (side(1, manoeuvrable=False, object_type=DEB), side(2, operator="esa"),
         "baseline/debris-never-manoeuvres", Manoeuvre.SECONDARY, True),
        (side(1, operator="esa", manoeuvrable=False), side(2, manoeuvrable=False, object_type=DEB),
         "baseline/neither-can-manoeuvre", Manoeuvre.NEITHER, False),
        (side(1, operator="esa", pc_threshold=1e-5), side(2, operator="nasa", pc_threshold=1e-4),
         "baseline/lower-pc-threshold-acts", Manoeuvre.PRIMARY, False),
        (side(1, operator="esa", pc_threshold=1e-4), side(2, operator="nasa", pc_threshold=1e-5),
         "baseline/lower-pc-threshold-acts", Manoeuvre.SECONDARY, True),
        (side(1, operator="esa", pc_threshold=1e-4), side(2, operator="nasa", pc_threshold=1e-4),
         "baseline/both-coordinate", Manoeuvre.BOTH_COORDINATE, False),
        (side(1, operator="esa"), side(2, operator="nasa", pc_threshold=1e-4),
         "baseline/both-coordinate", Manoeuvre.BOTH_COORDINATE, False),
    ],
)  # fmt: skip
def test_each_baseline_rule_decides_its_encounters(
    primary: EncounterSide,
    secondary: EncounterSide,
    rule_id: str,
    manoeuvre: Manoeuvre,
    mirrored: bool,
) -> None:
    proposal = BASELINE.decide(encounter(primary, secondary))
    assert (proposal.rule_id, proposal.manoeuvre, proposal.mirrored) == (
        rule_id,
        manoeuvre,
        mirrored,
    )
    assert proposal.reasons[-1].startswith(f"rule {rule_id}")


def test_proposal_names_the_acting_operator_and_the_overridden_rules() -> None:
    proposal = BASELINE.decide(
        encounter(side(1, operator="esa"), side(2, manoeuvrable=False, object_type=DEB))
    )
    assert proposal.acting_operators == ("esa",)
    assert proposal.acting_norad_ids == (1,)
    assert "secondary object 2 is of type debris" in proposal.reasons
    assert proposal.overridden == ("baseline/manoeuvrable-gives-way", "baseline/both-coordinate")


def test_bilateral_rule_overrides_the_baseline_between_its_parties_only() -> None:
    book = example_book()
    # JAXA's threshold is lower: the baseline would make the secondary act.
    jaxa_lower = encounter(
        side(1, operator="esa", pc_threshold=1e-4), side(2, operator="jaxa", pc_threshold=1e-5)
    )
    assert BASELINE.decide(jaxa_lower).rule_id == "baseline/lower-pc-threshold-acts"
    proposal = book.decide(jaxa_lower)
    assert proposal.rule_id == "esa-jaxa-leo-exchange/primary-acts-in-leo"
    assert proposal.manoeuvre is Manoeuvre.PRIMARY
    assert proposal.acting_operators == ("esa",)
    assert "baseline/lower-pc-threshold-acts (mirrored)" in proposal.overridden
    # The same geometry between ESA and NASA (no bilateral rules) stays with the baseline.
    other = encounter(
        side(1, operator="esa", pc_threshold=1e-4), side(2, operator="nasa", pc_threshold=1e-5)
    )
    assert book.decide(other).rule_id == "baseline/lower-pc-threshold-acts"


def test_bilateral_rules_of_an_agreement_not_in_force_are_inactive() -> None:
    book = compile_rules(baseline_rules(), [example_rules()], agreements=[])
    assert book.inactive_scopes == ("esa-jaxa-leo-exchange",)
    e = encounter(side(1, operator="esa"), side(2, operator="jaxa"))
    assert book.decide(e).scope == "baseline"


def _rules(body: str, scope: str = "baseline") -> str:
    return f"format: accord.rules/v1\nscope: {scope}\nrules:\n{body}"


CATCH_ALL = """
  - id: default
    then: {manoeuvre: both_coordinate, rationale: talk}
"""


def test_equal_specificity_overlap_is_refused_at_compile_time() -> None:
    text = _rules(
        CATCH_ALL
        + """
  - id: primary-moves
    when: {primary: {manoeuvrable: true}}
    then: {manoeuvre: primary, rationale: a}
  - id: secondary-debris
    when: {secondary: {object_type: debris}}
    then: {manoeuvre: primary, rationale: b}
"""
    )
    with pytest.raises(AmbiguousRulesError) as caught:
        compile_rules(load_rule_set(text, source="test.yaml"))
    (problem,) = caught.value.problems
    assert problem.path == "rules baseline/primary-moves and baseline/secondary-debris"
    assert "tie at specificity (0, 1)" in problem.found


def test_a_more_specific_rule_covering_the_overlap_resolves_the_tie() -> None:
    text = _rules(
        CATCH_ALL
        + """
  - id: primary-moves
    when: {primary: {manoeuvrable: true}}
    then: {manoeuvre: primary, rationale: a}
  - id: secondary-debris
    when: {secondary: {object_type: debris}}
    then: {manoeuvre: primary, rationale: b}
  - id: overlap
    when: {primary: {manoeuvrable: true}, secondary: {object_type: debris}}
    then: {manoeuvre: primary, rationale: c}
"""
    )
    book = compile_rules(load_rule_set(text, source="test.yaml"))
    e = encounter(side(1), side(2, manoeuvrable=False, object_type=DEB))
    assert book.decide(e).rule_id == "baseline/overlap"


def test_symmetric_rule_that_conflicts_with_its_own_mirror_is_ambiguous() -> None:
    text = _rules(
        CATCH_ALL
        + """
  - id: both-manoeuvrable
    symmetric: true
    when: {primary: {manoeuvrable: true}, secondary: {manoeuvrable: true}}
    then: {manoeuvre: primary, rationale: a}
"""
    )
    with pytest.raises(AmbiguousRulesError, match="both-manoeuvrable and baseline/both-"):
        compile_rules(load_rule_set(text, source="test.yaml"))


def test_bilateral_rules_tied_with_each_other_are_refused_for_their_parties() -> None:
    text = _rules(
        """
  - id: a
    when: {regime: LEO}
    then: {manoeuvre: primary, rationale: a}
  - id: b
    when: {relative_speed_km_s: {at_least: 10}}
    then: {manoeuvre: secondary, rationale: b}
""",
        scope="{agreement: esa-jaxa-leo-exchange}",
    )
    rule_set = load_rule_set(text, source="bilateral.yaml")
    with pytest.raises(AmbiguousRulesError, match="bilateral.yaml"):
        compile_rules(baseline_rules(), [rule_set], [example_agreement()])


def test_rule_set_without_catch_all_is_incomplete() -> None:
    text = _rules(
        """
  - id: only
    when: {primary: {manoeuvrable: true}}
    then: {manoeuvre: primary, rationale: a}
"""
    )
    with pytest.raises(IncompleteRulesError, match="a catch-all rule"):
        compile_rules(load_rule_set(text, source="test.yaml"))


def test_schema_and_semantic_problems_are_all_reported() -> None:
    text = _rules(
        """
  - id: a
    when: {primary: {fuel_kg: 3}}
    then: {manoeuvre: primary, rationale: a}
"""
    )
    with pytest.raises(RuleSetError) as caught:
        load_rule_set(text, source="bad.yaml")
    assert caught.value.problems[0].path == "rules[0].when.primary"
    assert "fuel_kg" in caught.value.problems[0].expected
    semantic = _rules(
        """
  - id: a
    when: {relative_speed_km_s: {at_least: 5, below: 5}}
    then: {manoeuvre: primary, rationale: a}
  - id: a
    then: {manoeuvre: primary, rationale: b}
"""
    )
    with pytest.raises(RuleSetError) as caught:
        load_rule_set(semantic, source="bad.yaml")
    assert [p.path for p in caught.value.problems] == [
        "rules[0].when.relative_speed_km_s",
        "rules[1].id",
    ]


def test_bilateral_set_passed_as_baseline_is_refused() -> None:
    with pytest.raises(RuleSetError, match="'baseline' for the baseline"):
        compile_rules(example_rules())


def test_schema_is_published_and_debris_cannot_be_manoeuvrable() -> None:
    assert rules_schema()["properties"]["format"] == {"const": "accord.rules/v1"}
    with pytest.raises(EncounterError, match="debris cannot manoeuvre"):
        EncounterSide(5, ObjectType.DEBRIS, True)


def _sides() -> st.SearchStrategy[EncounterSide]:
    def build(
        norad: int, kind: ObjectType, moves: bool, operator: str | None, pc: float | None
    ) -> EncounterSide:
        return EncounterSide(
            norad, kind, moves and kind is not DEB, operator, pc if operator else None
        )

    return st.builds(
        build,
        st.integers(1, 99_999),
        st.sampled_from(list(ObjectType)),
        st.booleans(),
        st.sampled_from([None, "esa", "jaxa", "nasa"]),
        st.one_of(st.none(), st.floats(1e-9, 1.0)),
    )


@settings(max_examples=300, deadline=None)
@given(
    primary=_sides(),
    secondary=_sides(),
    regime=st.sampled_from(list(OrbitRegime)),
    speed=st.floats(0.0, 20.0),
)
def test_every_encounter_gets_exactly_one_decision(
    primary: EncounterSide, secondary: EncounterSide, regime: OrbitRegime, speed: float
) -> None:
    """Totality and uniqueness, checked by brute force against every applicable rule."""
    book = BOOK
    e = encounter(primary, secondary, regime, speed)
    matching = [r for r in book.applicable_rules(e) if r.conditions.reasons(e) is not None]
    best = max(r.specificity for r in matching)
    winners = [r for r in matching if r.specificity == best]
    assert len(winners) == 1
    proposal = book.decide(e)
    assert (proposal.rule_id, proposal.mirrored) == (winners[0].id, winners[0].mirrored)
