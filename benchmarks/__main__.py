"""Run the benchmarks: `python -m benchmarks [NAME ...]` (all of them when no name is given).

Each benchmark module exposes `run() -> dict`, measures its baseline in the same run and
writes benchmarks/results/<name>.json; this runner adds benchmarks/results/summary.json.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks._common import RESULTS_DIR, write_result


def _names() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(
        info.name for info in pkgutil.iter_modules([str(here)]) if not info.name.startswith("_")
    )


def main(argv: list[str]) -> int:
    available = _names()
    unknown = [name for name in argv if name not in available]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {available}", file=sys.stderr)
        return 2
    summary: dict[str, Any] = {}
    failed = False
    for name in argv or available:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        own_file = RESULTS_DIR / f"{name}.json"
        before = own_file.stat().st_mtime_ns if own_file.exists() else None
        try:
            payload = importlib.import_module(f"benchmarks.{name}").run()
        except Exception:  # noqa: BLE001 - report every benchmark, then fail at the end
            traceback.print_exc()
            summary[name] = {"error": traceback.format_exc(limit=3)}
            failed = True
            continue
        if not own_file.exists() or own_file.stat().st_mtime_ns == before:
            write_result(name, payload)  # a module that writes only from its own main()
        summary[name] = {"seconds": round(time.perf_counter() - started, 1), "result": payload}
        print(json.dumps(payload, indent=2, default=str)[:4000], flush=True)
    print(f"summary written to {write_result('summary', summary)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
