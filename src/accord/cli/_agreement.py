"""`accord agreement ...`: validate, propose, amend, edit, sign, show, list and the lifecycle.

Every change takes the party's optional Ed25519 signature of its submission statement
(`--signature FILE`, raw or base64, and `--key-id` to name the registered key; docs/audit.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from accord.access import (
    AgreementRepository,
    PartnerSignature,
    amend_agreement,
    edit_agreement_draft,
    propose_agreement,
    resume_agreement,
    sign_agreement,
    suspend_agreement,
    terminate_agreement,
)
from accord.agreements import (
    Agreement,
    AgreementError,
    AgreementRecord,
    AgreementValidationError,
    load_agreement,
)
from accord.audit import SubmissionSignatureError, decode_submission_signature
from accord.cli._app import app, settings_of, stderr_console, stdout_console
from accord.startup import open_store
from accord.store import Partner, PartnerRepository, transaction

agreement_app = typer.Typer(
    help="Agreements as code: versions, signatures, lifecycle (docs/agreements.md).",
    no_args_is_help=True,
)
app.add_typer(agreement_app, name="agreement")


def _fail(message: str) -> typer.Exit:
    stderr_console().print(f"error: {message}", highlight=False, markup=False)
    return typer.Exit(code=1)


def _load(path: Path) -> Agreement:
    try:
        return load_agreement(path.read_text(encoding="utf-8"), source=str(path))
    except AgreementValidationError as exc:
        console = stderr_console()
        console.print(f"{path}: {len(exc.problems)} problems", highlight=False, markup=False)
        for problem in exc.problems:
            console.print(f"  - {problem}", highlight=False, markup=False)
        raise typer.Exit(code=1) from None


_FILE = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="YAML or JSON file.")
_PARTNER = typer.Option(..., "--partner", "-p", help="Partner acting (name or handle).")
_SIGNATURE = typer.Option(
    None,
    "--signature",
    exists=True,
    dir_okay=False,
    readable=True,
    help="The partner's Ed25519 signature of the submission statement (raw 64 bytes or "
    "base64; docs/audit.md says which bytes each action hashes).",
)
_KEY_ID = typer.Option(
    None,
    "--key-id",
    help="SHA-256 hex of the registered public key that signed (default: try each key).",
)
#: Refusals the commands turn into a one-line error (nothing is written).
_REFUSED = (AgreementError, LookupError, SubmissionSignatureError)


def _signature(path: Path | None, key_id: str | None) -> PartnerSignature | None:
    """The signature file's 64 bytes (raw or base64), or None when unsigned."""
    if path is None:
        if key_id is not None:
            raise _fail("--key-id names the key of a signature; give --signature FILE too")
        return None
    try:
        raw = decode_submission_signature(path.read_bytes(), where=f"--signature {path}")
    except SubmissionSignatureError as exc:
        raise _fail(str(exc)) from None
    return PartnerSignature(raw, key_id)


def _as_party(
    ctx: typer.Context,
    partner: str,
    signed: PartnerSignature | None,
    act: Callable[[Session, Partner, PartnerSignature | None], AgreementRecord],
) -> AgreementRecord:
    """Run `act` for the named partner in one write transaction; a refusal is one error line."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            by = PartnerRepository(session).get_by_name_or_handle(partner)
            return act(session, by, signed)
    except _REFUSED as exc:
        raise _fail(str(exc)) from None


@agreement_app.command("validate")
def validate(path: Path = _FILE) -> None:
    """Check an agreement document against the schema and the semantic rules."""
    document = _load(path)
    typer.echo(
        f"{path}: valid {document.id} version {document.version}, "
        f"{len(document.parties)} parties, {len(document.clauses)} clauses"
    )


@agreement_app.command("propose")
def propose_command(
    ctx: typer.Context,
    path: Path = _FILE,
    partner: str = _PARTNER,
    signature: Path | None = _SIGNATURE,
    key_id: str | None = _KEY_ID,
) -> None:
    """Store version 1 of a new agreement, proposed by one of its signatories (logged)."""
    document = _load(path)
    record = _as_party(
        ctx,
        partner,
        _signature(signature, key_id),
        lambda session, by, signed: propose_agreement(session, document, by=by, signature=signed),
    )
    typer.echo(
        f"Proposed {record.agreement_id} version 1 ({record.latest.content_sha256}); "
        f"awaiting signatures of {', '.join(sorted(record.latest.awaiting))}."
    )


@agreement_app.command("amend")
def amend_command(
    ctx: typer.Context,
    path: Path = _FILE,
    partner: str = _PARTNER,
    signature: Path | None = _SIGNATURE,
    key_id: str | None = _KEY_ID,
) -> None:
    """Store the next version of an agreement; every required signer signs it (logged).

    Proposed by a signatory of the version in force; parties it drops sign it too.
    """
    document = _load(path)
    record = _as_party(
        ctx,
        partner,
        _signature(signature, key_id),
        lambda session, by, signed: amend_agreement(session, document, by=by, signature=signed),
    )
    latest = record.latest
    departing = (
        f" (leaving: {', '.join(sorted(latest.departing))}, who sign their departure)"
        if latest.departing
        else ""
    )
    typer.echo(
        f"Proposed {record.agreement_id} version {latest.number} ({latest.content_sha256}) "
        f"amending version {latest.number - 1}; awaiting signatures of "
        f"{', '.join(sorted(latest.awaiting))}{departing}. Until they are all in, the version "
        "in force stays in force."
    )


@agreement_app.command("edit")
def edit_command(
    ctx: typer.Context,
    agreement_id: str = typer.Argument(..., help="Agreement id (the document must carry it)."),
    path: Path = _FILE,
    partner: str = _PARTNER,
    signature: Path | None = _SIGNATURE,
    key_id: str | None = _KEY_ID,
) -> None:
    """Replace the text of the latest version while no party has signed it (logged).

    Only a signatory of that version may; the document keeps the id and version number.
    """
    document = _load(path)
    if document.id != agreement_id:
        raise _fail(
            f"{path} is agreement {document.id!r}, not {agreement_id!r}; edit an agreement "
            "with a document of the same id"
        )
    record = _as_party(
        ctx,
        partner,
        _signature(signature, key_id),
        lambda session, by, signed: edit_agreement_draft(
            session, document, by=by, signature=signed
        ),
    )
    latest = record.latest
    typer.echo(
        f"Edited {agreement_id} version {latest.number} ({latest.content_sha256}); awaiting "
        f"signatures of {', '.join(sorted(latest.awaiting))}."
    )


@agreement_app.command("sign")
def sign_command(
    ctx: typer.Context,
    agreement_id: str = typer.Argument(..., help="Agreement id."),
    partner: str = _PARTNER,
    version: int | None = typer.Option(
        None, "--version", help="Version to sign (default: the latest); refused if stale."
    ),
    signature: Path | None = _SIGNATURE,
    key_id: str | None = _KEY_ID,
) -> None:
    """Sign the latest version of an agreement for a party (logged)."""
    record = _as_party(
        ctx,
        partner,
        _signature(signature, key_id),
        lambda session, by, signed: sign_agreement(
            session, agreement_id, by=by, version=version, signature=signed
        ),
    )
    latest = record.latest
    state = (
        "fully signed"
        if latest.fully_signed_at
        else f"awaiting {', '.join(sorted(latest.awaiting))}"
    )
    typer.echo(f"Signed {agreement_id} version {latest.number}: {state}.")


@agreement_app.command("show")
def show(ctx: typer.Context, agreement_id: str = typer.Argument(..., help="Agreement id.")) -> None:
    """Show an agreement's versions, signatures, lifecycle events and status now."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine) as session:
            record = AgreementRepository(session).get(agreement_id)
    except LookupError as exc:
        raise _fail(str(exc)) from None
    now = datetime.now(UTC)
    console = stdout_console()
    latest = record.latest.document
    console.print(f"{record.agreement_id}: {latest.title}", highlight=False, markup=False)
    console.print(f"status now: {record.status_at(now).value}", highlight=False, markup=False)
    table = Table(title="Versions")
    for column in ("version", "sha256", "proposed by", "proposed (UTC)", "signed by"):
        table.add_column(column)
    for version in record.versions:
        table.add_row(
            str(version.number),
            version.content_sha256[:16],
            version.proposed_by,
            version.proposed_at.strftime("%Y-%m-%d %H:%M"),
            ", ".join(f"{s.party} {s.signed_at:%Y-%m-%d %H:%M}" for s in version.signatures) or "-",
        )
    console.print(table)
    for event in record.events:
        console.print(
            f"{event.at:%Y-%m-%d %H:%M} {event.kind.value} by {event.by}: {event.reason}",
            highlight=False,
            markup=False,
        )


@agreement_app.command("list")
def list_agreements(ctx: typer.Context) -> None:
    """List stored agreements with their latest version and status now."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine) as session:
        records = AgreementRepository(session).all()
    if not records:
        stdout_console().print("No agreements yet; propose one with `accord agreement propose`.")
        return
    now = datetime.now(UTC)
    table = Table(title=f"{len(records)} agreements")
    for column in ("id", "title", "latest version", "parties", "status"):
        table.add_column(column)
    for record in records:
        document = record.latest.document
        table.add_row(
            record.agreement_id,
            document.title,
            str(record.latest.number),
            ", ".join(p.partner for p in document.parties),
            record.status_at(now).value,
        )
    stdout_console().print(table)


_REASON = typer.Option(..., "--reason", help="Why (kept in the store, not in the audit log).")


@agreement_app.command("suspend")
def suspend_command(
    ctx: typer.Context,
    agreement_id: str = typer.Argument(..., help="Agreement id."),
    partner: str = _PARTNER,
    reason: str = _REASON,
    signature: Path | None = _SIGNATURE,
    key_id: str | None = _KEY_ID,
) -> None:
    """Suspend an agreement now: its clauses grant nothing until resumed (logged)."""
    _as_party(
        ctx,
        partner,
        _signature(signature, key_id),
        lambda session, by, signed: suspend_agreement(
            session, agreement_id, by=by, reason=reason, signature=signed
        ),
    )
    typer.echo(f"Suspended {agreement_id}.")


@agreement_app.command("resume")
def resume_command(
    ctx: typer.Context,
    agreement_id: str = typer.Argument(..., help="Agreement id."),
    partner: str = _PARTNER,
    reason: str = typer.Option(
        "suspension ended", "--reason", help="Why (kept in the store, not in the audit log)."
    ),
    signature: Path | None = _SIGNATURE,
    key_id: str | None = _KEY_ID,
) -> None:
    """End a suspension: the version that applies is in force again (logged)."""
    record = _as_party(
        ctx,
        partner,
        _signature(signature, key_id),
        lambda session, by, signed: resume_agreement(
            session, agreement_id, by=by, reason=reason, signature=signed
        ),
    )
    typer.echo(f"Resumed {agreement_id}: {record.status_at(datetime.now(UTC)).value} now.")


@agreement_app.command("terminate")
def terminate_command(
    ctx: typer.Context,
    agreement_id: str = typer.Argument(..., help="Agreement id."),
    partner: str = _PARTNER,
    reason: str = _REASON,
    signature: Path | None = _SIGNATURE,
    key_id: str | None = _KEY_ID,
) -> None:
    """Terminate an agreement for good (logged)."""
    _as_party(
        ctx,
        partner,
        _signature(signature, key_id),
        lambda session, by, signed: terminate_agreement(
            session, agreement_id, by=by, reason=reason, signature=signed
        ),
    )
    typer.echo(f"Terminated {agreement_id}.")
