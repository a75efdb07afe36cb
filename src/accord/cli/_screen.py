"""`accord screen`, `accord screenings list`, `accord events list`.

Screen a catalog and write or store CDMs; list stored screenings with who submitted them;
list conjunction events. A screening stored from here records the local operator as its
submitter, acting for the partner named with `--as` or for none (docs/screening.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import Engine

from accord.cli._app import app, settings_of, stderr_console, stdout_console
from accord.conjunctions import (
    ALFANO_2005_MAX,
    DEFAULT_COVARIANCE,
    DEFAULT_HARD_BODY_RADIUS_M,
    screen_catalog,
)
from accord.formats import (
    ConjunctionDataMessage,
    ElementSet,
    format_cdm_json,
    format_cdm_kvn,
    format_cdm_xml,
    read_catalog,
)
from accord.screening import (
    AlertRules,
    DaskScreeningError,
    Submitter,
    build_cdms,
    dask_client,
    run_screening,
    screen_catalog_distributed,
)
from accord.startup import open_store
from accord.store import (
    CatalogRepository,
    PartnerRepository,
    ScreeningRecord,
    ScreeningRepository,
    UnknownPartnerError,
    transaction,
)

events_app = typer.Typer(
    help="Conjunction events followed across screenings.", no_args_is_help=True
)
app.add_typer(events_app, name="events")
screenings_app = typer.Typer(help="Stored screenings and who submitted them.", no_args_is_help=True)
app.add_typer(screenings_app, name="screenings")

_STAGES = {
    "load": "loading the catalog",
    "screen": "screening",
    "cdm": "building CDMs",
    "store": "storing",
}


class CdmFileFormat(StrEnum):
    """File formats `accord screen --out` writes."""

    KVN = "kvn"
    XML = "xml"
    JSON = "json"


class PcMethod(StrEnum):
    """Pc methods for GP data (no covariance)."""

    MAX = ALFANO_2005_MAX
    DEFAULT = DEFAULT_COVARIANCE


_WRITERS = {
    CdmFileFormat.KVN: format_cdm_kvn,
    CdmFileFormat.XML: format_cdm_xml,
    CdmFileFormat.JSON: format_cdm_json,
}


def _parse_start(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
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


def _read_file(path: Path) -> list[ElementSet]:
    reading = read_catalog(path.read_bytes(), source=path.name)
    return [item.element_set for item in reading.element_sets]


@contextmanager
def _cluster(scheduler: str | None, workers: int | None) -> Iterator[Any | None]:
    """The Dask client `accord screen` uses, or None to screen in this process."""
    if scheduler is None and workers is None:
        yield None
        return
    try:
        with dask_client(scheduler, workers=workers) as client:
            yield client
    except DaskScreeningError as error:
        stderr_console().print(f"error: {error}", highlight=False)
        raise typer.Exit(1) from None


def _write_cdms(messages: list[ConjunctionDataMessage], out: Path, fmt: CdmFileFormat) -> None:
    out.mkdir(parents=True, exist_ok=True)
    writer = _WRITERS[fmt]
    for cdm in messages:
        # One file per conjunction, named by its message id (letters, digits, '-', 'T', 'Z').
        (out / f"{cdm.header.message_id}.{fmt.value}").write_text(writer(cdm), encoding="utf-8")


@app.command("screen")
def screen(
    ctx: typer.Context,
    catalog: Path | None = typer.Option(
        None,
        "--catalog",
        exists=True,
        dir_okay=False,
        readable=True,
        help="Catalog file to screen (TLE/3LE, GP, OMM); default: the store's current catalog.",
    ),
    start: str | None = typer.Option(
        None, "--start", help="Start of the screened span, ISO 8601 with zone (default: now)."
    ),
    days: float = typer.Option(7.0, "--days", min=1e-3, help="Length of the span, days."),
    threshold_km: float = typer.Option(
        5.0, "--threshold-km", min=1e-6, help="Miss-distance threshold, km."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        file_okay=False,
        help="Write one CDM file per conjunction here; default: store everything.",
    ),
    format: CdmFileFormat = typer.Option(
        CdmFileFormat.KVN, "--format", help="CDM file format with --out."
    ),
    hbr_m: float = typer.Option(
        DEFAULT_HARD_BODY_RADIUS_M,
        "--hbr-m",
        min=1e-6,
        help="Combined hard-body radius for the Pc, metres.",
    ),
    pc_method: PcMethod = typer.Option(
        PcMethod.MAX, "--pc-method", help="Pc stated in the CDMs (both are computed)."
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help=(
            "Run the screening on the Dask cluster at this address, e.g. tcp://host:8786 "
            "(default: ACCORD_DASK_SCHEDULER)."
        ),
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        help="Run the screening on a local Dask cluster of N worker processes.",
    ),
    as_partner: str | None = typer.Option(
        None,
        "--as",
        help=(
            "Record the stored screening as submitted for this partner (name or handle); "
            "default: the local operator for no partner."
        ),
    ),
) -> None:
    """Screen a catalog for conjunctions; write CDM files or store screening, CDMs and events."""
    settings = settings_of(ctx)
    if as_partner is not None and out is not None:
        raise typer.BadParameter(
            "--as names who a stored screening is for; with --out nothing is stored, "
            "so drop one of them",
            param_hint="--as",
        )
    first = _parse_start(start)
    duration = timedelta(days=days)
    element_sets = _read_file(catalog) if catalog is not None else None
    if scheduler is not None and workers is not None:
        raise typer.BadParameter(
            "give either --scheduler (an existing cluster) or --workers (a local one)",
            param_hint="--workers",
        )
    if scheduler is None and workers is None:
        scheduler = settings.dask_scheduler
    with (
        _cluster(scheduler, workers) as client,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=stderr_console(),
            transient=True,
        ) as progress,
    ):
        tasks: dict[str, TaskID] = {}

        def advance(stage: str, fraction: float) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(_STAGES[stage], total=1.0)
            progress.update(tasks[stage], completed=fraction)

        if out is not None:
            if element_sets is None:
                advance("load", 0.0)
                with transaction(open_store(settings, seed=False)) as session:
                    items = CatalogRepository(session).latest(limit=None).items
                    element_sets = [item.element_set for item in items]
                advance("load", 1.0)
            if client is not None:
                result = screen_catalog_distributed(
                    element_sets,
                    client=client,
                    start=first,
                    duration=duration,
                    threshold_km=threshold_km,
                    progress=lambda fraction: advance("screen", fraction),
                )
            else:
                result = screen_catalog(
                    element_sets,
                    start=first,
                    duration=duration,
                    threshold_km=threshold_km,
                    progress=lambda fraction: advance("screen", fraction),
                )
            advance("cdm", 0.0)
            messages = build_cdms(
                result, element_sets, hard_body_radius_m=hbr_m, pc_method=pc_method.value
            )
            advance("cdm", 1.0)
            _write_cdms(messages, out, format)
            progress.stop()
            stdout_console().print(
                f"{len(element_sets):,} objects, {first.isoformat()} + {days:g} d, "
                f"{threshold_km:g} km: {len(result.conjunctions):,} conjunctions, "
                f"{len(result.co_locations):,} co-located pairs, "
                f"{len(result.failures):,} propagation failures; "
                f"{len(messages):,} CDM files ({format.value}) in {out}",
                highlight=False,
            )
            _print_stages(result.stage_seconds)
            return
        engine = open_store(settings, seed=False)
        submitter = _local_submitter(engine, as_partner)
        record = run_screening(
            engine,
            start=first,
            duration=duration,
            threshold_km=threshold_km,
            element_sets=element_sets,
            source_name=catalog.name if catalog is not None else None,
            hard_body_radius_m=hbr_m,
            pc_method=pc_method.value,
            rules=AlertRules.from_settings(settings),
            event_tca_tolerance_s=settings.event_tca_tolerance_s,
            progress=advance,
            dask_client=client,
            submitter=submitter,
        )
        progress.stop()
    source = record.source_name or f"catalog batch {record.catalog_batch_id}"
    stdout_console().print(
        f"screening {record.screening_id} stored: {record.object_count:,} objects ({source}), "
        f"{record.conjunction_count:,} conjunctions and CDMs, "
        f"{record.co_location_count:,} co-located pairs, "
        f"{record.failure_count:,} propagation failures; submitted by "
        f"{_submitter_label(record, {submitter.partner_id: as_partner or ''})}",
        highlight=False,
    )


def _local_submitter(engine: Engine, as_partner: str | None) -> Submitter:
    """The local operator, for the partner `--as` names (its name or handle) or for none."""
    if as_partner is None:
        return Submitter.local_operator()
    with transaction(engine) as session:
        try:
            partner = PartnerRepository(session).get_by_name_or_handle(as_partner)
        except UnknownPartnerError:
            raise typer.BadParameter(
                f"no partner named {as_partner!r}; list them with `accord partner list`",
                param_hint="--as",
            ) from None
        return Submitter.local_operator(partner.id)


def _submitter_label(record: ScreeningRecord, handles: dict[int | None, str]) -> str:
    """`<principal> for <partner>`, `<principal>` for no partner, `-` when not recorded."""
    if record.submitter_name is None:
        return "-"
    if record.submitter_partner_id is None:
        return record.submitter_name
    partner = handles.get(record.submitter_partner_id) or f"partner {record.submitter_partner_id}"
    return f"{record.submitter_name} for {partner}"


@screenings_app.command("list")
def list_screenings(
    ctx: typer.Context,
    limit: int = typer.Option(20, "--limit", min=1, help="Most screenings to list."),
) -> None:
    """Stored screenings, newest first: span, threshold, counts, and who submitted each."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine) as session:
        records = ScreeningRepository(session).screenings(limit=limit)
        partners = PartnerRepository(session)
        handles: dict[int | None, str] = {}
        for partner_id in {r.submitter_partner_id for r in records}:
            if partner_id is not None:
                partner = partners.get(partner_id)
                handles[partner_id] = partner.handle or partner.name
    if not records:
        stdout_console().print("no screenings stored; run `accord screen` first")
        return
    table = Table(title="Screenings, newest first")
    for column in ("screening", "finished (UTC)", "span start (UTC)", "days", "threshold km"):
        table.add_column(column)
    for column in ("objects", "conjunctions", "submitted by"):
        table.add_column(column)
    for record in records:
        finished = record.finished_at
        table.add_row(
            str(record.screening_id),
            finished.strftime("%Y-%m-%d %H:%M:%S") if finished else record.status.value,
            record.span_start.strftime("%Y-%m-%d %H:%M:%S"),
            f"{record.duration_s / 86400.0:g}",
            f"{record.threshold_km:g}",
            f"{record.object_count:,}",
            f"{record.conjunction_count:,}",
            _submitter_label(record, handles),
        )
    stdout_console().print(table)


def _print_stages(stage_seconds: dict[str, float]) -> None:
    stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in stage_seconds.items())
    stderr_console().print(f"stages: {stages}", highlight=False)


@events_app.command("list")
def list_events(
    ctx: typer.Context,
    all_events: bool = typer.Option(
        False, "--all", help="Include events whose TCA is past (default: open events only)."
    ),
    limit: int = typer.Option(50, "--limit", min=1, help="Most events to list."),
) -> None:
    """Conjunction events, alerts first: latest TCA, miss and Pc, and their history."""
    engine = open_store(settings_of(ctx), seed=False)
    now = datetime.now(UTC)
    with transaction(engine) as session:
        repository = ScreeningRepository(session)
        events = repository.events(tca_after=None if all_events else now, limit=limit)
        histories = {e.event_id: repository.event_history(e.event_id) for e in events}
    if not events:
        stdout_console().print("no open conjunction events" if not all_events else "no events")
        return
    table = Table(title="Conjunction events")
    for column in ("event", "alert", "primary", "secondary", "TCA (UTC)", "miss km", "Pc"):
        table.add_column(column)
    table.add_column("history (miss km / Pc, oldest first)")
    for event in events:
        history = " -> ".join(
            f"{c.miss_km:.3f}/{c.collision_probability:.1e}"
            if c.collision_probability is not None
            else f"{c.miss_km:.3f}/-"
            for c in histories[event.event_id]
        )
        pc = "-" if event.latest_pc is None else f"{event.latest_pc:.2e} {event.latest_pc_method}"
        table.add_row(
            str(event.event_id),
            event.alert_level.value,
            str(event.primary_norad_id),
            str(event.secondary_norad_id),
            event.tca.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
            f"{event.latest_miss_km:.3f}",
            pc,
            history,
        )
    stdout_console().print(table)
