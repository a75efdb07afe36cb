"""`accord serve`: run the HTTP service."""

from __future__ import annotations

import logging

import typer
import uvicorn

from accord.cli._app import app, settings_of


@app.command()
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port to listen on."),
) -> None:
    """Start the Accord service (API and OpenAPI docs at /docs)."""
    from accord.service import create_app
    from accord.store import check_database, create_engine

    settings = settings_of(ctx)
    # A bad or unreachable ACCORD_DATABASE_URL fails here as one line (accord.cli.main),
    # rather than as a traceback from inside the server's start-up.
    probe = create_engine(settings.resolved_database_url)
    try:
        check_database(probe)
    finally:
        probe.dispose()
    # Accord's own start-up messages (the demo seeding) beside uvicorn's, in its style.
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    typer.echo(f"Accord on http://{host}:{port} (database: {settings.redacted_database_url})")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
