"""The console test world's campaign data (seeded after tests/service/web/_world.py)."""

from __future__ import annotations

from sqlalchemy.engine import Engine


def seed(engine: Engine) -> None:
    """Add the campaign data the console's campaign pages show."""
