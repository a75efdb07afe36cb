"""The coordination pages on the server side: who sees which thread, the 404 rule, the
CSRF token on every form, and steps taken through a page recorded as through the API.

The store is tests/service/web/_world.py with tests/service/web/_coordination_world.py:
an ESA-JAXA case (the ESA-JAXA rule asks esa to act), a NASA-JAXA case, plans of both
kinds on the first, and an ESA-JAXA dispute. Tests run in file order over one store.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from accord.audit import AuditLog
from accord.catalog import import_element_sets
from accord.formats import ElementSet, read_oem
from accord.orbits import Sgp4Propagator
from accord.service import create_app
from accord.service._auth import CSRF_COOKIE
from accord.store import (
    AuditEntryRow,
    ManoeuvrePlanRow,
    SourceKind,
    create_engine,
    transaction,
    upgrade,
)
from tests.service._api import settings_for
from tests.service.web._coordination_world import (
    DISPUTE_MESSAGE,
    ESA_JAXA_OBJECTS,
    NASA_JAXA_OBJECTS,
    case_ids,
)
from tests.service.web._world import build_console_world
from tests.service.web.test_pages import _sign_in

_CASE_LINK = re.compile(r'data-testid="case-link">([^<]+)<')
_DISPUTE_LINK = re.compile(r'data-testid="dispute-link">([^<]+)<')
#: The object catalogued on a plan's trajectory to make its commit worse (a free NORAD id).
CROSSING_OBJECT = 99871


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = settings_for(tmp_path_factory.mktemp("coordination-pages"))
    engine = create_engine(settings.resolved_database_url)
    upgrade(engine)
    build_console_world(engine)
    ids = case_ids(engine)
    engine.dispose()
    with TestClient(create_app(settings)) as test_client:
        yield (
            test_client,
            {
                "esa-jaxa": ids[ESA_JAXA_OBJECTS],
                "nasa-jaxa": ids[NASA_JAXA_OBJECTS],
            },
        )


def _as(client: TestClient, username: str) -> TestClient:
    assert _sign_in(client, username).status_code == 303
    return client


def _api_steps(client: TestClient, case_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/coordination/cases/{case_id}")
    assert response.status_code == 200
    steps: list[dict[str, Any]] = response.json()["steps"]
    return steps


def test_each_partner_sees_the_threads_the_api_gives_it(world: Any) -> None:
    client, cases = world
    seen = {}
    for username in ("esa-analyst", "jaxa-analyst", "nasa-analyst"):
        _as(client, username)
        page = client.get("/console/coordination")
        assert page.status_code == 200
        listed = set(_CASE_LINK.findall(page.text))
        api = client.get("/api/v1/coordination/cases?limit=500").json()
        assert listed == {c["id"] for c in api["items"]}, username
        disputes = client.get("/api/v1/disputes").json()["items"]
        assert set(_DISPUTE_LINK.findall(page.text)) == {d["id"] for d in disputes}
        seen[username] = (listed, len(disputes))
    # jaxa is a party of both; esa of one, and sees the other under jaxa's clause sharing
    # its conjunction data; nasa only its own, and no dispute (with the empty state said).
    assert seen["jaxa-analyst"] == ({cases["esa-jaxa"], cases["nasa-jaxa"]}, 1)
    assert seen["esa-analyst"][0] == {cases["esa-jaxa"], cases["nasa-jaxa"]}
    assert seen["nasa-analyst"] == ({cases["nasa-jaxa"]}, 0)
    assert "No dispute you can see" in client.get("/console/coordination").text


def test_a_case_or_dispute_not_visible_reads_exactly_like_an_absent_one(world: Any) -> None:
    client, cases = world
    _as(client, "nasa-analyst")
    hidden = client.get(f"/console/coordination/cases/{cases['esa-jaxa']}")
    absent = client.get("/console/coordination/cases/case-999999")
    assert hidden.status_code == absent.status_code == 404
    assert hidden.text.replace(cases["esa-jaxa"], "X") == absent.text.replace("case-999999", "X")
    hidden = client.get("/console/coordination/disputes/dispute-1")
    absent = client.get("/console/coordination/disputes/dispute-999")
    assert hidden.status_code == absent.status_code == 404
    assert hidden.text.replace("dispute-1", "X") == absent.text.replace("dispute-999", "X")
    assert client.get("/api/v1/disputes/dispute-1").status_code == 404


def test_an_unrelated_operator_posting_to_a_plan_case_or_dispute_gets_the_absent_page(
    world: Any,
) -> None:
    client, cases = world
    with transaction(client.app.state.engine) as session:
        plan_ids = list(session.scalars(sa.select(ManoeuvrePlanRow.id)))
    assert len(plan_ids) == 2  # the seeded ESA-JAXA plans
    _as(client, "nasa-operator")  # may act, but on nothing of esa's and jaxa's
    token = client.cookies.get(CSRF_COOKIE)
    for plan_id in plan_ids:
        for step in ("share", "commit"):
            hidden = client.post(
                f"/console/coordination/plans/{plan_id}/{step}", data={"csrf_token": token}
            )
            absent = client.post(
                f"/console/coordination/plans/999999/{step}", data={"csrf_token": token}
            )
            assert hidden.status_code == absent.status_code == 404
            said = (f"plan {plan_id}", "plan 999999")
            assert hidden.text.replace(said[0], "X") == absent.text.replace(said[1], "X")
        assert client.get(f"/api/v1/coordination/plans/{plan_id}").status_code == 404
    case_id = cases["esa-jaxa"]
    accepted = client.post(
        f"/console/coordination/cases/{case_id}/accept", data={"csrf_token": token}
    )
    assert accepted.status_code == 404
    sent = client.post(
        "/console/coordination/disputes/dispute-1/message",
        data={"csrf_token": token, "text": "let us talk"},
    )
    assert sent.status_code == 404
    assert client.get(f"/api/v1/coordination/cases/{case_id}/plans").status_code == 404
    assert client.get("/api/v1/compliance/reports").json()["total"] == 0
    _as(client, "esa-operator")
    assert client.get("/api/v1/disputes/dispute-1").json()["messages"][-1]["author"] == "esa"


def test_the_thread_shows_the_rule_the_deadlines_and_plans_by_their_kind(world: Any) -> None:
    client, cases = world
    _as(client, "jaxa-analyst")
    page = client.get(f"/console/coordination/cases/{cases['esa-jaxa']}").text
    assert "esa-jaxa-leo-exchange/primary-acts-in-leo" in page
    assert re.search(r'data-testid="acting">esa<', page)
    for party in ("esa", "jaxa"):
        row = re.search(rf'data-party="{party}">(.*?)</tr>', page, re.S)
        assert row is not None and re.search(r"\d+ h \d+ min left", row.group(1)), party
    kinds = re.findall(r'data-testid="plan-row" data-owner="(\w+)" data-kind="(\w+)"', page)
    assert kinds == [("jaxa", "hypothetical"), ("esa", "candidate")]
    assert [s["kind"] for s in _api_steps(client, cases["esa-jaxa"])] == re.findall(
        r'data-testid="step" data-kind="([\w.]+)"', page
    )
    # An analyst reads: no form, and the page says who answers.
    assert '<form method="post" action="/console/coordination' not in page
    assert "Your role reads this case only" in page
    _as(client, "esa-analyst")
    page = client.get(f"/console/coordination/cases/{cases['esa-jaxa']}").text
    kinds = re.findall(r'data-testid="plan-row" data-owner="(\w+)" data-kind="(\w+)"', page)
    assert kinds == [("esa", "candidate")]  # jaxa's hypothetical plan is jaxa's alone


def test_a_form_post_without_the_csrf_token_is_refused(world: Any) -> None:
    client, cases = world
    _as(client, "jaxa-operator")
    before = _api_steps(client, cases["esa-jaxa"])
    refused = client.post(
        f"/console/coordination/cases/{cases['esa-jaxa']}/accept",
        data={"csrf_token": "forged"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert "security token" in refused.text
    missing = client.post(
        f"/console/coordination/cases/{cases['esa-jaxa']}/accept", data={}, follow_redirects=False
    )
    assert missing.status_code == 403
    assert _api_steps(client, cases["esa-jaxa"]) == before


def test_accepting_through_the_page_records_the_step_and_its_audit_entry(world: Any) -> None:
    client, cases = world
    _as(client, "jaxa-operator")
    case_id = cases["esa-jaxa"]
    before = _api_steps(client, case_id)
    done = client.post(
        f"/console/coordination/cases/{case_id}/accept",
        data={"csrf_token": client.cookies.get(CSRF_COOKIE)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/console/coordination/cases/{case_id}?done=accepted"
    steps = _api_steps(client, case_id)
    assert len(steps) == len(before) + 1
    assert (steps[-1]["kind"], steps[-1]["actor"]) == ("case.accepted", "jaxa")
    with transaction(client.app.state.engine) as session:
        entry = AuditLog(session).entry(steps[-1]["audit_seq"])
    assert entry is not None
    recorded = json.loads(entry)
    assert recorded["action"] == "coordination.step.recorded"
    assert recorded["details"]["step"] == "case.accepted"
    page = client.get(done.headers["location"]).text
    assert 'data-testid="done"' in page and "accepted" in page
    # Accepting twice is refused by the pure core: the page shows why, nothing is recorded.
    again = client.post(
        f"/console/coordination/cases/{case_id}/accept",
        data={"csrf_token": client.cookies.get(CSRF_COOKIE)},
        follow_redirects=False,
    )
    assert again.status_code == 409
    assert 'data-testid="error"' in again.text
    assert len(_api_steps(client, case_id)) == len(steps)


def test_a_non_party_operator_cannot_act_and_an_empty_reason_is_asked_for(world: Any) -> None:
    client, cases = world
    _as(client, "esa-operator")
    token = client.cookies.get(CSRF_COOKIE)
    # esa sees the NASA-JAXA case (shared) but is not a party: the API's 403, said on the page.
    shared = client.post(
        f"/console/coordination/cases/{cases['nasa-jaxa']}/accept",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert shared.status_code == 403
    assert "is not a party" in shared.text
    empty = client.post(
        f"/console/coordination/cases/{cases['esa-jaxa']}/counter",
        data={"csrf_token": token, "manoeuvre": "secondary", "rationale": "  "},
        follow_redirects=False,
    )
    assert empty.status_code == 422
    assert "Fill in rationale" in empty.text


def test_a_dispute_message_through_the_page_joins_the_thread(world: Any) -> None:
    client, _ = world
    _as(client, "esa-operator")
    page = client.get("/console/coordination/disputes/dispute-1").text
    assert DISPUTE_MESSAGE in page
    assert 'aria-current="step"' in page and "negotiation (current)" in page
    assert re.search(r"\d+ d \d+ h left", page)
    sent = client.post(
        "/console/coordination/disputes/dispute-1/message",
        data={"csrf_token": client.cookies.get(CSRF_COOKIE), "text": "Proposal: share it weekly."},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    messages = client.get("/api/v1/disputes/dispute-1").json()["messages"]
    assert [(m["author"], m["text"]) for m in messages][-1] == ("esa", "Proposal: share it weekly.")
    assert "Proposal: share it weekly." in client.get(sent.headers["location"]).text


def test_the_dashboard_lists_my_open_cases_and_the_compliance_verdicts(world: Any) -> None:
    client, cases = world
    _as(client, "nasa-analyst")
    page = client.get("/console/").text
    assert re.findall(r'data-testid="dashboard-case" data-case-id="([^"]+)"', page) == [
        cases["nasa-jaxa"]
    ]
    assert "No compliance evaluation yet" in page  # nasa signs no agreement
    _as(client, "esa-analyst")
    page = client.get("/console/").text
    assert re.findall(r'data-testid="dashboard-case" data-case-id="([^"]+)"', page) == [
        cases["esa-jaxa"]
    ]
    row = re.search(r'data-clause-id="esa-ephemeris-cadence">(.*?)</tr>', page, re.S)
    assert row is not None
    assert "breached" in row.group(1)
    assert re.search(r"\d+(\.\d+)? \(at most 24\) ephemeris_update_interval_h", row.group(1))
    assert 'data-clause-id="jaxa-coordination-answers"' in page


# --- plans: share and commit from the case page ------------------------------------------------


def _plan_rows(page: str) -> dict[int, tuple[str, str]]:
    """Plan id -> (owner, kind) as the case page lists them."""
    rows = re.findall(
        r'data-testid="plan-row" data-owner="(\w+)" data-kind="(\w+)" data-plan="(\d+)"', page
    )
    return {int(plan_id): (owner, kind) for owner, kind, plan_id in rows}


def _plan_forms(page: str) -> dict[int, str]:
    """Plan id -> the step its form on the page posts (share or commit)."""
    found = re.findall(r'action="/console/coordination/plans/(\d+)/(share|commit)"', page)
    return {int(plan_id): step for plan_id, step in found}


def _crossing_object(norad_id: int, target_km: np.ndarray, at: datetime) -> ElementSet:
    """A near-circular element set (97 degrees inclined) whose SGP4 position at `at` is
    `target_km` (TEME) to within metres: aimed, propagated, re-aimed by the offset (the map
    from aim to SGP4 position is close to the identity: a few km of short-period terms)."""
    inclination = np.radians(97.0)
    aim = np.array(target_km, dtype=float)
    for _ in range(6):
        radius = float(np.linalg.norm(aim))
        unit = aim / radius
        latitude_arg = np.arcsin(unit[2] / np.sin(inclination))
        raan = np.arctan2(unit[1], unit[0]) - np.arctan2(
            np.cos(inclination) * np.sin(latitude_arg), np.cos(latitude_arg)
        )
        mean_motion_rad_s = np.sqrt(398600.4418 / radius**3)
        crossing = ElementSet(
            norad_id=norad_id,
            epoch=at,
            mean_motion_rev_per_day=float(mean_motion_rad_s * 86400.0 / (2 * np.pi)),
            eccentricity=0.0001,
            inclination_deg=97.0,
            raan_deg=float(np.degrees(raan) % 360.0),
            arg_of_pericenter_deg=0.0,
            mean_anomaly_deg=float(np.degrees(latitude_arg) % 360.0),
            bstar_per_earth_radius=0.0,
            object_name=f"OBJECT {norad_id}",
        )
        moment = np.array([np.datetime64(at.replace(tzinfo=None), "ns")])
        reached = Sgp4Propagator([crossing]).propagate(moment).position_km[0, 0]
        aim = aim + (target_km - reached)
    assert float(np.linalg.norm(reached - target_km)) < 0.05
    return crossing


def test_an_owner_shares_then_commits_its_plan_and_the_other_party_sees_it_committed(
    world: Any,
) -> None:
    client, cases = world
    case_id = cases["esa-jaxa"]
    page_path = f"/console/coordination/cases/{case_id}"
    for analyst in ("jaxa-analyst", "esa-analyst"):  # analysts read: no plan form
        _as(client, analyst)
        assert _plan_forms(client.get(page_path).text) == {}
    _as(client, "jaxa-operator")
    page = client.get(page_path).text
    plans = _plan_rows(page)
    (jaxa_plan,) = [i for i, (owner, _) in plans.items() if owner == "jaxa"]
    (esa_plan,) = [i for i, (owner, _) in plans.items() if owner == "esa"]
    # Its own hypothetical plan offers "Share"; esa's candidate offers jaxa nothing.
    assert _plan_forms(page) == {jaxa_plan: "share"}
    assert "Share with the other party" in page

    forged = client.post(
        f"/console/coordination/plans/{jaxa_plan}/share",
        data={"csrf_token": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403 and "security token" in forged.text
    assert client.get(f"/api/v1/coordination/plans/{jaxa_plan}").json()["kind"] == "hypothetical"
    # Another partner's plan: the API's 403, said on the case page; nothing moves.
    token = client.cookies.get(CSRF_COOKIE)
    others = client.post(
        f"/console/coordination/plans/{esa_plan}/commit",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert others.status_code == 403 and "only its owner moves it" in others.text
    assert client.get(f"/api/v1/coordination/plans/{esa_plan}").json()["kind"] == "candidate"

    shared = client.post(
        f"/console/coordination/plans/{jaxa_plan}/share",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert shared.status_code == 303
    assert shared.headers["location"] == f"{page_path}?done=plan-shared#plan-{jaxa_plan}"
    page = client.get(shared.headers["location"]).text
    assert _plan_rows(page)[jaxa_plan] == ("jaxa", "candidate")
    assert _plan_forms(page) == {jaxa_plan: "commit"}
    committed = client.post(
        f"/console/coordination/plans/{jaxa_plan}/commit",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert committed.status_code == 303, committed.text
    assert "done=plan-committed" in committed.headers["location"]
    # Each move is in the audit log as through the API, about the plan.
    with transaction(client.app.state.engine) as session:
        moves = [
            entry["details"]["step"]
            for entry in (
                json.loads(row.entry)
                for row in session.query(AuditEntryRow).order_by(AuditEntryRow.seq)
            )
            if {"kind": "manoeuvre_plan", "id": str(jaxa_plan)} in entry.get("subjects", [])
        ]
    assert moves == ["plan.screened", "plan.shared", "plan.committed"]
    entry = client.get(f"/api/v1/coordination/plans/{jaxa_plan}").json()["catalog_entry"]

    _as(client, "esa-operator")
    page = client.get(page_path).text
    assert _plan_rows(page)[jaxa_plan] == ("jaxa", "committed")
    assert f"in the catalog (batch {entry['batch_id']}" in page
    assert _plan_forms(page) == {esa_plan: "commit"}  # esa's own candidate; none for jaxa's
    again = client.post(
        f"/console/coordination/plans/{jaxa_plan}/commit",
        data={"csrf_token": client.cookies.get(CSRF_COOKIE)},
        follow_redirects=False,
    )
    assert again.status_code == 403  # esa sees jaxa's committed plan but does not own it


def test_a_commit_that_would_create_a_worse_conjunction_shows_the_apis_reason(
    world: Any,
) -> None:
    client, cases = world
    case_id = cases["esa-jaxa"]
    _as(client, "esa-operator")
    page = client.get(f"/console/coordination/cases/{case_id}").text
    (esa_plan,) = [i for i, (owner, _) in _plan_rows(page).items() if owner == "esa"]
    engine = client.app.state.engine
    with transaction(engine) as session:
        row = session.get(ManoeuvrePlanRow, esa_plan)
        assert row is not None
        segment = read_oem(row.oem_text.encode(), source="plan.oem").segments[0]
    # A new object that crosses the plan's trajectory at its middle sample, catalogued
    # after the plan was made: the commit screens again and finds it.
    middle = len(segment.epochs) // 2
    at = segment.epochs[middle].astype("datetime64[us]").item().replace(tzinfo=UTC)
    crossing = _crossing_object(CROSSING_OBJECT, segment.position_km[middle], at)
    import_element_sets(
        engine,
        [crossing],
        source_name="crossing.json",
        partner="CelesTrak",
        source_kind=SourceKind.API,
        submitted_at=datetime.now(UTC),
    )
    refused = client.post(
        f"/console/coordination/plans/{esa_plan}/commit",
        data={"csrf_token": client.cookies.get(CSRF_COOKIE)},
        follow_redirects=False,
    )
    assert refused.status_code == 409
    error = re.search(r'data-testid="error">(.*?)</div>', refused.text, re.S)
    assert error is not None
    assert f"creates a worse conjunction than the one it avoids: with object {CROSSING_OBJECT}" in (
        html.unescape(error.group(1))
    )
    assert client.get(f"/api/v1/coordination/plans/{esa_plan}").json()["kind"] == "candidate"
