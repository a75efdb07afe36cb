"""Tables of notification subscriptions, webhook messages and their delivery log.

Migration 0009_subscriptions creates them; these models must match it (a test compares the
two). A subscription says what a partner (handle) wants to hear (topics, thresholds) and
how: e-mail to an address (queued as a `notifications` row) or a webhook (a
`webhook_messages` row, each attempt logged in `webhook_deliveries`). Times are UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from accord.store._models import Base
from accord.store._types import UTCDateTime

__all__ = ["SubscriptionRow", "WebhookDeliveryRow", "WebhookMessageRow"]


class SubscriptionRow(Base):
    """What a partner subscribes to and the channel it is delivered through."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        sa.CheckConstraint("channel IN ('email', 'webhook')", name="channel"),
        sa.Index("ix_subscriptions_partner", "partner"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    partner: Mapped[str] = mapped_column(sa.String(64))
    channel: Mapped[str] = mapped_column(sa.String(16))
    #: E-mail address (channel `email`).
    address: Mapped[str | None] = mapped_column(sa.String(320))
    #: Receiver URL and HMAC-SHA256 secret (channel `webhook`); the secret is stored
    #: encrypted, `fernet:<token>` (revision 0011; `accord.coordination_ops.WebhookSecretKey`).
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    secret: Mapped[str | None] = mapped_column(sa.String(200))
    #: Topic names (`accord.coordination_ops.Topic` values).
    topics: Mapped[list[str]] = mapped_column(sa.JSON)
    #: CDM topic: notify when Pc >= pc_min or miss distance <= miss_max_km (either set).
    pc_min: Mapped[float | None] = mapped_column(sa.Float)
    miss_max_km: Mapped[float | None] = mapped_column(sa.Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebhookMessageRow(Base):
    """One JSON message to POST to a webhook subscription, with its sending state."""

    __tablename__ = "webhook_messages"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        sa.Index("ix_webhook_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(sa.ForeignKey("subscriptions.id"))
    partner: Mapped[str] = mapped_column(sa.String(64))
    topic: Mapped[str] = mapped_column(sa.String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(16))
    dedup_key: Mapped[str | None] = mapped_column(sa.String(400), unique=True)
    attempts: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(sa.Text)


class WebhookDeliveryRow(Base):
    """One attempt to deliver a webhook message: HTTP status or error, and its duration."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_messages.id"), index=True)
    attempt: Mapped[int] = mapped_column(sa.Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_code: Mapped[int | None] = mapped_column(sa.Integer)
    error: Mapped[str | None] = mapped_column(sa.Text)
    duration_ms: Mapped[float] = mapped_column(sa.Float)
