"""Catalog ingest: provenance, all-or-nothing batches, store-valid reports, synthetic labels."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.catalog import (
    CatalogImportRejected,
    IngestMode,
    import_element_sets,
    import_reading,
)
from accord.formats import (
    CatalogFormat,
    CatalogReading,
    FormatError,
    ReadElementSet,
    RecordError,
)
from accord.store import (
    BatchRejection,
    CatalogBatch,
    CatalogRepository,
    ElementSetRow,
    PartnerKind,
    PartnerRepository,
    SourceKind,
    SpaceObject,
    UnknownPartnerError,
    transaction,
)
from tests.store._factory import element_set, reading

SUBMITTED_AT = datetime(2024, 11, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def partners(engine: Engine) -> Engine:
    """The engine, with the partners these tests submit as."""
    with transaction(engine) as session:
        partners = PartnerRepository(session)
        partners.create("JAXA", kind=PartnerKind.SPACE_AGENCY, country_code="JP")
        partners.create("Accord demo generator", kind=PartnerKind.SYSTEM)
    return engine


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            model.__tablename__: connection.execute(
                sa.select(sa.func.count()).select_from(model)
            ).scalar_one()
            for model in (CatalogBatch, BatchRejection, SpaceObject, ElementSetRow)
        }


def _flawed_reading() -> tuple[CatalogReading, list[int]]:
    """Records 1..6: the reader rejected 2 and 5; record 4 cannot be stored (e = 1.2)."""
    kept = {1: element_set(101), 3: element_set(103), 4: element_set(104, eccentricity=1.2)}
    kept[6] = element_set(106)
    flawed = CatalogReading(
        source="jaxa.csv",
        format=CatalogFormat.GP_CSV,
        element_sets=[ReadElementSet(n, n + 1, e) for n, e in kept.items()],
        errors=[
            RecordError("jaxa.csv", 2, 3, "MEAN_MOTION", "'fast' is not a number", "a decimal"),
            RecordError("jaxa.csv", 5, 6, "EPOCH", "'yesterday' is not a date", "ISO 8601"),
        ],
    )
    return flawed, [2, 4, 5]


def test_batch_records_its_provenance(partners: Engine) -> None:
    report = import_reading(
        partners,
        reading(element_set(25544), element_set(20580), source="jaxa-2024-11-01.csv"),
        partner="JAXA",
        source_kind=SourceKind.FILE,
        file_sha256="ab" * 32,
        submitted_at=SUBMITTED_AT,
    )
    assert (report.accepted_count, report.rejected, report.duplicates) == (2, [], [])
    with transaction(partners) as session:
        catalog = CatalogRepository(session)
        batch = catalog.batch(report.batch_id)
        stored = catalog.current(25544)
    assert batch is not None
    assert (batch.partner_name, batch.source_kind, batch.source_name) == (
        "JAXA",
        SourceKind.FILE,
        "jaxa-2024-11-01.csv",
    )
    assert (batch.format, batch.file_sha256, batch.submitted_at) == (
        "gp-csv",
        "ab" * 32,
        SUBMITTED_AT,
    )
    assert (batch.mode, batch.record_count, batch.accepted_count) == (IngestMode.REJECT_BATCH, 2, 2)
    assert stored is not None and not stored.is_synthetic
    assert (stored.partner_name, stored.batch_id, stored.record_number) == (
        "JAXA",
        batch.batch_id,
        1,
    )


def test_reject_batch_writes_nothing_and_lists_every_bad_record(partners: Engine) -> None:
    import_reading(
        partners,
        reading(element_set(1)),
        partner="JAXA",
        source_kind=SourceKind.FILE,
    )
    before = _counts(partners)
    flawed, bad_records = _flawed_reading()
    with pytest.raises(CatalogImportRejected) as caught:
        import_reading(partners, flawed, partner="JAXA", source_kind=SourceKind.FILE)
    assert [e.record for e in caught.value.errors] == bad_records
    assert caught.value.errors[1].field == "ECCENTRICITY"
    assert isinstance(caught.value, FormatError)
    message = str(caught.value)
    assert "jaxa.csv" in message and "3 of 6 records invalid" in message
    assert "store-valid" in message
    assert _counts(partners) == before


def test_store_valid_stores_the_good_records_and_reports_each_bad_one(partners: Engine) -> None:
    flawed, bad_records = _flawed_reading()
    report = import_reading(
        partners,
        flawed,
        partner="JAXA",
        source_kind=SourceKind.API,
        mode=IngestMode.STORE_VALID,
    )
    assert report.accepted_count == 3 and report.rejected_count == 3
    assert [e.record for e in report.rejected] == bad_records
    with transaction(partners) as session:
        catalog = CatalogRepository(session)
        batch = catalog.batch(report.batch_id)
        kept = catalog.rejections(report.batch_id)
        stored = [s.element_set.norad_id for s in catalog.latest().items]
    assert stored == [101, 103, 106]
    assert batch is not None and batch.mode is IngestMode.STORE_VALID
    assert (batch.record_count, batch.accepted_count, batch.rejected_count) == (6, 3, 3)
    assert kept == report.rejected


def test_resubmitted_element_sets_are_reported_as_duplicates(partners: Engine) -> None:
    first = import_reading(
        partners,
        reading(element_set(5), element_set(11)),
        partner="JAXA",
        source_kind=SourceKind.FILE,
    )
    again = import_reading(
        partners,
        reading(element_set(5), element_set(11, hours=12.0)),
        partner="JAXA",
        source_kind=SourceKind.FILE,
    )
    assert again.accepted_count == 1
    assert [(d.record, d.existing_batch_id) for d in again.duplicates] == [(1, first.batch_id)]
    assert _counts(partners)["element_sets"] == 3


def test_generated_population_is_labelled_synthetic(partners: Engine) -> None:
    report = import_element_sets(
        partners,
        (element_set(n) for n in range(900_000, 900_010)),
        source_name="accord.orbits synthetic population (seed 1)",
        partner="Accord demo generator",
    )
    assert (report.accepted_count, report.format, report.file_sha256) == (10, None, None)
    with transaction(partners) as session:
        catalog = CatalogRepository(session)
        batch = catalog.batch(report.batch_id)
        page = catalog.latest(limit=3)
    assert batch is not None and batch.is_synthetic and batch.format is None
    assert page.total == 10 and all(s.is_synthetic for s in page.items)
    assert page.items[0].source_kind is SourceKind.SYNTHETIC


def test_unstorable_generated_element_set_rejects_the_population(partners: Engine) -> None:
    with pytest.raises(CatalogImportRejected, match="record 3, field MEAN_MOTION"):
        import_element_sets(
            partners,
            [element_set(1), element_set(2), element_set(3, mean_motion_rev_per_day=-1.0)],
            source_name="generator",
            partner="Accord demo generator",
        )
    assert _counts(partners)["catalog_batches"] == 0


def test_batch_joins_the_callers_transaction_when_given_a_session(partners: Engine) -> None:
    with pytest.raises(RuntimeError):
        with transaction(partners) as session:
            import_reading(
                session,
                reading(element_set(42)),
                partner="JAXA",
                source_kind=SourceKind.API,
                file_sha256=None,
            )
            assert CatalogRepository(session).object_count() == 1
            raise RuntimeError("the caller's unit of work fails after the import")
    assert _counts(partners)["space_objects"] == 0
    with transaction(partners) as session:
        import_reading(
            session,
            reading(element_set(42)),
            partner="JAXA",
            source_kind=SourceKind.API,
            file_sha256=None,
        )
    assert _counts(partners)["space_objects"] == 1


def test_unknown_partner_or_empty_input_stores_nothing(partners: Engine) -> None:
    with pytest.raises(UnknownPartnerError, match="'NASA'"):
        import_reading(
            partners,
            reading(element_set(1)),
            partner="NASA",
            source_kind=SourceKind.FILE,
            file_sha256=None,
        )
    with pytest.raises(FormatError, match="no element sets"):
        import_reading(partners, reading(), partner="JAXA", source_kind=SourceKind.FILE)
    assert _counts(partners) == dict.fromkeys(_counts(partners), 0)
