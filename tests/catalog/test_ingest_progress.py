"""import_catalog's progress callback: parsing (bytes), validating and storing (records)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine

from accord.catalog import import_catalog
from accord.store import CatalogRepository, PartnerKind, PartnerRepository, transaction

#: CelesTrak's stations group (2026-05-30): 25 element sets.
STATIONS = "catalogs/celestrak-groups-2026-05-30/stations.tle"


def test_progress_reports_each_stage_in_order_with_its_totals(
    engine: Engine, shared: Callable[[str], Path]
) -> None:
    data = shared(STATIONS).read_bytes()
    with transaction(engine) as session:
        PartnerRepository(session).create("ESA", kind=PartnerKind.SPACE_AGENCY)
    calls: list[tuple[str, int, int]] = []
    stored_when_done: list[int] = []

    def progress(stage: str, completed: int, total: int) -> None:
        calls.append((stage, completed, total))
        if stage == "storing" and completed == total:
            with transaction(engine) as session:  # committed by then: visible to others
                stored_when_done.append(CatalogRepository(session).object_count())

    report = import_catalog(
        engine, data, source_name="stations.tle", partner="ESA", progress=progress
    )
    assert report.accepted_count == 25
    assert [stage for stage, _, _ in calls] == [
        "parsing",
        "parsing",
        "validating",
        "validating",
        "storing",
        "storing",
    ]
    assert calls[:2] == [("parsing", 0, len(data)), ("parsing", len(data), len(data))]
    assert calls[2:] == [
        ("validating", 0, 25),
        ("validating", 25, 25),
        ("storing", 0, 25),
        ("storing", 25, 25),
    ]
    assert stored_when_done == [25]
