"""Catalogs past today's size: generate, import and propagate synthetic populations.

Measures `synthetic_elements` / `synthetic_population` at 100,000 and 1,000,000 objects,
imports the 100,000-object population into a fresh SQLite store (baseline in the same run:
the 26,834-object real catalog's import rate, from the same code), and propagates every object
of the 1,000,000-object population at a few times with Accord's propagator, against python-sgp4's
`SatrecArray` on the same objects as the baseline.
"""

from __future__ import annotations

import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sgp4.api import SatrecArray

from accord.catalog import import_catalog, import_element_sets
from accord.orbits import (
    Sgp4Propagator,
    satrec_from_element_set,
    synthetic_elements,
    synthetic_population,
)
from accord.store import PartnerKind, PartnerRepository, create_engine, transaction, upgrade
from benchmarks._common import shared_data, write_result

SIZES = (100_000, 1_000_000)
IMPORT_SIZE = 100_000
PROPAGATION_TIMES = 10
REAL_CATALOG = "catalogs/celestrak_on_orbit_2024-11-01.csv"


def _timed(function: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def _fresh_store(folder: Path, name: str) -> Any:
    engine = create_engine(f"sqlite:///{folder / name}")
    upgrade(engine)
    with transaction(engine) as session:
        PartnerRepository(session).create("Benchmark", kind=PartnerKind.SYSTEM)
    return engine


def run() -> dict[str, Any]:
    """Run the benchmark, write benchmarks/results/population.json, return the payload."""
    payload: dict[str, Any] = {"generation_s": {}}
    for size in SIZES:
        arrays, seconds = _timed(synthetic_elements, size, seed=1)
        payload["generation_s"][f"arrays_{size}"] = round(seconds, 3)
        assert len(arrays) == size
    population, seconds = _timed(synthetic_population, IMPORT_SIZE, seed=1)
    payload["generation_s"][f"element_sets_{IMPORT_SIZE}"] = round(seconds, 3)

    with tempfile.TemporaryDirectory() as folder:
        engine = _fresh_store(Path(folder), "synthetic.db")
        _, synthetic_s = _timed(
            import_element_sets, engine, population, source_name="bench", partner="Benchmark"
        )
        engine.dispose()
        engine = _fresh_store(Path(folder), "real.db")
        data = shared_data(REAL_CATALOG).read_bytes()
        report, real_s = _timed(
            import_catalog, engine, data, source_name="real.csv", partner="Benchmark"
        )
        engine.dispose()
    payload["import"] = {
        "synthetic_objects": IMPORT_SIZE,
        "synthetic_s": round(synthetic_s, 3),
        "synthetic_objects_per_s": round(IMPORT_SIZE / synthetic_s),
        "baseline_real_catalog_objects": report.accepted_count,
        "baseline_real_catalog_s": round(real_s, 3),
        "baseline_real_objects_per_s": round(report.accepted_count / real_s),
    }

    million = synthetic_population(SIZES[-1], seed=1)
    propagator, build_s = _timed(Sgp4Propagator, million, threads=1)
    first = million[0].epoch
    times = np.array(
        [np.datetime64(first.replace(tzinfo=None) + timedelta(hours=h)) for h in range(10)],
        dtype="datetime64[us]",
    )[:PROPAGATION_TIMES]
    states, accord_s = _timed(propagator.propagate, times)
    satrecs = [satrec_from_element_set(es) for es in million]
    dates = np.array([s.jdsatepoch for s in satrecs[:1]])
    whole = np.full(PROPAGATION_TIMES, dates[0])
    fraction = satrecs[0].jdsatepochF + np.arange(PROPAGATION_TIMES) / 24.0
    _, baseline_s = _timed(SatrecArray(satrecs).sgp4, whole, fraction)
    samples = len(million) * PROPAGATION_TIMES
    payload["propagation"] = {
        "objects": len(million),
        "times": PROPAGATION_TIMES,
        "deep_space_objects": int((~propagator.on_heyoka).sum()),
        "accord_build_s": round(build_s, 3),
        "accord_one_thread_s": round(accord_s, 3),
        "accord_million_per_s": round(samples / accord_s / 1e6, 2),
        "baseline_satrecarray_s": round(baseline_s, 3),
        "baseline_million_per_s": round(samples / baseline_s / 1e6, 2),
        "speedup": round(baseline_s / accord_s, 2),
        "failed_samples": int((states.error_code != 0).sum()),
    }
    write_result("population", payload)
    return payload


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
