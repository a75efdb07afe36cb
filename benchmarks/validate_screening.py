"""Validate screening against an independent brute-force reference.

The reference shares no code with the engine's sampling, broad or narrow phase: it samples
every object with python-sgp4 (`Satrec.sgp4_array`) every `REFERENCE_STEP_S` seconds,
takes each pair's sampled local minima of distance that could hide an approach under the
threshold (sampled distance <= threshold + 16 km/s x step / 2), and minimises the exact
SGP4 distance around each with scipy's bounded `minimize_scalar`. Every reference
interior conjunction must be found by `screen_catalog` (pairs within 1 m of the threshold
excepted), with the TCA within 1 ms and the miss distance within 1 m. Minima at the span's
edges (closest approach outside the span) are not conjunctions, in either; pairs the
engine reports once as co-located or as a formation are left out of the comparison.

Cases: (a) all pairs among a random 1,500-object subset of the benchmark catalog and (b)
200,000 random pairs from the whole catalog, 7 days, 5 km (`run()`, for `make bench`);
`validate(...)` runs a smaller case for the test suite.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar

from accord.conjunctions import screen_against, screen_catalog
from accord.formats import ElementSet, read_catalog
from accord.orbits import satrec_from_element_set
from benchmarks._common import shared_data, write_result

CATALOG = "catalogs/celestrak_on_orbit_2024-11-01.csv"
START = datetime(2024, 11, 1, tzinfo=UTC)
REFERENCE_STEP_S = 10.0
#: Bound on any relative speed (km/s) used to decide which sampled minima to refine.
MAX_RELATIVE_SPEED_KM_S = 16.0
TCA_TOLERANCE_S = 1e-3
MISS_TOLERANCE_KM = 1e-3
#: A reference minimum this close (s) to the span's start or end is an edge minimum.
EDGE_TOLERANCE_S = 1e-3
#: Time block (samples) the reference propagates at once, to bound memory.
_BLOCK_SAMPLES = 1080


def load_catalog() -> list[ElementSet]:
    """The benchmark catalog's element sets."""
    path = shared_data(CATALOG)
    reading = read_catalog(path.read_bytes(), source=str(path))
    return [item.element_set for item in reading.element_sets]


def _jd(seconds: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    # 2024-11-01T00:00Z is JD 2460615.5.
    whole = np.full(seconds.shape, 2460615.5) + np.floor(seconds / 86400.0)
    return whole, (seconds - np.floor(seconds / 86400.0) * 86400.0) / 86400.0


def reference_conjunctions(
    element_sets: Sequence[ElementSet],
    pairs: NDArray[np.int64],
    duration_s: float,
    threshold_km: float,
) -> dict[tuple[int, int], list[tuple[float, float]]]:
    """{(row a, row b): [(tca seconds, miss km), ...]} by dense sampling and minimisation."""
    satrecs = [satrec_from_element_set(es) for es in element_sets]
    used = np.unique(pairs)
    n_samples = int(round(duration_s / REFERENCE_STEP_S)) + 1
    window_km = threshold_km + MAX_RELATIVE_SPEED_KM_S * REFERENCE_STEP_S / 2.0
    seeds: list[tuple[int, int, int]] = []
    for block_start in range(0, n_samples, _BLOCK_SAMPLES - 2):
        index = np.arange(block_start, min(n_samples, block_start + _BLOCK_SAMPLES))
        if index.size < 2:
            break
        whole, fraction = _jd(index.astype(np.float64) * REFERENCE_STEP_S)
        positions = np.full((len(element_sets), index.size, 3), np.nan)
        for row in used:
            errors, r, _ = satrecs[row].sgp4_array(whole, fraction)
            r[errors != 0] = np.nan
            positions[row] = r
        # Radial-shell prefilter: sampled radii padded by the largest between-sample reach.
        radius = np.linalg.norm(positions, axis=2)
        with np.errstate(invalid="ignore"):
            r_min = np.nanmin(np.where(np.isnan(radius), np.inf, radius), axis=1) - window_km
            r_max = np.nanmax(np.where(np.isnan(radius), -np.inf, radius), axis=1) + window_km
        shells_meet = (r_min[pairs[:, 1]] <= r_max[pairs[:, 0]]) & (
            r_min[pairs[:, 0]] <= r_max[pairs[:, 1]]
        )
        block_pairs = pairs[shells_meet]
        for chunk in range(0, len(block_pairs), 20_000):
            part = block_pairs[chunk : chunk + 20_000]
            distance = np.linalg.norm(positions[part[:, 1]] - positions[part[:, 0]], axis=2)
            padded = np.pad(distance, ((0, 0), (1, 1)), constant_values=np.inf)
            is_min = (
                (padded[:, 1:-1] <= padded[:, :-2])
                & (padded[:, 1:-1] < padded[:, 2:])
                & (distance <= window_km)
            )
            # Each block's first and last samples are only edges of the whole span.
            if block_start > 0:
                is_min[:, 0] = False
            if index[-1] < n_samples - 1:
                is_min[:, -1] = False
            pair_row, sample = np.nonzero(is_min)
            seeds.extend(
                zip(
                    part[pair_row, 0].tolist(),
                    part[pair_row, 1].tolist(),
                    index[sample].tolist(),
                    strict=True,
                )
            )

    def distance_at(a: int, b: int, seconds: float) -> float:
        whole, fraction = _jd(np.array([seconds]))
        ea, ra, _ = satrecs[a].sgp4_array(whole, fraction)
        eb, rb, _ = satrecs[b].sgp4_array(whole, fraction)
        if ea[0] or eb[0]:
            return np.inf
        return float(np.linalg.norm(rb[0] - ra[0]))

    found: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for seed in sorted(set(seeds)):
        a, b, node = int(seed[0]), int(seed[1]), int(seed[2])
        lo = max(0.0, float(node - 1) * REFERENCE_STEP_S)
        hi = min(float(duration_s), float(node + 1) * REFERENCE_STEP_S)
        # Minimise over the offset from `lo`: scipy's tolerance grows with |x|.
        best = minimize_scalar(
            lambda s, a=a, b=b, lo=lo: distance_at(a, b, lo + s),
            bounds=(0.0, hi - lo),
            method="bounded",
            options={"xatol": 1e-6},
        )
        tca, miss = lo + float(best.x), float(best.fun)
        for edge in (0.0, duration_s):
            if lo <= edge <= hi and distance_at(a, b, edge) < miss:
                tca, miss = edge, distance_at(a, b, edge)
        # A minimum at a span edge (the pair still approaching at the end, or already
        # separating at the start) is not a closest approach inside the span: the engine
        # reports it as an edge approach, not a conjunction.
        at_edge = tca <= EDGE_TOLERANCE_S or tca >= duration_s - EDGE_TOLERANCE_S
        if miss < threshold_km and not at_edge:
            found.setdefault((a, b), []).append((tca, miss))
    return found


def compare(
    element_sets: Sequence[ElementSet],
    reference: dict[tuple[int, int], list[tuple[float, float]]],
    engine: dict[tuple[int, int], list[tuple[float, float]]],
    threshold_km: float,
) -> dict[str, Any]:
    """Recall and worst TCA / miss differences of the engine against the reference."""
    expected = missed = 0
    worst_tca = worst_miss = 0.0
    missed_examples: list[dict[str, Any]] = []
    for pair, approaches in reference.items():
        for tca, miss in approaches:
            if abs(miss - threshold_km) < 1e-3:
                continue
            expected += 1
            candidates = engine.get(pair, [])
            match = min(candidates, key=lambda c: abs(c[0] - tca), default=None)
            if match is None or abs(match[0] - tca) > 1.0:
                missed += 1
                if len(missed_examples) < 5:
                    ids = (element_sets[pair[0]].norad_id, element_sets[pair[1]].norad_id)
                    missed_examples.append({"pair": ids, "tca_s": tca, "miss_km": miss})
                continue
            worst_tca = max(worst_tca, abs(match[0] - tca))
            worst_miss = max(worst_miss, abs(match[1] - miss))
    return {
        "reference_conjunctions": expected,
        "missed": missed,
        "recall": 1.0 if expected == 0 else (expected - missed) / expected,
        "worst_tca_difference_s": worst_tca,
        "worst_miss_difference_km": worst_miss,
        "within_tolerance": missed == 0
        and worst_tca <= TCA_TOLERANCE_S
        and worst_miss <= MISS_TOLERANCE_KM,
        "missed_examples": missed_examples,
    }


def _engine_map(
    element_sets: Sequence[ElementSet], conjunctions: Sequence[Any]
) -> dict[tuple[int, int], list[tuple[float, float]]]:
    row = {es.norad_id: i for i, es in enumerate(element_sets)}
    result: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for c in conjunctions:
        a, b = sorted((row[c.primary_norad_id], row[c.secondary_norad_id]))
        result.setdefault((a, b), []).append((c.tca_offset_s, c.miss_km))
    return result


def validate(
    element_sets: Sequence[ElementSet],
    *,
    days: float,
    threshold_km: float = 5.0,
) -> dict[str, Any]:
    """All pairs among `element_sets`: the engine against the brute-force reference."""
    duration = timedelta(days=days)
    started = time.perf_counter()
    result = screen_catalog(element_sets, start=START, duration=duration, threshold_km=threshold_km)
    engine_s = time.perf_counter() - started
    co_located = {(c.primary_norad_id, c.secondary_norad_id) for c in result.co_locations}
    n = len(element_sets)
    first, second = np.triu_indices(n, k=1)
    pairs = np.column_stack([first, second]).astype(np.int64)
    keep = [
        (element_sets[a].norad_id, element_sets[b].norad_id) not in co_located
        and (element_sets[b].norad_id, element_sets[a].norad_id) not in co_located
        for a, b in pairs.tolist()
    ]
    pairs = pairs[np.array(keep, dtype=bool)]
    started = time.perf_counter()
    reference = reference_conjunctions(element_sets, pairs, duration.total_seconds(), threshold_km)
    reference_s = time.perf_counter() - started
    summary = compare(
        element_sets, reference, _engine_map(element_sets, result.conjunctions), threshold_km
    )
    summary.update(
        objects=n,
        pairs=int(len(pairs)),
        days=days,
        engine_seconds=round(engine_s, 2),
        reference_seconds=round(reference_s, 2),
        co_locations=len(result.co_locations),
    )
    return summary


def validate_random_pairs(
    element_sets: Sequence[ElementSet], *, n_pairs: int, days: float, seed: int = 2
) -> dict[str, Any]:
    """Random pairs from the whole catalog: engine one-vs-many per primary vs reference."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, len(element_sets), n_pairs * 2)
    b = rng.integers(0, len(element_sets), n_pairs * 2)
    pairs = np.unique(np.sort(np.column_stack([a, b])[a != b], axis=1), axis=0)[:n_pairs]
    duration = timedelta(days=days)
    reference = reference_conjunctions(element_sets, pairs, duration.total_seconds(), 5.0)
    # The engine screens the objects involved all-vs-all; only the sampled pairs count.
    used = np.unique(pairs)
    subset = [element_sets[i] for i in used]
    result = screen_against(subset, subset, start=START, duration=duration)
    wanted = {(int(x), int(y)) for x, y in pairs}
    engine_full = _engine_map(element_sets, result.conjunctions)
    engine = {pair: hits for pair, hits in engine_full.items() if pair in wanted}
    # Pairs reported once as co-located or as a formation have no conjunctions by design.
    row = {es.norad_id: i for i, es in enumerate(element_sets)}
    grouped = {
        tuple(sorted((row[c.primary_norad_id], row[c.secondary_norad_id])))
        for c in result.co_locations
    }
    reference = {pair: hits for pair, hits in reference.items() if pair not in grouped}
    summary = compare(element_sets, reference, engine, 5.0)
    summary.update(pairs=int(len(pairs)), days=days)
    return summary


def run() -> dict[str, Any]:
    catalog = load_catalog()
    rng = np.random.default_rng(1)
    subset_rows = np.sort(rng.choice(len(catalog), 1500, replace=False))
    subset = [catalog[i] for i in subset_rows]
    payload = {
        "subset_1500_all_pairs": validate(subset, days=7.0),
        "random_200000_pairs": validate_random_pairs(catalog, n_pairs=200_000, days=7.0),
    }
    write_result("validate_screening", payload)
    return payload


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
