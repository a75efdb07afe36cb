"""How whole-catalog screening time grows with N: generated populations of 25k, 50k and
100k objects, all-vs-all, 7 days, 5 km (the run of benchmarks/screening.py, same code).

The populations come from `accord.orbits.synthetic_population` (labelled SYNTHETIC: a
regime mix like the public catalog's, not observations). Each size is screened in this
run; the growth exponent between sizes is log(t2 / t1) / log(N2 / N1) of the screening's
CPU time (wall time too, for a quiet machine). Not part of `python -m benchmarks
screening` because it takes about ten minutes.
"""

from __future__ import annotations

import math
from typing import Any

from accord.orbits import synthetic_population
from benchmarks._common import write_result
from benchmarks.screening import DAYS, START, _screen

SIZES = (25_000, 50_000, 100_000)


def run() -> dict[str, Any]:
    """Screen each generated population for `DAYS` days and fit the growth with N."""
    runs = [_screen(synthetic_population(n, epoch=START), DAYS) for n in SIZES]
    growth = []
    for small, large in zip(runs, runs[1:], strict=False):
        ratio = math.log(large["objects"] / small["objects"])
        growth.append(
            {
                "from_objects": small["objects"],
                "to_objects": large["objects"],
                "cpu_exponent": round(
                    math.log(large["screen_cpu_seconds"] / small["screen_cpu_seconds"]) / ratio, 2
                ),
                "wall_exponent": round(
                    math.log(large["screen_seconds"] / small["screen_seconds"]) / ratio, 2
                ),
            }
        )
    payload = {"days": DAYS, "runs": runs, "growth": growth}
    write_result("screening_scaling", payload)
    return payload


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
