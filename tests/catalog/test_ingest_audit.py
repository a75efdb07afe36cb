"""Every stored catalog batch appends `catalog.batch.accepted` in its own transaction."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy.engine import Engine

from accord.audit import AuditAction, AuditLog, parse_entry
from accord.catalog import CatalogImportRejected, IngestMode, import_catalog, import_reading
from accord.store import PartnerKind, PartnerRepository, SourceKind, transaction
from tests.store._factory import element_set, reading

#: Two valid GP CSV records and the header (values of an ISS-like orbit).
HEADER = (
    "OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,"
    "ARG_OF_PERICENTER,MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,"
    "ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT\n"
)
ROW = (
    "OBJ {n},1998-067A,2024-10-31T12:00:00.000000,15.5,0.0007,51.64,120,80,280,0,U,{n},999,1,"
    "0.0003,0.0001,0\n"
)


@pytest.fixture
def jaxa(engine: Engine) -> int:
    with transaction(engine) as session:
        return PartnerRepository(session).create("JAXA", kind=PartnerKind.SPACE_AGENCY).id


def _entries(engine: Engine) -> list[bytes]:
    with transaction(engine) as session:
        return [item.entry for item in AuditLog(session).entries(0, 100)]


def test_an_imported_file_is_logged_with_partner_hash_batch_and_counts(
    engine: Engine, jaxa: int
) -> None:
    data = (HEADER + ROW.format(n=25544) + ROW.format(n=25545)).encode()
    report = import_catalog(engine, data, source_name="gp.csv", partner="JAXA")
    [stored] = _entries(engine)
    entry = parse_entry(stored)
    assert entry.seq == 0
    assert entry.action is AuditAction.CATALOG_BATCH_ACCEPTED
    assert entry.actor.partner_id == str(jaxa)
    assert entry.content_sha256 == hashlib.sha256(data).hexdigest() == report.file_sha256
    assert [(s.kind, s.id) for s in entry.subjects] == [("catalog_batch", str(report.batch_id))]
    assert entry.details == {
        "source_kind": "file",
        "format": "gp-csv",
        "mode": "reject-batch",
        "records": 2,
        "accepted": 2,
        "rejected": 0,
        "duplicates": 0,
    }


def test_a_rejected_batch_writes_no_entry_and_store_valid_counts_rejections(
    engine: Engine, jaxa: int
) -> None:
    bad = reading(element_set(25544), element_set(25545, eccentricity=1.5))
    with pytest.raises(CatalogImportRejected):
        import_reading(engine, bad, partner="JAXA", source_kind=SourceKind.API)
    assert _entries(engine) == []
    import_reading(
        engine, bad, partner="JAXA", source_kind=SourceKind.API, mode=IngestMode.STORE_VALID
    )
    [stored] = _entries(engine)
    details = parse_entry(stored).details
    assert details is not None
    assert (details["accepted"], details["rejected"], details["mode"]) == (1, 1, "store-valid")


def test_a_batch_rolled_back_by_its_caller_leaves_no_entry(engine: Engine, jaxa: int) -> None:
    with pytest.raises(RuntimeError, match="caller failed"):
        with transaction(engine, write_lock=True) as session:
            import_reading(
                session, reading(element_set(25544)), partner="JAXA", source_kind=SourceKind.API
            )
            raise RuntimeError("caller failed")
    assert _entries(engine) == []
    for norad_id in (25544, 25545):
        import_reading(
            engine, reading(element_set(norad_id)), partner="JAXA", source_kind=SourceKind.API
        )
    assert [parse_entry(e).seq for e in _entries(engine)] == [0, 1]
