"""Alembic environment: migrations run on the connection `accord.store.upgrade` hands over."""

from __future__ import annotations

from alembic import context

from accord.store._models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Accord's migrations run through accord.store.upgrade(engine), which passes a "
        "connection; there is no alembic.ini to read a database URL from"
    )

# render_as_batch: SQLite cannot ALTER most things; batch mode recreates the table instead.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
