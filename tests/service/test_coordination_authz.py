"""Coordination through the one authorisation point, over /api/v1: the unrelated partner and
the platform's admins.

The world of tests/service/test_coordination_api.py (esa and jaxa sign the ESA-JAXA
agreement, nasa is outside it, one ESA-JAXA case) with, on that case, a hypothetical and a
candidate plan of esa's, a dispute of esa against jaxa and one compliance evaluation. nasa,
a party of nothing and granted nothing, must find every one of them absent: 404 on each
id, nothing in any list or count. An admin of the deployment's `system` partner reads the
case, the shared plan, the dispute and every report, never a hypothetical plan, and acts
for no party (403); a read-only key of that partner sees nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from accord.coordination import DisputeGrounds
from accord.coordination_ops import open_dispute_record, run_compliance
from accord.store import PartnerKind, PartnerRepository, transaction
from tests.service._api import World, bearer, issue_key, running_world
from tests.service.test_coordination_api import AGREEMENT, _encounter

PLATFORM = "accord-ops"


def _seed(world: World) -> dict[str, object]:
    """The case, esa's two plans, the dispute and the reports; returns their ids."""
    case_id = _encounter(world.engine)
    client = world.client
    plans = f"/api/v1/coordination/cases/{case_id}/plans"
    detail = client.get(
        f"/api/v1/coordination/cases/{case_id}", headers=world.as_partner("esa")
    ).json()
    burn_at = datetime.fromisoformat(detail["tca"]) - timedelta(minutes=93)
    made = {}
    for kind in ("hypothetical", "candidate"):
        created = client.post(
            plans,
            json={"kind": kind, "burn_at": burn_at.isoformat(), "delta_v_rtn_m_s": [0, 0.5, 0]},
            headers=world.as_partner("esa"),
        )
        assert created.status_code == 201, created.text
        made[kind] = created.json()["id"]
    with transaction(world.engine, write_lock=True) as session:
        dispute = open_dispute_record(
            session,
            AGREEMENT,
            grounds=DisputeGrounds.COMPLAINT,
            claimant="esa",
            respondent="jaxa",
            subject="late ephemerides",
            at=datetime.now(UTC),
        )
        run_compliance(session, now=datetime.now(UTC))
        PartnerRepository(session).create(
            "Accord operations", kind=PartnerKind.SYSTEM, handle=PLATFORM
        )
    return {"case": case_id, "plans": made, "dispute": dispute.id}


def test_an_unrelated_partner_finds_cases_plans_disputes_and_reports_absent(
    tmp_path: Path,
) -> None:
    with running_world(tmp_path, coordination_tick_s=0) as world:
        ids = _seed(world)
        client = world.client
        nasa = world.as_partner("nasa")
        case = f"/api/v1/coordination/cases/{ids['case']}"
        plans = ids["plans"]
        assert isinstance(plans, dict)
        dispute = f"/api/v1/disputes/{ids['dispute']}"

        # Absent: the same 404 as for ids that do not exist.
        for url in (case, f"{case}/plans", dispute, "/api/v1/coordination/cases/case-999999"):
            assert client.get(url, headers=nasa).status_code == 404, url
        for plan_id in plans.values():
            assert (
                client.get(f"/api/v1/coordination/plans/{plan_id}", headers=nasa).status_code == 404
            )
            moved = client.post(
                f"/api/v1/coordination/plans/{plan_id}/share", json={}, headers=nasa
            )
            assert moved.status_code == 404
        for step, body in (("accept", {}), ("refuse", {"reason": "no"})):
            assert client.post(f"{case}/{step}", json=body, headers=nasa).status_code == 404
        written = client.post(f"{dispute}/messages", json={"text": "hello"}, headers=nasa)
        assert written.status_code == 404
        made = client.post(
            f"{case}/plans",
            json={"kind": "hypothetical", "oem": "CCSDS_OEM_VERS = 2.0"},
            headers=nasa,
        )
        assert made.status_code == 404

        # Absent from lists and counts, while the parties see them.
        for url in ("/api/v1/coordination/cases", "/api/v1/disputes", "/api/v1/compliance/reports"):
            assert client.get(url, headers=nasa).json()["total"] == 0, url
            assert client.get(url, headers=world.as_partner("jaxa")).json()["total"] >= 1, url
        # The plan list is a page: jaxa, a party, sees the candidate only.
        listed = client.get(f"{case}/plans", headers=world.as_partner("jaxa")).json()
        assert listed["total"] == 1 and [p["id"] for p in listed["items"]] == [plans["candidate"]]
        assert (listed["offset"], listed["limit"]) == (0, 100)
        second = client.get(f"{case}/plans?offset=1&limit=1", headers=world.as_partner("esa"))
        assert second.json()["total"] == 2
        assert [p["id"] for p in second.json()["items"]] == [plans["candidate"]]


def test_the_platforms_admins_read_coordination_and_act_for_no_party(tmp_path: Path) -> None:
    with running_world(tmp_path, coordination_tick_s=0) as world:
        ids = _seed(world)
        client = world.client
        admin = bearer(issue_key(world.engine, PLATFORM, ("read", "write", "admin")))
        reader = bearer(issue_key(world.engine, PLATFORM, ("read",)))
        case = f"/api/v1/coordination/cases/{ids['case']}"
        plans = ids["plans"]
        assert isinstance(plans, dict)

        assert client.get(case, headers=admin).status_code == 200
        assert client.get(f"/api/v1/disputes/{ids['dispute']}", headers=admin).status_code == 200
        listed = client.get(f"{case}/plans", headers=admin).json()
        assert [p["id"] for p in listed["items"]] == [plans["candidate"]]  # never hypothetical
        hidden = f"/api/v1/coordination/plans/{plans['hypothetical']}"
        assert client.get(hidden, headers=admin).status_code == 404
        reports = client.get("/api/v1/compliance/reports", headers=admin).json()
        parties = client.get("/api/v1/compliance/reports", headers=world.as_partner("esa")).json()
        assert reports["total"] == parties["total"] >= 2
        # Reading is not acting: a visible case or plan it is no party of is 403.
        assert client.post(f"{case}/accept", json={}, headers=admin).status_code == 403
        share = f"/api/v1/coordination/plans/{plans['candidate']}/commit"
        assert client.post(share, json={}, headers=admin).status_code == 403
        message = client.post(
            f"/api/v1/disputes/{ids['dispute']}/messages", json={"text": "hi"}, headers=admin
        )
        assert message.status_code == 403
        # Only its admins oversee: an analyst key of the same partner sees nothing.
        assert client.get(case, headers=reader).status_code == 404
        assert client.get("/api/v1/disputes", headers=reader).json()["total"] == 0
