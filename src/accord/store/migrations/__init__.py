"""Alembic migrations of the store (run them with `accord.store.upgrade(engine)`)."""
