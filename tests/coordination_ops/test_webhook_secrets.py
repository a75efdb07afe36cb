"""Webhook secrets at rest: encrypted in the store, signatures still verify, old rows migrated."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.coordination_ops import (
    ENCRYPTED_PREFIX,
    MAX_SECRET_CHARS,
    SubscriptionError,
    Topic,
    WebhookSecretKey,
    WebhookSecretKeyError,
    add_subscription,
    route,
    send_pending,
)
from accord.settings import Settings
from accord.store import (
    SubscriptionRow,
    WebhookMessageRow,
    create_engine,
    downgrade,
    transaction,
    upgrade,
)
from tests._webhook_receiver import WebhookReceiver
from tests.coordination_ops._world import NOW

SECRET = "esa-breach-hook-8f3c1e"


def _stored_secrets(engine: Engine) -> list[str | None]:
    with engine.connect() as connection:
        return list(connection.scalars(sa.text("SELECT secret FROM subscriptions ORDER BY id")))


def test_the_column_holds_no_clear_secret_and_the_receiver_verifies_the_signature(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(webhook_secret_key_file=tmp_path / "keys" / "webhook.fernet")
    secret_key = WebhookSecretKey.from_settings(settings)
    key_file = settings.resolved_webhook_secret_key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # created owner-only
    with WebhookReceiver(SECRET) as receiver:
        with transaction(engine) as session:
            add_subscription(
                session,
                partner="esa",
                topics=[Topic.BREACH],
                webhook_url=receiver.url,
                secret=SECRET,
                secret_key=secret_key,
                at=NOW,
            )
            route(
                session,
                partner="esa",
                topic=Topic.BREACH,
                subject="breach",
                body="",
                payload={"notice": "k"},
                at=NOW,
            )
        (stored,) = _stored_secrets(engine)
        assert stored is not None and stored.startswith(ENCRYPTED_PREFIX)
        assert SECRET not in stored
        with caplog.at_level(logging.DEBUG):
            report = send_pending(engine, settings, now=NOW)
        assert report.webhooks_sent == 1
        assert [h.status for h in receiver.received] == [204]  # HMAC over the clear secret
    assert all(SECRET not in record.getMessage() for record in caplog.records)
    assert SECRET not in repr(secret_key) and secret_key.decrypt(stored) == SECRET


def test_a_readable_key_file_a_wrong_key_and_an_overlong_secret_are_refused(
    engine: Engine, tmp_path: Path
) -> None:
    key_file = tmp_path / "webhook.fernet"
    secret_key = WebhookSecretKey.load_or_create(key_file)
    token = secret_key.encrypt(SECRET)
    with pytest.raises(WebhookSecretKeyError, match="another key") as wrong:
        WebhookSecretKey.generate().decrypt(token, subscription_id=7)
    assert SECRET not in str(wrong.value) and "subscription 7" in str(wrong.value)
    with pytest.raises(WebhookSecretKeyError, match="not encrypted"):
        secret_key.decrypt(SECRET)
    key_file.chmod(0o644)
    with pytest.raises(WebhookSecretKeyError, match=f"chmod 600 {key_file}"):
        WebhookSecretKey.load(key_file)
    with transaction(engine) as session, pytest.raises(SubscriptionError, match="at most 64"):
        add_subscription(
            session,
            partner="esa",
            topics=[Topic.BREACH],
            webhook_url="https://ops.esa.test/hook",
            secret="x" * (MAX_SECRET_CHARS + 1),
            secret_key=WebhookSecretKey.generate(),
            at=NOW,
        )
    with transaction(engine) as session, pytest.raises(SubscriptionError, match="secret_key"):
        add_subscription(
            session,
            partner="esa",
            topics=[Topic.BREACH],
            webhook_url="https://ops.esa.test/hook",
            secret=SECRET,
            at=NOW,
        )


def test_the_migration_encrypts_clear_secrets_and_the_downgrade_restores_them(
    empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "keys" / "webhook.fernet"
    monkeypatch.setenv("ACCORD_WEBHOOK_SECRET_KEY_FILE", str(key_file))
    engine = create_engine(empty_database_url)
    try:
        upgrade(engine, "0009_subscriptions")
        overlong = "y" * (MAX_SECRET_CHARS + 1)
        with engine.begin() as connection:
            for secret in (SECRET, overlong):
                connection.execute(
                    sa.insert(SubscriptionRow).values(
                        partner="esa",
                        channel="webhook",
                        url="https://ops.esa.test/hook",
                        secret=secret,
                        topics=["breach"],
                        created_at=NOW,
                    )
                )
        assert not key_file.exists()
        upgrade(engine)
        encrypted, erased = _stored_secrets(engine)
        assert encrypted is not None and SECRET not in encrypted
        assert WebhookSecretKey.load(key_file).decrypt(encrypted) == SECRET
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        with transaction(engine) as session:
            removed = session.scalars(
                sa.select(SubscriptionRow.removed_at).order_by(SubscriptionRow.id)
            ).all()
            assert session.scalars(sa.select(WebhookMessageRow)).all() == []
        assert erased is None and removed[0] is None and removed[1] is not None
        upgrade(engine)  # at head: the encrypted secret is left as it is
        assert _stored_secrets(engine)[0] == encrypted
        downgrade(engine, "0010_campaign_plan_jobs")
        assert _stored_secrets(engine) == [SECRET, None]
    finally:
        engine.dispose()
