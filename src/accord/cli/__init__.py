"""The `accord` command line: a thin edge over the library (Typer + rich)."""

from __future__ import annotations

import os
import sys

from accord.cli import (  # noqa: F401
    _access,
    _agreement,
    _audit,
    _campaign,
    _catalog,
    _cdm,
    _coordination,
    _demo,
    _directory,
    _ephemeris,
    _partner,
    _propagate,
    _screen,
    _serve,
    _subscription,
)
from accord.cli._app import app

__all__ = ["app", "main"]


def _user_errors() -> tuple[type[BaseException], ...]:
    """Failures that are the input's or the environment's, printed as one line."""
    from sqlalchemy.exc import OperationalError

    from accord.catalog import CatalogSyncError
    from accord.formats import FormatError
    from accord.orbits import ElementSetError, TimeInputError
    from accord.store import DatabaseUnavailableError, DatabaseUrlError, UnknownPartnerError

    return (
        # ACCORD_DATABASE_URL unparsable, an unsupported backend (mysql://: no driver), or
        # a database that refuses the connection: each names the variable and the fix.
        DatabaseUrlError,
        DatabaseUnavailableError,
        FormatError,
        CatalogSyncError,
        UnknownPartnerError,
        ElementSetError,
        TimeInputError,
        OperationalError,
        OSError,
        ValueError,
    )


def main() -> None:
    """Entry point of the `accord` command: errors become one readable line, exit code 1.

    Set ACCORD_DEBUG=1 to see the traceback instead.
    """
    try:
        app()
    except _user_errors() as exc:
        if os.environ.get("ACCORD_DEBUG") == "1":
            raise
        print(f"error: {_first_line(exc)}", file=sys.stderr)
        raise SystemExit(1) from None
    except Exception as exc:  # noqa: BLE001 - a bug still gets one line, not a traceback
        if os.environ.get("ACCORD_DEBUG") == "1":
            raise
        print(
            f"internal error ({type(exc).__name__}): {_first_line(exc)}; "
            "rerun with ACCORD_DEBUG=1 for the traceback and report it",
            file=sys.stderr,
        )
        raise SystemExit(2) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
