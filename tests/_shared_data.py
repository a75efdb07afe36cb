"""Locate the shared reference data (`../shared/data` or `ACCORD_SHARED_DATA`).

Tests that need it skip with a reason when it is absent, and fail instead when
`ACCORD_REQUIRE_SHARED_DATA=1` (CI sets it), so that a missing folder never passes silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_REPO = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path | None:
    """The shared data folder, or None when it is not on this machine."""
    configured = os.environ.get("ACCORD_SHARED_DATA")
    candidate = Path(configured) if configured else _REPO.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


def require_shared(relative: str) -> Path:
    """Path of `relative` inside the shared data; skip (or fail under CI) when absent."""
    root = shared_data_dir()
    path = root / relative if root is not None else None
    if path is not None and path.exists():
        return path
    reason = (
        f"shared reference data {relative!r} not found (looked in "
        f"{root or _REPO.parent / 'shared' / 'data'}); set ACCORD_SHARED_DATA to its folder"
    )
    if os.environ.get("ACCORD_REQUIRE_SHARED_DATA") == "1":
        pytest.fail(reason + " (required because ACCORD_REQUIRE_SHARED_DATA=1)")
    pytest.skip(reason)
