"""Column types shared by the store's tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["UTCDateTime"]


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (UTC).

    PostgreSQL stores it as `timestamp with time zone`; SQLite, which has no timestamp
    type, as SQLAlchemy's fixed-width text ("YYYY-MM-DD HH:MM:SS.ffffff", always six
    fraction digits) of the UTC time, so text order is time order and indexes sort it.
    Naive datetimes are refused: a time without a zone is ambiguous, and guessing is how
    catalogs end up hours off.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"naive datetime {value.isoformat()} given to a UTC column; "
                "pass a timezone-aware datetime, e.g. datetime(..., tzinfo=UTC)"
            )
        utc = value.astimezone(UTC)
        # SQLite's DATETIME text has no zone: store the UTC wall time.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
