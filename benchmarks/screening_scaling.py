"""How whole-catalog screening time and memory grow with N: generated populations of 25k,
50k and 100k objects, all-vs-all, 5 km (the run of benchmarks/screening.py, same code).

The populations come from `accord.orbits.synthetic_population` (labelled SYNTHETIC: a
regime mix like the public catalog's, not observations). Each (size, days) runs in a
process of its own, so that its peak RSS is its own and memory is returned between runs;
the JSON is rewritten after every run. The growth exponent between sizes is
log(t2 / t1) / log(N2 / N1) of the screening's CPU time (and wall time). Sizes whose 7-day
run would not fit this 24 GB machine are screened over 1 day, and every size is also run
over 1 day for a like-for-like exponent. Not part of `python -m benchmarks screening`: it
takes several minutes.
"""

from __future__ import annotations

import math
import multiprocessing
import resource
from typing import Any

from benchmarks._common import write_result

#: (objects, days): every size over 1 day, and 7 days where it fits in memory (the 100k
#: 7-day run passed 22 GB of this 24 GB machine and was stopped).
RUNS = ((25_000, 1.0), (50_000, 1.0), (100_000, 1.0), (25_000, 7.0), (50_000, 7.0))


def _one(objects: int, days: float) -> dict[str, Any]:
    from accord.orbits import synthetic_population
    from benchmarks.screening import START, _screen

    result = _screen(synthetic_population(objects, epoch=START), days)
    result["peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2)
    return result


def _growth(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    growth = []
    for days in sorted({r["days"] for r in runs}):
        same = sorted((r for r in runs if r["days"] == days), key=lambda r: r["objects"])
        for small, large in zip(same, same[1:], strict=False):
            ratio = math.log(large["objects"] / small["objects"])
            growth.append(
                {
                    "days": days,
                    "from_objects": small["objects"],
                    "to_objects": large["objects"],
                    "cpu_exponent": round(
                        math.log(large["screen_cpu_seconds"] / small["screen_cpu_seconds"]) / ratio,
                        2,
                    ),
                    "wall_exponent": round(
                        math.log(large["screen_seconds"] / small["screen_seconds"]) / ratio, 2
                    ),
                    "conjunctions_exponent": round(
                        math.log(max(large["conjunctions"], 1) / max(small["conjunctions"], 1))
                        / ratio,
                        2,
                    ),
                }
            )
    return growth


def run() -> dict[str, Any]:
    """Screen each (size, days) in a fresh process; fit the growth with N."""
    runs: list[dict[str, Any]] = []
    payload: dict[str, Any] = {"runs": runs, "growth": []}
    context = multiprocessing.get_context("spawn")
    for objects, days in RUNS:
        with context.Pool(1) as pool:
            runs.append(pool.apply(_one, (objects, days)))
        payload["growth"] = _growth(runs)
        write_result("screening_scaling", payload)
        print(
            f"{objects} objects, {days:g} days: {runs[-1]['screen_seconds']} s wall, "
            f"{runs[-1]['screen_cpu_seconds']} s CPU, {runs[-1]['peak_rss_gb']} GB",
            flush=True,
        )
    return payload


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
