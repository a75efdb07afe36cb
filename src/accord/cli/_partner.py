"""`accord partner ...`: register and list partners (the submitters of catalog data)."""

from __future__ import annotations

import typer
from rich.table import Table

from accord.cli._app import app, settings_of, stdout_console
from accord.startup import open_store
from accord.store import PartnerKind, PartnerRepository, transaction

partner_app = typer.Typer(help="Partners of the coalition.", no_args_is_help=True)
app.add_typer(partner_app, name="partner")


@partner_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Official name of the body."),
    kind: PartnerKind = typer.Option(..., "--kind", "-k", help="What kind of body it is."),
    country: str | None = typer.Option(
        None, "--country", "-c", help="ISO 3166-1 alpha-2 or alpha-3 code, where one applies."
    ),
) -> None:
    """Register a partner."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine) as session:
        repository = PartnerRepository(session)
        if repository.find_by_name(name) is not None:
            raise typer.BadParameter(f"a partner named {name!r} already exists", param_hint="NAME")
        partner = repository.create(name, kind=kind, country_code=country)
        partner_id = partner.id
    typer.echo(f"Registered partner {partner_id}: {name} ({kind.value}).")


@partner_app.command("list")
def list_partners(ctx: typer.Context) -> None:
    """List registered partners."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine) as session:
        partners = [
            (p.id, p.name, p.kind, p.country_code or "") for p in PartnerRepository(session).all()
        ]
    if not partners:
        stdout_console().print("No partners yet; register one with `accord partner add`.")
        return
    table = Table(title=f"{len(partners)} partners")
    for column in ("id", "name", "kind", "country"):
        table.add_column(column)
    for row in partners:
        table.add_row(*(str(value) for value in row))
    stdout_console().print(table)
