"""A worked campaign end to end over the store (docs/campaigns.md, "Running a campaign").

Rome (priority 3), Lisbon (2) and Athens (1), 40 km circles, 2026-05-30 for 2 days with
delivery 12 h after; the Sentinels of resource.tle pooled by ESA (Sentinel-1 SAR 40 deg,
others optical 30 deg) and the Landsats by USGS, shares 60/40 from an agreement in force;
downlinks over Svalbard. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.agreements import PrincipalRole
from accord.campaign_ops import (
    CSV_COLUMNS,
    CampaignAccessDenied,
    InvalidCampaignTransition,
    acquisition_contributions,
    close_request,
    plan_campaign,
    plan_csv,
    plan_document,
    satellite_timeline,
    submit_request,
    update_task,
    validate_request,
)
from accord.store import (
    AuditEntryRow,
    CampaignRequestRow,
    CampaignTaskRow,
    PartnerRepository,
    transaction,
)
from tests.campaign_ops._campaign import (
    AT,
    CITIES,
    DEADLINE,
    END,
    START,
    principal,
    setup_campaign,
)


def _submit(engine: Engine, handle: str, role: PrincipalRole = PrincipalRole.OPERATOR) -> int:
    ids = []
    with transaction(engine, write_lock=True) as session:
        for name, (lon, lat, priority) in CITIES.items():
            area = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"radius_km": 40.0, "name": name},
            }
            row = submit_request(
                session, principal(session, handle, role), area,
                window_start=START, window_end=END, delivery_deadline=DEADLINE,
                priority=priority, at=AT,
            )  # fmt: skip
            ids.append(row.id)
    return ids[0]


def test_worked_campaign_end_to_end(engine: Engine, shared: Callable[[str], Path]) -> None:
    owners = setup_campaign(engine, shared)

    # Deny by default: a partner outside the pool, and an analyst of a member, are refused.
    with pytest.raises(CampaignAccessDenied, match="not a member of pool 'eo_imaging'"):
        _submit(engine, "outsider")
    with pytest.raises(CampaignAccessDenied, match="operator"):
        _submit(engine, "cp", PrincipalRole.ANALYST)
    first = _submit(engine, "cp")
    request_ids = [first, first + 1, first + 2]

    with transaction(engine, write_lock=True) as session:
        for request_id in request_ids:
            validate_request(session, principal(session, "esa"), request_id, at=AT)
    with transaction(engine, write_lock=True) as session, pytest.raises(InvalidCampaignTransition):
        validate_request(session, principal(session, "esa"), first, at=AT)

    with transaction(engine, write_lock=True) as session:
        plan_id = plan_campaign(session, principal(session, "esa"), at=AT).id
        document = plan_document(session, plan_id)
    assert document["solver_status"] == "Optimal"
    assert document["mip_gap"] is not None and document["mip_gap"] <= 1e-4
    assert [r["coverage_fraction"] for r in document["requests"]] == [1.0, 1.0, 1.0]
    tasks = document["tasks"]
    assert len(tasks) == 3 and {t["status"] for t in tasks} == {"proposed"}
    assert all(t["owner"] == owners[t["norad_id"]] for t in tasks)
    assert all(t["delivery"] <= DEADLINE.isoformat() for t in tasks)
    assert all(t["downlink_station"] == "esa:svalbard" for t in tasks)
    assert {r["status"] for r in document["requests"]} == {"planned"}
    # The worked example of docs/campaigns.md: Rome by Sentinel-1A, ESA 2 and USGS 1.
    rome = next(t for t in tasks if t["request_id"] == first)
    assert rome["norad_id"] == 39634
    assert document["contributions"]["esa"]["acquisitions"] == 2
    assert document["contributions"]["usgs"]["acquisitions"] == 1

    # ESA declines Rome: the plan re-forms around the other two, Rome moves elsewhere.
    with transaction(engine, write_lock=True) as session:
        with pytest.raises(CampaignAccessDenied, match="only its owner"):
            update_task(session, principal(session, "usgs"), rome["task_id"], "declined", at=AT)
        _, replanned = update_task(
            session, principal(session, "esa"), rome["task_id"], "declined", at=AT
        )
        assert replanned is not None
        second = plan_document(session, replanned.id)
    assert second["replaces_plan_id"] == plan_id
    active = [t for t in second["tasks"] if t["status"] != "declined"]
    moved = next(t for t in active if t["request_id"] == first)
    assert (moved["norad_id"], moved["acquisition_start"]) != (
        rome["norad_id"],
        rome["acquisition_start"],
    )
    kept = {t["task_id"] for t in tasks} - {rome["task_id"]}
    assert kept <= {t["task_id"] for t in active}
    assert second["requests"][0]["coverage_fraction"] > 0.0

    # Owners accept, acquire and deliver; impossible steps are refused with the reason.
    with transaction(engine, write_lock=True) as session:
        with pytest.raises(InvalidCampaignTransition, match="declined: cannot become accepted"):
            update_task(session, principal(session, "esa"), rome["task_id"], "accepted", at=AT)
        for task in active:
            owner = principal(session, task["owner"])
            update_task(session, owner, task["task_id"], "accepted", at=AT)
        with pytest.raises(InvalidCampaignTransition, match="allowed: acquired, missed"):
            update_task(session, owner, active[-1]["task_id"], "delivered", at=AT)
        statuses = {r.status for r in session.scalars(sa.select(CampaignRequestRow))}
        assert statuses == {"tasked"}
        with pytest.raises(InvalidCampaignTransition, match="tasked: cannot close"):
            close_request(session, principal(session, "cp"), first, at=AT)
        for task in active:
            owner = principal(session, task["owner"])
            update_task(session, owner, task["task_id"], "acquired", at=END)
            update_task(session, owner, task["task_id"], "delivered", at=DEADLINE)
        for request_id in request_ids:
            close_request(session, principal(session, "cp"), request_id, at=DEADLINE)
        with pytest.raises(InvalidCampaignTransition, match="closed: cannot close"):
            close_request(session, principal(session, "cp"), first, at=DEADLINE)
        final = plan_document(session, replanned.id)
        offered = acquisition_contributions(session, START, END)
        actions = [a for a in session.scalars(sa.select(AuditEntryRow.action))]
    assert {r["status"] for r in final["requests"]} == {"closed"}
    timeline = satellite_timeline(final)
    assert sum(e.kind == "acquisition" for entries in timeline.values() for e in entries) == 3
    for entries in timeline.values():
        assert [e.start for e in entries] == sorted(e.start for e in entries)
    csv_lines = plan_csv(final).splitlines()
    assert csv_lines[0] == ",".join(CSV_COLUMNS) and len(csv_lines) == 1 + 4
    per_partner = {p: sum(c.partner == p for c in offered) for p in ("esa", "usgs")}
    assert sum(per_partner.values()) == 3
    assert per_partner == {p: sum(t["owner"] == p for t in active) for p in ("esa", "usgs")}
    assert actions.count("campaign.request.submitted") == 3
    assert actions.count("campaign.plan.recorded") == 2
    assert actions.count("campaign.task.updated") == 1 + 3 * 3
    assert actions.count("campaign.request.closed") == 3


def test_missed_acquisition_replans_and_request_goes_back(
    engine: Engine, shared: Callable[[str], Path]
) -> None:
    setup_campaign(engine, shared)
    first = _submit(engine, "cp")
    with transaction(engine, write_lock=True) as session:
        validate_request(session, principal(session, "esa"), first, at=AT)
        plan_id = plan_campaign(session, principal(session, "esa"), method="greedy", at=AT).id
        task = session.scalars(
            sa.select(CampaignTaskRow).where(CampaignTaskRow.plan_id == plan_id)
        ).one()
        owner = principal(
            session, PartnerRepository(session).get(task.owner_partner_id).handle or ""
        )
        update_task(session, owner, task.id, "accepted", at=AT)
        _, replanned = update_task(session, owner, task.id, "missed", at=END)
        assert replanned is not None and replanned.method == "greedy"
        document = plan_document(session, replanned.id)
    # Only Rome was validated; the others stay submitted and out of the plan.
    assert [r["request_id"] for r in document["requests"]] == [first]
    statuses = [t["status"] for t in document["tasks"]]
    assert statuses.count("missed") == 1
    assert document["requests"][0]["status"] in ("planned", "validated")
