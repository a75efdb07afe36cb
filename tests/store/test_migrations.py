"""Migrations: an empty database of each kind upgrades to head and downgrades to base."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from accord.store import Base, create_engine, current_revision, downgrade, head_revision, upgrade

TABLES = {
    "partners",
    "partner_signing_keys",
    "catalog_batches",
    "batch_rejections",
    "space_objects",
    "element_sets",
}


def test_upgrade_creates_every_table_and_downgrade_removes_them(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert TABLES <= set(sa.inspect(engine).get_table_names())
        upgrade(engine)  # already at head: nothing to do, no error
        downgrade(engine, "base")
        assert current_revision(engine) is None
        assert TABLES.isdisjoint(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_models_match_the_migrated_schema(engine: Engine) -> None:
    """The ORM models and the hand-written migrations describe the same tables."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_norad_id_column_holds_nine_digits(engine: Engine) -> None:
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("space_objects")}
    assert isinstance(columns["norad_id"]["type"], sa.Integer)  # int4: up to 2,147,483,647
