"""The public log keeps cases, disputes, plans and compliance reports to their readers.

One world over HTTP (tests/service/_api.py: esa and jaxa sign the ESA-JAXA agreement, whose
dispute clause names the mediator `unoosa`; nasa is outside it), plus unoosa admitted as a
partner and a platform admin. It holds: a complaint of esa against jaxa opened 29 days ago,
a message esa signs in negotiation, then the escalation to mediation; the ESA-JAXA
encounter's case (tests/service/test_coordination_api.py) with a counter-proposal esa signs
and jaxa's acceptance; a hypothetical and a candidate plan of esa with distinctive delta-vs;
and a compliance run. What an outsider reads of each entry is the action, actor, subjects,
step and signed hash; each reader the access rules name opens the rest and checks it
(docs/audit.md, "Confidential details"); anyone else gets 404.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import rfc8785

from accord.audit import (
    AuditAction,
    AuditEntry,
    AuditLog,
    LogRecord,
    SealedOpening,
    parse_entry,
    verify_log,
    verify_opening,
)
from accord.coordination import DisputeGrounds
from accord.coordination_ops import advance_all, open_dispute_record, run_compliance
from accord.store import PartnerKind, PartnerRepository, transaction
from tests.service._api import World, issue_key, running_world
from tests.service.api.test_signed_decisions_api import _headers, _keys
from tests.service.test_coordination_api import AGREEMENT, _encounter

SUBJECT = "jaxa ephemerides late since the pale-heron outage"
MESSAGE = "we offer the quartz-lantern call on Tuesday"
RATIONALE = "our propellant is low after the amber-falcon campaign"
#: In-track delta-vs (m/s) of the hypothetical and the candidate plan: exact in binary, so
#: their decimal strings are what a leak would show.
HYPOTHETICAL_DV, CANDIDATE_DV = 0.4375, 0.5625
MEMBERS = ("esa", "jaxa", "nasa", "unoosa", "platform")


@dataclass
class Sealed:
    """The built world and what its entries must not show in clear."""

    world: World
    case_id: str
    dispute_id: str
    plan_ids: dict[str, int]
    case: dict[str, Any]


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sealed]:
    with running_world(tmp_path_factory.mktemp("sealed"), coordination_tick_s=0) as world:
        engine = world.engine
        with transaction(engine) as session:
            partners = PartnerRepository(session)
            partners.create("UNOOSA", kind=PartnerKind.INTERNATIONAL_ORGANISATION, handle="unoosa")
            partners.create("Accord platform", kind=PartnerKind.SYSTEM, handle="platform")
        world.keys["unoosa"] = issue_key(engine, "unoosa", ("read", "write"))
        world.keys["platform"] = issue_key(engine, "platform", ("read", "admin"))
        signing = _keys(world)
        now = datetime.now(UTC)
        client = world.client

        # The dispute: opened 29 days ago, a signed message in negotiation, then mediation.
        with transaction(engine, write_lock=True) as session:
            dispute = open_dispute_record(
                session,
                AGREEMENT,
                grounds=DisputeGrounds.COMPLAINT,
                claimant="esa",
                respondent="jaxa",
                subject=SUBJECT,
                at=now - timedelta(days=29),
            )
        said = {"text": MESSAGE, "dispute_id": dispute.id, "decision": "message"}
        posted = client.post(
            f"/api/v1/disputes/{dispute.id}/messages",
            json={"text": MESSAGE},
            headers=_headers(world, signing, "esa", AuditAction.DISPUTE_STEP_RECORDED, said),
        )
        assert posted.status_code == 201, posted.text
        assert advance_all(engine, now + timedelta(days=2)).disputes == (dispute.id,)

        # The case: a counter-proposal esa signs, jaxa accepts.
        case_id = _encounter(engine)
        base = f"/api/v1/coordination/cases/{case_id}"
        body = {"manoeuvre": "secondary", "rationale": RATIONALE}
        decision = {**body, "case_id": case_id, "decision": "counter"}
        countered = client.post(
            f"{base}/counter",
            json=body,
            headers=_headers(
                world, signing, "esa", AuditAction.COORDINATION_STEP_RECORDED, decision
            ),
        )
        assert countered.status_code == 200, countered.text
        accepted = client.post(f"{base}/accept", json={}, headers=world.as_partner("jaxa"))
        assert accepted.status_code == 200, accepted.text
        case = client.get(base, headers=world.as_partner("esa")).json()

        # esa's plans: one kept to itself, one shared with jaxa.
        burn_at = datetime.fromisoformat(case["tca"]) - timedelta(minutes=93)
        plan_ids = {}
        for kind, dv in (("hypothetical", HYPOTHETICAL_DV), ("candidate", CANDIDATE_DV)):
            made = client.post(
                f"{base}/plans",
                json={"kind": kind, "burn_at": burn_at.isoformat(), "delta_v_rtn_m_s": [0, dv, 0]},
                headers=world.as_partner("esa"),
            )
            assert made.status_code == 201, made.text
            plan_ids[kind] = made.json()["id"]

        with transaction(engine, write_lock=True) as session:
            assert run_compliance(session, now=datetime.now(UTC))
            AuditLog(session).sign_checkpoint(client.app.state.audit_signer)  # type: ignore[attr-defined]
        yield Sealed(world, case_id, dispute.id, plan_ids, case)


def _public(sealed: Sealed) -> list[bytes]:
    """Every entry as an anonymous caller reads it from /audit/entries."""
    found: list[bytes] = []
    start: int | None = 0
    while start is not None:
        page = sealed.world.client.get("/audit/entries", params={"start": start}).json()
        found += [base64.b64decode(item["entry"]) for item in page["entries"]]
        start = page["next_start"]
    return found


def _steps(sealed: Sealed) -> dict[str, list[bytes]]:
    """The coordination and dispute entries by what they are about."""
    groups: dict[str, list[bytes]] = {
        "case": [],
        "hypothetical": [],
        "candidate": [],
        "dispute": [],
        "compliance": [],
    }
    plan_of = {str(i): kind for kind, i in sealed.plan_ids.items()}
    for data in _public(sealed):
        entry = parse_entry(data)
        subjects = {s.kind: s.id for s in entry.subjects}
        if entry.action is AuditAction.DISPUTE_STEP_RECORDED:
            assert subjects == {"dispute": sealed.dispute_id}
            groups["dispute"].append(data)
        elif entry.action is AuditAction.COORDINATION_STEP_RECORDED:
            if "manoeuvre_plan" in subjects:
                groups[plan_of[subjects["manoeuvre_plan"]]].append(data)
            elif "compliance_report" in subjects:
                groups["compliance"].append(data)
            else:
                assert subjects == {"coordination_case": sealed.case_id}
                groups["case"].append(data)
    return groups


def _opened(sealed: Sealed, handle: str, data: bytes) -> dict[str, Any] | None:
    """The entry's sealed details as `handle` opens them, checked; None on 404."""
    seq = parse_entry(data).seq
    response = sealed.world.client.get(
        f"/audit/entries/{seq}/sealed", headers=sealed.world.as_partner(handle)
    )
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return verify_opening(data, SealedOpening.from_json(response.json()))


def test_an_outsider_reads_only_the_step_subjects_and_signed_hash(sealed: Sealed) -> None:
    groups = _steps(sealed)
    assert {name: len(entries) > 0 for name, entries in groups.items()} == dict.fromkeys(
        groups, True
    )
    case = sealed.case
    numbers = (case["primary_norad_id"], case["secondary_norad_id"])
    as_json_numbers = re.compile(rb"[\[:,\"](%s)[,\]}\"]" % b"|".join(b"%d" % n for n in numbers))
    secrets = [
        datetime.fromisoformat(case["tca"]).isoformat()[:19].encode(),
        repr(case["miss_km"])[:8].encode(),
        repr(case["pc"]).encode(),
        RATIONALE.encode(),
        MESSAGE.encode(),
        SUBJECT.encode(),
        repr(HYPOTHETICAL_DV).encode(),
        repr(CANDIDATE_DV).encode(),
    ]
    for name, entries in groups.items():
        # case.opened's agreements and dispute.opened's agreement are sealed; a compliance
        # report names its agreement as a subject, as agreements are audited in the open.
        hidden = secrets if name == "compliance" else [*secrets, AGREEMENT.encode()]
        for data in entries:
            _check_public(sealed, data, as_json_numbers, hidden)
    # The compliance entries still name their agreement as a subject, as before.
    for data in groups["compliance"]:
        assert [s.kind for s in parse_entry(data).subjects] == ["agreement", "compliance_report"]


def _check_public(
    sealed: Sealed, data: bytes, numbers: re.Pattern[bytes], secrets: list[bytes]
) -> None:
    """The entry, and its page as served, show none of `secrets` and only the step."""
    entry = parse_entry(data)
    page = sealed.world.client.get(f"/audit/entries/{entry.seq}").content
    for raw in (data, page):
        assert not numbers.search(raw), (entry.seq, raw)
        for secret in secrets:
            assert secret not in raw, (entry.seq, secret)
        for key in (b'"verdict":', b'"partner":', b'"breaches":', b'"miss', b'"pc":'):
            assert key not in raw, (entry.seq, key)
    assert entry.details is not None and set(entry.details) == {"step", "sealed_sha256"}
    assert entry.details["step"].split(".")[0] in {"case", "dispute", "plan", "compliance"}


def test_each_reader_opens_and_checks_its_entries_and_others_get_404(sealed: Sealed) -> None:
    readers = {
        "case": {"esa", "jaxa"},
        "hypothetical": {"esa"},
        "candidate": {"esa", "jaxa"},
        # The mediator opens every step, those before mediation was reached too.
        "dispute": {"esa", "jaxa", "unoosa"},
        "compliance": {"esa", "jaxa"},
    }
    for name, entries in _steps(sealed).items():
        for data in entries:
            opened = {h for h in MEMBERS if _opened(sealed, h, data) is not None}
            # Platform admins open every entry (docs/audit.md).
            assert opened == readers[name] | {"platform"}, (name, parse_entry(data).seq)


def test_the_openings_hold_what_the_entries_no_longer_show(sealed: Sealed) -> None:
    groups = _steps(sealed)
    details = {
        name: [_opened(sealed, "esa", data) for data in entries] for name, entries in groups.items()
    }
    (opened_case, *_) = details["case"]
    assert opened_case is not None
    tca = datetime.fromisoformat(sealed.case["tca"])
    assert datetime.fromisoformat(opened_case["tca"]) == tca
    assert float(opened_case["miss_km"]) == sealed.case["miss_km"]
    assert opened_case["agreements"] == [AGREEMENT]
    assert any(d and d.get("rationale") == RATIONALE for d in details["case"])
    (hypothetical,) = details["hypothetical"]
    assert hypothetical is not None and hypothetical["kind"] == "hypothetical"
    assert hypothetical["delta_v_rtn_m_s"] == ["0.0", repr(HYPOTHETICAL_DV), "0.0"]
    assert hypothetical["verdict"] in {"acceptable", "worse"}
    by_kind = [d for d in details["dispute"] if d is not None]
    assert by_kind[0]["subject"] == SUBJECT
    assert [d["text"] for d in by_kind if "text" in d] == [MESSAGE]
    assert [d["to"] for d in by_kind if "to" in d] == ["mediation"]
    assert {d["partner"] for d in details["compliance"] if d} == {"esa", "jaxa"}


def test_signed_decisions_verify_from_the_public_log_alone(sealed: Sealed) -> None:
    client = sealed.world.client
    note = client.get("/audit/checkpoint").text
    records: list[LogRecord] = []
    start: int | None = 0
    while start is not None:
        page = client.get("/audit/entries", params={"start": start}).json()
        records += [
            LogRecord(
                item["seq"], base64.b64decode(item["entry"]), base64.b64decode(item["leaf_hash"])
            )
            for item in page["entries"]
        ]
        start = page["next_start"]
    verifier = client.app.state.audit_signer.verifier  # type: ignore[attr-defined]
    report = verify_log(records, checkpoint_note=note, pinned_note=note, verifier=verifier)
    assert report.ok, report.summary()
    assert report.signatures_checked == 2  # esa's message and counter-proposal

    # A reader rebuilds the signed decision from the opening: its hash is the entry's.
    signed = [parse_entry(r.entry) for r in records if parse_entry(r.entry).submission is not None]
    counter = next(e for e in signed if e.action is AuditAction.COORDINATION_STEP_RECORDED)
    opened = _opened_entry(sealed, "jaxa", counter)
    rebuilt = {
        "manoeuvre": opened["manoeuvre"],
        "rationale": opened["rationale"],
        "case_id": sealed.case_id,
        "decision": "counter",
    }
    assert hashlib.sha256(rfc8785.dumps(rebuilt)).hexdigest() == counter.content_sha256


def _opened_entry(sealed: Sealed, handle: str, entry: AuditEntry) -> dict[str, Any]:
    response = sealed.world.client.get(
        f"/audit/entries/{entry.seq}/sealed", headers=sealed.world.as_partner(handle)
    )
    assert response.status_code == 200, response.text
    return verify_opening(entry, SealedOpening.from_json(response.json()))
