"""Revision 0016 on a populated catalog: submitter backfilled, ids and current pointers kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from accord.formats import ReadElementSet
from accord.store import (
    Base,
    CatalogRepository,
    IngestMode,
    PartnerKind,
    PartnerRepository,
    SourceKind,
    create_engine,
    downgrade,
    transaction,
    upgrade,
)
from accord.store._catalog import element_set_fingerprint
from tests.store._factory import element_set

REVISION = "0016_element_sets_per_partner"
NOW = datetime(2026, 11, 29, tzinfo=UTC)
_BATCHES = Base.metadata.tables["catalog_batches"]
_ELEMENT_SETS = Base.metadata.tables["element_sets"]
_OBJECTS = Base.metadata.tables["space_objects"]


def _previous_revision() -> str:
    config = Config()
    config.set_main_option("script_location", "accord.store:migrations")
    script = ScriptDirectory.from_config(config).get_revision(REVISION)
    assert script is not None and isinstance(script.down_revision, str)
    return script.down_revision


_ELEMENT_FIELDS = (
    "norad_id",
    "epoch",
    "mean_motion_rev_per_day",
    "eccentricity",
    "inclination_deg",
    "raan_deg",
    "arg_of_pericenter_deg",
    "mean_anomaly_deg",
    "bstar_per_earth_radius",
    "mean_motion_dot_rev_per_day2",
    "mean_motion_ddot_rev_per_day3",
    "object_name",
    "object_id",
    "classification",
    "ephemeris_type",
    "element_set_no",
    "rev_at_epoch",
    "tle_line1",
    "tle_line2",
)


def _populate_old_schema(engine: Engine) -> tuple[int, int]:
    """One partner, one batch, object 25544 with two element sets; returns (partner, current)."""
    with transaction(engine) as session:
        partner = PartnerRepository(session).get_or_create("Alpha Space", kind=PartnerKind.OPERATOR)
        partner_id = partner.id
    with engine.begin() as connection:
        batch_id = connection.execute(
            sa.insert(_BATCHES).returning(_BATCHES.c.id),
            {
                "partner_id": partner_id,
                "submitted_at": NOW,
                "source_kind": "file",
                "source_name": "old.csv",
                "format": "gp-csv",
                "file_sha256": None,
                "record_count": 2,
                "accepted_count": 2,
                "rejected_count": 0,
                "duplicate_count": 0,
                "mode": "reject-batch",
            },
        ).scalar_one()
        connection.execute(
            sa.insert(_OBJECTS),
            {"norad_id": 25544, "object_name": "ISS", "first_seen_batch_id": batch_id},
        )
        ids = []
        for number, hours in enumerate((0.0, 6.0), start=1):
            values = element_set(25544, hours=hours)
            row = {name: getattr(values, name) for name in _ELEMENT_FIELDS}
            row |= {
                "batch_id": batch_id,
                "record_number": number,
                "line_number": None,
                "content_sha256": element_set_fingerprint(values),
            }
            ids.append(
                connection.execute(
                    sa.insert(_ELEMENT_SETS).returning(_ELEMENT_SETS.c.id),
                    row,
                ).scalar_one()
            )
        connection.execute(sa.update(_OBJECTS).values(current_element_set_id=ids[1]))
    return partner_id, ids[1]


def _state(engine: Engine) -> tuple[list[tuple[int, int]], int | None]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, partner_id FROM element_sets ORDER BY id")
        ).all()
        current = connection.execute(
            sa.text("SELECT current_element_set_id FROM space_objects")
        ).scalar_one()
    return [tuple(r) for r in rows], current


def test_upgrade_backfills_the_submitter_and_keeps_current_pointers(
    empty_database_url: str,
) -> None:
    engine = create_engine(empty_database_url)
    try:
        upgrade(engine, _previous_revision())
        partner_id, current_id = _populate_old_schema(engine)
        upgrade(engine)
        rows, current = _state(engine)
        assert rows == [(current_id - 1, partner_id), (current_id, partner_id)]
        assert current == current_id
        # Round trip while no two partners share a set: rows and pointers survive.
        downgrade(engine, _previous_revision())
        upgrade(engine)
        assert _state(engine) == (rows, current_id)

        # Now a second partner's identical set is its own row...
        with transaction(engine) as session:
            beta = PartnerRepository(session).get_or_create("Beta", kind=PartnerKind.OPERATOR)
            stored = CatalogRepository(session).add_batch(
                partner_id=beta.id,
                source_kind=SourceKind.FILE,
                source_name="beta.csv",
                format=None,
                file_sha256=None,
                mode=IngestMode.REJECT_BATCH,
                record_count=1,
                element_sets=[ReadElementSet(1, None, element_set(25544, hours=6.0))],
            )
        assert stored.accepted_count == 1
        # ...which the old catalog-wide constraint cannot hold: downgrade refuses, intact.
        with pytest.raises(RuntimeError, match="several partners hold identical"):
            downgrade(engine, _previous_revision())
        assert len(_state(engine)[0]) == 3
    finally:
        engine.dispose()
