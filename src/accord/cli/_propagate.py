"""`accord propagate`: SGP4/SDP4 states of catalogued objects over a time span."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal

import numpy as np
import typer
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from accord.cli._app import app, settings_of, stdout_console
from accord.orbits import (
    CartesianStates,
    Sgp4ErrorCode,
    Sgp4Propagator,
    itrs_to_geodetic,
    teme_to_gcrs,
    teme_to_itrs,
)
from accord.startup import open_store
from accord.store import CatalogRepository, transaction

#: Upper bound on objects x times printed in one call, so a typo cannot flood a terminal.
_MAX_SAMPLES = 1_000_000


class Frame(StrEnum):
    """Output frames of `accord propagate`."""

    TEME = "teme"
    GCRS = "gcrs"
    ITRS = "itrs"
    GEODETIC = "geodetic"


class Output(StrEnum):
    """Output styles of `accord propagate`."""

    TABLE = "table"
    CSV = "csv"


#: Digits printed: positions to 1e-6 km (1 mm), velocities to 1e-9 km/s (1 um/s), the same
#: in the table and the CSV, so that a table value never differs from the CSV one.
_POSITION_FORMAT = "{:.6f}"
_VELOCITY_FORMAT = "{:.9f}"


def _parse_utc(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not an ISO 8601 time; write e.g. 2026-11-25T12:00:00Z",
            param_hint="--start",
        ) from None
    if moment.tzinfo is None:
        raise typer.BadParameter(
            f"{text!r} has no time zone; add Z for UTC, e.g. {text}Z", param_hint="--start"
        )
    return moment.astimezone(UTC)


def _rows(states: CartesianStates, frame: Frame) -> tuple[list[str], list[list[str]]]:
    times = np.datetime_as_string(states.times, unit="ms")
    rows: list[list[str]] = []
    if frame is Frame.GEODETIC:
        points = itrs_to_geodetic(states)
        header = ["norad_id", "time_utc", "latitude_deg", "longitude_deg", "height_km", "error"]
        for i, norad_id in enumerate(states.norad_ids):
            for j, time in enumerate(times):
                rows.append(
                    [
                        str(norad_id),
                        f"{time}Z",
                        f"{points.latitude_deg[i, j]:.5f}",
                        f"{points.longitude_deg[i, j]:.5f}",
                        f"{points.height_km[i, j]:.3f}",
                        _error_label(int(states.error_code[i, j])),
                    ]
                )
        return header, rows
    axes = ("x", "y", "z")
    header = [
        "norad_id",
        "time_utc",
        *(f"{a}_km" for a in axes),
        *(f"v{a}_km_s" for a in axes),
        "error",
    ]
    for i, norad_id in enumerate(states.norad_ids):
        for j, time in enumerate(times):
            position = states.position_km[i, j]
            velocity = states.velocity_km_s[i, j]
            rows.append(
                [
                    str(norad_id),
                    f"{time}Z",
                    *(_POSITION_FORMAT.format(value) for value in position),
                    *(_VELOCITY_FORMAT.format(value) for value in velocity),
                    _error_label(int(states.error_code[i, j])),
                ]
            )
    return header, rows


def _error_label(code: int) -> str:
    return "" if code == Sgp4ErrorCode.OK else Sgp4ErrorCode(code).name.lower()


def _print_tables(rows: list[list[str]], frame: Frame) -> None:
    """One table per object, laid out to fit 80 columns without cutting a value.

    Cartesian frames take two lines per sample (position, then velocity, under x y z);
    geodetic one. A value is never cut: on a terminal narrower than the table (under 80
    columns) the table is printed at its own width and the terminal wraps its lines, rather
    than rich shortening numbers with an ellipsis.
    """
    console = stdout_console()
    by_object: dict[str, list[list[str]]] = {}
    for row in rows:
        by_object.setdefault(row[0], []).append(row)
    for norad_id, samples in by_object.items():
        if frame is Frame.GEODETIC:
            title = f"{norad_id}: WGS84 geodetic"
            columns = ["time (UTC)", "latitude (deg)", "longitude (deg)", "height (km)", "error"]
            lines = [sample[1:] for sample in samples]
        else:
            title = f"{norad_id}: {frame.value.upper()} (km, km/s)"
            columns = ["time (UTC)", "", "x", "y", "z", "error"]
            lines = []
            for sample in samples:
                error = sample[-1]
                lines.append([sample[1], "r km", *sample[2:5], error])
                lines.append(["", "v km/s", *sample[5:8], ""])
        table = Table(title=title, box=None, padding=(0, 1), title_justify="left")
        for index, column in enumerate(columns):
            justify: Literal["left", "right"] = "left" if index < 2 else "right"
            table.add_column(column, justify=justify, no_wrap=True)
        if not any(line[-1] for line in lines):
            table.columns.pop()  # no sample failed: no error column
            lines = [line[:-1] for line in lines]
        for line in lines:
            table.add_row(*line)
        needed = Measurement.get(console, console.options.update(width=10_000), table).maximum
        # rich clamps a table to the console's width by cutting cells: widen the console.
        wide = console if needed <= console.width else Console(width=needed, soft_wrap=True)
        wide.print(table)


@app.command()
def propagate(
    ctx: typer.Context,
    norad_ids: list[int] = typer.Argument(..., help="NORAD catalog numbers of catalogued objects."),
    start: str = typer.Option(
        None, "--start", help="First time, ISO 8601 with zone (default: now, UTC)."
    ),
    minutes: float = typer.Option(90.0, min=0.0, help="Span to cover, minutes."),
    step: float = typer.Option(10.0, min=1e-3, help="Step between samples, minutes."),
    frame: Frame = typer.Option(Frame.TEME, help="Output frame (geodetic: WGS84 lat/lon/h)."),
    output: Output | None = typer.Option(
        None,
        "--output",
        "-o",
        "--format",
        help="table or csv on stdout; default: a table on a terminal, CSV when piped.",
    ),
) -> None:
    """Propagate objects' current element sets with SGP4/SDP4 (km, km/s; UTC times)."""
    first = _parse_utc(start) if start else datetime.now(UTC).replace(microsecond=0)
    count = int(np.floor(minutes / step + 1e-9)) + 1
    if count * len(norad_ids) > _MAX_SAMPLES:
        raise typer.BadParameter(
            f"{count:,} times x {len(norad_ids)} objects is more than {_MAX_SAMPLES:,} samples; "
            "use a larger --step or a shorter --minutes",
            param_hint="--step",
        )
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine) as session:
        page = CatalogRepository(session).latest(norad_ids=norad_ids)
    found = {stored.element_set.norad_id: stored.element_set for stored in page.items}
    missing = [n for n in norad_ids if n not in found]
    if missing:
        raise typer.BadParameter(
            f"not in the catalog: {', '.join(map(str, missing))}; "
            "check the ids with `accord catalog list -s`",
            param_hint="NORAD_IDS",
        )
    times = [first + timedelta(minutes=step * k) for k in range(count)]
    states: CartesianStates = Sgp4Propagator([found[n] for n in norad_ids]).propagate(times)
    if frame is Frame.GCRS:
        states = teme_to_gcrs(states)
    elif frame in (Frame.ITRS, Frame.GEODETIC):
        states = teme_to_itrs(states)
    header, rows = _rows(states, frame)
    if output is None:
        output = Output.TABLE if sys.stdout.isatty() else Output.CSV
    if output is Output.CSV:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return
    _print_tables(rows, frame)
