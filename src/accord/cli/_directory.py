"""`accord partner update|claims|unclaim` and `accord partner station add|list|update|retire`.

Changes to the partner directory as the local operator makes them (the operator of the
deployment, who acts for any partner): each goes through the audited workflow of
`accord.access` in one transaction, and the store checks every value (a station id must
carry its partner's `<handle>:` prefix, a country code must be ISO 3166-1).
"""

from __future__ import annotations

import typer
from rich.table import Table

from accord.access import (
    register_station,
    retire_station,
    update_partner,
    update_station,
    withdraw_claim,
)
from accord.cli._app import settings_of, stdout_console
from accord.cli._partner import _fail, partner_app, station_app
from accord.startup import open_store
from accord.store import (
    AssetError,
    AssetRepository,
    ClaimStatus,
    PartnerError,
    PartnerKind,
    PartnerRepository,
    StationKind,
    StationStatus,
    UnknownPartnerError,
    station_status,
    transaction,
)


@partner_app.command("update")
def update(
    ctx: typer.Context,
    handle: str = typer.Argument(..., help="Partner (handle or name); the handle never changes."),
    name: str | None = typer.Option(None, "--name", help="New official name."),
    kind: PartnerKind | None = typer.Option(
        None, "--kind", "-k", help="New kind (between member kinds only)."
    ),
    country: str | None = typer.Option(
        None, "--country", "-c", help="New ISO 3166-1 alpha-2 or alpha-3 code."
    ),
    no_country: bool = typer.Option(
        False, "--no-country", help="Remove the country code (an international body)."
    ),
) -> None:
    """Change a partner's name, kind or country code (logged `partner.updated`)."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            partner = PartnerRepository(session).get_by_name_or_handle(handle)
            changed = update_partner(
                session,
                partner,
                name=name,
                kind=kind,
                country_code=country,
                clear_country_code=no_country,
            )
    except (PartnerError, UnknownPartnerError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        f"Updated {handle}: {', '.join(changed)}." if changed else f"{handle}: nothing changed."
    )


@partner_app.command("claims")
def list_claims(
    ctx: typer.Context,
    handle: str | None = typer.Argument(None, help="Partner (handle or name); default: all."),
) -> None:
    """List satellite claims, withdrawn ones included, with whether each is contested."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine) as session:
            partners = PartnerRepository(session)
            chosen = partners.all() if handle is None else [partners.get_by_name_or_handle(handle)]
            assets = AssetRepository(session)
            claims = sorted(
                (c.norad_id, p.handle or p.name, c.status, c.claimed_at, c.withdrawn_at)
                for p in chosen
                for c in assets.claims_of(p)
            )
    except UnknownPartnerError as exc:
        raise _fail(str(exc)) from None
    if not claims:
        stdout_console().print("No claims (`accord partner claim HANDLE NORAD_ID`).")
        return
    table = Table(title=f"{len(claims)} claims")
    for column in ("norad id", "partner", "status", "contested", "claimed (UTC)", "withdrawn"):
        table.add_column(column, no_wrap=True)
    for norad_id, partner, status, claimed_at, withdrawn_at in claims:
        table.add_row(
            str(norad_id),
            partner,
            status,
            "yes" if status == ClaimStatus.CONTESTED.value else "no",
            f"{claimed_at:%Y-%m-%d %H:%M}",
            f"{withdrawn_at:%Y-%m-%d %H:%M}" if withdrawn_at else "-",
        )
    stdout_console().print(table)


@partner_app.command("unclaim")
def unclaim(
    ctx: typer.Context,
    handle: str = typer.Argument(..., help="Partner (handle or name) that holds the claim."),
    norad_id: int = typer.Argument(..., help="NORAD id of the claimed object."),
) -> None:
    """Withdraw a partner's claim; a sole remaining claim is no longer contested (logged)."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            partner = PartnerRepository(session).get_by_name_or_handle(handle)
            remaining = len(withdraw_claim(session, partner, norad_id))
    except (AssetError, UnknownPartnerError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        f"{handle} withdrew its claim on NORAD id {norad_id}; {remaining} active claim(s) left."
    )


@station_app.command("add")
def add_station(
    ctx: typer.Context,
    partner: str = typer.Option(..., "--partner", "-p", help="Partner (name or handle)."),
    name: str = typer.Option(..., "--name", help="Station name."),
    latitude_deg: float = typer.Option(..., "--latitude-deg", help="WGS-84 latitude (deg)."),
    longitude_deg: float = typer.Option(..., "--longitude-deg", help="WGS-84 longitude (deg)."),
    altitude_m: float = typer.Option(0.0, "--altitude-m", help="Height above the ellipsoid (m)."),
    min_elevation_deg: float = typer.Option(
        5.0, "--min-elevation-deg", help="Elevation mask (deg)."
    ),
    max_range_km: float | None = typer.Option(
        None, "--max-range-km", help="Range limit (km; default: none)."
    ),
    kind: StationKind = typer.Option(StationKind.GROUND_STATION, "--kind", help="What it is."),
    provider: str | None = typer.Option(
        None, "--provider", help="Who runs it, when not the partner."
    ),
    station_id: str | None = typer.Option(
        None, "--station-id", help="'<handle>:<station>' (default: from the name)."
    ),
) -> None:
    """Register one ground station or sensor of a partner (logged `asset.registered`)."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            owner = PartnerRepository(session).get_by_name_or_handle(partner)
            row = register_station(
                session,
                owner,
                station_id=station_id,
                name=name,
                latitude_deg=latitude_deg,
                longitude_deg=longitude_deg,
                altitude_m=altitude_m,
                min_elevation_deg=min_elevation_deg,
                max_range_km=max_range_km,
                kind=kind,
                provider=provider,
            )
            registered = row.station_id
    except (AssetError, UnknownPartnerError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Registered station {registered} of {partner}.")


@station_app.command("list")
def list_stations(
    ctx: typer.Context,
    handle: str | None = typer.Argument(None, help="Partner (handle or name); default: all."),
    status: StationStatus | None = typer.Option(
        None, "--status", help="Only active (or retired) stations."
    ),
) -> None:
    """List stations and sensors: id, partner, kind, position, limits and status."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine) as session:
            partners = PartnerRepository(session)
            owner = None if handle is None else partners.get_by_name_or_handle(handle)
            handles = {p.id: p.handle or p.name for p in partners.all()}
            rows = [
                (
                    r.station_id,
                    handles[r.partner_id],
                    r.name,
                    r.kind,
                    f"{r.latitude_deg:.4f}",
                    f"{r.longitude_deg:.4f}",
                    f"{r.altitude_m:g}",
                    f"{r.min_elevation_deg:g}",
                    "-" if r.max_range_km is None else f"{r.max_range_km:g}",
                    station_status(r).value,
                )
                for r in AssetRepository(session).stations(owner, status=status)
            ]
    except UnknownPartnerError as exc:
        raise _fail(str(exc)) from None
    if not rows:
        stdout_console().print("No stations (`accord partner station add|import`).")
        return
    table = Table(title=f"{len(rows)} stations")
    for column in (
        "station id", "partner", "name", "kind", "lat (deg)", "lon (deg)", "alt (m)",
        "min el (deg)", "max range (km)", "status",
    ):  # fmt: skip
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    stdout_console().print(table)


@station_app.command("update")
def update_station_command(
    ctx: typer.Context,
    station_id: str = typer.Argument(..., help="The station's id ('<handle>:<station>')."),
    name: str | None = typer.Option(None, "--name", help="New name."),
    latitude_deg: float | None = typer.Option(None, "--latitude-deg", help="WGS-84 (deg)."),
    longitude_deg: float | None = typer.Option(None, "--longitude-deg", help="WGS-84 (deg)."),
    altitude_m: float | None = typer.Option(None, "--altitude-m", help="Above the ellipsoid (m)."),
    min_elevation_deg: float | None = typer.Option(
        None, "--min-elevation-deg", help="Elevation mask (deg)."
    ),
    max_range_km: float | None = typer.Option(None, "--max-range-km", help="Range limit (km)."),
    no_max_range: bool = typer.Option(False, "--no-max-range", help="Remove the range limit."),
    provider: str | None = typer.Option(None, "--provider", help="Who runs it."),
    status: StationStatus | None = typer.Option(
        None, "--status", help="active (reactivate) or retired."
    ),
) -> None:
    """Change a station's position, limits, name, provider or status (logged)."""
    changes: dict[str, object] = {
        field: value
        for field, value in (
            ("name", name),
            ("latitude_deg", latitude_deg),
            ("longitude_deg", longitude_deg),
            ("altitude_m", altitude_m),
            ("min_elevation_deg", min_elevation_deg),
            ("max_range_km", max_range_km),
            ("provider", provider),
            ("status", status),
        )
        if value is not None
    }
    if no_max_range:
        if max_range_km is not None:
            raise typer.BadParameter("give --max-range-km or --no-max-range, not both")
        changes["max_range_km"] = None
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            row = AssetRepository(session).station(station_id)
            if row is None:
                raise AssetError(
                    f"no station {station_id!r}; list them with `accord partner station list`"
                )
            owner = PartnerRepository(session).get(row.partner_id)
            changed = update_station(session, owner, station_id, **changes)
    except AssetError as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        f"Updated {station_id}: {', '.join(changed)}."
        if changed
        else f"{station_id}: nothing changed."
    )


@station_app.command("retire")
def retire_station_command(
    ctx: typer.Context,
    station_id: str = typer.Argument(..., help="The station's id ('<handle>:<station>')."),
) -> None:
    """Retire a station: kept for history, its id never reused (logged `station.retired`)."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine, write_lock=True) as session:
            row = AssetRepository(session).station(station_id)
            if row is None:
                raise AssetError(
                    f"no station {station_id!r}; list them with `accord partner station list`"
                )
            owner = PartnerRepository(session).get(row.partner_id)
            retire_station(session, owner, station_id)
    except AssetError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Retired {station_id}; it stays listed as retired.")
