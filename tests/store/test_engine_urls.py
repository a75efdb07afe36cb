"""Database URLs: supported backends only, and failures that name ACCORD_DATABASE_URL."""

from __future__ import annotations

import socket

import pytest

from accord.store import (
    DatabaseUnavailableError,
    DatabaseUrlError,
    check_database,
    check_database_url,
    create_engine,
)


def closed_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///var/accord.db", "sqlite"),
        ("sqlite+pysqlite:///:memory:", "sqlite+pysqlite"),
        ("postgresql://accord@localhost/accord", "postgresql"),
        ("postgresql+psycopg://accord:pw@db.example:5432/accord", "postgresql+psycopg"),
    ],
)
def test_supported_urls_are_accepted(url: str, driver: str) -> None:
    assert check_database_url(url).drivername == driver


@pytest.mark.parametrize(
    ("url", "shown", "hidden"),
    [
        ("not a url", "'not a url' is not a database URL", None),
        ("mysql://root:s3cret@db/accord", "names 'mysql', which Accord does not support", "s3cret"),
        ("postgresql+psycopg2://u@h/d", "names 'postgresql+psycopg2'", None),
        ("oracle+oracledb://u:s3cret@h/d", "names 'oracle+oracledb'", "s3cret"),
    ],
)
def test_unsupported_urls_name_the_variable_and_the_fix(
    url: str, shown: str, hidden: str | None
) -> None:
    with pytest.raises(DatabaseUrlError) as caught:
        create_engine(url)
    message = str(caught.value)
    assert message.startswith("ACCORD_DATABASE_URL ") and shown in message
    assert "sqlite:///path/to/file.db or postgresql+psycopg://" in message
    assert hidden is None or hidden not in message  # passwords never printed


def test_a_refused_connection_names_the_variable_and_what_to_check() -> None:
    engine = create_engine(f"postgresql+psycopg://accord:s3cret@127.0.0.1:{closed_port()}/x")
    try:
        with pytest.raises(DatabaseUnavailableError) as caught:
            check_database(engine)
    finally:
        engine.dispose()
    message = str(caught.value)
    assert "(ACCORD_DATABASE_URL)" in message and "refused" in message.lower()
    assert "check that the server is running" in message and "s3cret" not in message
    assert "\n" not in message
