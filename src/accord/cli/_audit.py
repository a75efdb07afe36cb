"""`accord audit ...`: sign a checkpoint, export the log, verify an export or a server, and
open an entry's confidential details with an API key."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import typer
from rich.console import Console
from sqlalchemy.engine import Engine

from accord.audit import (
    AuditError,
    AuditLog,
    KeyFileError,
    LogRecord,
    NoteSigner,
    NoteVerifier,
    SignedCheckpoint,
    VerificationReport,
    fetch_opening,
    open_checkpoint,
    open_log_signer,
    read_export,
    verify_log,
    verify_opening,
    verify_openings,
    verify_server,
    write_export,
)
from accord.cli._app import app, settings_of
from accord.settings import Settings
from accord.startup import open_store
from accord.store import transaction

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

_console = Console(soft_wrap=True)
_errors = Console(stderr=True, soft_wrap=True)
#: Entries read per query while exporting.
_EXPORT_PAGE = 5000
#: The header an API key travels in (accord.service._auth.API_KEY_HEADER).
_API_KEY_HEADER = "X-API-Key"


def _log_signer(engine: Engine, settings: Settings) -> NoteSigner:
    """The log's signer; a missing key with signed checkpoints behind it is a one-line error."""
    try:
        return open_log_signer(engine, settings)
    except KeyFileError as error:
        _errors.print(f"error: {error}", highlight=False, markup=False)
        raise typer.Exit(code=1) from None


def _sign(engine: Engine, signer: NoteSigner) -> SignedCheckpoint:
    try:
        with transaction(engine, write_lock=True) as session:
            return AuditLog(session).sign_checkpoint(signer)
    except AuditError as error:
        _errors.print(f"error: {error}", highlight=False, markup=False)
        raise typer.Exit(code=1) from None


@audit_app.command("checkpoint")
def checkpoint(ctx: typer.Context) -> None:
    """Sign a checkpoint of the log now (if it grew) and print the signed note."""
    settings = settings_of(ctx)
    engine = open_store(settings, seed=False)
    signer = _log_signer(engine, settings)
    signed = _sign(engine, signer)
    typer.echo(signed.note, nl=False)


@audit_app.command("public-key")
def public_key(ctx: typer.Context) -> None:
    """Print the log's verifier key (pin it where verifiers can trust it)."""
    settings = settings_of(ctx)
    typer.echo(_log_signer(open_store(settings, seed=False), settings).verifier.vkey)


def _stored_records(session_log: AuditLog, tree_size: int) -> Iterator[LogRecord]:
    start = 0
    while start < tree_size:
        page = session_log.entries(start, min(_EXPORT_PAGE, tree_size - start))
        if not page:
            return
        for item in page:
            yield LogRecord(item.seq, item.entry, item.leaf_hash)
        start = page[-1].seq + 1


@audit_app.command("export")
def export(
    ctx: typer.Context,
    file: Path = typer.Argument(..., dir_okay=False, help="JSON-lines file to write."),
) -> None:
    """Write the whole log and a checkpoint signed for it to FILE (accord-audit-export/1)."""
    settings = settings_of(ctx)
    engine = open_store(settings, seed=False)
    signer = _log_signer(engine, settings)
    # Open FILE before signing: a checkpoint signed for an export that cannot be written
    # would be one more checkpoint for nothing. Append mode leaves an existing file intact
    # until the checkpoint is signed; it is emptied just before writing.
    existed = file.exists()
    try:
        stream = file.open("a", encoding="utf-8")
    except OSError as error:
        _errors.print(
            f"error: cannot write the export to {file}: {error.strerror or error}; choose a "
            "writable path (its folder must exist). No checkpoint was signed",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(code=1) from None
    with stream:
        try:
            signed = _sign(engine, signer)
        except typer.Exit:
            if not existed:
                file.unlink(missing_ok=True)
            raise
        stream.truncate(0)
        # Entries never change, so a later read transaction sees exactly the signed ones
        # (and writers are not held up while the file is written).
        with transaction(engine) as session:
            count = write_export(
                stream,
                signed.note,
                _stored_records(AuditLog(session), signed.checkpoint.tree_size),
            )
    _console.print(
        f"Wrote {count:,} entries and the checkpoint of size {signed.checkpoint.tree_size:,} "
        f"to {file}."
    )


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise typer.BadParameter(f"cannot read the {what} {path}: {error}") from None


@audit_app.command("verify")
def verify(
    file: Path | None = typer.Option(
        None, "--file", "-f", exists=True, dir_okay=False, help="An `accord audit export` file."
    ),
    url: str | None = typer.Option(
        None, "--url", "-u", help="A running Accord server, e.g. http://localhost:8000."
    ),
    pinned: Path = typer.Option(
        ...,
        "--checkpoint",
        "-c",
        exists=True,
        dir_okay=False,
        help="An earlier signed checkpoint you trust (the note text).",
    ),
    key: str = typer.Option(
        ...,
        "--public-key",
        "-k",
        help="The log's verifier key <origin>+<id>+<key>, or a file holding it.",
    ),
    api_key: str | None = typer.Option(
        None,
        "--api-key",
        envvar="ACCORD_API_KEY",
        help="With --url: also open and check every sealed entry this key's partner may read.",
    ),
) -> None:
    """Recompute the log from its entries and check it against a pinned checkpoint.

    With --api-key, also check the opening of every sealed entry the key may read against
    the entry's sealed_sha256. Exit 0 when everything verifies, 1 with the first failure.
    """
    if (file is None) == (url is None):
        raise typer.BadParameter("give exactly one of --file and --url")
    if api_key is not None and url is None:
        raise typer.BadParameter("--api-key opens sealed entries on a server: give --url too")
    key_path = Path(key)
    verifier = NoteVerifier.from_vkey(
        _read_text(key_path, "public key").strip() if key_path.is_file() else key.strip()
    )
    pinned_note = _read_text(pinned, "pinned checkpoint")
    open_checkpoint(pinned_note, verifier)  # a wrong key or file is a usage error
    try:
        if file is not None:
            note, records = read_export(file)
            report = verify_log(
                records, checkpoint_note=note, pinned_note=pinned_note, verifier=verifier
            )
        else:
            assert url is not None
            headers = {} if api_key is None else {_API_KEY_HEADER: api_key}
            with httpx.Client(base_url=url, timeout=60.0, headers=headers) as client:
                verified: list[bytes] = []
                report = verify_server(
                    client,
                    pinned_note=pinned_note,
                    verifier=verifier,
                    on_record=None if api_key is None else (lambda r: verified.append(r.entry)),
                )
                _print(report)
                if api_key is not None:
                    openings = verify_openings(client, verified)
                    if not openings.ok:
                        _errors.print(openings.summary(), highlight=False, markup=False)
                        raise typer.Exit(code=1)
                    _console.print(openings.summary(), highlight=False, markup=False)
                return
    except AuditError as error:
        _errors.print(f"error: {error}", highlight=False, markup=False)
        raise typer.Exit(code=1) from None
    _print(report)


@audit_app.command("open")
def open_sealed(
    seq: int = typer.Argument(..., min=0, help="The entry's seq."),
    url: str = typer.Option(
        ..., "--url", "-u", help="A running Accord server, e.g. http://localhost:8000."
    ),
    api_key: str = typer.Option(
        ..., "--api-key", envvar="ACCORD_API_KEY", help="An API key of a reader of the entry."
    ),
) -> None:
    """Fetch entry SEQ and the opening of its sealed details, check one against the other,
    and print the details as JSON.

    Check the entry itself against a pinned checkpoint with `accord audit verify`.
    Exit 1 when the entry seals nothing you may read or the opening does not match.
    """
    try:
        with httpx.Client(base_url=url, timeout=60.0, headers={_API_KEY_HEADER: api_key}) as client:
            response = client.get(f"/audit/entries/{seq}")
            if response.status_code != 200:
                raise AuditError(f"{url}/audit/entries/{seq} answered {response.status_code}")
            entry = base64.b64decode(response.json()["entry"])
            opening = fetch_opening(client, seq)
            if opening is None:
                raise AuditError(
                    f"entry {seq} has no sealed details that this key's partner may read"
                )
            details = verify_opening(entry, opening)
    except (AuditError, httpx.HTTPError, KeyError, ValueError) as error:
        _errors.print(f"error: {error}", highlight=False, markup=False)
        raise typer.Exit(code=1) from None
    typer.echo(json.dumps(details, indent=2, sort_keys=True))


def _print(report: VerificationReport) -> None:
    if report.ok:
        _console.print(report.summary(), highlight=False, markup=False)
        return
    _errors.print(report.summary(), highlight=False, markup=False)
    raise typer.Exit(code=1)
