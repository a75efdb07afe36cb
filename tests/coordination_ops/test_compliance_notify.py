"""Compliance from stored facts, breach notices e-mailed to a real local SMTP server."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.coordination_ops import run_compliance, send_pending
from accord.settings import Settings
from accord.store import NotificationRow, NotificationStatus, transaction
from tests._smtp_server import SmtpServer
from tests.access._world import build_world
from tests.coordination_ops._world import CONTACTS, NOW
from tests.coordination_ops._world import build as build_encounter


def test_late_element_sets_breach_esa_cadence_and_the_notice_is_delivered(
    engine: Engine,
) -> None:
    # ESA claims its satellites from 2026-01-01 but submits element sets only on
    # 2026-03-01: every 30-day period before that misses the 24 h cadence.
    build_encounter(engine)
    with transaction(engine) as session:
        reports = run_compliance(session, now=NOW)
    esa = next(r for r in reports if r.partner == "esa")
    cadence = esa.figures["commitments"]["esa-ephemeris-cadence"]
    assert esa.verdict == "breached" and cadence["verdict"] == "breached"
    first = cadence["periods"][0]
    assert first["start"].startswith("2026-01-01") and first["verdict"] == "breached"
    assert first["measured"] == 30 * 24.0  # the whole first period without an update
    assert (
        esa.breach_keys[0]
        == "esa-jaxa-leo-exchange/esa-ephemeris-cadence/2026-01-01T00:00:00+00:00"
    )

    with transaction(engine) as session:  # notices are queued once per key
        run_compliance(session, now=NOW)
        breach_rows = session.scalars(
            sa.select(NotificationRow).where(NotificationRow.subject.like("%breach notice%"))
        ).all()
    assert len(breach_rows) == len(esa.breach_keys) * 2  # to esa's and jaxa's contacts

    with SmtpServer() as smtp:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_from="a@accord.test")
        smtp.fail_next(1)
        first_run = send_pending(engine, settings, now=NOW)
        assert first_run.failed == 1 and first_run.sent == len(breach_rows) - 1
        with transaction(engine) as session:
            failed = session.scalars(
                sa.select(NotificationRow).where(
                    NotificationRow.status == NotificationStatus.FAILED.value
                )
            ).one()
        assert "451" in (failed.error or "") and failed.attempts == 1
        assert failed.next_attempt_at == NOW + timedelta(seconds=settings.notification_retry_s)
        assert send_pending(engine, settings, now=NOW).sent == 0  # back-off not over
        retried = send_pending(engine, settings, now=NOW + timedelta(minutes=1))
        assert (retried.sent, retried.failed) == (1, 0)
        received = smtp.received
    assert len(received) == len(breach_rows)
    to_esa = [m for m in received if m.recipients == [CONTACTS["esa"]]]
    assert to_esa and all(m.sender == "a@accord.test" for m in received)
    body = to_esa[0].message.get_content()
    assert "esa breached esa-jaxa-leo-exchange/esa-ephemeris-cadence" in body
    assert to_esa[0].message["Subject"].startswith("[Accord] breach notice")
    with transaction(engine) as session:
        statuses = set(session.scalars(sa.select(NotificationRow.status)))
    assert statuses == {NotificationStatus.SENT.value}


def test_a_partner_without_contacts_gets_a_recorded_failure(engine: Engine) -> None:
    build_world(engine)  # no contacts
    with transaction(engine) as session:
        run_compliance(session, now=NOW)
    with SmtpServer() as smtp:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=smtp.port)
        report = send_pending(engine, settings, now=NOW)
        assert report.sent == 0 and report.failed > 0 and smtp.received == []
    with transaction(engine) as session:
        errors = set(session.scalars(sa.select(NotificationRow.error)))
    assert any("has no contact" in (e or "") for e in errors)
