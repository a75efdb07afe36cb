"""The CLI on a fresh store of each backend, as the store-backed CLI tests drive it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner, Result

from accord.audit import AuditAction, AuditLog, parse_entry
from accord.cli import app
from accord.store import create_engine, transaction


def store_cli(tmp_path: Path, database_url: str) -> Callable[..., Result]:
    """`invoke(*args, expect=0)`: the CLI on `database_url`, no demo seeding, no network;
    asserts the exit status and returns the result."""
    env = {
        "ACCORD_VAR_DIR": str(tmp_path / "var"),
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_SEED_DEMO": "false",
        "COLUMNS": "200",
    }
    runner = CliRunner()

    def invoke(*args: str, expect: int = 0) -> Result:
        result = runner.invoke(app, list(args), env=env, terminal_width=200)
        assert result.exit_code == expect, result.output
        return result

    return invoke


def logged_actions(database_url: str) -> list[AuditAction]:
    """The action of every audit entry in the store at `database_url`, in seq order."""
    engine = create_engine(database_url)
    try:
        with transaction(engine) as session:
            return [parse_entry(e.entry).action for e in AuditLog(session).entries(0, 1000)]
    finally:
        engine.dispose()
