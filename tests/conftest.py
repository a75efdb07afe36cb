"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests._shared_data import require_shared


@pytest.fixture
def shared() -> Callable[[str], Path]:
    """Resolve a path inside the shared reference data, skipping (or failing in CI) if absent."""
    return require_shared
