"""`accord coordination run` is one scheduler tick: due steps once, nothing on a second run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from accord.cli import app
from accord.coordination import DisputeGrounds, DisputeState
from accord.coordination_ops import get_dispute, open_dispute_record
from accord.settings import Settings
from accord.startup import open_store
from accord.store import transaction
from tests.access._world import build_world


def test_run_escalates_a_due_dispute_once_and_a_second_run_changes_nothing(
    tmp_path: Path,
) -> None:
    engine = open_store(Settings(var_dir=tmp_path, seed_demo=False), seed=False)
    build_world(engine)
    # Opened 40 days ago: the 30-day negotiation ended 10 days ago, mediation runs 60 days.
    opened_at = datetime.now(UTC) - timedelta(days=40)
    with transaction(engine, write_lock=True) as session:
        dispute = open_dispute_record(
            session,
            "esa-jaxa-leo-exchange",
            grounds=DisputeGrounds.COMPLAINT,
            claimant="esa",
            respondent="jaxa",
            subject="late ephemerides",
            at=opened_at,
        )
    env = {"ACCORD_VAR_DIR": str(tmp_path), "ACCORD_SEED_DEMO": "false"}
    first = CliRunner().invoke(app, ["coordination", "run"], env=env)
    assert first.exit_code == 0, first.output
    assert "disputes escalated: 1" in first.output
    assert "e-mail not sent (ACCORD_SMTP_HOST unset)" in first.output
    second = CliRunner().invoke(app, ["coordination", "run"], env=env)
    assert "disputes escalated: 0" in second.output
    with transaction(engine) as session:
        stored = get_dispute(session, dispute.id)
    assert stored.state is DisputeState.MEDIATION
    assert stored.step_started_at == opened_at + timedelta(days=30)
