"""`accord partner ...`: register, list and show partners, their contacts and signing keys."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)
from rich.console import Console
from rich.table import Table

from accord.access import (
    add_partner_contact,
    claim_satellite,
    import_stations,
    remove_partner_contact,
)
from accord.audit import Actor, admit_partner, register_partner_key, revoke_partner_key
from accord.cli._app import app, settings_of, stderr_console, stdout_console
from accord.orbits import GroundStationError
from accord.startup import open_store
from accord.store import (
    ApiKeyRepository,
    AssetError,
    AssetRepository,
    ClaimStatus,
    PartnerKeyError,
    PartnerKeyRepository,
    PartnerKind,
    PartnerRepository,
    UnknownPartnerError,
    transaction,
)

partner_app = typer.Typer(help="Partners of the coalition.", no_args_is_help=True)
app.add_typer(partner_app, name="partner")
key_app = typer.Typer(
    help="Partners' Ed25519 keys for signed submissions (docs/audit.md).", no_args_is_help=True
)
partner_app.add_typer(key_app, name="key")
station_app = typer.Typer(help="Partners' ground stations and sensors.", no_args_is_help=True)
partner_app.add_typer(station_app, name="station")
contact_app = typer.Typer(
    help="Who receives a partner's notices (personal data: never in the audit log).",
    no_args_is_help=True,
)
partner_app.add_typer(contact_app, name="contact")


@partner_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Official name of the body."),
    kind: PartnerKind = typer.Option(..., "--kind", "-k", help="What kind of body it is."),
    country: str | None = typer.Option(
        None, "--country", "-c", help="ISO 3166-1 alpha-2 or alpha-3 code, where one applies."
    ),
    handle: str | None = typer.Option(
        None, "--handle", help="Its id in agreement documents (default: from the name)."
    ),
) -> None:
    """Register (admit) a partner (logged `partner.admitted`)."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine, write_lock=True) as session:
        if PartnerRepository(session).find_by_name(name) is not None:
            raise typer.BadParameter(f"a partner named {name!r} already exists", param_hint="NAME")
        partner = admit_partner(
            session, name, kind=kind, actor=Actor.system(), country_code=country, handle=handle
        )
        partner_id, partner_handle = partner.id, partner.handle
    typer.echo(f"Registered partner {partner_id}: {name} ({kind.value}), handle {partner_handle}.")


@partner_app.command("list")
def list_partners(ctx: typer.Context) -> None:
    """List registered partners."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine) as session:
        partners = [
            (p.id, p.name, p.handle or "", p.kind, p.country_code or "")
            for p in PartnerRepository(session).all()
        ]
    if not partners:
        stdout_console().print("No partners yet; register one with `accord partner add`.")
        return
    table = Table(title=f"{len(partners)} partners")
    for column in ("id", "name", "handle", "kind", "country"):
        table.add_column(column)
    for row in partners:
        table.add_row(*(str(value) for value in row))
    stdout_console().print(table)


def _read_public_key(path: Path) -> bytes:
    """The raw 32-byte Ed25519 public key in `path`: raw bytes or a PEM SubjectPublicKeyInfo."""
    data = path.read_bytes()
    if not data.lstrip().startswith(b"-----BEGIN"):
        return data  # raw; the repository checks the length
    try:
        key = load_pem_public_key(data)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{path}: not a readable PEM public key ({exc}); give a PEM SubjectPublicKeyInfo "
            "('-----BEGIN PUBLIC KEY-----') or the raw 32-byte key",
            param_hint="--public-key",
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise typer.BadParameter(
            f"{path}: a {type(key).__name__}, not an Ed25519 public key; partners sign with "
            "Ed25519 only",
            param_hint="--public-key",
        )
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _fail(message: str) -> typer.Exit:
    stderr_console().print(f"error: {message}", highlight=False, markup=False)
    return typer.Exit(code=1)


@key_app.command("add")
def add_key(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Registered partner the key belongs to."),
    public_key: Path = typer.Option(
        ...,
        "--public-key",
        exists=True,
        dir_okay=False,
        readable=True,
        help="Ed25519 public key: the raw 32 bytes, or PEM (SubjectPublicKeyInfo).",
    ),
) -> None:
    """Register a partner's Ed25519 public key for signed submissions (logged)."""
    raw = _read_public_key(public_key)
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            partner = PartnerRepository(session).get_by_name(name)
            key_sha256 = register_partner_key(session, partner, raw).key_sha256
    except (UnknownPartnerError, PartnerKeyError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Registered key for {name}: {key_sha256}")


@key_app.command("revoke")
def revoke_key(
    ctx: typer.Context,
    key_sha256: str = typer.Argument(..., help="SHA-256 (hex) of the key, as `key list` shows."),
) -> None:
    """Revoke a partner key: it verifies no new submission from now on (logged)."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            revoke_partner_key(session, key_sha256)
    except PartnerKeyError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Revoked key {key_sha256.lower()}.")


@key_app.command("list")
def list_keys(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Registered partner."),
) -> None:
    """List a partner's signing keys, revoked ones included."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine) as session:
            partner = PartnerRepository(session).get_by_name(name)
            keys = [
                (k.key_sha256, k.created_at, k.revoked_at)
                for k in PartnerKeyRepository(session).signing_keys(partner)
            ]
    except UnknownPartnerError as exc:
        raise _fail(str(exc)) from None
    if not keys:
        stdout_console().print(
            f"{name} has no signing keys; register one with `accord partner key add`."
        )
        return
    table = Table(title=f"Signing keys of {name}")
    for column in ("key sha256", "created (UTC)", "revoked (UTC)"):
        table.add_column(column, no_wrap=True)
    for key_sha256, created_at, revoked_at in keys:
        table.add_row(
            key_sha256,
            created_at.strftime("%Y-%m-%d %H:%M:%S"),
            revoked_at.strftime("%Y-%m-%d %H:%M:%S") if revoked_at else "active",
        )
    stdout_console().print(table)


@partner_app.command("claim")
def claim(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Partner (name or handle) that operates the object."),
    norad_id: int = typer.Argument(..., help="NORAD id of a catalogued object."),
) -> None:
    """Claim a catalogued object for a partner; a second claimant contests it (logged)."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            partner = PartnerRepository(session).get_by_name_or_handle(name)
            outcome = claim_satellite(session, partner, norad_id)
    except (AssetError, UnknownPartnerError) as exc:
        raise _fail(str(exc)) from None
    if outcome.contested:
        typer.echo(
            f"{name} claims NORAD id {norad_id}: contested "
            f"({len(outcome.contested_with)} other claim(s) kept)."
        )
    else:
        typer.echo(f"{name} claims NORAD id {norad_id}.")


@station_app.command("import")
def import_station_file(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="GeoJSON FeatureCollection."
    ),
    partner: str = typer.Option(..., "--partner", "-p", help="Partner (name or handle)."),
    max_range_km: float | None = typer.Option(
        None, "--max-range-km", min=0.001, help="Range limit of every station (default: none)."
    ),
) -> None:
    """Register every Point of a GeoJSON file as the partner's stations (all or nothing)."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            owner = PartnerRepository(session).get_by_name_or_handle(partner)
            rows = import_stations(
                session, owner, path.read_bytes(), source=str(path), max_range_km=max_range_km
            )
            count = len(rows)
    except (AssetError, GroundStationError, UnknownPartnerError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Registered {count} stations of {partner} from {path}.")


def _counts(states: list[str]) -> str:
    return ", ".join(f"{states.count(s)} {s}" for s in ("active", "expired", "revoked"))


@partner_app.command("show")
def show(
    ctx: typer.Context,
    handle: str = typer.Argument(..., help="Partner (handle or name)."),
) -> None:
    """Show a partner: kind, country, contacts, key counts, claims and stations."""
    now = datetime.now(UTC)
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine) as session:
            partner = PartnerRepository(session).get_by_name_or_handle(handle)
            assets = AssetRepository(session)
            heading = (
                f"{partner.handle}: {partner.name} ({partner.kind}, "
                f"country {partner.country_code or '-'}), registered "
                f"{partner.created_at:%Y-%m-%d}"
            )
            contacts = [(c.id, c.name, c.email, c.role) for c in assets.contacts(partner)]
            api_keys = [
                "revoked"
                if k.revoked_at is not None and k.revoked_at <= now
                else "expired"
                if k.expires_at is not None and k.expires_at <= now
                else "active"
                for k in ApiKeyRepository(session).keys_of(partner)
            ]
            signing = [
                "revoked" if k.revoked_at is not None else "active"
                for k in PartnerKeyRepository(session).signing_keys(partner)
            ]
            claims = [
                (c.norad_id, c.status, c.claimed_at, c.withdrawn_at)
                for c in assets.claims_of(partner)
            ]
            stations = [
                (r.station_id, r.name, r.kind, r.latitude_deg, r.longitude_deg, r.min_elevation_deg)
                for r in assets.stations(partner)
            ]
    except UnknownPartnerError as exc:
        raise _fail(str(exc)) from None
    console = stdout_console()
    console.print(heading, highlight=False, markup=False)
    console.print(
        f"API keys: {len(api_keys)} ({_counts(api_keys)}); signing keys: {len(signing)} "
        f"({signing.count('active')} active, {signing.count('revoked')} revoked)",
        highlight=False,
        markup=False,
    )
    _contact_table(console, partner_label=handle, contacts=contacts)
    if claims:
        table = Table(title=f"{len(claims)} claims")
        for column in ("norad id", "status", "contested", "claimed (UTC)", "withdrawn (UTC)"):
            table.add_column(column, no_wrap=True)
        for norad_id, status, claimed_at, withdrawn_at in claims:
            table.add_row(
                str(norad_id),
                status,
                "yes" if status == ClaimStatus.CONTESTED.value else "no",
                f"{claimed_at:%Y-%m-%d %H:%M}",
                f"{withdrawn_at:%Y-%m-%d %H:%M}" if withdrawn_at else "-",
            )
        console.print(table)
    else:
        console.print("claims: none (`accord partner claim`)", highlight=False, markup=False)
    if stations:
        table = Table(title=f"{len(stations)} stations")
        for column in ("station id", "name", "kind", "lat (deg)", "lon (deg)", "min el (deg)"):
            table.add_column(column)
        for station_id, name, kind, lat, lon, min_el in stations:
            table.add_row(station_id, name, kind, f"{lat:.4f}", f"{lon:.4f}", f"{min_el:g}")
        console.print(table)
    else:
        console.print(
            "stations: none (`accord partner station import`)", highlight=False, markup=False
        )


def _contact_table(
    console: Console, *, partner_label: str, contacts: list[tuple[int, str, str, str]]
) -> None:
    if not contacts:
        console.print(
            f"contacts: none; {partner_label}'s notices cannot be e-mailed until one is added "
            "(`accord partner contact add`)",
            highlight=False,
            markup=False,
        )
        return
    table = Table(title=f"{len(contacts)} contacts of {partner_label}")
    for column in ("id", "name", "e-mail", "role"):
        table.add_column(column)
    for contact_id, name, email, role in contacts:
        table.add_row(str(contact_id), name, email, role)
    console.print(table)


@contact_app.command("add")
def add_contact(
    ctx: typer.Context,
    handle: str = typer.Argument(..., help="Partner (handle or name)."),
    name: str = typer.Option(..., "--name", help="Person or desk to contact."),
    email: str = typer.Option(..., "--email", help="Address the partner's notices go to."),
    role: str = typer.Option(
        ..., "--role", help="What to contact them for: operations, legal, 24/7 desk, ..."
    ),
) -> None:
    """Add a contact who receives the partner's notices (logged without name or address)."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            partner = PartnerRepository(session).get_by_name_or_handle(handle)
            contact_id = add_partner_contact(session, partner, name=name, email=email, role=role).id
    except (AssetError, UnknownPartnerError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Added contact {contact_id} ({role}) to {handle}.")


@contact_app.command("list")
def list_contacts(
    ctx: typer.Context,
    handle: str = typer.Argument(..., help="Partner (handle or name)."),
) -> None:
    """List the partner's contacts: id, name, e-mail address and role."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine) as session:
            partner = PartnerRepository(session).get_by_name_or_handle(handle)
            contacts = [
                (c.id, c.name, c.email, c.role) for c in AssetRepository(session).contacts(partner)
            ]
    except UnknownPartnerError as exc:
        raise _fail(str(exc)) from None
    _contact_table(stdout_console(), partner_label=handle, contacts=contacts)


@contact_app.command("remove")
def remove_contact(
    ctx: typer.Context,
    handle: str = typer.Argument(..., help="Partner (handle or name)."),
    contact_id: int = typer.Argument(..., help="The contact's id, as `contact list` shows it."),
) -> None:
    """Remove a contact; its notices not yet sent are dropped (logged)."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            partner = PartnerRepository(session).get_by_name_or_handle(handle)
            dropped = remove_partner_contact(session, partner, contact_id)
    except (AssetError, UnknownPartnerError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        f"Removed contact {contact_id} of {handle}; {dropped} queued notice(s) to it not yet "
        "sent were dropped."
    )
