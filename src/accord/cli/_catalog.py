"""`accord catalog ...`: import, list, show and sync the shared catalog."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy.engine import Engine

from accord.access import principal_for_partner, visible_catalog
from accord.agreements import PrincipalRole
from accord.audit import Actor, admit_partner_once
from accord.catalog import (
    CatalogImportRejected,
    CatalogSignatureError,
    CelestrakClient,
    ImportProgress,
    IngestMode,
    IngestReport,
    import_catalog,
    previous_sync,
)
from accord.cli._app import app, settings_of, stderr_console, stdout_console
from accord.demo import CELESTRAK_PARTNER
from accord.formats import CatalogFormat, FormatError, format_tle
from accord.startup import open_store
from accord.store import (
    CatalogRepository,
    PartnerRepository,
    SourceKind,
    StoredElementSet,
    element_set_fingerprint,
    transaction,
)

catalog_app = typer.Typer(help="The shared space-object catalog.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")

#: Bad records printed on the terminal; `--report` writes all of them.
_SHOWN_REJECTIONS = 20
#: Exit status when, in store-valid mode, good records were stored but some were rejected
#: (1 means a file was not stored at all): scripts can tell "partly stored" from "clean".
EXIT_SOME_REJECTED = 3
_READ_CHUNK_BYTES = 1 << 20


def _read_with_progress(path: Path, progress: Progress) -> bytes:
    size = path.stat().st_size
    task = progress.add_task(f"reading {path.name}", total=size)
    chunks = []
    with path.open("rb") as handle:
        while chunk := handle.read(_READ_CHUNK_BYTES):
            chunks.append(chunk)
            progress.advance(task, len(chunk))
    progress.remove_task(task)
    return b"".join(chunks)


def _stage_reporter(progress: Progress, task: TaskID, name: str) -> ImportProgress:
    """An `ImportProgress` that moves one bar through parsing, validating and storing."""

    def report(stage: str, completed: int, total: int) -> None:
        progress.update(task, description=f"{stage} {name}", completed=completed, total=total)

    return report


def _print_report(report: IngestReport) -> None:
    stdout_console().print(
        f"{report.source_name}: batch {report.batch_id} ({report.format or 'element sets'}), "
        f"{report.record_count:,} records: {report.accepted_count:,} stored, "
        f"{report.rejected_count:,} rejected, {len(report.duplicates):,} already in the catalog "
        "from this partner"
    )
    for error in report.rejected[:_SHOWN_REJECTIONS]:
        stderr_console().print(f"  rejected: {error}", highlight=False, markup=False)
    if len(report.rejected) > _SHOWN_REJECTIONS:
        more = len(report.rejected) - _SHOWN_REJECTIONS
        stderr_console().print(f"  ... and {more:,} more; --report FILE writes them all")


def _read_signature(path: Path) -> bytes:
    """A signature file: the raw 64 bytes, or their standard base64 text."""
    data = path.read_bytes()
    if len(data) == 64:
        return data
    try:
        return base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise typer.BadParameter(
            f"{path}: {len(data)} bytes, neither a raw 64-byte Ed25519 signature nor base64; "
            "write the raw signature or its base64 form",
            param_hint="--signature",
        ) from None


def _report_json(path: Path, outcomes: list[dict[str, object]]) -> None:
    path.write_text(json.dumps(outcomes, indent=2, default=str) + "\n", encoding="utf-8")


@catalog_app.command("import")
def import_files(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="Catalog files to import."
    ),
    partner: str = typer.Option(
        ..., "--partner", "-p", help="Registered partner submitting the files (provenance)."
    ),
    format: CatalogFormat | None = typer.Option(
        None, "--format", "-f", help="File format; detected from the content when omitted."
    ),
    mode: IngestMode = typer.Option(
        IngestMode.REJECT_BATCH,
        "--mode",
        help="reject-batch: store nothing if any record is bad; "
        "store-valid: store the good records and report every bad one.",
    ),
    report: Path | None = typer.Option(
        None, "--report", help="Write every outcome and rejected record to this JSON file."
    ),
    signature: Path | None = typer.Option(
        None,
        "--signature",
        exists=True,
        dir_okay=False,
        readable=True,
        help="The partner's Ed25519 signature of the file's submission statement "
        "(raw 64 bytes or base64); one file only.",
    ),
) -> None:
    """Import TLE/3LE, GP (CSV/JSON/XML) or CCSDS OMM (KVN/XML) files, one batch per file."""
    if signature is not None and len(files) != 1:
        raise typer.BadParameter(
            f"a signature covers one file, {len(files)} given; import signed files one by one",
            param_hint="--signature",
        )
    signature_bytes = None if signature is None else _read_signature(signature)
    engine = open_store(settings_of(ctx), seed=False)
    outcomes: list[dict[str, object]] = []
    failed = some_rejected = False
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=stderr_console(),
        transient=True,
    ) as progress:
        for path in files:
            data = _read_with_progress(path, progress)
            stages = progress.add_task(f"parsing {path.name}", total=len(data))
            try:
                result = import_catalog(
                    engine,
                    data,
                    source_name=path.name,
                    partner=partner,
                    mode=mode,
                    format=format,
                    signature=signature_bytes,
                    progress=_stage_reporter(progress, stages, path.name),
                )
            except CatalogSignatureError as exc:
                failed = True
                progress.stop()
                stderr_console().print(f"error: {exc}", highlight=False, markup=False)
                outcomes.append({"file": str(path), "stored": False, "reason": "signature refused"})
                progress.start()
                continue
            except FormatError as exc:
                failed = True
                progress.stop()
                stderr_console().print(f"error: {exc}", highlight=False, markup=False)
                for error in exc.errors[1:_SHOWN_REJECTIONS]:
                    stderr_console().print(f"  also: {error}", highlight=False, markup=False)
                rejected = isinstance(exc, CatalogImportRejected)
                outcomes.append(
                    {
                        "file": str(path),
                        "stored": False,
                        "reason": "batch rejected" if rejected else "file unreadable",
                        "errors": [str(e) for e in exc.errors],
                    }
                )
                progress.start()
                continue
            finally:
                progress.remove_task(stages)
            progress.stop()
            _print_report(result)
            progress.start()
            some_rejected = some_rejected or result.rejected_count > 0
            outcomes.append(
                {
                    "file": str(path),
                    "stored": True,
                    "batch_id": result.batch_id,
                    "sha256": result.file_sha256,
                    "signed": signature_bytes is not None,
                    "records": result.record_count,
                    "accepted": result.accepted_count,
                    "duplicates": len(result.duplicates),
                    "errors": [str(e) for e in result.rejected],
                }
            )
    if report is not None:
        _report_json(report, outcomes)
    if failed:
        raise typer.Exit(code=1)
    if some_rejected:
        raise typer.Exit(code=EXIT_SOME_REJECTED)


def _age_days(epoch: datetime) -> float:
    return (datetime.now(UTC) - epoch).total_seconds() / 86_400.0


def _source_label(stored: StoredElementSet, *, brief: bool = False) -> str:
    if stored.source_kind is SourceKind.SYNTHETIC:
        return "SYNTHETIC" if brief else f"SYNTHETIC (generated: {stored.source_name})"
    return (
        stored.source_kind.value if brief else f"{stored.source_kind.value}: {stored.source_name}"
    )


_AS_PARTNER_HELP = (
    "Read as this partner (name or handle) through the authorisation point: only what its "
    "agreements grant, degraded as they say, and the release logged. Without it the command "
    "reads as the instance's operator, who holds the database anyway."
)


@catalog_app.command("list")
def list_objects(
    ctx: typer.Context,
    search: str | None = typer.Option(
        None, "--search", "-s", help="NORAD id, or part of a name or COSPAR id."
    ),
    limit: int = typer.Option(20, min=1, max=1000, help="Rows per page."),
    offset: int = typer.Option(0, min=0, help="Rows to skip (pagination)."),
    as_partner: str | None = typer.Option(None, "--as", help=_AS_PARTNER_HELP),
) -> None:
    """List catalogued objects with their current element set."""
    engine = open_store(settings_of(ctx), seed=False)
    if as_partner is not None:
        _list_as_partner(engine, as_partner, search, limit, offset)
        return
    with transaction(engine) as session:
        repository = CatalogRepository(session)
        if search:
            page = repository.search(search, offset=offset, limit=limit)
        else:
            page = repository.latest(offset=offset, limit=limit)
    if page.total == 0:
        hint = "try another search" if search else "import a file with `accord catalog import`"
        stdout_console().print(f"No objects found; {hint}.")
        return
    table = Table(title=f"Objects {offset + 1}-{offset + len(page.items)} of {page.total:,}")
    for column in ("NORAD", "name", "COSPAR", "epoch (UTC)", "age (d)", "source", "partner"):
        table.add_column(column)
    for stored in page.items:
        element_set = stored.element_set
        table.add_row(
            str(element_set.norad_id),
            element_set.object_name or "",
            element_set.object_id or "",
            element_set.epoch.strftime("%Y-%m-%d %H:%M:%S"),
            f"{_age_days(element_set.epoch):.1f}",
            _source_label(stored, brief=True),
            stored.partner_name,
        )
    stdout_console().print(table)


def _list_as_partner(
    engine: Engine, as_partner: str, search: str | None, limit: int, offset: int
) -> None:
    """`catalog list --as`: the page `visible_catalog` releases to that partner (audited)."""
    with transaction(engine, write_lock=True) as session:
        partner = PartnerRepository(session).get_by_name_or_handle(as_partner)
        principal = principal_for_partner(partner, [PrincipalRole.ANALYST])
        page = visible_catalog(session, principal, offset=offset, limit=limit, search=search)
    title = f"Objects {offset + 1}-{offset + len(page.items)} of {page.total:,} visible to "
    table = Table(title=title + (partner.handle or partner.name))
    for column in ("NORAD", "name", "COSPAR", "epoch (UTC)", "source", "owner", "released"):
        table.add_column(column)
    for item in page.items:
        released = (
            f"state vector, {item.state.position_precision_km:g} km"
            if item.state is not None
            else "mean elements"
        )
        table.add_row(
            str(item.norad_id),
            item.object_name or "",
            item.object_id or "",
            item.epoch.strftime("%Y-%m-%d %H:%M:%S"),
            "SYNTHETIC" if item.is_synthetic else item.source_kind,
            item.owner or "public",
            released,
        )
    stdout_console().print(table)


@catalog_app.command("show")
def show_object(
    ctx: typer.Context,
    norad_id: int = typer.Argument(..., min=1, help="NORAD catalog number."),
) -> None:
    """Show an object's current element set, provenance and history."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine) as session:
        history = CatalogRepository(session).history(norad_id)
    if not history:
        raise typer.BadParameter(
            f"object {norad_id} is not in the catalog; search with `accord catalog list -s`",
            param_hint="NORAD_ID",
        )
    current = history[0]
    element_set = current.element_set
    # Several partners may hold identical element sets (deduplication is per partner):
    # each row is its own submission; group them by content to say so.
    fingerprints = [element_set_fingerprint(stored.element_set) for stored in history]
    first_of: dict[str, StoredElementSet] = {}
    for stored, fingerprint in zip(reversed(history), reversed(fingerprints), strict=True):
        first_of.setdefault(fingerprint, stored)  # the earliest-stored of each content
    also = sorted(
        {
            stored.partner_name
            for stored, fingerprint in zip(history, fingerprints, strict=True)
            if fingerprint == fingerprints[0] and stored.partner_name != current.partner_name
        }
    )
    title = f"{element_set.norad_id} {element_set.object_name or ''}".strip()
    if current.is_synthetic:
        title += "  [SYNTHETIC: generated, not observed]"
    table = Table(title=title, show_header=False)
    rows = [
        ("COSPAR id", element_set.object_id or "-"),
        ("epoch (UTC)", element_set.epoch.isoformat()),
        ("mean motion (rev/day)", f"{element_set.mean_motion_rev_per_day:.8f}"),
        ("eccentricity", f"{element_set.eccentricity:.7f}"),
        ("inclination (deg)", f"{element_set.inclination_deg:.4f}"),
        ("RAAN (deg)", f"{element_set.raan_deg:.4f}"),
        ("argument of pericenter (deg)", f"{element_set.arg_of_pericenter_deg:.4f}"),
        ("mean anomaly (deg)", f"{element_set.mean_anomaly_deg:.4f}"),
        ("B* (1/earth radii)", f"{element_set.bstar_per_earth_radius:.5e}"),
        ("submitted by", current.partner_name),
        *([("identical set also from", ", ".join(also))] if also else []),
        ("source", _source_label(current)),
        ("submitted at (UTC)", current.submitted_at.isoformat()),
        ("batch", str(current.batch_id)),
    ]
    for name, value in rows:
        table.add_row(name, value)
    stdout_console().print(table)
    try:
        line1, line2 = format_tle(element_set)
        stdout_console().print(f"{line1}\n{line2}", highlight=False)
    except ValueError as exc:
        stdout_console().print(f"(no TLE form: {exc})", highlight=False)
    if len(history) > 1:
        older = Table(title=f"History ({len(history)} element sets, newest first)")
        columns = ("epoch (UTC)", "batch", "partner", "source", "submitted at (UTC)", "same as")
        for column in columns:
            older.add_column(column)
        for stored, fingerprint in zip(history, fingerprints, strict=True):
            original = first_of[fingerprint]
            older.add_row(
                stored.element_set.epoch.isoformat(),
                str(stored.batch_id),
                stored.partner_name,
                _source_label(stored),
                stored.submitted_at.isoformat(),
                "" if original is stored else f"batch {original.batch_id}",
            )
        stdout_console().print(older)


@catalog_app.command("sync")
def sync(
    ctx: typer.Context,
    group: str = typer.Option(
        "active", "--group", "-g", help="CelesTrak GP group, e.g. active, stations, geo."
    ),
    mode: IngestMode = typer.Option(
        IngestMode.REJECT_BATCH, "--mode", help="reject-batch or store-valid (see import)."
    ),
) -> None:
    """Pull a group from CelesTrak's GP service (cached 2 h, polite) into the catalog."""
    settings = settings_of(ctx)
    with CelestrakClient(settings) as client:
        fetched = client.fetch_group(group, format="csv")
    origin = "cache" if fetched.from_cache else "CelesTrak"
    stdout_console().print(
        f"Fetched from {origin} (as of {fetched.fetched_at:%Y-%m-%d %H:%M} UTC)."
    )
    engine = open_store(settings, seed=False)
    with transaction(engine, write_lock=True) as session:
        # The first sync admits CelesTrak as a data provider, logged like any admission.
        admit_partner_once(
            session, CELESTRAK_PARTNER.name, kind=CELESTRAK_PARTNER.kind, actor=Actor.system()
        )
        previous = previous_sync(session, fetched, partner=CELESTRAK_PARTNER.name)
        if previous is not None:
            stdout_console().print(
                f"{fetched.url}: unchanged since batch {previous.batch_id} "
                f"({previous.submitted_at:%Y-%m-%d %H:%M} UTC, same SHA-256 "
                f"{previous.file_sha256 or ''}); nothing imported.",
                highlight=False,
            )
            return
        result = import_catalog(
            session,
            fetched.data,
            source_name=fetched.url,
            partner=CELESTRAK_PARTNER.name,
            source_kind=SourceKind.CELESTRAK,
            mode=mode,
            format=CatalogFormat.GP_CSV,
        )
    _print_report(result)
    if result.rejected_count:
        raise typer.Exit(code=EXIT_SOME_REJECTED)
