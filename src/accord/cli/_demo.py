"""`accord demo`: seed the demo coalition and catalog into the store."""

from __future__ import annotations

import typer

from accord.cli._app import app, settings_of
from accord.demo import seed_demo
from accord.startup import open_store


@app.command()
def demo(ctx: typer.Context) -> None:
    """Seed the demo coalition and a catalog (CelesTrak when reachable, else synthetic)."""
    settings = settings_of(ctx)
    engine = open_store(settings, seed=False)
    outcome = seed_demo(engine, settings)
    typer.echo(f"Demo seeded: {outcome.summary}.")
