"""Fixtures shared by the whole suite."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.store import create_engine, upgrade
from tests._celestrak_server import CelestrakLikeServer, serve_celestrak_files
from tests._postgres import PostgresServer, PostgresUnavailable, start_server
from tests._shared_data import require_shared


@pytest.fixture
def shared() -> Callable[[str], Path]:
    """Resolve a path inside the shared reference data, skipping (or failing in CI) if absent."""
    return require_shared


# --- databases: every store test runs on SQLite and on a throw-away PostgreSQL 15 -----------

_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
]
_MIGRATED_DATABASE = "accord_test"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server per test process (each pytest-xdist worker starts its own)."""
    try:
        server = start_server()
    except PostgresUnavailable as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_admin(postgres_server: PostgresServer) -> Iterator[Engine]:
    """An autocommit engine on the server's `postgres` database, for CREATE/DROP DATABASE."""
    admin = sa.create_engine(postgres_server.url("postgres"), isolation_level="AUTOCOMMIT")
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_migrated(postgres_server: PostgresServer, postgres_admin: Engine) -> str:
    """Name of this process's migrated database, emptied before each test that uses it."""
    with postgres_admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {_MIGRATED_DATABASE}")
    migrated = create_engine(postgres_server.url(_MIGRATED_DATABASE))
    upgrade(migrated)
    migrated.dispose()
    return _MIGRATED_DATABASE


def _emptied_postgres_database(request: pytest.FixtureRequest) -> str:
    """Empty every table but Alembic's of the migrated database: much faster than a new one."""
    server: PostgresServer = request.getfixturevalue("postgres_server")
    admin: Engine = request.getfixturevalue("postgres_admin")
    name: str = request.getfixturevalue("postgres_migrated")
    with admin.connect() as connection:
        # A connection an earlier test left open would block TRUNCATE: end them.
        connection.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
    with sa.create_engine(server.url(name), poolclass=sa.NullPool).begin() as connection:
        tables = connection.scalars(
            sa.text(
                "SELECT quote_ident(tablename) FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ).all()
        if tables:
            # The audit log tables refuse TRUNCATE by trigger (migration 0002); the test
            # superuser empties them anyway by not firing triggers for this transaction.
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            connection.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    return server.url(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "accord.db"
    template = create_engine(f"sqlite:///{path}")
    upgrade(template)
    template.dispose()
    return path


@pytest.fixture(params=_BACKENDS)
def database_backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite" or "postgresql": the backend this run of the test uses."""
    backend: str = request.param
    return backend


def _new_postgres_database(request: pytest.FixtureRequest) -> Iterator[str]:
    server: PostgresServer = request.getfixturevalue("postgres_server")
    admin: Engine = request.getfixturevalue("postgres_admin")
    name = f"test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    yield server.url(name)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def empty_database_url(
    database_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """URL of a new, empty (never migrated) database on each backend."""
    if database_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    yield from _new_postgres_database(request)


@pytest.fixture
def database_url(
    database_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """URL of an empty database migrated to the newest revision, on each backend.

    SQLite: a copy of a migrated file. PostgreSQL: the process's migrated database with
    every table emptied (a test must not change its schema: use `empty_database_url`).
    """
    if database_backend == "sqlite":
        path = tmp_path / "accord.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    yield _emptied_postgres_database(request)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a fresh migrated database (`database_url`), disposed afterwards."""
    store_engine = create_engine(database_url)
    yield store_engine
    store_engine.dispose()


@pytest.fixture
def celestrak_server(shared: Callable[[str], Path]) -> Iterator[CelestrakLikeServer]:
    """A real HTTP server on 127.0.0.1 answering GP queries with the shared CelesTrak files."""
    with serve_celestrak_files(shared) as server:
        yield server
