"""How `accord manoeuvre list|show` print plans: one table row each, or one plan in full.

Reads stored plan rows and their catalog entries (no decisions here: which plans a partner
may see is `accord.coordination_ops.plan_visible_to`, asked by the commands).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from accord.coordination import CoordinationCase
from accord.store import ManoeuvrePlanRow, PlanCatalogEntryRow

__all__ = ["ShownPlan", "plan_table", "print_plan"]


@dataclass(frozen=True, slots=True)
class ShownPlan:
    """A plan row as read in its transaction, with its case and its catalog entry, if any."""

    row: ManoeuvrePlanRow
    case: CoordinationCase
    catalog_entry: PlanCatalogEntryRow | None


def _delta_v(row: ManoeuvrePlanRow) -> str:
    if row.delta_v_r_m_s is None:
        return "OEM given"
    parts = (row.delta_v_r_m_s, row.delta_v_t_m_s, row.delta_v_n_m_s)
    return ", ".join(f"{x or 0.0:g}" for x in parts)


def _km(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _pc(value: float | None) -> str:
    return "-" if value is None else f"{value:.2e}"


def _closest(screening: dict[str, Any]) -> dict[str, Any] | None:
    """The plan's nearest new conjunction (the worst by miss distance), None when none."""
    return min(screening.get("conjunctions") or [], key=lambda c: c["miss_km"], default=None)


def plan_table(plans: list[ShownPlan]) -> Table:
    """One row per plan: kind, case, owner and object, burn, delta-v, verdict, catalog batch."""
    table = Table(
        "plan",
        "kind",
        "case",
        "owner",
        "object",
        "burn (UTC)",
        "delta-v RTN m/s",
        "verdict",
        "closest km (avoided)",
        "catalog batch",
    )
    for shown in plans:
        row = shown.row
        screening = row.screening
        table.add_row(
            str(row.id),
            row.kind,
            row.case_id,
            row.owner,
            str(row.norad_id),
            row.burn_at.isoformat() if row.burn_at else "-",
            _delta_v(row),
            row.verdict,
            f"{_km(screening.get('min_miss_km'))} ({_km(screening.get('avoided_miss_km'))})",
            str(shown.catalog_entry.batch_id) if shown.catalog_entry else "-",
        )
    return table


def print_plan(console: Console, shown: ShownPlan) -> None:
    """One plan in full: what it is, its screening before/after, its catalog entry."""
    row, case, screening = shown.row, shown.case, shown.row.screening
    lines = [
        f"plan {row.id}: {row.kind} plan of {row.owner} for object {row.norad_id}, "
        f"case {row.case_id}",
        f"  created {row.created_at.isoformat()}, last changed {row.updated_at.isoformat()}",
        f"  burn: {row.burn_at.isoformat() if row.burn_at else '- (trajectory given as OEM)'}"
        f", delta-v RTN m/s: {_delta_v(row)}",
        f"  verdict: {row.verdict} (screened against the whole catalog; a plan must not "
        "come nearer, nor reach a higher Pc, than the conjunction it avoids)",
        f"  before (avoided): objects {case.encounter.primary.norad_id} and "
        f"{case.encounter.secondary.norad_id} at {case.trigger.tca.isoformat()}, miss "
        f"{_km(screening.get('avoided_miss_km'))} km, Pc {_pc(screening.get('avoided_pc'))}",
    ]
    closest = _closest(screening)
    if closest is None:
        lines.append("  after: no conjunction within the screening threshold")
    else:
        lines.append(
            f"  after (worst): object {closest['secondary_norad_id']} at {closest['tca']}, "
            f"miss {_km(closest['miss_km'])} km, Pc {_pc(closest['pc'])}; highest Pc "
            f"{_pc(screening.get('max_pc'))}"
        )
    entry = shown.catalog_entry
    if entry is not None:
        lines.append(
            f"  catalog: batch {entry.batch_id}, element set epoch {entry.epoch.isoformat()}, "
            f"fitted over {entry.fit_start.isoformat()} .. {entry.fit_end.isoformat()} "
            f"({entry.fit_samples} samples): RMS {entry.fit_rms_km:.3f} km, max "
            f"{entry.fit_max_km:.3f} km"
        )
    elif row.kind == "committed":
        lines.append("  catalog: not added (newer data for the object was already there)")
    for line in lines:
        console.print(line, highlight=False, markup=False)
    table = Table("secondary", "TCA", "miss km", "Pc", title="Conjunctions of the new trajectory")
    for c in sorted(screening.get("conjunctions") or [], key=lambda c: c["miss_km"]):
        table.add_row(str(c["secondary_norad_id"]), c["tca"], _km(c["miss_km"]), _pc(c["pc"]))
    console.print(table)
