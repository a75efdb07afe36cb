"""Screening benchmark: the 26,834-object catalog all-vs-all, 7 days, 5 km (end to end).

Measures wall time per stage (load, screening stages), the process CPU time of the
screening (all threads: the machine may be shared), peak memory (maxrss) and the
number of conjunctions. Baseline in the same run: the independent brute-force reference of
benchmarks/validate_screening.py (dense python-sgp4 sampling with a radial-shell
prefilter) on a subset, extrapolated to the whole catalog by its pair count and span
(labelled as an extrapolation). Scaling with N (generated populations of 25k, 50k and
100k objects, the same 7-day run) is benchmarks/screening_scaling.py. The end to end
includes the collision probability stage (`PC_HOOK`, timed as "pc"): TLE data has no
covariance, so it is the Alfano (2005) maximum Pc of every conjunction with the default
combined hard-body radius (`DEFAULT_HARD_BODY_RADIUS_M`), one vectorised call. The machine
is shared: the JSON has the process CPU time per stage beside the wall time, and the load
average (1, 5, 15 min) at the start and end of the screening.
"""

from __future__ import annotations

import os
import resource
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from accord.conjunctions import (
    DEFAULT_HARD_BODY_RADIUS_M,
    ScreeningResult,
    maximum_pc,
    screen_catalog,
)
from benchmarks._common import write_result
from benchmarks.validate_screening import load_catalog, reference_conjunctions

START = datetime(2024, 11, 1, tzinfo=UTC)
DAYS = float(os.environ.get("ACCORD_BENCH_SCREENING_DAYS", "7"))
THRESHOLD_KM = 5.0


def PC_HOOK(result: ScreeningResult) -> np.ndarray:  # noqa: N802 - a named plug-in point
    """Collision probability stage: the maximum Pc (ALFANO-2005-MAX) of every conjunction.

    Miss distances in metres, the default combined hard-body radius; returns the Pc array
    in the order of `result.conjunctions`.
    """
    miss_m = np.fromiter(
        (c.miss_km * 1000.0 for c in result.conjunctions),
        dtype=np.float64,
        count=len(result.conjunctions),
    )
    return maximum_pc(miss_m, DEFAULT_HARD_BODY_RADIUS_M).pc


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def _screen(element_sets: list[Any], days: float) -> dict[str, Any]:
    load_before = os.getloadavg()
    started = time.perf_counter()
    cpu_started = time.process_time()
    result = screen_catalog(
        element_sets,
        start=START,
        duration=timedelta(days=days),
        threshold_km=THRESHOLD_KM,
        threads=2,
    )
    screened = time.perf_counter() - started
    cpu_s = time.process_time() - cpu_started
    clock = time.perf_counter()
    cpu_clock = time.process_time()
    pc = PC_HOOK(result)
    pc_s = time.perf_counter() - clock
    pc_cpu_s = time.process_time() - cpu_clock
    return {
        "objects": len(element_sets),
        "days": days,
        "screen_seconds": round(screened, 2),
        "screen_cpu_seconds": round(cpu_s, 2),
        "pc_seconds": round(pc_s, 3),
        "pc_cpu_seconds": round(pc_cpu_s, 3),
        "pc_method": "ALFANO-2005-MAX",
        "pc_hard_body_radius_m": DEFAULT_HARD_BODY_RADIUS_M,
        "pc_evaluations": int(pc.size),
        "pc_max": float(pc.max()) if pc.size else None,
        "pc_at_least_1e-4": int(np.count_nonzero(pc >= 1e-4)),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "stage_seconds": result.stage_seconds,
        "stage_cpu_seconds": result.stage_cpu_seconds,
        "edge_approaches": len(result.edge_approaches),
        "formations": sum(c.formation for c in result.co_locations),
        "candidate_pair_windows": result.candidate_count,
        "conjunctions": len(result.conjunctions),
        "co_locations": len(result.co_locations),
        "propagation_failures": len(result.failures),
    }


def run() -> dict[str, Any]:
    started = time.perf_counter()
    catalog = load_catalog()
    load_s = time.perf_counter() - started
    main = _screen(catalog, DAYS)
    main["load_seconds"] = round(load_s, 2)
    # End to end: load, screen (sample, broad, narrow, refine) and Pc.
    main["end_to_end_seconds"] = round(time.perf_counter() - started, 2)
    main["peak_rss_gb"] = round(_peak_rss_gb(), 2)

    # Baseline: the brute-force reference on 300 objects for 1 day, extrapolated.
    rng = np.random.default_rng(3)
    rows = np.sort(rng.choice(len(catalog), 300, replace=False))
    subset = [catalog[i] for i in rows]
    first, second = np.triu_indices(len(subset), k=1)
    pairs = np.column_stack([first, second]).astype(np.int64)
    clock = time.perf_counter()
    # Keywords: valid for the reference's signature before and after its rework.
    reference_conjunctions(subset, duration_s=86400.0, threshold_km=THRESHOLD_KM, pairs=pairs)
    reference_s = time.perf_counter() - clock
    full_pairs = len(catalog) * (len(catalog) - 1) / 2
    baseline = {
        "method": "brute-force reference (10 s python-sgp4 sampling + minimize_scalar)",
        "measured_objects": len(subset),
        "measured_days": 1.0,
        "measured_seconds": round(reference_s, 2),
        "extrapolated_full_catalog_seconds": round(reference_s * full_pairs / len(pairs) * DAYS, 0),
        "extrapolated": True,
    }
    payload: dict[str, Any] = {"catalog": main, "baseline": baseline}
    write_result("screening", payload)
    return payload


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
