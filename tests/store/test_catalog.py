"""The catalog repository: batches, current element sets, history, search, pagination."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.formats import MAX_NORAD_ID, ElementSet, ReadElementSet
from accord.store import (
    CatalogBatch,
    CatalogRepository,
    ElementSetRow,
    IngestMode,
    PartnerKind,
    PartnerRepository,
    SourceKind,
    SpaceObject,
    transaction,
)
from tests.store._factory import EPOCH, element_set


def _add(engine: Engine, *element_sets: ElementSet, source: str = "batch.csv") -> int:
    with transaction(engine) as session:
        partner = PartnerRepository(session).get_or_create("ESA", kind=PartnerKind.SPACE_AGENCY)
        stored = CatalogRepository(session).add_batch(
            partner_id=partner.id,
            source_kind=SourceKind.FILE,
            source_name=source,
            format="gp-csv",
            file_sha256="0" * 64,
            mode=IngestMode.REJECT_BATCH,
            record_count=len(element_sets),
            element_sets=[
                ReadElementSet(record=n, line=n, element_set=e)
                for n, e in enumerate(element_sets, start=1)
            ],
        )
        return stored.batch_id


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            model.__tablename__: connection.execute(
                sa.select(sa.func.count()).select_from(model)
            ).scalar_one()
            for model in (CatalogBatch, SpaceObject, ElementSetRow)
        }


def test_newer_epoch_becomes_current_and_older_stays_in_history(engine: Engine) -> None:
    first = _add(engine, element_set(25544, hours=0.0), source="monday.csv")
    second = _add(engine, element_set(25544, hours=6.0, object_name="ISS (ZARYA)"))
    third = _add(engine, element_set(25544, hours=-6.0, object_name="OLD NAME"))
    with transaction(engine) as session:
        catalog = CatalogRepository(session)
        history = catalog.history(25544)
        current = catalog.current(25544)
    assert [h.batch_id for h in history] == [second, first, third]  # newest epoch first
    assert current is not None and current.batch_id == second
    assert current.element_set == element_set(25544, hours=6.0, object_name="ISS (ZARYA)")
    assert history[1].source_name == "monday.csv" and history[1].partner_name == "ESA"
    # A late-arriving older element set is history, not current; the name follows current.
    with transaction(engine) as session:
        assert session.get(SpaceObject, 25544).object_name == "ISS (ZARYA)"  # type: ignore[union-attr]


def test_equal_epochs_resolve_to_the_later_batch(engine: Engine) -> None:
    _add(engine, element_set(7, mean_anomaly_deg=10.0))
    later = _add(engine, element_set(7, mean_anomaly_deg=20.0))
    with transaction(engine) as session:
        current = CatalogRepository(session).current(7)
    assert current is not None and current.batch_id == later
    assert current.element_set.mean_anomaly_deg == 20.0


def test_identical_element_set_is_stored_once_and_reported(engine: Engine) -> None:
    original = _add(engine, element_set(5))
    with transaction(engine) as session:
        partner = PartnerRepository(session).get_by_name("ESA")
        stored = CatalogRepository(session).add_batch(
            partner_id=partner.id,
            source_kind=SourceKind.CELESTRAK,
            source_name="again.csv",
            format="gp-csv",
            file_sha256=None,
            mode=IngestMode.REJECT_BATCH,
            record_count=3,
            element_sets=[
                ReadElementSet(1, 2, element_set(5, object_name="renamed")),  # same elements
                ReadElementSet(2, 3, element_set(6)),
                ReadElementSet(3, 4, element_set(6)),  # repeated within the batch
            ],
        )
    assert stored.accepted_count == 1
    assert [(d.record, d.norad_id, d.existing_batch_id) for d in stored.duplicates] == [
        (1, 5, original),
        (3, 6, stored.batch_id),
    ]
    with transaction(engine) as session:
        batch = CatalogRepository(session).batch(stored.batch_id)
    assert batch is not None and (batch.accepted_count, batch.duplicate_count) == (1, 2)
    assert _counts(engine)["element_sets"] == 2


def test_failure_mid_insert_leaves_nothing(engine: Engine) -> None:
    """A row the database refuses (eccentricity 1.5) undoes the batch row and new objects."""
    _add(engine, element_set(1))
    before = _counts(engine)
    with pytest.raises(sa.exc.IntegrityError, match="eccentricity"):
        _add(engine, *(element_set(n) for n in range(2, 50)), element_set(50, eccentricity=1.5))
    assert _counts(engine) == before


def test_nine_digit_norad_ids_are_stored_and_read_back(engine: Engine) -> None:
    _add(engine, element_set(MAX_NORAD_ID), element_set(270_000))
    with transaction(engine) as session:
        page = CatalogRepository(session).latest()
    assert [s.element_set.norad_id for s in page.items] == [270_000, MAX_NORAD_ID]


def test_latest_paginates_in_norad_order_with_the_total(engine: Engine) -> None:
    _add(engine, *(element_set(n) for n in range(1, 26)))
    _add(engine, *(element_set(n, hours=1.0) for n in range(10, 15)))
    with transaction(engine) as session:
        catalog = CatalogRepository(session)
        page = catalog.latest(offset=10, limit=5)
        chosen = catalog.latest(norad_ids=[3, 12, 999], limit=10)
        everything = catalog.latest()
    assert page.total == 25 and [s.element_set.norad_id for s in page.items] == [11, 12, 13, 14, 15]
    assert all(s.element_set.epoch > EPOCH for s in page.items[:4])
    assert page.items[4].element_set.epoch == EPOCH
    assert chosen.total == 2 and [s.element_set.norad_id for s in chosen.items] == [3, 12]
    assert len(everything.items) == everything.total == 25


def test_search_by_name_cospar_id_or_norad_id(engine: Engine) -> None:
    _add(
        engine,
        element_set(25544, object_name="ISS (ZARYA)", object_id="1998-067A"),
        element_set(48274, object_name="CSS (TIANHE)", object_id="2021-035A"),
        element_set(20580, object_name="HST", object_id="1990-037B"),
        element_set(100, object_name="100% DEBRIS_X", object_id="1960-001A"),
    )
    with transaction(engine) as session:
        catalog = CatalogRepository(session)

        def ids(text: str, **page: int) -> list[int]:
            return [s.element_set.norad_id for s in catalog.search(text, **page).items]

        assert ids("zarya") == [25544]
        assert ids("2021-035") == [48274]
        assert ids("20580") == [20580]
        assert ids("%") == [100]  # LIKE wildcards are matched literally
        assert ids("s", limit=2, offset=1) == [20580, 25544]
        assert catalog.search("S").total == 4
        with pytest.raises(ValueError, match="empty search"):
            catalog.search("  ")


def test_freshness_and_object_count(engine: Engine) -> None:
    with transaction(engine) as session:
        empty = CatalogRepository(session).freshness()
    assert (empty.object_count, empty.newest_epoch, empty.last_batch_id) == (0, None, None)
    _add(engine, element_set(1, hours=2.0), element_set(2))
    last = _add(engine, element_set(3, hours=-1.0))
    with transaction(engine) as session:
        fresh = CatalogRepository(session).freshness()
    assert fresh.object_count == 3
    assert fresh.newest_epoch == EPOCH.replace(hour=14)
    assert fresh.last_batch_id == last
    assert fresh.last_batch_at is not None and fresh.last_batch_at <= datetime.now(UTC)
