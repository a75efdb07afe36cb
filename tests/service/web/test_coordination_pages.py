"""The coordination pages on the server side: who sees which thread, the 404 rule, the
CSRF token on every form, and steps taken through a page recorded as through the API.

The store is tests/service/web/_world.py with tests/service/web/_coordination_world.py:
an ESA-JAXA case (the ESA-JAXA rule asks esa to act), a NASA-JAXA case, plans of both
kinds on the first, and an ESA-JAXA dispute. Tests run in file order over one store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accord.audit import AuditLog
from accord.service import create_app
from accord.service._auth import CSRF_COOKIE
from accord.store import create_engine, transaction, upgrade
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
