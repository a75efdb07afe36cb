"""Read each large shared catalog once per test session; several tests look at the same one."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from accord.formats import CatalogReading, read_catalog


@cache
def read_shared_catalog(path: Path) -> CatalogReading:
    """The reading of a shared data file (source: its file name). Do not modify the result."""
    return read_catalog(path.read_bytes(), source=path.name)
