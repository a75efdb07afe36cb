"""`accord pool ...` and `accord campaign ...`: pooled assets and joint observation campaigns.

The CLI acts as an operator of the partner named by `--partner` (its name or handle);
`accord.campaign_ops` authorises each step through `accord.access` and logs it.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from accord.access import Principal, principal_for_partner
from accord.agreements import PrincipalRole
from accord.campaign_ops import (
    DEFAULT_POOL,
    add_pool_satellite,
    add_pool_station,
    close_request,
    commit_share,
    plan_campaign,
    plan_csv,
    plan_document,
    plan_json,
    submit_request,
    update_task,
    validate_request,
)
from accord.campaigns import EoSensor
from accord.cli._app import app, settings_of, stdout_console
from accord.startup import open_store
from accord.store import PartnerRepository, TaskStatus, transaction

pool_app = typer.Typer(help="Pooled satellites, stations and shares.", no_args_is_help=True)
app.add_typer(pool_app, name="pool")
campaign_app = typer.Typer(help="Joint Earth-observation campaigns.", no_args_is_help=True)
app.add_typer(campaign_app, name="campaign")


class Sensor(StrEnum):
    """Sensor kinds."""

    OPTICAL = "optical"
    SAR = "sar"


class Method(StrEnum):
    """Planning methods."""

    MILP = "milp"
    GREEDY = "greedy"


class ShowFormat(StrEnum):
    """Output formats of `campaign show`."""

    JSON = "json"
    CSV = "csv"
    TABLE = "table"


class TaskStep(StrEnum):
    """What an owner reports about its task."""

    ACCEPT = "accept"
    DECLINE = "decline"
    ACQUIRED = "acquired"
    MISSED = "missed"
    DELIVERED = "delivered"


_STEP_STATUS = {
    TaskStep.ACCEPT: TaskStatus.ACCEPTED,
    TaskStep.DECLINE: TaskStatus.DECLINED,
    TaskStep.ACQUIRED: TaskStatus.ACQUIRED,
    TaskStep.MISSED: TaskStatus.MISSED,
    TaskStep.DELIVERED: TaskStatus.DELIVERED,
}

PARTNER = typer.Option(..., "--partner", "-p", help="Partner name or handle acting.")
POOL = typer.Option(DEFAULT_POOL, "--pool", help="Pooled asset class (allocation_shares name).")


def _principal(session: object, name: str) -> Principal:
    partner = PartnerRepository(session).get_by_name_or_handle(name)  # type: ignore[arg-type]
    return principal_for_partner(partner, [PrincipalRole.OPERATOR])


def _utc(text: str, option: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO 8601 time", param_hint=option) from None
    if value.tzinfo is None:
        raise typer.BadParameter(
            f"{text!r} has no time zone; add Z or +00:00 (UTC)", param_hint=option
        )
    return value


@pool_app.command("add-satellite")
def pool_add_satellite(
    ctx: typer.Context,
    norad_id: int = typer.Argument(..., help="NORAD id of a satellite the partner claims."),
    partner: str = PARTNER,
    sensor: Sensor = typer.Option(..., "--sensor", help="Sensor kind."),
    swath_km: float = typer.Option(..., "--swath-km", help="Swath at nadir, km."),
    max_off_nadir_deg: float = typer.Option(
        ..., "--max-off-nadir-deg", help="Field of regard: largest off-nadir angle, degrees."
    ),
    resolution_m: float = typer.Option(..., "--resolution-m", help="Ground sample distance, m."),
    min_sun_elevation_deg: float = typer.Option(
        10.0, "--min-sun-elevation-deg", help="Optical only: lowest Sun elevation, degrees."
    ),
    pool: str = POOL,
) -> None:
    """Offer a claimed satellite to a pool."""
    engine = open_store(settings_of(ctx), seed=False)
    eo_sensor = EoSensor(
        sensor.value, max_off_nadir_deg, swath_km, resolution_m, min_sun_elevation_deg
    )
    with transaction(engine, write_lock=True) as session:
        row = add_pool_satellite(
            session, _principal(session, partner), norad_id, eo_sensor, pool=pool
        )
        typer.echo(f"NORAD id {row.norad_id} is in pool {pool} ({sensor.value}).")


@pool_app.command("add-station")
def pool_add_station(
    ctx: typer.Context,
    station_id: str = typer.Argument(..., help="Id of one of the partner's registered stations."),
    partner: str = PARTNER,
    min_elevation_deg: float | None = typer.Option(
        None, "--min-elevation-deg", help="Elevation mask for downlinks (default: registered)."
    ),
    pool: str = POOL,
) -> None:
    """Offer a registered ground station to a pool for downlinks."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine, write_lock=True) as session:
        row = add_pool_station(
            session, _principal(session, partner), station_id, pool=pool,
            min_elevation_deg=min_elevation_deg,
        )  # fmt: skip
        typer.echo(f"Station {station_id} is in pool {pool} (mask {row.min_elevation_deg} deg).")


@pool_app.command("commit")
def pool_commit(
    ctx: typer.Context,
    partner: str = PARTNER,
    agreement: str = typer.Option(..., "--agreement", help="Agreement in force allocating it."),
    share: float | None = typer.Option(
        None, "--share", help="Share to commit (must equal the agreement's; default: its)."
    ),
    pool: str = POOL,
) -> None:
    """Commit the partner's share of a pool under an agreement in force."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine, write_lock=True) as session:
        row = commit_share(session, _principal(session, partner), agreement, pool=pool, share=share)
        typer.echo(f"{partner} commits {row.share:g} of pool {pool} under {agreement}.")


@campaign_app.command("request")
def campaign_request(
    ctx: typer.Context,
    partner: str = PARTNER,
    area: Path = typer.Option(..., "--area", help="GeoJSON Polygon, or Point with radius_km."),
    start: str = typer.Option(..., "--start", help="Window start, ISO 8601 UTC."),
    end: str = typer.Option(..., "--end", help="Window end, ISO 8601 UTC."),
    deadline: str | None = typer.Option(
        None, "--deadline", help="Delivery deadline, ISO 8601 UTC (default: the window end)."
    ),
    priority: float = typer.Option(1.0, "--priority", help="Positive weight; higher first."),
    sensor: list[Sensor] = typer.Option(  # noqa: B008
        [], "--sensor", help="Sensor kind that serves the product (repeat; default: both)."
    ),
    max_off_nadir_deg: float = typer.Option(
        90.0, "--max-off-nadir-deg", help="Largest off-nadir angle the product accepts."
    ),
    max_resolution_m: float | None = typer.Option(
        None, "--max-resolution-m", help="Coarsest resolution the product accepts, m."
    ),
    radius_km: float | None = typer.Option(
        None, "--radius-km", help="Radius around a Point area (else its properties.radius_km)."
    ),
    pool: str = POOL,
) -> None:
    """Submit an observation request to a pool."""
    geojson = json.loads(area.read_text(encoding="utf-8"))
    if radius_km is not None:
        if geojson.get("type") != "Feature":
            geojson = {"type": "Feature", "geometry": geojson, "properties": {}}
        geojson.setdefault("properties", {})["radius_km"] = radius_km
    window_end = _utc(end, "--end")
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine, write_lock=True) as session:
        row = submit_request(
            session, _principal(session, partner), geojson,
            window_start=_utc(start, "--start"), window_end=window_end,
            delivery_deadline=_utc(deadline, "--deadline") if deadline else window_end,
            priority=priority, sensor_kinds=[s.value for s in sensor] or ("optical", "sar"),
            max_off_nadir_deg=max_off_nadir_deg, max_resolution_m=max_resolution_m,
            area_name=area.stem, pool=pool,
        )  # fmt: skip
        typer.echo(f"Request {row.id} submitted ({row.area_name}); a duty officer validates it.")


@campaign_app.command("validate")
def campaign_validate(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="Request id."),
    partner: str = PARTNER,
) -> None:
    """Validate a submitted request (duty officer of a pool member)."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine, write_lock=True) as session:
        validate_request(session, _principal(session, partner), request_id)
    typer.echo(f"Request {request_id} validated.")


@campaign_app.command("plan")
def campaign_plan(
    ctx: typer.Context,
    partner: str = PARTNER,
    method: Method = typer.Option(Method.MILP, "--method", help="HiGHS MILP or greedy."),
    pool: str = POOL,
) -> None:
    """Plan every validated request of the pool."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine, write_lock=True) as session:
        row = plan_campaign(session, _principal(session, partner), pool=pool, method=method.value)
        document = plan_document(session, row.id)
    _print_table(document)


@campaign_app.command("show")
def campaign_show(
    ctx: typer.Context,
    plan_id: int = typer.Argument(..., help="Plan id."),
    output_format: ShowFormat = typer.Option(ShowFormat.TABLE, "--format", help="Output format."),
) -> None:
    """Show a plan: requests, tasks, contributions."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine) as session:
        document = plan_document(session, plan_id)
    if output_format is ShowFormat.JSON:
        typer.echo(plan_json(document), nl=False)
    elif output_format is ShowFormat.CSV:
        typer.echo(plan_csv(document), nl=False)
    else:
        _print_table(document)


@campaign_app.command("task")
def campaign_task(
    ctx: typer.Context,
    task_id: int = typer.Argument(..., help="Task id."),
    step: TaskStep = typer.Argument(..., help="What the owner reports."),
    partner: str = PARTNER,
) -> None:
    """The satellite's owner accepts, declines or reports its task."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine, write_lock=True) as session:
        task, new_plan = update_task(
            session, _principal(session, partner), task_id, _STEP_STATUS[step]
        )
        status = task.status
        new_plan_id = new_plan.id if new_plan is not None else None
    typer.echo(f"Task {task_id} is {status}.")
    if new_plan_id is not None:
        typer.echo(f"Re-planned: plan {new_plan_id} (`accord campaign show {new_plan_id}`).")


@campaign_app.command("close")
def campaign_close(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., help="Request id."),
    partner: str = PARTNER,
) -> None:
    """Close a delivered request."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine, write_lock=True) as session:
        close_request(session, _principal(session, partner), request_id)
    typer.echo(f"Request {request_id} closed.")


def _print_table(document: dict[str, object]) -> None:
    console = stdout_console()
    gap = document["mip_gap"]
    console.print(
        f"Plan {document['plan_id']} ({document['method']}, {document['solver_status']}, "
        f"gap {'-' if gap is None else f'{gap:.2g}'}), objective {document['objective']:.4f}"
    )
    tasks = Table(title="tasks")
    for column in ("task", "request", "area", "norad", "owner", "status", "start", "downlink"):
        tasks.add_column(column)
    for t in document["tasks"]:  # type: ignore[attr-defined]
        tasks.add_row(
            str(t["task_id"]), str(t["request_id"]), t["area_name"], str(t["norad_id"]),
            t["owner"], t["status"], t["acquisition_start"][:19],
            t["downlink_station"] or "-",
        )  # fmt: skip
    console.print(tasks)
    shares = Table(title="contributions")
    for column in ("partner", "acquisitions", "share", "committed"):
        shares.add_column(column)
    for handle, c in document["contributions"].items():  # type: ignore[attr-defined]
        shares.add_row(
            handle, str(c["acquisitions"]), f"{c['share_of_acquisitions']:.2f}",
            f"{c['committed_share']:.2f}",
        )  # fmt: skip
    console.print(shares)
