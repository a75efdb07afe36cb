"""Engines and transactions: SQLite set-up, UTC timestamps, commit and rollback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.store import (
    Partner,
    PartnerKind,
    PartnerRepository,
    UnknownPartnerError,
    create_engine,
    transaction,
)


def test_sqlite_creates_its_folder_and_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "var" / "nested" / "accord.db"
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert path.exists()
    finally:
        engine.dispose()


def test_datetimes_round_trip_as_utc_aware(engine: Engine) -> None:
    # 13:30 at UTC+05:30 is 08:00 UTC; stored as UTC and returned tz-aware.
    india = timezone(timedelta(hours=5, minutes=30))
    created = datetime(2024, 11, 1, 13, 30, 0, 123456, tzinfo=india)
    with transaction(engine) as session:
        session.add(
            Partner(name="ISRO", kind="space_agency", country_code="IN", created_at=created)
        )
    with transaction(engine) as session:
        stored = session.scalars(sa.select(Partner.created_at)).one()
    assert stored == created
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored.hour == 8 and stored.microsecond == 123456


def test_naive_datetime_is_refused(engine: Engine) -> None:
    with pytest.raises(sa.exc.StatementError, match="timezone-aware"):
        with transaction(engine) as session:
            session.add(Partner(name="X", kind="state", created_at=datetime(2024, 1, 1, 0, 0)))
            session.flush()


def test_transaction_commits_or_rolls_back_as_a_whole(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="abandon"):
        with transaction(engine) as session:
            PartnerRepository(session).create("ESA", kind=PartnerKind.SPACE_AGENCY)
            raise RuntimeError("abandon the unit of work")
    with transaction(engine) as session:
        assert PartnerRepository(session).find_by_name("ESA") is None
        PartnerRepository(session).create("ESA", kind=PartnerKind.SPACE_AGENCY)
    with transaction(engine, write_lock=True) as session:
        assert PartnerRepository(session).get_by_name("ESA").kind == "space_agency"


def test_partner_lookups_and_validation(engine: Engine) -> None:
    with transaction(engine) as session:
        partners = PartnerRepository(session)
        cnes = partners.get_or_create("CNES", kind=PartnerKind.SPACE_AGENCY, country_code="FRA")
        assert partners.get_or_create("CNES", kind=PartnerKind.STATE).id == cnes.id
        assert partners.get(cnes.id).country_code == "FRA"
        with pytest.raises(UnknownPartnerError, match="no partner named 'NASA'"):
            partners.get_by_name("NASA")
        with pytest.raises(ValueError, match="ISO 3166-1"):
            partners.create("JAXA", kind=PartnerKind.SPACE_AGENCY, country_code="jp")
        with pytest.raises(ValueError):
            partners.create("Nobody", kind="planet")  # type: ignore[arg-type]


def test_partner_kind_is_checked_by_the_database(engine: Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        with transaction(engine) as session:
            session.add(Partner(name="Mars", kind="planet", created_at=datetime.now(UTC)))


def test_write_lock_holds_sqlite_writers_off_from_the_start(tmp_path: Path) -> None:
    """`write_lock=True` begins IMMEDIATE: a second writer is refused before any write."""
    url = f"sqlite:///{tmp_path / 'lock.db'}"
    engine = create_engine(url)
    impatient = sa.create_engine(url, connect_args={"timeout": 0})
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with transaction(engine, write_lock=True) as session:
            session.execute(sa.text("SELECT 1"))  # only a read so far
            with pytest.raises(sa.exc.OperationalError, match="locked"):
                with impatient.begin() as other:
                    other.exec_driver_sql("INSERT INTO t VALUES (1)")
    finally:
        impatient.dispose()
        engine.dispose()
