"""`accord key ...` (partners' API keys) and `accord user add` (console users)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from rich.table import Table

from accord.access import add_console_user, create_api_key, revoke_api_key, rotate_api_key
from accord.cli._app import app, settings_of, stderr_console, stdout_console
from accord.startup import open_store
from accord.store import (
    ApiKeyRepository,
    ApiKeyScope,
    CredentialError,
    PartnerRepository,
    UserRole,
    transaction,
)

key_app = typer.Typer(help="Partners' API keys (docs/access.md).", no_args_is_help=True)
app.add_typer(key_app, name="key")
user_app = typer.Typer(help="Web console users (docs/access.md).", no_args_is_help=True)
app.add_typer(user_app, name="user")


def _fail(message: str) -> typer.Exit:
    stderr_console().print(f"error: {message}", highlight=False, markup=False)
    return typer.Exit(code=1)


@key_app.command("create")
def create(
    ctx: typer.Context,
    partner: str = typer.Option(..., "--partner", "-p", help="Partner (name or handle)."),
    scope: list[ApiKeyScope] = typer.Option(
        ..., "--scope", "-s", help="read, write or admin; repeat for several."
    ),
    expires_days: int | None = typer.Option(
        None, "--expires-days", min=1, help="Expire the key after N days (default: never)."
    ),
) -> None:
    """Create an API key and print its token once: it is stored only as a SHA-256 hash."""
    now = datetime.now(UTC)
    expires_at = now + timedelta(days=expires_days) if expires_days else None
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            owner = PartnerRepository(session).get_by_name_or_handle(partner)
            issued = create_api_key(
                session, owner, [s.value for s in scope], expires_at=expires_at, at=now
            )
    except (CredentialError, LookupError) as exc:
        raise _fail(str(exc)) from None
    stderr_console().print(
        f"Created key {issued.row.key_prefix} ({issued.row.scopes}). Store the token now; "
        "it cannot be shown again:",
        highlight=False,
        markup=False,
    )
    typer.echo(issued.token)


@key_app.command("revoke")
def revoke(
    ctx: typer.Context,
    key_prefix: str = typer.Argument(..., help="The key's prefix, as `key list` shows it."),
) -> None:
    """Revoke an API key now (logged)."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            revoke_api_key(session, key_prefix)
    except CredentialError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Revoked key {key_prefix}.")


#: Hours the old key keeps working after `accord key rotate`, unless --grace-hours says.
DEFAULT_ROTATION_GRACE_H = 24.0


@key_app.command("rotate")
def rotate(
    ctx: typer.Context,
    key_prefix: str = typer.Argument(..., help="The key's prefix, as `key list` shows it."),
    grace_hours: float = typer.Option(
        DEFAULT_ROTATION_GRACE_H,
        "--grace-hours",
        min=0.0,
        max=24.0 * 366,
        help="Hours the old key keeps working, so clients can switch (default 24).",
    ),
) -> None:
    """Issue a replacement key (same partner and scopes); the old one expires after the grace
    period. Prints the new token once (logged)."""
    now = datetime.now(UTC)
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            issued = rotate_api_key(session, key_prefix, grace=timedelta(hours=grace_hours), at=now)
            old = ApiKeyRepository(session).get(key_prefix)
            new_prefix, scopes, old_until = issued.row.key_prefix, issued.row.scopes, old.expires_at
    except CredentialError as exc:
        raise _fail(str(exc)) from None
    assert old_until is not None  # rotation always sets the old key's expiry
    stderr_console().print(
        f"Rotated key {key_prefix} -> {new_prefix} ({scopes}). The old key works until "
        f"{old_until:%Y-%m-%d %H:%M:%S} UTC. Store the new token now; it cannot be shown again:",
        highlight=False,
        markup=False,
    )
    typer.echo(issued.token)


def _when(value: datetime | None, empty: str) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else empty


@key_app.command("list")
def list_keys(
    ctx: typer.Context,
    partner: str = typer.Option(..., "--partner", "-p", help="Partner (name or handle)."),
) -> None:
    """List a partner's API keys: prefix, scopes, created, expires, revoked, last used."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine) as session:
            owner = PartnerRepository(session).get_by_name_or_handle(partner)
            keys = [
                (k.key_prefix, k.scopes, k.created_at, k.expires_at, k.revoked_at, k.last_used_at)
                for k in ApiKeyRepository(session).keys_of(owner)
            ]
    except LookupError as exc:
        raise _fail(str(exc)) from None
    if not keys:
        stdout_console().print(f"{partner} has no API keys; create one with `accord key create`.")
        return
    table = Table(title=f"API keys of {partner}")
    for column in ("prefix", "scopes", "created", "expires", "revoked", "last used"):
        table.add_column(column, no_wrap=True)
    for prefix, scopes, created, expires, revoked, used in keys:
        table.add_row(
            prefix,
            scopes,
            _when(created, "-"),
            _when(expires, "never"),
            _when(revoked, "-"),
            _when(used, "never"),
        )
    stdout_console().print(table)


@user_app.command("add")
def add_user(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Login name (lower case)."),
    partner: str = typer.Option(..., "--partner", "-p", help="Partner (name or handle)."),
    role: UserRole = typer.Option(..., "--role", "-r", help="admin, operator, analyst, observer."),
    password_file: Path | None = typer.Option(
        None,
        "--password-file",
        exists=True,
        dir_okay=False,
        readable=True,
        help="Read the password from this file's first line (default: prompt).",
    ),
) -> None:
    """Add a web console user; the password is prompted for (or read from a file)."""
    if password_file is not None:
        lines = password_file.read_text(encoding="utf-8").splitlines()
        password = lines[0] if lines else ""
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            owner = PartnerRepository(session).get_by_name_or_handle(partner)
            add_console_user(session, username, owner, role.value, password)
    except (CredentialError, LookupError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Added console user {username} ({role.value}) for {partner}.")
