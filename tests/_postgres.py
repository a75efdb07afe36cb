"""A throw-away PostgreSQL 15 server for the test session (one per pytest-xdist worker).

The server runs from a temporary folder, listens on 127.0.0.1 on a free port and on a
Unix socket inside that folder, trusts local connections, and is stopped (`pg_ctl -m
fast`) and deleted at the end. PostgreSQL refuses to run as root, so under root the
server runs as the unprivileged user `nobody`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresServer", "PostgresUnavailable", "find_pg_bin", "start_server"]

_SEARCHED = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/local/pgsql/bin")
_UNPRIVILEGED_USER = "nobody"
_SUPERUSER = "accord"


class PostgresUnavailable(RuntimeError):
    """No usable PostgreSQL server binaries, or the server would not start."""


def find_pg_bin() -> Path:
    """Folder holding `initdb`, `pg_ctl` and `postgres` (ACCORD_PG_BIN, known places, PATH)."""
    candidates: list[Path] = []
    if configured := os.environ.get("ACCORD_PG_BIN"):
        candidates.append(Path(configured))
    candidates.extend(Path(p) for p in _SEARCHED)
    if pg_config := shutil.which("pg_config"):
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).parent)
    for folder in candidates:
        if all((folder / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in "
        f"{', '.join(str(c) for c in candidates) or 'PATH'}; install PostgreSQL 15 "
        "(Debian/Ubuntu: apt install postgresql-15) or set ACCORD_PG_BIN to its bin folder"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """A running server; `url(database)` gives a SQLAlchemy URL for one of its databases."""

    bin_dir: Path
    root: Path
    port: int
    run_as: str | None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{_SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _run(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, cwd=self.root)

    def _check(self, args: Sequence[str], what: str) -> None:
        result = self._run(args)
        if result.returncode != 0:
            raise self._failure(what, result)

    def _failure(self, what: str, result: subprocess.CompletedProcess[str]) -> PostgresUnavailable:
        log = self.root / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        return PostgresUnavailable(
            f"{what} failed (exit {result.returncode}): {result.stderr.strip()}\n{tail}"
        )

    def stop(self) -> None:
        """Stop the server at once (fast shutdown) and delete its folder."""
        try:
            if (self.data_dir / "postmaster.pid").exists():
                self._run(
                    [
                        str(self.bin_dir / "pg_ctl"),
                        "-D",
                        str(self.data_dir),
                        "-m",
                        "fast",
                        "-w",
                        "stop",
                    ]
                )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_server(*, attempts: int = 3) -> PostgresServer:
    """Create a cluster in a new temporary folder and start it; the caller must `stop()` it."""
    bin_dir = find_pg_bin()
    run_as = _UNPRIVILEGED_USER if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="accord-pg-"))
    if run_as is not None:
        user = pwd.getpwnam(run_as)
        os.chown(root, user.pw_uid, user.pw_gid)
    server = PostgresServer(bin_dir=bin_dir, root=root, port=0, run_as=run_as)
    try:
        server._check(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(server.data_dir),
                "-U",
                _SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            "initdb",
        )
        # Durability is pointless for a throw-away test cluster; turning it off makes
        # CREATE DATABASE and commits several times faster.
        options = (
            f"-k {root} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=50"
        )
        for attempt in range(attempts):
            # Another process may take the port between probing and binding: retry.
            server.port = _free_port()
            result = server._run(
                [
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(server.data_dir),
                    "-l",
                    str(root / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"{options} -p {server.port}",
                    "start",
                ]
            )
            if result.returncode == 0:
                return server
            if attempt == attempts - 1:
                raise server._failure("pg_ctl start", result)
    except BaseException:
        server.stop()
        raise
    raise AssertionError("unreachable")
