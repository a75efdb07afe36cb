"""Catalog ingest end to end: real catalog files read by `accord.formats` and stored."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from accord.catalog import CatalogImportRejected, IngestMode, import_catalog
from accord.formats import CatalogFormat, FormatError
from accord.store import (
    CatalogRepository,
    PartnerKind,
    PartnerRepository,
    SourceKind,
    create_engine,
    transaction,
)

Shared = Callable[[str], Path]
ON_ORBIT = "catalogs/celestrak_on_orbit_2024-11-01.csv"
#: Objects in ON_ORBIT (SOURCES.md), every one a valid element set.
ON_ORBIT_OBJECTS = 26_834


def _register(engine: Engine) -> Engine:
    with transaction(engine) as session:
        PartnerRepository(session).create("CelesTrak", kind=PartnerKind.DATA_PROVIDER)
    return engine


@pytest.fixture
def store(engine: Engine) -> Engine:
    """A migrated database of each backend with the CelesTrak partner registered."""
    return _register(engine)


@pytest.fixture
def sqlite_store(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database (the whole-catalog import is the SQLite benchmark case)."""
    path = tmp_path / "accord.db"
    shutil.copyfile(sqlite_template, path)
    engine = create_engine(f"sqlite:///{path}")
    yield _register(engine)
    engine.dispose()


def test_whole_on_orbit_catalog_is_stored_once(sqlite_store: Engine, shared: Shared) -> None:
    data = shared(ON_ORBIT).read_bytes()
    report = import_catalog(
        sqlite_store,
        data,
        source_name="celestrak_on_orbit_2024-11-01.csv",
        partner="CelesTrak",
        source_kind=SourceKind.CELESTRAK,
    )
    assert report.format is CatalogFormat.GP_CSV
    assert report.file_sha256 == hashlib.sha256(data).hexdigest()
    assert (report.record_count, report.accepted_count, report.rejected) == (
        ON_ORBIT_OBJECTS,
        ON_ORBIT_OBJECTS,
        [],
    )
    again = import_catalog(
        sqlite_store,
        data,
        source_name="again.csv",
        partner="CelesTrak",
        source_kind=SourceKind.CELESTRAK,
    )
    assert (again.accepted_count, len(again.duplicates)) == (0, ON_ORBIT_OBJECTS)
    with transaction(sqlite_store) as session:
        catalog = CatalogRepository(session)
        freshness = catalog.freshness()
        vanguard = catalog.current(5)
    assert freshness.object_count == ON_ORBIT_OBJECTS
    assert freshness.last_batch_id == again.batch_id
    # The file's largest EPOCH value (a stdlib csv scan of the file gives the same).
    assert freshness.newest_epoch == datetime(2024, 11, 3, 13, 17, 20, 454144, tzinfo=UTC)
    assert vanguard is not None and vanguard.element_set.object_name == "VANGUARD 1"
    assert vanguard.batch_id == report.batch_id  # the duplicate did not displace it


def test_3le_group_then_newer_omm_updates_the_current_element_set(
    store: Engine, shared: Shared
) -> None:
    stations = shared("catalogs/celestrak-groups-2026-05-30/stations.tle")
    iss_omm = shared("omm/other/omm_celestrak_iss_25544.kvn")
    first = import_catalog(
        store,
        stations.read_bytes(),
        source_name=stations.name,
        partner="CelesTrak",
        source_kind=SourceKind.CELESTRAK,
    )
    second = import_catalog(
        store,
        iss_omm.read_bytes(),
        source_name=iss_omm.name,
        partner="CelesTrak",
        source_kind=SourceKind.CELESTRAK,
    )
    assert first.format is CatalogFormat.TLE and first.accepted_count == 25
    assert second.format is CatalogFormat.OMM_KVN and second.accepted_count == 1
    with transaction(store) as session:
        history = CatalogRepository(session).history(25544)
    assert [h.batch_id for h in history] == [second.batch_id, first.batch_id]
    assert history[0].element_set.epoch.date().isoformat() == "2026-07-21"
    # The TLE text is kept verbatim for the element set read from the 3LE file.
    assert history[1].element_set.tle_line1 is not None
    assert history[1].element_set.tle_line1.startswith("1 25544U")


def test_damaged_rows_reject_the_file_or_are_reported(store: Engine, shared: Shared) -> None:
    lines = shared(ON_ORBIT).read_bytes().splitlines(keepends=True)[:21]  # header + 20 rows
    lines[5] = lines[5].replace(b",.", b",X.", 1)  # a number made unreadable in row 5
    lines[9] = lines[9].replace(b"U,", b"U,-", 1)  # a negative NORAD id in row 9
    data = b"".join(lines)
    with pytest.raises(CatalogImportRejected) as caught:
        import_catalog(store, data, source_name="damaged.csv", partner="CelesTrak")
    assert {e.record for e in caught.value.errors} == {5, 9}
    with transaction(store) as session:
        assert CatalogRepository(session).object_count() == 0

    report = import_catalog(
        store,
        data,
        source_name="damaged.csv",
        partner="CelesTrak",
        mode=IngestMode.STORE_VALID,
    )
    assert report.accepted_count == 18 and report.rejected_count == 2
    assert all(e.source == "damaged.csv" and e.line is not None for e in report.rejected)


def test_unreadable_file_raises_and_stores_nothing(store: Engine, shared: Shared) -> None:
    with pytest.raises(FormatError):
        import_catalog(
            store, b"\x00\x01 not a catalog", source_name="junk.bin", partner="CelesTrak"
        )
    invalid = shared("omm/orekit/invalid/OMM-number-format-error.txt")
    with pytest.raises(FormatError):
        import_catalog(store, invalid.read_bytes(), source_name=invalid.name, partner="CelesTrak")
    with transaction(store) as session:
        assert CatalogRepository(session).freshness().last_batch_id is None
