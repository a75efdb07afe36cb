"""Subscriptions: dispute steps to a real signed webhook (retried after a 500) and e-mail."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from accord.cli import app
from accord.coordination import DisputeGrounds
from accord.coordination_ops import (
    SubscriptionError,
    Topic,
    WebhookSecretKey,
    add_subscription,
    list_subscriptions,
    open_dispute_record,
    remove_subscription,
    route,
    send_pending,
)
from accord.settings import Settings
from accord.startup import open_store
from accord.store import NotificationRow, WebhookDeliveryRow, WebhookMessageRow, transaction
from tests._smtp_server import SmtpServer
from tests._webhook_receiver import WebhookReceiver
from tests.access._world import build_world
from tests.coordination_ops._world import NOW

SECRET = "jaxa-hook-secret"


def test_dispute_steps_reach_a_signed_webhook_after_a_retry_and_a_subscribed_address(
    engine: Engine, tmp_path: Path
) -> None:
    key_file = tmp_path / "webhook.key"
    build_world(engine)  # partners without contacts: only subscriptions deliver
    with WebhookReceiver(SECRET) as receiver, SmtpServer() as smtp:
        with transaction(engine) as session:
            add_subscription(
                session,
                partner="jaxa",
                topics=[Topic.DISPUTE_STEP],
                webhook_url=receiver.url,
                secret=SECRET,
                secret_key=WebhookSecretKey.load_or_create(key_file),
                at=NOW,
            )
            add_subscription(
                session,
                partner="esa",
                topics=[Topic.DISPUTE_STEP, Topic.BREACH],
                email="legal@esa.test",
                at=NOW,
            )
        with transaction(engine, write_lock=True) as session:
            dispute = open_dispute_record(
                session,
                "esa-jaxa-leo-exchange",
                grounds=DisputeGrounds.COMPLAINT,
                claimant="esa",
                respondent="jaxa",
                subject="late ephemerides",
                at=NOW,
            )
        settings = Settings(
            smtp_host="127.0.0.1", smtp_port=smtp.port, webhook_secret_key_file=key_file
        )
        receiver.fail_next(1)
        first = send_pending(engine, settings, now=NOW)
        assert (first.webhooks_sent, first.webhooks_failed) == (0, 1)
        assert first.sent == 1 and first.failed == 0  # the subscribed address, no contacts
        # Back-off: nothing is retried before ACCORD_NOTIFICATION_RETRY_S has passed.
        assert send_pending(engine, settings, now=NOW).webhooks_failed == 0
        later = NOW + timedelta(seconds=settings.notification_retry_s)
        assert send_pending(engine, settings, now=later).webhooks_sent == 1
        hooks, mails = receiver.received, smtp.received

    assert [h.status for h in hooks] == [500, 204]  # both signatures verified
    body = hooks[1].body
    assert body["topic"] == "dispute_step" and body["partner"] == "jaxa"
    assert body["data"]["dispute_id"] == dispute.id and body["data"]["event"] == "dispute.opened"
    assert hooks[1].headers["X-Accord-Signature"].startswith("sha256=")
    assert [m.recipients for m in mails] == [["legal@esa.test"]]
    assert dispute.id in mails[0].message["Subject"]
    with transaction(engine) as session:
        deliveries = session.scalars(
            sa.select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.attempt)
        ).all()
        message = session.scalars(sa.select(WebhookMessageRow)).one()
        unrouted = session.scalars(
            sa.select(NotificationRow).where(NotificationRow.recipient_address.is_(None))
        ).all()
    assert [(d.attempt, d.status_code) for d in deliveries] == [(1, 500), (2, 204)]
    assert "HTTP 500" in (deliveries[0].error or "") and deliveries[1].error is None
    assert all(d.duration_ms >= 0.0 for d in deliveries)
    assert message.status == "sent" and message.attempts == 2
    assert unrouted == []  # subscribers are not also sent to (missing) contacts


def test_cdm_thresholds_filter_and_a_tampered_secret_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(webhook_secret_key_file=tmp_path / "webhook.key")
    secret_key = WebhookSecretKey.from_settings(settings)
    with transaction(engine) as session:
        sub = add_subscription(
            session,
            partner="esa",
            topics=[Topic.CDM],
            webhook_url="http://127.0.0.1:9/x",
            secret="s",
            secret_key=secret_key,
            pc_min=1e-4,
            miss_max_km=1.0,
            at=NOW,
        )

        def cdm(partner: str, pc: float | None, miss_km: float | None) -> int | None:
            return route(
                session,
                partner=partner,
                topic=Topic.CDM,
                subject="cdm",
                body="",
                payload={},
                at=NOW,
                pc=pc,
                miss_km=miss_km,
            )

        # Thresholds: Pc >= 1e-4 or miss <= 1 km (either suffices).
        assert cdm("esa", 1e-6, 3.1) == 0
        assert cdm("esa", 2e-4, 3.1) == 1
        assert cdm("esa", None, 0.5) == 1
        assert cdm("jaxa", 1.0, 0.1) is None  # not subscribed: the caller's default applies
        assert [s.id for s in list_subscriptions(session, partner="esa")] == [sub.id]
        remove_subscription(session, sub.id, at=NOW)
        assert list_subscriptions(session) == []
        with pytest.raises(SubscriptionError, match="no active subscription"):
            remove_subscription(session, sub.id, at=NOW)
        with pytest.raises(SubscriptionError, match="needs a secret"):
            add_subscription(
                session, partner="esa", topics=[Topic.CDM], webhook_url="http://h/", at=NOW
            )
        with pytest.raises(SubscriptionError, match="exactly one"):
            add_subscription(session, partner="esa", topics=[Topic.CDM], at=NOW)

    with WebhookReceiver("the-right-secret") as receiver:
        with transaction(engine) as session:
            add_subscription(
                session,
                partner="esa",
                topics=[Topic.BREACH],
                webhook_url=receiver.url,
                secret="a-wrong-secret",
                secret_key=secret_key,
                at=NOW,
            )
            route(
                session, partner="esa", topic=Topic.BREACH, subject="b", body="", payload={}, at=NOW
            )
        report = send_pending(engine, settings, now=NOW)
        assert report.skipped_no_server and report.webhooks_failed == 1
        assert [h.status for h in receiver.received] == [401]


def test_cli_adds_lists_and_removes_a_webhook_subscription(tmp_path: Path) -> None:
    open_store(Settings(var_dir=tmp_path, seed_demo=False), seed=False)
    env = {"ACCORD_VAR_DIR": str(tmp_path), "ACCORD_SEED_DEMO": "false"}
    runner = CliRunner()
    added = runner.invoke(
        app,
        ["subscription", "add", "--partner", "esa", "--topic", "cdm", "--topic", "breach"]
        + ["--webhook", "https://ops.esa.test/hook", "--secret", "s3cr3t-value"]
        + ["--pc-min", "1e-4"],
        env=env,
    )
    assert added.exit_code == 0, added.output
    assert "subscription 1: esa webhook https://ops.esa.test/hook" in added.output
    listed = runner.invoke(app, ["subscription", "list", "--partner", "esa"], env=env)
    assert "breach,cdm" in listed.output and "0.0001" in listed.output
    assert "s3cr3t-value" not in listed.output  # the secret is never shown
    no_secret = runner.invoke(
        app,
        ["subscription", "add", "--partner", "esa", "--topic", "cdm", "--webhook", "https://x/"],
        env=env,
    )
    assert no_secret.exit_code == 1 and "needs a secret" in no_secret.output
    assert runner.invoke(app, ["subscription", "remove", "1"], env=env).exit_code == 0
    again = runner.invoke(app, ["subscription", "remove", "1"], env=env)
    assert again.exit_code == 1 and "no active subscription" in again.output
