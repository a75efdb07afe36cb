"""`accord cdm show|validate` and `accord pc`: CCSDS Conjunction Data Messages."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from accord.cli._app import app, stdout_console
from accord.conjunctions import cdm_hard_body_radius_m, cdm_pc
from accord.formats import ConjunctionDataMessage, read_cdm

cdm_app = typer.Typer(help="CCSDS 508.0-B-1 Conjunction Data Messages.", no_args_is_help=True)
app.add_typer(cdm_app, name="cdm")

_FILE = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CDM (KVN/XML/JSON).")


def _read(path: Path) -> ConjunctionDataMessage:
    return read_cdm(path.read_bytes(), source=path.name)


@cdm_app.command("validate")
def validate(path: Path = _FILE) -> None:
    """Check a CDM against 508.0-B-1: exit 0 if valid, else print every problem and exit 1."""
    cdm = _read(path)  # a FormatError lists every problem and exits 1 through `main`
    typer.echo(f"{path.name}: valid CDM {cdm.header.message_id} (version {cdm.header.version})")


@cdm_app.command("show")
def show(path: Path = _FILE) -> None:
    """Show a CDM's encounter and both objects in a readable table."""
    cdm = _read(path)
    relative = cdm.relative
    table = Table(
        title=f"CDM {cdm.header.message_id} from {cdm.header.originator}", show_header=False
    )
    rows = [
        ("created (UTC)", cdm.header.creation_date.isoformat()),
        ("TCA (UTC)", relative.tca.isoformat()),
        ("miss distance (m)", f"{relative.miss_distance_m:,.1f}"),
        (
            "relative speed (m/s)",
            "-" if relative.relative_speed_m_s is None else f"{relative.relative_speed_m_s:,.1f}",
        ),
        (
            "collision probability",
            "-"
            if relative.collision_probability is None
            else f"{relative.collision_probability:.4g} "
            f"({relative.collision_probability_method or 'method not stated'})",
        ),
    ]
    for obj in cdm.objects:
        meta = obj.metadata
        rows.append(
            (
                meta.object.lower(),
                f"{meta.object_designator} {meta.object_name} ({meta.international_designator}), "
                f"manoeuvrable: {meta.maneuverable}, frame {meta.ref_frame}",
            )
        )
    for name, value in rows:
        table.add_row(name, value)
    stdout_console().print(table)


@app.command("pc")
def probability(
    path: Path = _FILE,
    hbr_m: float | None = typer.Option(
        None,
        "--hbr-m",
        min=0.0,
        help="Combined hard-body radius in metres, when the CDM carries none (or to override).",
    ),
) -> None:
    """Compute the 2-D collision probability (Foster 1992) of a CDM's encounter."""
    cdm = _read(path)
    if hbr_m is None and cdm_hard_body_radius_m(cdm) is None:
        raise typer.BadParameter(
            f"{path.name} states no hard-body radius (no HBR keyword or 'COMMENT HBR = ...'); "
            "give the combined radius in metres, e.g. --hbr-m 20",
            param_hint="--hbr-m",
        )
    result = cdm_pc(cdm, hbr_m)
    pc = float(result.pc[0])
    note = " (covariance remediated: projected eigenvalues clipped)" if result.remediated[0] else ""
    typer.echo(
        f"{path.name}: Pc = {pc:.6e} by {result.method} with hard-body radius "
        f"{float(result.hard_body_radius_m[0]):g} m, miss {float(result.miss_distance_m[0]):,.1f} m"
        f"{note}"
    )
    if cdm.relative.collision_probability is not None:
        typer.echo(
            f"  the CDM states {cdm.relative.collision_probability:.6e} "
            f"({cdm.relative.collision_probability_method or 'method not stated'})"
        )
