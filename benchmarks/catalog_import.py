"""Import the 26,834-object on-orbit catalog into a fresh SQLite store (target: under 3 s).

Times the whole `accord.catalog.import_catalog` (decode, detect, parse, validate, hash,
duplicate lookup, bulk insert, current-element-set refresh, commit) on the CelesTrak GP CSV
of 2024-11-01, and, as the baseline in the same run, the lower bound for that work in
plain Python: stdlib `csv` rows handed unconverted to `sqlite3.executemany` in one
transaction, into a table of the same columns. Run: `python -m benchmarks.catalog_import`.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from accord.catalog import import_catalog
from accord.formats import read_catalog
from accord.store import PartnerKind, PartnerRepository, SourceKind, create_engine, transaction
from accord.store import upgrade as upgrade_store
from benchmarks._common import shared_data, write_result

CATALOG = "catalogs/celestrak_on_orbit_2024-11-01.csv"
TARGET_S = 3.0
REPEATS = 3


def _accord_import(data: bytes, folder: Path) -> tuple[float, int]:
    engine = create_engine(f"sqlite:///{folder / 'accord.db'}")
    try:
        upgrade_store(engine)
        with transaction(engine) as session:
            PartnerRepository(session).create("CelesTrak", kind=PartnerKind.DATA_PROVIDER)
        start = time.perf_counter()
        report = import_catalog(
            engine,
            data,
            source_name=CATALOG.rsplit("/", 1)[-1],
            partner="CelesTrak",
            source_kind=SourceKind.CELESTRAK,
        )
        elapsed = time.perf_counter() - start
    finally:
        engine.dispose()
    return elapsed, report.accepted_count


def _parse_only(data: bytes) -> float:
    start = time.perf_counter()
    read_catalog(data, source="benchmark.csv")
    return time.perf_counter() - start


def _baseline(data: bytes, folder: Path) -> tuple[float, int]:
    """stdlib csv + sqlite3.executemany of the raw text rows: no parsing, no checks."""
    connection = sqlite3.connect(folder / "baseline.db", isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        start = time.perf_counter()
        reader = csv.reader(io.StringIO(data.decode("utf-8")))
        header = next(reader)
        columns = ", ".join(f'"{name}"' for name in header)
        connection.execute(f"CREATE TABLE element_sets (id INTEGER PRIMARY KEY, {columns})")
        placeholders = ", ".join("?" * len(header))
        connection.execute("BEGIN")
        rows = list(reader)
        connection.executemany(
            f"INSERT INTO element_sets ({columns}) VALUES ({placeholders})", rows
        )
        connection.execute("COMMIT")
        elapsed = time.perf_counter() - start
    finally:
        connection.close()
    return elapsed, len(rows)


def run(repeats: int = REPEATS) -> dict[str, Any]:
    """Time `repeats` imports into fresh SQLite files and the baseline; return the figures."""
    data = shared_data(CATALOG).read_bytes()
    imports, parses, baselines = [], [], []
    objects = baseline_rows = 0
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="accord-bench-") as folder:
            elapsed, objects = _accord_import(data, Path(folder))
            imports.append(elapsed)
            parses.append(_parse_only(data))
            elapsed, baseline_rows = _baseline(data, Path(folder))
            baselines.append(elapsed)
    best = min(imports)
    return {
        "catalog": CATALOG,
        "objects": objects,
        "baseline_rows": baseline_rows,
        "repeats": repeats,
        "import_s": {"min": best, "median": statistics.median(imports), "all": imports},
        "parse_only_s": {"min": min(parses), "median": statistics.median(parses)},
        "store_s_min": best - min(parses),
        "baseline_csv_sqlite3_s": {"min": min(baselines), "median": statistics.median(baselines)},
        "import_over_baseline": best / min(baselines),
        "objects_per_s": objects / best,
        "target_s": TARGET_S,
        "meets_target": best < TARGET_S,
    }


def main() -> None:
    result = run()
    path = write_result("catalog_import", result)
    print(
        f"import {result['objects']} objects: {result['import_s']['min']:.2f} s "
        f"(parse {result['parse_only_s']['min']:.2f} s), baseline csv+sqlite3 "
        f"{result['baseline_csv_sqlite3_s']['min']:.2f} s, target < {TARGET_S} s -> {path}"
    )


if __name__ == "__main__":
    main()
