"""Screening on a local Dask cluster vs one process: same subset, same span, same run.

The subset is the first `ACCORD_BENCH_DASK_OBJECTS` (default 8,000) objects of the
benchmark catalog, 1 day, 5 km. Baseline: `screen_catalog` in this process (its default
threads). Measured: `screen_catalog_distributed` on a LocalCluster of one single-thread
worker process per core (cluster start-up timed apart), and whether both results agree
(pairs, TCA within 1 microsecond, miss within 1 mm, co-locations).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from accord.conjunctions import ScreeningResult, screen_catalog
from accord.screening import dask_client, screen_catalog_distributed
from benchmarks._common import write_result
from benchmarks.validate_screening import load_catalog

START = datetime(2024, 11, 1, tzinfo=UTC)
DURATION = timedelta(days=1)
THRESHOLD_KM = 5.0


def _agree(single: ScreeningResult, distributed: ScreeningResult) -> bool:
    if [(c.primary_norad_id, c.secondary_norad_id) for c in single.conjunctions] != [
        (c.primary_norad_id, c.secondary_norad_id) for c in distributed.conjunctions
    ]:
        return False
    for one, other in zip(single.conjunctions, distributed.conjunctions, strict=True):
        if abs(one.tca_offset_s - other.tca_offset_s) > 1e-6:
            return False
        if abs(one.miss_km - other.miss_km) > 1e-6:
            return False
    return [(c.primary_norad_id, c.secondary_norad_id) for c in single.co_locations] == [
        (c.primary_norad_id, c.secondary_norad_id) for c in distributed.co_locations
    ]


def run() -> dict[str, Any]:
    objects = int(os.environ.get("ACCORD_BENCH_DASK_OBJECTS", "8000"))
    catalog = load_catalog()[:objects]
    workers = os.cpu_count() or 1

    clock = time.perf_counter()
    single = screen_catalog(catalog, start=START, duration=DURATION, threshold_km=THRESHOLD_KM)
    single_s = time.perf_counter() - clock

    clock = time.perf_counter()
    with dask_client(workers=workers) as client:
        startup_s = time.perf_counter() - clock
        clock = time.perf_counter()
        distributed = screen_catalog_distributed(
            catalog, client=client, start=START, duration=DURATION, threshold_km=THRESHOLD_KM
        )
        distributed_s = time.perf_counter() - clock
    payload = {
        "objects": len(catalog),
        "days": DURATION.total_seconds() / 86400.0,
        "threshold_km": THRESHOLD_KM,
        "baseline_single_process": {
            "seconds": round(single_s, 2),
            "conjunctions": len(single.conjunctions),
            "stage_seconds": single.stage_seconds,
        },
        "local_cluster": {
            "workers": workers,
            "threads_per_worker": 1,
            "cluster_start_seconds": round(startup_s, 2),
            "seconds": round(distributed_s, 2),
            "conjunctions": len(distributed.conjunctions),
            "stage_seconds_summed_over_pieces": distributed.stage_seconds,
            "speedup_vs_single": round(single_s / distributed_s, 2),
        },
        "identical_results": _agree(single, distributed),
    }
    write_result("screening_dask", payload)
    return payload


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
