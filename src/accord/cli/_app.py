"""The `accord` command: a thin edge over the catalog, orbits and service packages."""

from __future__ import annotations

import typer
from rich.console import Console

import accord
from accord.settings import Settings

__all__ = ["app", "settings_of", "stderr_console", "stdout_console"]

app = typer.Typer(
    name="accord",
    help="Accord: open platform for international space cooperation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"accord {accord.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Settings come from ACCORD_* environment variables (see docs/configuration.md)."""
    ctx.obj = Settings()


def settings_of(ctx: typer.Context) -> Settings:
    """The settings read once by the root command."""
    settings = ctx.find_root().obj
    assert isinstance(settings, Settings)
    return settings


def stdout_console() -> Console:
    """A console on stdout, sized when the command runs (`COLUMNS` is honoured).

    Plain lines are soft-wrapped, so that a long message stays one line for the terminal to
    wrap and for scripts to grep; tables still fit the width.
    """
    return Console(soft_wrap=True)


def stderr_console() -> Console:
    """A console on stderr for errors and progress bars; see `stdout_console`."""
    return Console(stderr=True, soft_wrap=True)
