"""The console test world's coordination data (seeded after tests/service/web/_world.py)."""

from __future__ import annotations

from sqlalchemy.engine import Engine


def seed(engine: Engine) -> None:
    """Add the coordination data the console's coordination pages show."""
