"""The screening validation's brute-force reference and its comparisons."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from benchmarks.validate_screening import (
    MISS_TOLERANCE_KM,
    TCA_TOLERANCE_S,
    compare,
    compare_halved_step,
    random_pairs,
    reference_conjunctions,
)

from accord.conjunctions import ScreeningResult, screen_catalog
from accord.formats import ElementSet, read_catalog
from accord.orbits import satrec_from_element_set
from tests._crossing_pair import T0, circular

CATALOG = "catalogs/celestrak_on_orbit_2024-11-01.csv"
#: The crossing pair's SGP4 miss (tests/_crossing_pair.py), to the metre.
CROSSING_MISS_KM = 4.24
CROSSING_START = T0 - timedelta(minutes=30)
#: Two ways of splitting the Julian date agree to about a micrometre in SGP4 positions.
SPLIT_DATE_KM = 1e-8


def _distance_km(pair: list[ElementSet], seconds: float) -> float:
    """Exact python-sgp4 distance between the pair `seconds` after `CROSSING_START`."""
    jd = 2460615.5 - 30.0 / 1440.0
    positions = [satrec_from_element_set(es).sgp4(jd, seconds / 86400.0)[1] for es in pair]
    return math.dist(positions[0], positions[1])


def test_reference_finds_the_crossing_pairs_minimum() -> None:
    pair = [circular(90001, 50.0), circular(90002, 90.0)]
    minima, stats = reference_conjunctions(pair, 3600.0, 20.0, start=CROSSING_START)
    assert list(minima) == [(0, 1)]
    [(tca_s, miss_km)] = minima[(0, 1)]
    assert abs(tca_s - 1800.0) < 5.0
    assert miss_km == pytest.approx(CROSSING_MISS_KM, abs=0.01)
    assert miss_km == pytest.approx(_distance_km(pair, tca_s), abs=SPLIT_DATE_KM)
    # A true minimum: a millisecond either side is farther.
    assert _distance_km(pair, tca_s - TCA_TOLERANCE_S) > miss_km
    assert _distance_km(pair, tca_s + TCA_TOLERANCE_S) > miss_km
    assert stats["unresolved"] == []


def test_reference_leaves_out_excluded_pairs_and_higher_thresholds_count() -> None:
    pair = [circular(90001, 50.0), circular(90002, 90.0)]
    excluded, _ = reference_conjunctions(
        pair, 3600.0, 20.0, start=CROSSING_START, excluded={(0, 1)}
    )
    below, _ = reference_conjunctions(pair, 3600.0, 4.0, start=CROSSING_START)
    assert excluded == {}
    assert below == {}


def test_all_pairs_and_listed_pairs_searches_agree(shared: Callable[[str], Path]) -> None:
    # The k-d tree search (case a) and the coarse pre-pass (case b) are two routes to the
    # same sampled minima: on a dense Starlink shell they must give the same conjunctions.
    path = shared(CATALOG)
    catalog = [
        item.element_set for item in read_catalog(path.read_bytes(), source=CATALOG).element_sets
    ]
    starlinks = [es for es in catalog if (es.object_name or "").startswith("STARLINK")][:300]
    first, second = np.triu_indices(len(starlinks), k=1)
    listed = np.column_stack([first, second]).astype(np.int64)
    by_tree, _ = reference_conjunctions(starlinks, 6 * 3600.0, 5.0)
    by_list, stats = reference_conjunctions(starlinks, 6 * 3600.0, 5.0, pairs=listed)
    assert by_tree, "300 Starlinks over 6 hours should have close approaches"
    assert by_tree.keys() == by_list.keys()
    for pair, approaches in by_tree.items():
        assert np.allclose(approaches, by_list[pair], rtol=0.0, atol=1e-6)
    assert stats["pair_intervals_densely_sampled"] < len(listed) * 180 / 10


def test_compare_lists_missed_extra_and_near_threshold_minima() -> None:
    objects = [circular(90001 + i, 50.0 + i) for i in range(4)]
    reference = {
        (0, 1): [(100.0, 1.0), (6000.0, 2.0)],
        (0, 2): [(300.0, 4.9995)],  # within 1 m of the threshold: excepted
        (1, 3): [(50.0, 0.5)],
    }
    engine = {
        (0, 1): [(100.0002, 1.0004), (9000.0, 3.0)],  # the second is not in the reference
        (1, 3): [(50.0, 0.5)],
    }
    summary = compare(objects, reference, engine, 5.0)
    assert summary["reference_conjunctions"] == 3
    assert summary["found"] == 2
    assert [m["norad_ids"] for m in summary["missed_list"]] == [[90001, 90002]]
    assert summary["missed_list"][0]["tca_offset_s"] == 6000.0
    assert [e["tca_offset_s"] for e in summary["extra_list"]] == [9000.0]
    assert summary["excepted_near_threshold"] == 1
    assert summary["worst_tca_difference_s"] == pytest.approx(2e-4)
    assert summary["worst_miss_difference_km"] == pytest.approx(4e-4)
    assert not summary["within_tolerance"]


def test_compare_holds_the_named_tolerances() -> None:
    objects = [circular(90001, 50.0), circular(90002, 90.0)]
    reference = {(0, 1): [(100.0, 1.0)]}
    close = {(0, 1): [(100.0 + 0.9 * TCA_TOLERANCE_S, 1.0 + 0.9 * MISS_TOLERANCE_KM)]}
    late = {(0, 1): [(100.0 + 1.1 * TCA_TOLERANCE_S, 1.0)]}
    assert compare(objects, reference, close, 5.0)["within_tolerance"]
    summary = compare(objects, reference, late, 5.0)
    assert not summary["within_tolerance"]
    [outside] = summary["out_of_tolerance_list"]
    assert outside["tca_difference_s"] == pytest.approx(1.1 * TCA_TOLERANCE_S)


def test_halved_step_comparison_sees_a_changed_result() -> None:
    pair = [circular(90001, 50.0), circular(90002, 90.0)]

    def screen(step_s: float) -> ScreeningResult:
        return screen_catalog(
            pair,
            start=CROSSING_START,
            duration=timedelta(hours=1),
            threshold_km=20.0,
            step_s=step_s,
        )

    default, halved = screen(60.0), screen(30.0)
    unchanged = compare_halved_step(pair, default, halved, 20.0)
    assert unchanged["unchanged"], unchanged
    assert unchanged["halved_step_s"] == 30.0
    moved = dataclasses.replace(
        halved,
        conjunctions=[
            dataclasses.replace(c, tca_offset_s=c.tca_offset_s + 0.01) for c in halved.conjunctions
        ],
    )
    assert not compare_halved_step(pair, default, moved, 20.0)["unchanged"]
    lost = dataclasses.replace(halved, conjunctions=[])
    changed = compare_halved_step(pair, default, lost, 20.0)
    assert not changed["unchanged"]
    assert len(changed["only_at_default_step"]) == 1


def test_random_pairs_are_distinct_ordered_and_reproducible() -> None:
    pairs = random_pairs(500, 20_000, seed=2)
    assert pairs.shape == (20_000, 2)
    assert np.all(pairs[:, 0] < pairs[:, 1])
    assert len(np.unique(pairs, axis=0)) == 20_000
    assert np.array_equal(pairs, random_pairs(500, 20_000, seed=2))
