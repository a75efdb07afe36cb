"""SGP4 throughput on the real catalog's near-Earth objects: Accord (heyoka) vs python-sgp4.

Workload: every near-Earth object (period < 225 min) of the CelesTrak on-orbit catalog of
2024-11-01 (shared data), at `N_TIMES` UTC instants spread over the day after the catalog
date. Figures are propagations (objects x times) per second, best of `REPEATS` rounds; each
round runs every contender once, so that load from other processes hits all of them alike.
Single-thread figures are also given in process CPU time, which such load does not inflate:

- baseline: python-sgp4's `SatrecArray.sgp4(jd, fr)` (Vallado's C++, single-threaded), the
  same satellite records, its own output layout;
- `Sgp4Propagator.propagate` with `threads=1` and with all cores: the whole Accord path
  (UTC dates -> minutes, heyoka, NaN for failed samples, (objects, times, 3) arrays);
- heyoka's propagator alone on precomputed minutes, one thread and all cores, to show
  what the Accord wrapper costs;
- the JIT compile time of heyoka's propagator, cold (heyoka's caches off) and cached.

Run: `python -m benchmarks.propagation`; writes benchmarks/results/propagation.json.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sgp4.api import SatrecArray

from accord.formats import ElementSet, read_catalog
from accord.orbits import JulianDates, Sgp4Propagator, satrec_from_element_set
from benchmarks._common import shared_data, write_result

CATALOG = "catalogs/celestrak_on_orbit_2024-11-01.csv"
#: Instants per object: 22,827 objects x 100 = 2.3 million propagations per run.
N_TIMES = 100
REPEATS = 5
#: 2024-11-01T00:00 UTC, the catalog date, as a two-part Julian date.
START_JD = 2_460_615.5


def _best_seconds(work: Callable[[], object], repeats: int = REPEATS) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def _interleaved(contenders: dict[str, Callable[[], object]]) -> dict[str, dict[str, float]]:
    """Best wall-clock and process-CPU seconds of each contender over `REPEATS` rounds."""
    best = {name: {"wall_s": float("inf"), "cpu_s": float("inf")} for name in contenders}
    for _ in range(REPEATS):
        for name, work in contenders.items():
            wall, cpu = time.perf_counter(), time.process_time()
            work()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best[name]["wall_s"] = min(best[name]["wall_s"], wall)
            best[name]["cpu_s"] = min(best[name]["cpu_s"], cpu)
    return best


def _near_earth_element_sets() -> list[ElementSet]:
    path = shared_data(CATALOG)
    reading = read_catalog(path.read_bytes(), source=path.name)
    element_sets = [read.element_set for read in reading.element_sets]
    return [es for es in element_sets if satrec_from_element_set(es).method == "n"]


def _compile_seconds(satrecs: list[Any]) -> dict[str, float]:
    import heyoka

    state = heyoka.llvm_state
    disk_cache_was_enabled = state.get_diskcache_enabled()
    try:
        state.set_diskcache_enabled(False)
        state.clear_memcache()
        cold = _best_seconds(lambda: heyoka.model.sgp4_propagator(satrecs), repeats=1)
    finally:
        state.set_diskcache_enabled(disk_cache_was_enabled)
    cached = _best_seconds(lambda: heyoka.model.sgp4_propagator(satrecs))
    return {"cold_s": round(cold, 4), "cached_s": round(cached, 4)}


def _heyoka_alone(satrecs: list[Any], dates: JulianDates) -> dict[str, float]:
    import heyoka

    propagator = heyoka.model.sgp4_propagator(satrecs)
    epoch_whole = np.array([s.jdsatepoch for s in satrecs])
    epoch_fraction = np.array([s.jdsatepochF for s in satrecs])
    minutes = np.ascontiguousarray(
        (dates.whole[:, None] - epoch_whole) * 1440.0
        + (dates.fraction[:, None] - epoch_fraction) * 1440.0
    )
    out = np.empty((minutes.shape[0], 7, minutes.shape[1]))
    seconds = {}
    for label, threads in (("one_thread", 1), ("all_cores", 0)):
        heyoka.set_nthreads(threads)
        try:
            propagator(minutes, out=out)  # warm the pages and thread pool
            seconds[label] = _best_seconds(lambda: propagator(minutes, out=out))
        finally:
            heyoka.set_nthreads(0)
    return seconds


def run() -> dict[str, Any]:
    """Run the benchmark, write benchmarks/results/propagation.json and return its payload."""
    started = time.perf_counter()
    element_sets = _near_earth_element_sets()
    satrecs = [satrec_from_element_set(es) for es in element_sets]
    dates = JulianDates(
        whole=np.full(N_TIMES, START_JD),
        fraction=np.linspace(0.0, 1.0, N_TIMES, endpoint=False),
    )
    propagations = len(satrecs) * N_TIMES

    baseline = SatrecArray(satrecs)
    one_thread = Sgp4Propagator(element_sets, threads=1)
    all_cores = Sgp4Propagator(element_sets)
    assert one_thread.on_heyoka.all(), "near-Earth objects must all go to heyoka"
    timings = _interleaved(
        {
            "baseline": lambda: baseline.sgp4(dates.whole, dates.fraction),
            "one_thread": lambda: one_thread.propagate(dates),
            "all_cores": lambda: all_cores.propagate(dates),
        }
    )
    heyoka_alone_s = _heyoka_alone(satrecs, dates)
    compile_s = _compile_seconds(satrecs)
    baseline_s = timings["baseline"]["wall_s"]
    baseline_cpu_s = timings["baseline"]["cpu_s"]

    def rate(seconds: float) -> float:
        return round(propagations / seconds / 1e6, 3)

    def figures(seconds: float, cpu_seconds: float | None = None) -> dict[str, float]:
        result = {
            "seconds": round(seconds, 4),
            "million_propagations_per_s": rate(seconds),
            "speedup_vs_baseline": round(baseline_s / seconds, 2),
        }
        if cpu_seconds is not None:
            result["cpu_seconds"] = round(cpu_seconds, 4)
            result["million_propagations_per_cpu_s"] = rate(cpu_seconds)
            result["speedup_vs_baseline_in_cpu_time"] = round(baseline_cpu_s / cpu_seconds, 2)
        return result

    payload: dict[str, Any] = {
        "workload": {
            "catalog": CATALOG,
            "near_earth_objects": len(satrecs),
            "times": N_TIMES,
            "propagations_per_run": propagations,
            "repeats": REPEATS,
            "statistic": "best of interleaved rounds",
        },
        "baseline_python_sgp4_satrecarray": {
            "threads": 1,
            "seconds": round(baseline_s, 4),
            "million_propagations_per_s": rate(baseline_s),
            "cpu_seconds": round(baseline_cpu_s, 4),
            "million_propagations_per_cpu_s": rate(baseline_cpu_s),
        },
        "accord_sgp4propagator_one_thread": figures(
            timings["one_thread"]["wall_s"], timings["one_thread"]["cpu_s"]
        ),
        "accord_sgp4propagator_all_cores": {
            "cores": os.cpu_count(),
            **figures(timings["all_cores"]["wall_s"]),
        },
        "heyoka_alone_on_minutes": {
            label: figures(seconds) for label, seconds in heyoka_alone_s.items()
        },
        "heyoka_compile": compile_s,
        "wall_s": round(time.perf_counter() - started, 1),
    }
    write_result("propagation", payload)
    return payload


def main() -> None:
    payload = run()
    base = payload["baseline_python_sgp4_satrecarray"]
    one = payload["accord_sgp4propagator_one_thread"]
    every = payload["accord_sgp4propagator_all_cores"]
    alone = payload["heyoka_alone_on_minutes"]
    work = payload["workload"]
    print(f"{work['near_earth_objects']} near-Earth objects x {work['times']} times")
    print(f"python-sgp4 SatrecArray, 1 thread : {base['million_propagations_per_s']:7.2f} M/s")
    print(
        f"Accord propagate, 1 thread        : {one['million_propagations_per_s']:7.2f} M/s "
        f"({one['speedup_vs_baseline']}x; in CPU time {one['speedup_vs_baseline_in_cpu_time']}x)"
    )
    print(
        f"Accord propagate, {every['cores']} cores          : "
        f"{every['million_propagations_per_s']:7.2f} M/s ({every['speedup_vs_baseline']}x)"
    )
    for label, figures in alone.items():
        print(
            f"heyoka alone, {label:<20}: {figures['million_propagations_per_s']:7.2f} M/s "
            f"({figures['speedup_vs_baseline']}x)"
        )
    print(f"heyoka compile: {payload['heyoka_compile']}")


if __name__ == "__main__":
    main()
