"""Identical element sets from several partners: each keeps its own row and provenance."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.formats import ElementSet, ReadElementSet
from accord.store import (
    Base,
    CatalogRepository,
    IngestMode,
    PartnerKind,
    PartnerRepository,
    SourceKind,
    StoredBatch,
    transaction,
)
from tests.store._factory import element_set

_ELEMENT_SETS = Base.metadata.tables["element_sets"]


def _submit(
    engine: Engine, partner: str, *element_sets: ElementSet, source: str = "b.csv"
) -> StoredBatch:
    with transaction(engine) as session:
        submitter = PartnerRepository(session).get_or_create(partner, kind=PartnerKind.OPERATOR)
        return CatalogRepository(session).add_batch(
            partner_id=submitter.id,
            source_kind=SourceKind.FILE,
            source_name=source,
            format="gp-csv",
            file_sha256=None,
            mode=IngestMode.REJECT_BATCH,
            record_count=len(element_sets),
            element_sets=[
                ReadElementSet(record=n, line=n + 1, element_set=e)
                for n, e in enumerate(element_sets, start=1)
            ],
        )


def test_another_partners_identical_set_is_stored_with_its_own_provenance(
    engine: Engine,
) -> None:
    first = _submit(engine, "Alpha Space", element_set(25544), source="alpha.csv")
    second = _submit(engine, "Beta Orbital", element_set(25544), source="beta.csv")
    assert (second.accepted_count, second.duplicates) == (1, [])
    with transaction(engine) as session:
        catalog = CatalogRepository(session)
        history = catalog.history(25544)
        current = catalog.current(25544)
        batch = catalog.batch(second.batch_id)
    assert [(h.partner_name, h.source_name) for h in history] == [
        ("Beta Orbital", "beta.csv"),  # same epoch: the later submission is current
        ("Alpha Space", "alpha.csv"),
    ]
    assert history[0].element_set == history[1].element_set
    assert current is not None and current.batch_id == second.batch_id != first.batch_id
    assert batch is not None and batch.duplicate_count == 0


def test_the_same_partner_repeating_a_set_is_still_a_duplicate(engine: Engine) -> None:
    first = _submit(engine, "Alpha Space", element_set(7))
    _submit(engine, "Beta Orbital", element_set(7))
    again = _submit(engine, "Alpha Space", element_set(7, object_name="renamed"))
    assert again.accepted_count == 0
    assert [(d.record, d.existing_batch_id) for d in again.duplicates] == [(1, first.batch_id)]
    with transaction(engine) as session:
        history = CatalogRepository(session).history(7)
        current = CatalogRepository(session).current(7)
    assert [h.partner_name for h in history] == ["Beta Orbital", "Alpha Space"]
    # A duplicate stores nothing, so it does not move the current pointer either.
    assert current is not None and current.partner_name == "Beta Orbital"


def test_the_database_refuses_a_partners_second_copy(engine: Engine) -> None:
    """The unique (partner_id, content_sha256) constraint, behind the repository's check."""
    _submit(engine, "Alpha Space", element_set(9))
    with engine.connect() as connection:
        row = dict(connection.execute(sa.select(_ELEMENT_SETS)).mappings().one())
    del row["id"]
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.insert(_ELEMENT_SETS), row)
