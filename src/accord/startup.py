"""Opening the store at start-up: engine, migrations, and the first-start demo."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine

from accord.settings import Settings
from accord.store import check_database, create_engine, upgrade

__all__ = ["open_store"]

_log = logging.getLogger(__name__)


def open_store(settings: Settings, *, seed: bool | None = None) -> Engine:
    """Create the engine, migrate the schema to head, and seed the demo on an empty store.

    `seed` overrides `settings.seed_demo`; seeding happens only when the catalog is empty,
    so restarting a service never seeds twice. A bad ACCORD_DATABASE_URL raises
    `DatabaseUrlError`, an unreachable database `DatabaseUnavailableError`, each one line
    that names the variable and the fix.
    """
    if settings.database_url is None:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.resolved_database_url)
    try:
        check_database(engine)
    except Exception:
        engine.dispose()
        raise
    upgrade(engine)
    if settings.seed_demo if seed is None else seed:
        from accord.demo import seed_demo_if_empty

        outcome = seed_demo_if_empty(engine, settings)
        if outcome is not None:
            _log.info("demo seeded: %s", outcome.summary)
    return engine
