"""Operator ephemerides: submission checks, the stored history, and what each partner sees.

References: docs/oem.md "Submitting and reading ephemerides"; docs/agreements.md, the
example agreement's clause esa-ephemerides-to-jaxa (10 km, covariance withheld, 24 h
embargo from the later of the data's epoch and its submission). Real OEMs from the shared
data: Orekit's test_cov.oem (ISS, OBJECT_ID 25544, with covariance), OEMExample5.txt (ISS,
OBJECT_ID 1998-067A) and the malformed files of oem/orekit/invalid/.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.access import (
    DuplicateEphemerisError,
    EphemerisSubmissionError,
    NotFoundError,
    Principal,
    get_visible_ephemeris,
    principal_for_partner,
    release_oem,
    submit_ephemeris,
    visible_ephemerides,
)
from accord.audit import (
    AuditAction,
    AuditLog,
    SubmissionSignatureError,
    parse_entry,
    verify_entry_submission,
)
from accord.formats import FormatError, read_oem
from accord.store import EphemerisRow, PartnerRepository, SourceKind, transaction
from tests.access._ephemeris_world import generated_oem, register_key, signed
from tests.access._world import EPOCH, build_world

#: The example clause's precision (km) and embargo.
PRECISION_KM = 10.0
EMBARGO = timedelta(hours=24)
#: Orekit's malformed OEMs that are valid messages after all (docs/oem.md).
VALID_AFTER_ALL = {"OEM-Issue839.txt"}


@pytest.fixture
def world(engine: Engine) -> Engine:
    build_world(engine)
    return engine


def _log_size(engine: Engine) -> int:
    with transaction(engine) as session:
        return AuditLog(session).tree_size


def _stored(engine: Engine) -> int:
    with transaction(engine) as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(EphemerisRow)) or 0)


def _submit(engine: Engine, handle: str, data: bytes, **options: object) -> int:
    options.setdefault("source", "test.oem")
    options.setdefault("at", EPOCH)
    with transaction(engine, write_lock=True) as session:
        partner = PartnerRepository(session).get_by_handle(handle)
        return submit_ephemeris(session, partner, data, **options).id  # type: ignore[arg-type]


def _who(engine: Engine, handle: str) -> Principal:
    with transaction(engine) as session:
        return principal_for_partner(PartnerRepository(session).get_by_handle(handle), ["analyst"])


def test_a_signed_real_oem_is_stored_with_a_verifiable_entry(
    world: Engine, shared: Callable[[str], Path]
) -> None:
    data = shared("oem/orekit/test_cov.oem").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    key = register_key(world, "esa")
    with transaction(world) as session:
        esa_id = PartnerRepository(session).get_by_handle("esa").id
    ephemeris_id = _submit(world, "esa", data, signature=signed(key, esa_id, digest))

    with transaction(world) as session:
        log = AuditLog(session)
        entry = parse_entry(log.entry(log.tree_size - 1))  # type: ignore[arg-type]
        row = session.get(EphemerisRow, ephemeris_id)
        assert row is not None
        assert row.oem == data and row.file_sha256 == digest  # bytes kept as submitted
        assert (row.norad_id, row.ref_frame, row.time_system) == (25544, "TOD", "UTC")
        assert (row.state_count, row.has_covariance, row.format) == (2, True, "kvn")
        assert row.usable_start == EPOCH.replace(year=2019, month=9, day=9)
        assert row.signature is not None
    assert entry.action is AuditAction.EPHEMERIS_ACCEPTED
    assert entry.content_sha256 == digest
    assert entry.actor.partner_id == str(esa_id)
    verify_entry_submission(entry, key.public_key())  # from the log entry alone


def test_a_signature_over_other_bytes_is_refused_with_nothing_written(
    world: Engine, shared: Callable[[str], Path]
) -> None:
    data = shared("oem/orekit/test_cov.oem").read_bytes()
    key = register_key(world, "esa")
    with transaction(world) as session:
        esa_id = PartnerRepository(session).get_by_handle("esa").id
    before = _log_size(world)
    wrong = signed(key, esa_id, hashlib.sha256(data + b"\n").hexdigest())
    with pytest.raises(SubmissionSignatureError, match="nothing was stored|Nothing was stored"):
        _submit(world, "esa", data, signature=wrong)
    assert (_stored(world), _log_size(world)) == (0, before)


@pytest.mark.parametrize("database_backend", ["sqlite"], indirect=True)
def test_malformed_oems_are_refused_at_their_line_and_keyword(
    world: Engine, shared: Callable[[str], Path]
) -> None:
    folder = shared("oem/orekit/invalid")
    before = _log_size(world)
    refused = 0
    for path in sorted(folder.iterdir()):
        if path.name in VALID_AFTER_ALL:
            continue
        with pytest.raises(FormatError) as raised:
            _submit(world, "esa", path.read_bytes(), source=path.name)
        first = raised.value.errors[0]
        assert first.source == path.name
        assert first.line is not None and first.field is not None, path.name
        refused += 1
    assert refused == 10
    assert (_stored(world), _log_size(world)) == (0, before)


def test_only_a_claimant_submits_and_absent_objects_read_alike(
    world: Engine, shared: Callable[[str], Path]
) -> None:
    data = shared("oem/orekit/test_cov.oem").read_bytes()  # OBJECT_ID 25544: esa's
    with pytest.raises(EphemerisSubmissionError, match="does not claim NORAD id 25544"):
        _submit(world, "jaxa", data)
    with pytest.raises(EphemerisSubmissionError, match="does not claim NORAD id 99999"):
        _submit(world, "jaxa", data, norad_id=99999)  # absent: the same refusal
    with pytest.raises(EphemerisSubmissionError, match="data_provider"):
        _submit(world, "celestrak", data)
    assert _stored(world) == 0


def test_an_international_designator_resolves_among_the_submitters_claims(
    world: Engine, shared: Callable[[str], Path]
) -> None:
    data = shared("oem/orekit/OEMExample5.txt").read_bytes()  # OBJECT_ID 1998-067A
    # The world's three esa objects all carry 1998-067A: ambiguous, the fix is named.
    with pytest.raises(EphemerisSubmissionError, match="matches 3 objects.*NORAD id"):
        _submit(world, "esa", data)
    with pytest.raises(EphemerisSubmissionError, match="names no object that partner 'NASA'"):
        _submit(world, "nasa", data.replace(b"1998-067A", b"2014-016A"))  # no claims
    ephemeris_id = _submit(world, "esa", data, norad_id=25544)
    with pytest.raises(DuplicateEphemerisError, match=f"as ephemeris {ephemeris_id}"):
        _submit(world, "esa", data, norad_id=25544)


def test_history_is_kept_and_the_newest_usable_span_is_current(world: Engine) -> None:
    first = _submit(world, "esa", generated_oem(39634))
    second = _submit(world, "esa", generated_oem(39634, start=EPOCH + timedelta(hours=1)), at=EPOCH)
    esa = _who(world, "esa")
    with transaction(world) as session:
        page = visible_ephemerides(session, esa, norad_id=39634, at=EPOCH)
    assert [(i.ephemeris_id, i.current) for i in page.items] == [(second, True), (first, False)]


def test_the_owner_reads_its_ephemeris_whole(world: Engine) -> None:
    data = generated_oem(39634)
    ephemeris_id = _submit(world, "esa", data, source_kind=SourceKind.FILE)
    esa = _who(world, "esa")
    before = _log_size(world)
    with transaction(world, write_lock=True) as session:
        released = release_oem(session, esa, ephemeris_id, at=EPOCH)
    assert released.item.owner == "esa" and released.item.has_covariance
    original, got = read_oem(data), read_oem(released.kvn)
    assert (got.segments[0].position_km == original.segments[0].position_km).all()
    assert len(got.segments[0].covariances) == 1
    assert _log_size(world) == before  # own data: no release under an agreement


def test_the_grantee_gets_coarsened_states_without_covariance_after_the_embargo(
    world: Engine,
) -> None:
    ephemeris_id = _submit(world, "esa", generated_oem(39634))
    jaxa = _who(world, "jaxa")
    early = EPOCH + EMBARGO - timedelta(seconds=1)
    with transaction(world, write_lock=True) as session:
        assert visible_ephemerides(session, jaxa, at=early).total == 0
        with pytest.raises(NotFoundError, match=f"no ephemeris with id {ephemeris_id}"):
            release_oem(session, jaxa, ephemeris_id, at=early)

    before = _log_size(world)
    after = EPOCH + EMBARGO
    with transaction(world, write_lock=True) as session:
        page = visible_ephemerides(session, jaxa, at=after)
        released = release_oem(session, jaxa, ephemeris_id, at=after)
    assert page.total == 1 and not page.items[0].has_covariance
    assert released.item.clauses[0].clause_id == "esa-ephemerides-to-jaxa"
    assert "COVARIANCE_START" not in released.kvn
    assert "Released by Accord under esa-jaxa-leo-exchange/v1/esa-ephemerides-to-jaxa" in (
        released.kvn
    )
    segment = read_oem(released.kvn).segments[0]
    original = read_oem(generated_oem(39634)).segments[0]
    velocity_step = PRECISION_KM / 600.0
    for position, precise in zip(segment.position_km, original.position_km, strict=True):
        for value, exact in zip(position, precise, strict=True):
            assert math.isclose(value / PRECISION_KM, round(value / PRECISION_KM), abs_tol=1e-9)
            assert abs(value - exact) <= PRECISION_KM / 2 + 1e-9
    for velocity in segment.velocity_km_s:
        for value in velocity:
            assert math.isclose(value / velocity_step, round(value / velocity_step), abs_tol=1e-6)
    with transaction(world) as session:
        log = AuditLog(session)
        assert log.tree_size == before + 1
        entry = parse_entry(log.entry(log.tree_size - 1))  # type: ignore[arg-type]
    assert entry.action is AuditAction.DATA_RELEASED
    details = entry.details
    assert details is not None
    assert details["data_class"] == "operator_ephemerides"
    assert (details["items"], details["degraded"]) == (1, 1)


def test_outsiders_find_nothing_and_counts_leave_it_out(world: Engine) -> None:
    granted = _submit(world, "esa", generated_oem(39634))
    not_granted = _submit(world, "esa", generated_oem(25544))  # 25544: in no clause to jaxa
    later = EPOCH + timedelta(days=30)
    nasa, jaxa = _who(world, "nasa"), _who(world, "jaxa")
    with transaction(world, write_lock=True) as session:
        assert visible_ephemerides(session, nasa, at=later).total == 0
        assert [i.ephemeris_id for i in visible_ephemerides(session, jaxa, at=later).items] == [
            granted
        ]
        for who, hidden in ((nasa, granted), (nasa, not_granted), (jaxa, not_granted)):
            with pytest.raises(NotFoundError, match=f"no ephemeris with id {hidden}$"):
                get_visible_ephemeris(session, who, hidden, at=later)
        with pytest.raises(NotFoundError, match="no ephemeris with id 999$"):
            get_visible_ephemeris(session, nasa, 999, at=later)  # absent: the same answer
