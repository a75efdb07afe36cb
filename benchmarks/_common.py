"""Write a benchmark's result as JSON under benchmarks/results/, with the machine it ran on."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["RESULTS_DIR", "machine_info", "shared_data", "timings_ms", "write_result"]

RESULTS_DIR = Path(__file__).resolve().parent / "results"
_REPO = Path(__file__).resolve().parent.parent


def shared_data(relative: str) -> Path:
    """Path of a shared reference file (`ACCORD_SHARED_DATA`, else ../shared/data)."""
    configured = os.environ.get("ACCORD_SHARED_DATA")
    root = Path(configured) if configured else _REPO.parent / "shared" / "data"
    path = root / relative
    if not path.exists():
        raise FileNotFoundError(
            f"benchmark data {relative!r} not found under {root}; set ACCORD_SHARED_DATA to the "
            "shared data folder"
        )
    return path


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """What a figure depends on: CPU, core count, OS, Python and key library versions."""
    return {
        "cpu": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "libraries": {
            name: _version(name) for name in ("numpy", "sgp4", "heyoka", "skyfield", "accord")
        },
    }


def write_result(name: str, payload: dict[str, Any]) -> Path:
    """Write `payload` with machine info and a UTC timestamp to benchmarks/results/<name>.json."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    document = {
        "benchmark": name,
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "result": payload,
    }
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def timings_ms(action: Callable[[int], object], arguments: Sequence[int]) -> dict[str, float]:
    """Wall-clock and thread-CPU time per call, in ms; CPU time is immune to other processes."""
    wall, cpu = [], []
    for argument in arguments:
        wall_started, cpu_started = time.perf_counter(), time.thread_time()
        action(argument)
        cpu.append((time.thread_time() - cpu_started) * 1e3)
        wall.append((time.perf_counter() - wall_started) * 1e3)
    wall.sort()
    cpu.sort()
    p99 = min(len(wall) - 1, int(0.99 * len(wall)))
    return {
        "count": len(wall),
        "median_ms": statistics.median(wall),
        "p99_ms": wall[p99],
        "max_ms": wall[-1],
        "cpu_median_ms": statistics.median(cpu),
        "cpu_p99_ms": cpu[p99],
        "cpu_max_ms": cpu[-1],
    }
