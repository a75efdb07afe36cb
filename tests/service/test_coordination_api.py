"""Coordination over /api/v1: who sees cases, plans and disputes, who acts, and the 409s.

The coalition of tests/service/_api.py (esa and jaxa sign the ESA-JAXA agreement; nasa is
outside it) plus the encounter of tests/coordination_ops/_world.py moved to the wall clock:
the same two element sets with their epoch at `tca` = now + 20 h, screened from now, so the
case's deadlines are in the future and answers made now are in time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from accord.catalog import import_element_sets
from accord.coordination import DisputeGrounds
from accord.coordination_ops import open_cases_from_alerts, open_dispute_record, set_rule_set
from accord.screening import AlertRules, run_screening
from accord.store import CatalogRepository, SourceKind, transaction
from tests.coordination_ops._world import ESA_ELEMENTS, JAXA_ELEMENTS
from tests.service._api import bearer, issue_key, running_world

RULES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "rules"
AGREEMENT = "esa-jaxa-leo-exchange"


def _encounter(engine: Engine) -> str:
    """Screen the two satellites near now and open their case; returns its id."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    tca = now + timedelta(hours=20)
    sets = [replace(ESA_ELEMENTS, epoch=tca), replace(JAXA_ELEMENTS, epoch=tca)]
    import_element_sets(
        engine,
        sets,
        source_name="encounter.json",
        partner="ESA",
        source_kind=SourceKind.API,
        submitted_at=now - timedelta(hours=1),
    )
    run_screening(
        engine,
        start=now,
        duration=timedelta(hours=21),
        element_sets=sets,
        source_name="encounter.json",
        rules=AlertRules(pc_threshold=1e-6, miss_km=1.0),
    )
    with transaction(engine) as session:
        text = (RULES / f"{AGREEMENT}.yaml").read_text(encoding="utf-8")
        set_rule_set(session, AGREEMENT, text, at=now)
    opened = open_cases_from_alerts(engine, now=datetime.now(UTC))
    assert len(opened) == 1
    return opened[0]


def test_parties_see_and_answer_a_case_outsiders_get_404_and_readers_403(
    tmp_path: Path,
) -> None:
    with running_world(tmp_path, coordination_tick_s=0) as world:
        case_id = _encounter(world.engine)
        client = world.client
        base = f"/api/v1/coordination/cases/{case_id}"

        listed = client.get("/api/v1/coordination/cases", headers=world.as_partner("esa")).json()
        assert [c["id"] for c in listed["items"]] == [case_id] and listed["total"] == 1
        outsider = client.get("/api/v1/coordination/cases", headers=world.as_partner("nasa"))
        assert outsider.json()["total"] == 0
        assert client.get(base, headers=world.as_partner("nasa")).status_code == 404
        answer = client.post(f"{base}/accept", json={}, headers=world.as_partner("nasa"))
        assert answer.status_code == 404

        detail = client.get(base, headers=world.as_partner("jaxa")).json()
        assert detail["parties"] == ["esa", "jaxa"] and detail["state"] == "proposed"
        assert detail["proposal"]["rule_id"] == f"{AGREEMENT}/primary-acts-in-leo"
        assert detail["proposal"]["acting_operators"] == ["esa"]
        assert [s["kind"] for s in detail["steps"]][:1] == ["case.opened"]
        assert all(s["audit_seq"] >= 0 for s in detail["steps"])

        # A read-only key of a party sees the case but may not act for its partner.
        reader = bearer(issue_key(world.engine, "jaxa", ("read",)))
        assert client.get(base, headers=reader).status_code == 200
        assert client.post(f"{base}/accept", json={}, headers=reader).status_code == 403

        # ESA counters (JAXA should act), JAXA accepts: agreed, steps recorded.
        countered = client.post(
            f"{base}/counter",
            json={"manoeuvre": "secondary", "rationale": "our propellant is low"},
            headers=world.as_partner("esa"),
        )
        assert countered.status_code == 200, countered.text
        assert countered.json()["proposal"]["proposed_by"] == "esa"
        accepted = client.post(f"{base}/accept", json={}, headers=world.as_partner("jaxa"))
        assert accepted.status_code == 200, accepted.text
        body = accepted.json()
        assert body["state"] == "agreed"
        assert [s["kind"] for s in body["steps"]][-1] == "case.agreed"
        assert len({s["audit_seq"] for s in body["steps"]}) == len(body["steps"])

        # Refusing an agreed case is a refused transition: 409 with the reason.
        refused = client.post(
            f"{base}/refuse", json={"reason": "too late"}, headers=world.as_partner("jaxa")
        )
        assert refused.status_code == 409
        assert refused.headers["content-type"].startswith("application/problem+json")


def test_a_hypothetical_plan_is_its_owners_and_a_candidate_is_shared_with_the_other_party(
    tmp_path: Path,
) -> None:
    with running_world(tmp_path, coordination_tick_s=0) as world:
        case_id = _encounter(world.engine)
        client = world.client
        detail = client.get(
            f"/api/v1/coordination/cases/{case_id}", headers=world.as_partner("esa")
        ).json()
        burn_at = datetime.fromisoformat(detail["tca"]) - timedelta(minutes=93)
        plans = f"/api/v1/coordination/cases/{case_id}/plans"
        made = {}
        for kind in ("hypothetical", "candidate"):
            created = client.post(
                plans,
                json={
                    "kind": kind,
                    "burn_at": burn_at.isoformat(),
                    "delta_v_rtn_m_s": [0.0, 0.5, 0.0],
                },
                headers=world.as_partner("esa"),
            )
            assert created.status_code == 201, created.text
            made[kind] = created.json()
        # A 0.5 m/s prograde burn one orbit before TCA: acceptable (tests/coordination_ops).
        assert made["candidate"]["verdict"] == "acceptable"
        assert made["candidate"]["owner"] == "esa"

        def seen(handle: str) -> list[str]:
            answer = client.get(plans, headers=world.as_partner(handle))
            return [p["kind"] for p in answer.json()["items"]] if answer.status_code == 200 else []

        assert seen("esa") == ["hypothetical", "candidate"]
        assert seen("jaxa") == ["candidate"]
        assert seen("nasa") == []
        hidden = f"/api/v1/coordination/plans/{made['hypothetical']['id']}"
        assert client.get(hidden, headers=world.as_partner("jaxa")).status_code == 404
        assert client.get(hidden, headers=world.as_partner("esa")).status_code == 200
        missing = client.post(plans, json={"kind": "candidate"}, headers=world.as_partner("esa"))
        assert missing.status_code == 422

        # The state machine: hypothetical -> candidate (share) -> committed (commit), once.
        hypothetical = f"/api/v1/coordination/plans/{made['hypothetical']['id']}"
        early = client.post(f"{hypothetical}/commit", json={}, headers=world.as_partner("esa"))
        assert early.status_code == 409 and "share it" in early.json()["detail"]
        unseen = client.post(f"{hypothetical}/share", json={}, headers=world.as_partner("jaxa"))
        assert unseen.status_code == 404
        shared = client.post(f"{hypothetical}/share", json={}, headers=world.as_partner("esa"))
        assert shared.status_code == 200 and shared.json()["kind"] == "candidate"
        assert seen("jaxa") == ["candidate", "candidate"]

        # Only ESA's operators commit ESA's plan; it enters the catalog as ESA's data.
        candidate = f"/api/v1/coordination/plans/{made['candidate']['id']}/commit"
        reader = bearer(issue_key(world.engine, "esa", ("read",)))
        assert client.post(candidate, json={}, headers=reader).status_code == 403
        refused = client.post(candidate, json={}, headers=world.as_partner("jaxa"))
        assert refused.status_code == 403 and "only its owner" in refused.json()["detail"]
        assert client.post(candidate, json={}, headers=world.as_partner("nasa")).status_code == 404
        committed = client.post(candidate, json={}, headers=world.as_partner("esa"))
        assert committed.status_code == 200, committed.text
        plan = committed.json()
        assert plan["kind"] == "committed" and plan["verdict"] == "acceptable"
        entry = plan["catalog_entry"]
        assert entry is not None and entry["fit_rms_km"] < 0.1  # tests/coordination_ops
        twice = client.post(candidate, json={}, headers=world.as_partner("esa"))
        assert twice.status_code == 409 and "already committed" in twice.json()["detail"]
        with transaction(world.engine) as session:
            current = CatalogRepository(session).current(ESA_ELEMENTS.norad_id)
        assert current is not None and current.batch_id == entry["batch_id"]
        fitted_n = current.element_set.mean_motion_rev_per_day
        # JAXA is granted ESA's element sets (ESA-JAXA agreement), NASA nothing of ESA's.
        obj = f"/api/v1/catalog/{ESA_ELEMENTS.norad_id}"
        for handle in ("esa", "jaxa"):
            released = client.get(obj, headers=world.as_partner(handle))
            assert released.status_code == 200
            assert released.json()["mean_elements"]["mean_motion_rev_per_day"] == fitted_n
            submitted = datetime.fromisoformat(released.json()["submitted_at"])
            assert submitted == datetime.fromisoformat(plan["updated_at"])
        assert client.get(obj, headers=world.as_partner("nasa")).status_code == 404


def test_disputes_and_compliance_reports_are_for_the_parties_only(tmp_path: Path) -> None:
    with running_world(tmp_path, coordination_tick_s=0) as world:
        client = world.client
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
        url = f"/api/v1/disputes/{dispute.id}"
        assert client.get("/api/v1/disputes", headers=world.as_partner("jaxa")).json()["total"] == 1
        assert client.get("/api/v1/disputes", headers=world.as_partner("nasa")).json()["total"] == 0
        assert client.get(url, headers=world.as_partner("nasa")).status_code == 404
        written = client.post(
            f"{url}/messages", json={"text": "we propose a call"}, headers=world.as_partner("esa")
        )
        assert written.status_code == 201, written.text
        assert [m["author"] for m in written.json()["messages"]] == ["esa"]
        # In negotiation a party records a settlement only when both parties agreed.
        one_sided = client.post(
            f"{url}/decision",
            json={"outcome": "settled", "reasons": ["call held"], "agreed_by": ["esa"]},
            headers=world.as_partner("esa"),
        )
        assert one_sided.status_code == 409
        settled = client.post(
            f"{url}/decision",
            json={"outcome": "settled", "reasons": ["call held"], "agreed_by": ["esa", "jaxa"]},
            headers=world.as_partner("jaxa"),
        )
        assert settled.status_code == 200, settled.text
        assert settled.json()["decision"]["decided_by"] == "jaxa"
        reports = client.get("/api/v1/compliance/reports", headers=world.as_partner("nasa"))
        assert reports.status_code == 200 and reports.json()["total"] == 0
