"""`accord ephemeris ...`: submit an operator's OEM, list the stored ephemerides.

Submitting goes through `accord.access.submit_ephemeris` (the partner must claim the
object; an optional `--signature FILE` with `--key-id`, as for every signed submission,
docs/audit.md); `list --as PARTNER` reads through the authorisation point.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

from accord.access import (
    EphemerisItem,
    EphemerisSubmissionError,
    PartnerSignature,
    principal_for_partner,
    submit_ephemeris,
    visible_ephemerides,
)
from accord.agreements import PrincipalRole
from accord.audit import SubmissionSignatureError, decode_submission_signature
from accord.cli._app import app, settings_of, stderr_console, stdout_console
from accord.formats import FormatError
from accord.startup import open_store
from accord.store import (
    EphemerisRepository,
    EphemerisRow,
    PartnerRepository,
    SourceKind,
    transaction,
)

ephemeris_app = typer.Typer(
    help="Operator ephemerides (CCSDS OEM) of claimed satellites.", no_args_is_help=True
)
app.add_typer(ephemeris_app, name="ephemeris")

#: Problems of a file beyond the first printed on the terminal.
_SHOWN_PROBLEMS = 20


def _fail(message: str) -> typer.Exit:
    stderr_console().print(f"error: {message}", highlight=False, markup=False)
    return typer.Exit(code=1)


def _signature(path: Path | None, key_id: str | None) -> PartnerSignature | None:
    if path is None:
        if key_id is not None:
            raise _fail("--key-id names the key of a signature; give --signature FILE too")
        return None
    try:
        raw = decode_submission_signature(path.read_bytes(), where=f"--signature {path}")
    except SubmissionSignatureError as exc:
        raise _fail(str(exc)) from None
    return PartnerSignature(raw, key_id)


@ephemeris_app.command("submit")
def submit_command(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="The OEM file (KVN or XML)."
    ),
    partner: str = typer.Option(
        ...,
        "--partner",
        "-p",
        help="Submitting partner (name or handle); it must claim the object.",
    ),
    norad: int | None = typer.Option(
        None, "--norad", min=1, help="The object's NORAD id, when OBJECT_ID does not name it."
    ),
    signature: Path | None = typer.Option(
        None,
        "--signature",
        exists=True,
        dir_okay=False,
        readable=True,
        help="The partner's Ed25519 signature of the file's submission statement (raw 64 "
        "bytes or base64; docs/audit.md).",
    ),
    key_id: str | None = typer.Option(
        None,
        "--key-id",
        help="SHA-256 hex of the registered public key that signed (default: try each key).",
    ),
) -> None:
    """Submit an operator ephemeris of a satellite the partner claims (logged, signed or not)."""
    signed = _signature(signature, key_id)
    data = path.read_bytes()
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            submitter = PartnerRepository(session).get_by_name_or_handle(partner)
            row = submit_ephemeris(
                session,
                submitter,
                data,
                source=path.name,
                signature=signed,
                norad_id=norad,
                source_kind=SourceKind.FILE,
            )
            summary = (
                f"{path.name}: ephemeris {row.id} of NORAD {row.norad_id} ({row.object_name}), "
                f"{row.state_count:,} states in {row.segment_count} segment(s), "
                f"{row.ref_frame} {row.time_system}, usable "
                f"{row.usable_start:%Y-%m-%d %H:%M:%S} to {row.usable_stop:%Y-%m-%d %H:%M:%S} "
                f"UTC, covariance {'yes' if row.has_covariance else 'no'}, "
                f"{'signed' if row.signature is not None else 'unsigned'}; SHA-256 "
                f"{row.file_sha256}"
            )
    except FormatError as exc:
        for error in exc.errors[1:_SHOWN_PROBLEMS]:
            stderr_console().print(f"  also: {error}", highlight=False, markup=False)
        raise _fail(str(exc)) from None
    except (EphemerisSubmissionError, SubmissionSignatureError) as exc:
        raise _fail(str(exc)) from None
    stdout_console().print(summary, highlight=False, markup=False)


_COLUMNS = (
    "id",
    "NORAD",
    "object",
    "owner",
    "submitted (UTC)",
    "usable (UTC)",
    "states",
    "current",
    "released",
)


def _span(start: datetime, stop: datetime) -> str:
    return f"{start:%Y-%m-%d %H:%M} - {stop:%Y-%m-%d %H:%M}"


def _stored_row(row: EphemerisRow, owner: str, current: bool) -> list[str]:
    return [
        str(row.id),
        str(row.norad_id),
        row.object_name,
        owner,
        row.submitted_at.strftime("%Y-%m-%d %H:%M:%S"),
        _span(row.usable_start, row.usable_stop),
        f"{row.state_count:,}",
        "current" if current else "",
        "whole (operator)",
    ]


def _row(item: EphemerisItem) -> list[str]:
    degradation = item.conditions.degradation
    released = "whole"
    if item.degraded:
        parts = []
        if degradation.position_precision_km is not None:
            parts.append(f"{degradation.position_precision_km:g} km")
        if degradation.covariance_withheld:
            parts.append("no covariance")
        released = ", ".join(parts)
    return [
        str(item.ephemeris_id),
        str(item.norad_id),
        item.object_name,
        item.owner or "public",
        item.submitted_at.strftime("%Y-%m-%d %H:%M:%S"),
        _span(item.usable_start, item.usable_stop),
        f"{item.state_count:,}",
        "current" if item.current else "",
        released,
    ]


@ephemeris_app.command("list")
def list_command(
    ctx: typer.Context,
    norad: int | None = typer.Option(None, "--norad", min=1, help="Only this object's."),
    limit: int = typer.Option(20, min=1, max=1000, help="Rows per page."),
    offset: int = typer.Option(0, min=0, help="Rows to skip (pagination)."),
    as_partner: str | None = typer.Option(
        None,
        "--as",
        help="Read as this partner (name or handle) through the authorisation point: only "
        "what its agreements grant, with the degradation they apply. Without it the command "
        "reads as the instance's operator, who holds the database anyway.",
    ),
) -> None:
    """List stored ephemerides, newest submission first (history kept; `current` marked)."""
    engine = open_store(settings_of(ctx), seed=False)
    norad_ids = None if norad is None else [norad]
    with transaction(engine) as session:
        if as_partner is not None:
            reader = PartnerRepository(session).get_by_name_or_handle(as_partner)
            principal = principal_for_partner(reader, [PrincipalRole.ANALYST])
            page = visible_ephemerides(
                session, principal, norad_id=norad, offset=offset, limit=limit
            )
            total, rows = page.total, [_row(item) for item in page.items]
        else:
            repository = EphemerisRepository(session)
            stored = repository.all(norad_ids=norad_ids)
            current = repository.current_ids(norad_ids)
            names = {p.id: p.handle or p.name for p in PartnerRepository(session).all()}
            total = len(stored)
            rows = [
                _stored_row(row, names.get(row.partner_id, "?"), row.id in current)
                for row in stored[offset : offset + limit]
            ]
    if total == 0:
        stdout_console().print(
            "No ephemerides found; submit one with `accord ephemeris submit FILE --partner P`."
        )
        return
    table = Table(title=f"Ephemerides {offset + 1}-{offset + len(rows)} of {total:,}")
    for column in _COLUMNS:
        table.add_column(column)
    for cells in rows:
        table.add_row(*cells)
    stdout_console().print(table)
