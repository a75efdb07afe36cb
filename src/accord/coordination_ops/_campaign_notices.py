"""Campaign task notices: the `campaign_task` topic, queued in the campaign step's transaction.

`accord.campaign_ops` calls these from its workflow, in the same session as the step, so a
plan, a task decision and their notices commit or roll back together:

- `notify_plan_recorded`: each owner of a satellite that a new plan (or re-plan) tasks hears
  its new tasks (one message per owner and plan, `campaign-plan:<plan>:<owner>`); on a
  re-plan, each requester of the plan's requests hears why and what its request now has
  (`campaign-replan:<plan>:<requester>:<request>`).
- `notify_request_delivered`: the requester hears that every active task of its request is
  delivered (`campaign-delivered:<request>`).

Only subscriptions hear this topic (`route`): a partner without a `campaign_task`
subscription is not e-mailed at its contacts, because campaign tasks were never e-mailed
before subscriptions existed and a duty desk follows them in the console.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.coordination_ops._subscriptions import Topic, route
from accord.store import (
    CampaignPlanRow,
    CampaignRequestRow,
    CampaignTaskRow,
    PartnerRepository,
    TaskStatus,
)

__all__ = ["notify_plan_recorded", "notify_request_delivered"]


def _handle(session: Session, partner_id: int) -> str:
    return PartnerRepository(session).get(partner_id).handle or str(partner_id)


def _task_json(task: CampaignTaskRow) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "request_id": task.request_id,
        "norad_id": task.norad_id,
        "status": task.status,
        "acquisition_start": task.acquisition_start.isoformat(),
        "acquisition_end": task.acquisition_end.isoformat(),
        "roll_deg": task.roll_deg,
        "downlink_station": task.downlink_station,
        "delivery": task.delivery.isoformat(),
    }


def notify_plan_recorded(
    session: Session,
    plan: CampaignPlanRow,
    requests: Sequence[CampaignRequestRow],
    *,
    at: datetime,
    reason: str | None = None,
) -> int:
    """Queue the notices of a stored plan (module notes); returns the messages queued.

    `reason` is set for a re-plan (`task 12 declined`): the requesters are told too.
    """
    tasks = list(
        session.scalars(
            sa.select(CampaignTaskRow)
            .where(CampaignTaskRow.plan_id == plan.id)
            .order_by(CampaignTaskRow.acquisition_start, CampaignTaskRow.id)
        )
    )
    by_owner: dict[int, list[CampaignTaskRow]] = {}
    for task in tasks:
        by_owner.setdefault(task.owner_partner_id, []).append(task)
    queued = 0
    for owner_id, owned in sorted(by_owner.items()):
        owner = _handle(session, owner_id)
        lines = [
            f"task {t.id}: NORAD {t.norad_id} {t.acquisition_start:%Y-%m-%d %H:%M:%S}Z to "
            f"{t.acquisition_end:%H:%M:%S}Z, roll {t.roll_deg:+.1f} deg, request {t.request_id}"
            for t in owned
        ]
        queued += (
            route(
                session,
                partner=owner,
                topic=Topic.CAMPAIGN_TASK,
                subject=f"Campaign plan {plan.id}: {len(owned)} task(s) for your satellites",
                body="Accept or decline each task (`accord campaign task`):\n" + "\n".join(lines),
                payload={
                    "event": "campaign.tasks_assigned",
                    "plan_id": plan.id,
                    "pool": plan.pool,
                    "replaces_plan_id": plan.replaces_plan_id,
                    "reason": reason,
                    "tasks": [_task_json(t) for t in owned],
                },
                at=at,
                dedup_key=f"campaign-plan:{plan.id}:{owner}",
            )
            or 0
        )
    if reason is None:
        return queued
    for request in requests:
        requester = _handle(session, request.partner_id)
        active = list(
            session.scalars(
                sa.select(CampaignTaskRow)
                .where(
                    CampaignTaskRow.request_id == request.id,
                    CampaignTaskRow.status.not_in(
                        (TaskStatus.DECLINED.value, TaskStatus.MISSED.value)
                    ),
                )
                .order_by(CampaignTaskRow.acquisition_start, CampaignTaskRow.id)
            )
        )
        queued += (
            route(
                session,
                partner=requester,
                topic=Topic.CAMPAIGN_TASK,
                subject=(
                    f"Campaign request {request.id} re-planned ({reason}): "
                    f"{len(active)} active task(s)"
                ),
                body=(
                    f"Plan {plan.id} replaces plan {plan.replaces_plan_id} after {reason}; "
                    f"request {request.id} ({request.area_name}) is now {request.status}."
                ),
                payload={
                    "event": "campaign.request_replanned",
                    "plan_id": plan.id,
                    "replaces_plan_id": plan.replaces_plan_id,
                    "reason": reason,
                    "request_id": request.id,
                    "request_status": request.status,
                    "tasks": [_task_json(t) for t in active],
                },
                at=at,
                dedup_key=f"campaign-replan:{plan.id}:{requester}:{request.id}",
            )
            or 0
        )
    return queued


def notify_request_delivered(session: Session, request: CampaignRequestRow, *, at: datetime) -> int:
    """Queue the requester's notice that request `request` is delivered; messages queued."""
    requester = _handle(session, request.partner_id)
    tasks = list(
        session.scalars(
            sa.select(CampaignTaskRow)
            .where(
                CampaignTaskRow.request_id == request.id,
                CampaignTaskRow.status == TaskStatus.DELIVERED.value,
            )
            .order_by(CampaignTaskRow.acquisition_start, CampaignTaskRow.id)
        )
    )
    return (
        route(
            session,
            partner=requester,
            topic=Topic.CAMPAIGN_TASK,
            subject=f"Campaign request {request.id} delivered ({request.area_name})",
            body=f"Every task of request {request.id} is delivered: {len(tasks)} acquisition(s).",
            payload={
                "event": "campaign.request_delivered",
                "request_id": request.id,
                "tasks": [_task_json(t) for t in tasks],
            },
            at=at,
            dedup_key=f"campaign-delivered:{request.id}",
        )
        or 0
    )
