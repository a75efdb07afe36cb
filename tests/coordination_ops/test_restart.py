"""The coordination scheduler survives kill -9: no deadline missed for good, no step twice.

The real service runs in a subprocess (`accord serve` on a free port, its own
ACCORD_VAR_DIR, scheduler every 0.2 s). Its store is seeded before it starts with what is
already due by the wall clock: the ESA-JAXA case of `_world` (opened at NOW, its deadlines
and TCA long past) and `DISPUTES` complaints opened 100 days ago under the ESA-JAXA
agreement (negotiation 30 days, mediation 60 days, arbitration 180 days), so each owes two
escalations (at +30 d and +90 d) and none a third. The test polls the store until the first
process has applied some escalations but not all, sends SIGKILL, starts a second process on
the same store, polls until everything due is applied, stops it, and checks against the
pure core: every expected step once (audit entries, dispute states, case steps,
notifications), nothing else appended, and the audit log verifies from the first checkpoint.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.audit import (
    AuditAction,
    AuditEntry,
    AuditLog,
    LogRecord,
    open_log_signer,
    parse_entry,
    verify_log,
    verify_opening,
)
from accord.coordination import (
    CaseState,
    Dispute,
    DisputeGrounds,
    DisputeState,
    escalate_if_due,
)
from accord.coordination_ops import get_dispute, open_cases_from_alerts, open_dispute_record
from accord.coordination_ops import set_rule_set as store_rule_set
from accord.settings import Settings
from accord.startup import open_store
from accord.store import (
    AuditEntryRow,
    CoordinationCaseRow,
    CoordinationStepRow,
    DisputeRow,
    NotificationRow,
    Partner,
    PartnerContact,
    transaction,
)
from tests.coordination_ops._world import NOW, build

RULES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "rules"
AGREEMENT = "esa-jaxa-leo-exchange"
#: Complaints seeded due; about 10 ms each to escalate, so the first process is mid-batch
#: for a few seconds while the test polls every `POLL_S`.
DISPUTES = 200
POLL_S = 0.02
#: Longest wait for the service to start or for a batch to finish.
PATIENCE_S = 30.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(what: str, condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    """Poll `condition` every POLL_S until true; fail if the service died or PATIENCE_S passed."""
    limit = time.monotonic() + PATIENCE_S
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the service exited ({process.returncode}) while waiting for {what}")
        if time.monotonic() > limit:
            pytest.fail(f"{what} did not happen within {PATIENCE_S} s")
        time.sleep(POLL_S)  # polling the store, not waiting for a time to pass


def _seed(engine: Engine) -> tuple[datetime, dict[str, Dispute]]:
    """The world, its case opened at NOW, and DISPUTES complaints opened 100 days ago."""
    build(engine)
    with transaction(engine) as session:
        text = (RULES / f"{AGREEMENT}.yaml").read_text(encoding="utf-8")
        store_rule_set(session, AGREEMENT, text, at=NOW)
    assert open_cases_from_alerts(engine, now=NOW) == ["case-1"]
    opened_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=100)
    with transaction(engine, write_lock=True) as session:
        for number in range(DISPUTES):
            open_dispute_record(
                session,
                AGREEMENT,
                grounds=DisputeGrounds.COMPLAINT,
                claimant="esa",
                respondent="jaxa",
                subject=f"late ephemeris delivery {number}",
                at=opened_at,
                reference=f"restart-test:{number}",
            )
    with transaction(engine) as session:
        seeded = {i: get_dispute(session, i) for i in session.scalars(sa.select(DisputeRow.id))}
    return opened_at, seeded


def _serve(var_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env.update(
        ACCORD_VAR_DIR=str(var_dir),
        ACCORD_SEED_DEMO="false",
        ACCORD_JOB_WORKERS="0",
        ACCORD_AUDIT_CHECKPOINT_INTERVAL_S="0",
        ACCORD_COORDINATION_TICK_S="0.2",
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, "-c", "from accord.cli import main; main()", "serve"]
    with log.open("ab") as output:
        return subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=output, stderr=subprocess.STDOUT
        )


def _opened(log: AuditLog, entry: AuditEntry) -> dict[str, Any]:
    """The sealed details of `entry`, checked against it."""
    opening = log.opening(entry.seq)
    assert opening is not None, f"entry {entry.seq} seals nothing"
    return verify_opening(entry, opening)


def _escalated(engine: Engine) -> int:
    """Seeded disputes whose two escalations are stored (both commit in one transaction)."""
    with transaction(engine) as session:
        return int(
            session.scalar(
                sa.select(sa.func.count())
                .select_from(DisputeRow)
                .where(
                    DisputeRow.state == DisputeState.ARBITRATION.value,
                    DisputeRow.reference.like("restart-test:%"),
                )
            )
            or 0
        )


def _quiescent(engine: Engine, seeded: int) -> bool:
    with transaction(engine) as session:
        waiting = session.scalar(
            sa.select(sa.func.count())
            .select_from(DisputeRow)
            .where(
                DisputeRow.state == DisputeState.NEGOTIATION.value,
                DisputeRow.reference.like("restart-test:%"),
            )
        )
        mediating = session.scalar(
            sa.select(sa.func.count())
            .select_from(DisputeRow)
            .where(DisputeRow.state == DisputeState.MEDIATION.value)
        )
        case = session.get(CoordinationCaseRow, "case-1")
        disputes = session.scalar(sa.select(sa.func.count()).select_from(DisputeRow)) or 0
    return (
        waiting == 0
        and mediating == 0
        and case is not None
        and case.state == CaseState.LAPSED.value
        and disputes == seeded + 1
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """The service processes a test started; any still running is killed at the end."""
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_kill_9_mid_batch_then_restart_applies_every_due_step_exactly_once(
    tmp_path: Path, served: list[subprocess.Popen[bytes]]
) -> None:
    var_dir, log = tmp_path / "var", tmp_path / "service.log"
    settings = Settings(var_dir=var_dir, seed_demo=False)
    engine = open_store(settings, seed=False)
    opened_at, seeded = _seed(engine)
    with transaction(engine) as session:
        seeded_size = AuditLog(session).tree_size
        case_steps_before = session.scalar(
            sa.select(sa.func.count()).where(CoordinationStepRow.case_id == "case-1")
        )

    # First process: killed once some escalations are in the store, before all are.
    first = _serve(var_dir, _free_port(), log)
    served.append(first)
    _wait_for("the first escalations", lambda: _escalated(engine) >= 10, first)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    escalated_at_kill = _escalated(engine)
    assert 10 <= escalated_at_kill < DISPUTES, (
        f"{escalated_at_kill} disputes were escalated when the first process was killed; "
        "the kill must land mid-batch (raise DISPUTES if the machine is much faster)"
    )

    # Second process on the same store: finishes what is due, then stops cleanly.
    second = _serve(var_dir, _free_port(), log)
    served.append(second)
    _wait_for("every due step", lambda: _quiescent(engine, len(seeded)), second)
    second.send_signal(signal.SIGTERM)
    # uvicorn re-raises the signal it handled once shut down: exit 0 or "killed by SIGTERM".
    assert second.wait(20) in (0, -signal.SIGTERM), log.read_text(encoding="utf-8")[-4000:]

    # What the pure core says is due, from the seeded disputes, at any time in the window.
    expected: Counter[tuple[str, str, datetime, object]] = Counter()
    recipients: Counter[str] = Counter()
    for dispute in seeded.values():
        for event in escalate_if_due(dispute, datetime.now(UTC)).events:
            expected[(event.dispute_id, event.kind, event.at, event.detail["to"])] += 1
            recipients.update(event.notify)
    assert sum(expected.values()) == 2 * DISPUTES
    assert all(count == 1 for count in expected.values())

    with transaction(engine) as session:
        entries = [
            parse_entry(row.entry)
            for row in session.scalars(
                sa.select(AuditEntryRow).where(AuditEntryRow.seq >= seeded_size)
            )
        ]
        # The step each escalation reached is sealed for the parties (docs/audit.md, the
        # entry shows the step's kind only): read it through the checked opening.
        opened = AuditLog(session)
        found = Counter(
            (e.subjects[0].id, (e.details or {})["step"], e.time, _opened(opened, e)["to"])
            for e in entries
            if e.action is AuditAction.DISPUTE_STEP_RECORDED and e.subjects[0].id in seeded
        )
        states = Counter(session.scalars(sa.select(DisputeRow.state)))
        case = session.get(CoordinationCaseRow, "case-1")
        steps = session.execute(
            sa.select(CoordinationStepRow.seq, CoordinationStepRow.kind, CoordinationStepRow.at)
            .where(CoordinationStepRow.case_id == "case-1")
            .order_by(CoordinationStepRow.seq)
        ).all()
        case_dispute = session.scalars(
            sa.select(DisputeRow).where(DisputeRow.reference == "case:case-1")
        ).all()
        notices = session.execute(
            sa.select(
                NotificationRow.recipient_partner,
                NotificationRow.recipient_contact_id,
                NotificationRow.subject,
                NotificationRow.body,
            )
        ).all()
        contacts = Counter(
            session.scalars(
                sa.select(Partner.handle).join(
                    PartnerContact, PartnerContact.partner_id == Partner.id
                )
            )
        )

    # Every due escalation once, dated at its deadline, and nothing else for those disputes.
    assert found == expected
    assert {at for _, _, at, _ in found} <= {
        opened_at + timedelta(days=30),
        opened_at + timedelta(days=90),
    }
    assert states == {DisputeState.ARBITRATION.value: DISPUTES, DisputeState.NEGOTIATION.value: 1}

    # The case lapsed once (steps numbered without gaps) and opened one dispute.
    assert case is not None and case.state == CaseState.LAPSED.value
    assert [seq for seq, _, _ in steps] == list(range(1, len(steps) + 1))
    new_steps = [kind for _, kind, _ in steps][int(case_steps_before or 0) :]
    assert new_steps == ["case.deadline_missed"]
    assert len(case_dispute) == 1

    # Every entry appended after seeding is accounted for: the signing key's creation, the
    # escalations, the case's new steps and the opening of its dispute.
    actions = Counter(e.action for e in entries)
    case_entries = [e for e in entries if e.subjects and e.subjects[0].id == "case-1"]
    assert len(case_entries) == len(new_steps)
    assert actions[AuditAction.DISPUTE_STEP_RECORDED] == 2 * DISPUTES + 1
    assert len(entries) == 1 + 2 * DISPUTES + len(new_steps) + 1
    assert actions[AuditAction.KEY_CREATED] == 1

    # One notification per step and recipient contact (a partner without one: one row).
    assert len(notices) == len(set(notices))
    escalation_rows = [n for n in notices if n.subject.startswith("[Accord] dispute.escalated")]
    assert len(escalation_rows) == sum(max(1, contacts[p]) * n for p, n in recipients.items())

    # The log still verifies, from the checkpoint the first process signed at start-up.
    with transaction(engine, write_lock=True) as session:
        audit = AuditLog(session)
        pinned = audit.checkpoints()[0].note
        signed = audit.sign_checkpoint(open_log_signer(engine, settings))
    with transaction(engine) as session:
        records = [
            LogRecord(item.seq, item.entry, item.leaf_hash)
            for start in range(0, signed.checkpoint.tree_size, 1000)
            for item in AuditLog(session).entries(
                start, min(1000, signed.checkpoint.tree_size - start)
            )
        ]
    report = verify_log(
        records,
        checkpoint_note=signed.note,
        pinned_note=pinned,
        verifier=open_log_signer(engine, settings).verifier,
    )
    assert report.ok, report.summary()
