"""Who submitted a screening: stored with it, and the actor of its audit entries.

Every stored screening leaves one `screening.completed` entry (details: span, threshold,
counts, job), even one that found nothing, and its `cdm.issued` entries name the same actor.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from accord.audit import Actor, AuditAction, AuditEntry, AuditLog, entry_bytes, parse_entry
from accord.screening import (
    LOCAL_OPERATOR,
    MAX_SUBMITTER_NAME_CHARS,
    Submitter,
    SubmitterError,
    run_screening,
)
from accord.store import PartnerKind, PartnerRepository, ScreeningRepository, transaction
from tests._crossing_pair import T0, store_crossing_pair

#: The span screened: one hour around the crossing pair's encounter at T0.
SPAN = timedelta(hours=1)
START = T0 - timedelta(minutes=30)


@pytest.fixture
def catalog(engine: Engine) -> Engine:
    """The crossing pair (one encounter at T0, about 4.24 km) and a bystander."""
    return store_crossing_pair(engine)


@pytest.fixture
def esa_id(catalog: Engine) -> int:
    with transaction(catalog) as session:
        partner = PartnerRepository(session).create("ESA", kind=PartnerKind.SPACE_AGENCY)
        return partner.id


def _entries(engine: Engine) -> list[AuditEntry]:
    with transaction(engine) as session:
        return [parse_entry(e.entry) for e in AuditLog(session).entries()]


def _of(entries: list[AuditEntry], action: AuditAction) -> list[AuditEntry]:
    return [e for e in entries if e.action is action]


def _details(entry: AuditEntry) -> dict[str, Any]:
    assert entry.details is not None
    return dict(entry.details)


def test_a_partners_screening_records_its_submitter_and_names_it_in_every_entry(
    catalog: Engine, esa_id: int
) -> None:
    submitter = Submitter(esa_id, "key:ab12cd34")
    record = run_screening(
        catalog, start=START, duration=SPAN, threshold_km=20.0, submitter=submitter
    )
    assert (record.submitter_partner_id, record.submitter_name) == (esa_id, "key:ab12cd34")
    with transaction(catalog) as session:
        stored = ScreeningRepository(session).screening(record.screening_id)
    assert stored == record
    entries = _entries(catalog)
    (completed,) = _of(entries, AuditAction.SCREENING_COMPLETED)
    (issued,) = _of(entries, AuditAction.CDM_ISSUED)
    assert completed.actor == issued.actor == Actor.partner(str(esa_id))
    assert [(s.kind, s.id) for s in completed.subjects] == [("screening", str(record.screening_id))]
    assert _details(completed) == {
        "screening_id": record.screening_id,
        "span_start": "2024-10-31T23:30:00.000000+00:00",
        "span_end": "2024-11-01T00:30:00.000000+00:00",
        "threshold_m": 20_000,
        "objects": 3,
        "conjunctions": 1,
        "cdms": 1,
        "co_locations": 0,
        "failures": 0,
    }
    # The log holds no principal: the key's name is in the store only.
    assert all(b"ab12cd34" not in entry_bytes(entry) for entry in entries)


def test_a_screening_that_finds_nothing_still_leaves_its_entry(catalog: Engine) -> None:
    # Two hours after the encounter: no pair comes within 20 km.
    record = run_screening(
        catalog,
        start=T0 + timedelta(hours=2),
        duration=SPAN,
        threshold_km=20.0,
        submitter=Submitter.local_operator(),
    )
    assert record.conjunction_count == 0
    assert (record.submitter_partner_id, record.submitter_name) == (None, LOCAL_OPERATOR)
    entries = _entries(catalog)
    assert _of(entries, AuditAction.CDM_ISSUED) == []
    (completed,) = _of(entries, AuditAction.SCREENING_COMPLETED)
    assert completed.actor == Actor.system()
    details = _details(completed)
    assert (details["conjunctions"], details["cdms"], details["objects"]) == (0, 0, 3)


def test_a_screening_without_a_submitter_records_none_and_the_system_acts(
    catalog: Engine,
) -> None:
    record = run_screening(catalog, start=START, duration=SPAN, threshold_km=20.0)
    assert (record.submitter_partner_id, record.submitter_name) == (None, None)
    entries = _entries(catalog)
    actors = {e.actor for e in entries if e.action is not AuditAction.CATALOG_BATCH_ACCEPTED}
    assert actors == {Actor.system()}


def test_the_local_operator_for_a_partner_is_that_partners_act(
    catalog: Engine, esa_id: int
) -> None:
    run_screening(
        catalog,
        start=START,
        duration=SPAN,
        threshold_km=20.0,
        submitter=Submitter.local_operator(esa_id),
    )
    (completed,) = _of(_entries(catalog), AuditAction.SCREENING_COMPLETED)
    assert completed.actor == Actor.partner(str(esa_id))


@pytest.mark.parametrize(
    ("partner_id", "name", "field"),
    [(1, "", "name"), (1, "k" * (MAX_SUBMITTER_NAME_CHARS + 1), "name"), (0, "x", "partner id")],
)
def test_a_submitter_that_cannot_be_stored_is_refused(
    partner_id: int, name: str, field: str
) -> None:
    with pytest.raises(SubmitterError, match=f"submitter {field}"):
        Submitter(partner_id, name)
