"""What a plan says, for people and other systems: JSON, CSV, a timeline per satellite,
contributions per partner, and the acquisition opportunities that compliance counts.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.campaign_ops._errors import UnknownCampaignItem
from accord.coordination import AcquisitionContribution
from accord.store import (
    CampaignPlanRow,
    CampaignRequestRow,
    CampaignTaskRow,
    PartnerRepository,
    PlanContributionRow,
    PlanRequestRow,
    TaskStatus,
)

__all__ = [
    "CSV_COLUMNS",
    "TimelineEntry",
    "acquisition_contributions",
    "plan_csv",
    "plan_document",
    "plan_json",
    "satellite_timeline",
]

#: Columns of `plan_csv`, one row per task.
CSV_COLUMNS = (
    "task_id",
    "request_id",
    "area_name",
    "norad_id",
    "owner",
    "status",
    "acquisition_start",
    "acquisition_end",
    "roll_deg",
    "coverage_fraction",
    "downlink_station",
    "downlink_rise",
    "downlink_set",
    "delivery",
)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def plan_document(session: Session, plan_id: int) -> dict[str, Any]:
    """The plan as plain JSON data: solver facts, requests, tasks and contributions.

    Tasks are every task of the plan's requests (those of earlier plans that it kept
    included), by acquisition start; times ISO 8601 UTC; partners by handle.
    """
    plan = session.get(CampaignPlanRow, plan_id)
    if plan is None:
        raise UnknownCampaignItem(f"campaign plan {plan_id} does not exist")
    handle = {p.id: p.handle or str(p.id) for p in PartnerRepository(session).all()}
    request_ids = list(
        session.scalars(
            sa.select(PlanRequestRow.request_id)
            .where(PlanRequestRow.plan_id == plan_id)
            .order_by(PlanRequestRow.request_id)
        )
    )
    requests = [session.get(CampaignRequestRow, rid) for rid in request_ids]
    names = {r.id: r.area_name for r in requests if r is not None}
    tasks = session.scalars(
        sa.select(CampaignTaskRow)
        .where(CampaignTaskRow.request_id.in_(request_ids or [-1]))
        .order_by(CampaignTaskRow.acquisition_start, CampaignTaskRow.id)
    )
    contributions = session.scalars(
        sa.select(PlanContributionRow)
        .where(PlanContributionRow.plan_id == plan_id)
        .order_by(PlanContributionRow.partner_id)
    )
    return {
        "plan_id": plan.id,
        "pool": plan.pool,
        "method": plan.method,
        "solver_status": plan.solver_status,
        "mip_gap": plan.mip_gap,
        "objective": plan.objective,
        "upper_bound": plan.upper_bound,
        "solve_time_s": plan.solve_time_s,
        "created_at": _iso(plan.created_at),
        "replaces_plan_id": plan.replaces_plan_id,
        "requests": [
            {
                "request_id": r.id,
                "partner": handle[r.partner_id],
                "area_name": r.area_name,
                "status": r.status,
                "priority": r.priority,
                "window_start": _iso(r.window_start),
                "window_end": _iso(r.window_end),
                "delivery_deadline": _iso(r.delivery_deadline),
                "coverage_fraction": float(plan.coverage.get(str(r.id), 0.0)),
            }
            for r in requests
            if r is not None
        ],
        "tasks": [
            {
                "task_id": t.id,
                "request_id": t.request_id,
                "area_name": names.get(t.request_id, ""),
                "norad_id": t.norad_id,
                "owner": handle[t.owner_partner_id],
                "status": t.status,
                "acquisition_start": _iso(t.acquisition_start),
                "acquisition_end": _iso(t.acquisition_end),
                "roll_deg": t.roll_deg,
                "coverage_fraction": t.coverage_fraction,
                "downlink_station": t.downlink_station,
                "downlink_rise": _iso(t.downlink_rise),
                "downlink_set": _iso(t.downlink_set),
                "delivery": _iso(t.delivery),
                "planned_in": t.plan_id,
            }
            for t in tasks
        ],
        "contributions": {
            handle[c.partner_id]: {
                "acquisitions": c.acquisitions,
                "share_of_acquisitions": c.share_of_acquisitions,
                "committed_share": c.committed_share,
                "requests_served": c.requests_served,
            }
            for c in contributions
        },
    }


def plan_json(document: dict[str, Any]) -> str:
    """`plan_document` as indented JSON text."""
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def plan_csv(document: dict[str, Any]) -> str:
    """The plan's tasks as CSV (`CSV_COLUMNS`, header first; empty cells for no downlink)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for task in document["tasks"]:
        writer.writerow({k: "" if task[k] is None else task[k] for k in CSV_COLUMNS})
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing a satellite does: `kind` "acquisition" (over `area_name`) or "downlink"."""

    kind: str
    start: datetime
    end: datetime
    task_id: int
    area_name: str
    status: str
    station: str | None = None


def satellite_timeline(document: dict[str, Any]) -> dict[int, list[TimelineEntry]]:
    """NORAD id -> its acquisitions and downlinks in time order (active tasks only)."""
    timeline: dict[int, list[TimelineEntry]] = {}
    for task in document["tasks"]:
        if task["status"] in (TaskStatus.DECLINED.value, TaskStatus.MISSED.value):
            continue
        entries = timeline.setdefault(task["norad_id"], [])
        entries.append(
            TimelineEntry(
                "acquisition",
                datetime.fromisoformat(task["acquisition_start"]),
                datetime.fromisoformat(task["acquisition_end"]),
                task["task_id"],
                task["area_name"],
                task["status"],
            )
        )
        if task["downlink_rise"] is not None:
            entries.append(
                TimelineEntry(
                    "downlink",
                    datetime.fromisoformat(task["downlink_rise"]),
                    datetime.fromisoformat(task["downlink_set"]),
                    task["task_id"],
                    task["area_name"],
                    task["status"],
                    task["downlink_station"],
                )
            )
    for entries in timeline.values():
        entries.sort(key=lambda e: (e.start, e.kind))
    return dict(sorted(timeline.items()))


def acquisition_contributions(
    session: Session, start: datetime, end: datetime
) -> list[AcquisitionContribution]:
    """Acquisition opportunities each partner offered in [start, end), for compliance.

    An opportunity is a task its owner accepted (whatever happened next: acquired,
    delivered or missed), offered at its acquisition start; partners by handle. This feeds
    `ComplianceFacts.acquisition_contributions` (metric `acquisition_opportunities_per_month`).
    """
    handle = {p.id: p.handle or str(p.id) for p in PartnerRepository(session).all()}
    offered = (
        TaskStatus.ACCEPTED.value,
        TaskStatus.ACQUIRED.value,
        TaskStatus.DELIVERED.value,
        TaskStatus.MISSED.value,
    )
    rows = session.execute(
        sa.select(CampaignTaskRow.owner_partner_id, CampaignTaskRow.acquisition_start)
        .where(
            CampaignTaskRow.status.in_(offered),
            CampaignTaskRow.acquisition_start >= start,
            CampaignTaskRow.acquisition_start < end,
        )
        .order_by(CampaignTaskRow.acquisition_start)
    )
    return [AcquisitionContribution(handle[pid], at) for pid, at in rows]
