"""Screening on Dask time pieces gives the single-process result (a 2-process LocalCluster)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from accord.conjunctions import ScreeningResult, screen_catalog
from accord.formats import ElementSet, read_catalog
from accord.screening import (
    ALIGN_STEPS,
    DaskScreeningError,
    dask_client,
    plan_pieces,
    screen_catalog_distributed,
)
from tests._shared_data import require_shared

CATALOG = "catalogs/celestrak_on_orbit_2024-11-01.csv"
START = datetime(2024, 11, 1, tzinfo=UTC)
DURATION = timedelta(days=1)
#: The brief's identity: same pairs, TCA within 1 microsecond, miss within 1 mm.
TCA_TOLERANCE_S = 1e-6
MISS_TOLERANCE_KM = 1e-6
#: When the edge pair at the span's end meets (30 minutes after the span).
END_MEETING = START + DURATION + timedelta(minutes=30)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One LocalCluster of two single-thread worker processes for the whole module."""
    with dask_client(workers=2) as dask:
        yield dask


@pytest.fixture(scope="module")
def population() -> list[ElementSet]:
    """300 Starlinks, a docked twin of the first, a pair close only mid-span, two edge pairs.

    The pair (same orbit at epoch START + 12 h, mean motions 0.0003 rev/day apart) is
    within 5 km from about 04:30 to 19:30: co-located in the middle pieces but not over the
    day, so its one conjunction (12:00, ~0.09 km) comes from the pair's re-screening.
    The edge pairs (same orbit, mean motions 0.003 rev/day apart, so about 6 km apart per
    hour from epoch) meet 30 minutes before the span (receding at its start) and 30 minutes
    after it (approaching at its end): edge approaches, not conjunctions.
    """
    path = require_shared(CATALOG)
    catalog = [
        item.element_set for item in read_catalog(path.read_bytes(), source=CATALOG).element_sets
    ]
    starlinks = [es for es in catalog if (es.object_name or "").startswith("STARLINK")][:300]
    docked = dataclasses.replace(starlinks[0], norad_id=990001)
    lead = dataclasses.replace(starlinks[0], norad_id=990002, epoch=START + timedelta(hours=12))
    trail = dataclasses.replace(
        lead, norad_id=990003, mean_motion_rev_per_day=lead.mean_motion_rev_per_day + 3e-4
    )
    edge_pairs = []
    for first_id, epoch in ((990004, START - timedelta(minutes=30)), (990006, END_MEETING)):
        base = dataclasses.replace(starlinks[1], norad_id=first_id, epoch=epoch)
        edge_pairs += [
            base,
            dataclasses.replace(
                base,
                norad_id=first_id + 1,
                mean_motion_rev_per_day=base.mean_motion_rev_per_day + 3e-3,
            ),
        ]
    return [*starlinks, docked, lead, trail, *edge_pairs]


@pytest.fixture(scope="module")
def single(population: list[ElementSet]) -> ScreeningResult:
    return screen_catalog(population, start=START, duration=DURATION)


def _assert_same(single: ScreeningResult, distributed: ScreeningResult) -> None:
    assert [(c.primary_norad_id, c.secondary_norad_id) for c in distributed.conjunctions] == [
        (c.primary_norad_id, c.secondary_norad_id) for c in single.conjunctions
    ]
    for one, other in zip(single.conjunctions, distributed.conjunctions, strict=True):
        assert abs((one.tca - other.tca).total_seconds()) <= TCA_TOLERANCE_S
        assert abs(one.tca_offset_s - other.tca_offset_s) <= TCA_TOLERANCE_S
        assert abs(one.miss_km - other.miss_km) <= MISS_TOLERANCE_KM
    # Pieces sample at the same times up to the float time's last bits: distances agree to
    # well under a millimetre, not bit for bit.
    assert [
        (c.primary_norad_id, c.secondary_norad_id, c.identical_elements)
        for c in distributed.co_locations
    ] == [
        (c.primary_norad_id, c.secondary_norad_id, c.identical_elements)
        for c in single.co_locations
    ]
    for near, far in zip(single.co_locations, distributed.co_locations, strict=True):
        assert abs(near.max_sampled_distance_km - far.max_sampled_distance_km) <= MISS_TOLERANCE_KM
    assert distributed.failures == single.failures
    # Edge approaches (the span's first and last instants) as the single run has them.
    assert [(c.primary_norad_id, c.secondary_norad_id) for c in distributed.edge_approaches] == [
        (c.primary_norad_id, c.secondary_norad_id) for c in single.edge_approaches
    ]
    for one, other in zip(single.edge_approaches, distributed.edge_approaches, strict=True):
        assert abs((one.tca - other.tca).total_seconds()) <= TCA_TOLERANCE_S
        assert abs(one.miss_km - other.miss_km) <= MISS_TOLERANCE_KM
    assert distributed.start == single.start and distributed.end == single.end


def test_local_cluster_gives_the_single_process_result(
    client: Any, population: list[ElementSet], single: ScreeningResult
) -> None:
    # 5 pieces over 1,440 steps: boundaries at 288, 576, 864, 1152 (aligned to 16 steps).
    distributed = screen_catalog_distributed(
        population, client=client, start=START, duration=DURATION, piece_count=5
    )
    assert len(single.conjunctions) >= 10, "the population should have conjunctions"
    _assert_same(single, distributed)
    # The docked twin is co-located; the pair that drifts apart is not, and keeps its TCA.
    assert [(c.primary_norad_id, c.secondary_norad_id) for c in single.co_locations] == [
        (population[0].norad_id, 990001)
    ]
    drifting = [c for c in distributed.conjunctions if c.secondary_norad_id == 990003]
    assert len(drifting) == 1 and drifting[0].miss_km < 0.2
    # One edge approach at each end of the span, from the edge pairs, and nowhere else.
    assert [(c.primary_norad_id, c.tca) for c in single.edge_approaches] == [
        (990004, START),
        (990006, START + DURATION),
    ]


def test_many_short_pieces_give_the_same_result(
    client: Any, population: list[ElementSet], single: ScreeningResult
) -> None:
    fractions: list[float] = []
    distributed = screen_catalog_distributed(
        population,
        client=client,
        start=START,
        duration=DURATION,
        piece_count=30,
        progress=fractions.append,
    )
    _assert_same(single, distributed)
    assert len(fractions) == 30 and fractions[-1] == 1.0
    # Encounters screened by two pieces (in a margin) were found once.
    boundaries_s = [p.first_step * 60.0 for p in plan_pieces(1440, 30)[1:]]
    in_margins = [
        c
        for c in distributed.conjunctions
        if any(abs(c.tca_offset_s - b) < ALIGN_STEPS * 60.0 for b in boundaries_s)
    ]
    assert in_margins


def test_pieces_partition_the_steps_on_aligned_boundaries() -> None:
    for step_count, wanted in [(1440, 5), (10080, 4), (100, 3), (129, 7), (1, 1)]:
        pieces = plan_pieces(step_count, wanted)
        assert pieces[0].first_step == 0 and pieces[-1].last_step == step_count
        assert len(pieces) == min(wanted, -(-step_count // ALIGN_STEPS))
        for before, after in zip(pieces, pieces[1:], strict=False):
            assert before.last_step == after.first_step
            assert after.first_step % ALIGN_STEPS == 0
        for piece in pieces:
            assert piece.first_step < piece.last_step
            assert piece.screen_first_step == max(0, piece.first_step - ALIGN_STEPS)
            assert piece.screen_last_step == min(step_count, piece.last_step + ALIGN_STEPS)


def test_an_unreachable_scheduler_is_named_in_the_error() -> None:
    with (
        pytest.raises(DaskScreeningError, match=r"tcp://127\.0\.0\.1:9"),
        dask_client("tcp://127.0.0.1:9", connect_timeout_s=0.5),
    ):
        pass
