"""Subscriptions: who hears what, by e-mail or by HMAC-signed webhook, and webhook delivery.

A partner subscribes to topics (`Topic`) through a channel: e-mail to an address (queued as a
`notifications` row and sent by `send_pending` through SMTP) or a webhook (a
`webhook_messages` row POSTed as JSON by `send_webhooks`). `route` is what the workflows
call: it queues one message per matching subscription and returns how many; when the
partner has no subscription to that topic, the caller keeps its default (e-mail to every
contact, `queue_notification`). A CDM topic matches when the event's Pc is at least
`pc_min` or its miss distance at most `miss_max_km` (a subscription with neither set hears
every CDM of its partner's assets).

Webhook signature: header `X-Accord-Timestamp` (Unix seconds) and
`X-Accord-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, so a
receiver checks both the body and its age. Retries double the back-off
(ACCORD_NOTIFICATION_RETRY_S, ACCORD_NOTIFICATION_MAX_ATTEMPTS); every attempt is logged in
`webhook_deliveries` (attempt, HTTP status, error, duration).

Secrets are stored encrypted (`WebhookSecretKey`, module `_secrets`): `add_subscription`
takes the deployment's key and `send_webhooks` reads it from the settings; no secret is
returned, printed or logged, and delivery errors never quote one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord.coordination_ops._secrets import WebhookSecretKey
from accord.settings import Settings
from accord.store import (
    NotificationRow,
    NotificationStatus,
    SubscriptionRow,
    WebhookDeliveryRow,
    WebhookMessageRow,
    transaction,
)

__all__ = [
    "MAX_SECRET_CHARS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Subscription",
    "SubscriptionError",
    "Topic",
    "WebhookReport",
    "add_subscription",
    "list_subscriptions",
    "remove_subscription",
    "route",
    "send_webhooks",
    "sign_webhook",
]

SIGNATURE_HEADER = "X-Accord-Signature"
TIMESTAMP_HEADER = "X-Accord-Timestamp"
#: Seconds a webhook receiver gets to answer one POST.
WEBHOOK_TIMEOUT_S = 10.0
#: Longest webhook secret accepted: its Fernet token (`fernet:` + base64 of 57 bytes plus
#: the secret padded to whole 16-byte blocks: 191 characters at 64) fits the 200-character
#: `subscriptions.secret`. 64 characters carry 384 bits of base64: beyond what HMAC-SHA256
#: needs.
MAX_SECRET_CHARS = 64


class Topic(StrEnum):
    """What a subscription listens to."""

    CDM = "cdm"  # new conjunction data for the partner's assets, above its thresholds
    CASE_STEP = "case_step"
    DISPUTE_STEP = "dispute_step"
    DEADLINE = "deadline"
    BREACH = "breach"
    CAMPAIGN_TASK = "campaign_task"


class SubscriptionError(ValueError):
    """A subscription that cannot be stored or found (the message says which field)."""


@dataclass(frozen=True, slots=True)
class Subscription:
    """A stored subscription (the secret is never returned)."""

    id: int
    partner: str
    channel: str
    target: str  # the e-mail address or the webhook URL
    topics: tuple[Topic, ...]
    pc_min: float | None
    miss_max_km: float | None
    created_at: datetime


def _view(row: SubscriptionRow) -> Subscription:
    return Subscription(
        row.id,
        row.partner,
        row.channel,
        (row.address if row.channel == "email" else row.url) or "",
        tuple(Topic(t) for t in row.topics),
        row.pc_min,
        row.miss_max_km,
        row.created_at,
    )


def add_subscription(
    session: Session,
    *,
    partner: str,
    topics: list[Topic] | tuple[Topic, ...],
    at: datetime,
    email: str | None = None,
    webhook_url: str | None = None,
    secret: str | None = None,
    pc_min: float | None = None,
    miss_max_km: float | None = None,
    secret_key: WebhookSecretKey | None = None,
) -> Subscription:
    """Store a subscription of partner handle `partner` to `topics` by e-mail or webhook.

    Exactly one of `email` and `webhook_url` is given; a webhook needs a `secret` (HMAC
    key, at most `MAX_SECRET_CHARS`), an http(s) URL and `secret_key`, the deployment's
    key (`WebhookSecretKey.from_settings(settings)`) that encrypts the secret at rest.
    `pc_min` (0..1) and `miss_max_km` (> 0) filter CDMs.
    """
    if (email is None) == (webhook_url is None):
        raise SubscriptionError("subscription: give exactly one of email and webhook_url")
    if not topics:
        raise SubscriptionError("subscription: topics is empty; name at least one topic")
    if webhook_url is not None:
        if not webhook_url.startswith(("http://", "https://")):
            raise SubscriptionError(
                f"subscription webhook_url {webhook_url!r}: use an http:// or https:// URL"
            )
        if not secret:
            raise SubscriptionError("subscription: a webhook needs a secret to sign its body")
        if len(secret) > MAX_SECRET_CHARS:
            raise SubscriptionError(
                f"subscription secret: {len(secret)} characters; use at most {MAX_SECRET_CHARS}"
            )
        if secret_key is None:
            raise SubscriptionError(
                "subscription: pass secret_key=WebhookSecretKey.from_settings(settings) to "
                "store a webhook secret (it is kept encrypted)"
            )
    if email is not None and "@" not in email:
        raise SubscriptionError(f"subscription email {email!r}: not an e-mail address")
    if pc_min is not None and not 0.0 <= pc_min <= 1.0:
        raise SubscriptionError(f"subscription pc_min {pc_min}: must lie in [0, 1]")
    if miss_max_km is not None and miss_max_km <= 0.0:
        raise SubscriptionError(f"subscription miss_max_km {miss_max_km}: must be > 0")
    row = SubscriptionRow(
        partner=partner,
        channel="email" if email is not None else "webhook",
        address=email,
        url=webhook_url,
        secret=(
            secret_key.encrypt(secret)
            if webhook_url is not None and secret is not None and secret_key is not None
            else None
        ),
        topics=sorted({Topic(t).value for t in topics}),
        pc_min=pc_min,
        miss_max_km=miss_max_km,
        created_at=at,
    )
    session.add(row)
    session.flush()
    return _view(row)


def list_subscriptions(session: Session, *, partner: str | None = None) -> list[Subscription]:
    """Active subscriptions (of `partner` when given), oldest first."""
    query = sa.select(SubscriptionRow).where(SubscriptionRow.removed_at.is_(None))
    if partner is not None:
        query = query.where(SubscriptionRow.partner == partner)
    return [_view(r) for r in session.scalars(query.order_by(SubscriptionRow.id))]


def remove_subscription(session: Session, subscription_id: int, *, at: datetime) -> None:
    """End subscription `subscription_id` (kept, marked removed, for the delivery log)."""
    row = session.get(SubscriptionRow, subscription_id)
    if row is None or row.removed_at is not None:
        raise SubscriptionError(
            f"subscription {subscription_id}: no active subscription with that id; "
            "see `accord subscription list`"
        )
    row.removed_at = at


def _matches(row: SubscriptionRow, pc: float | None, miss_km: float | None) -> bool:
    if row.pc_min is None and row.miss_max_km is None:
        return True
    above_pc = row.pc_min is not None and pc is not None and pc >= row.pc_min
    close = row.miss_max_km is not None and miss_km is not None and miss_km <= row.miss_max_km
    return above_pc or close


def route(
    session: Session,
    *,
    partner: str,
    topic: Topic,
    subject: str,
    body: str,
    payload: Mapping[str, Any],
    at: datetime,
    dedup_key: str | None = None,
    pc: float | None = None,
    miss_km: float | None = None,
    subscription_id: int | None = None,
) -> int | None:
    """Queue the message to every matching subscription of `partner` to `topic`.

    Returns the number of subscriptions matched (0 when thresholds filtered them all), or
    None when the partner has no subscription to the topic (the caller's default applies).
    `dedup_key` keeps a message from being queued twice to the same subscription.
    `subscription_id` narrows it to that one subscription, for a sender whose message
    differs per subscription (the CDM digest of a screening, `accord.screening`).
    """
    rows = [
        r
        for r in session.scalars(
            sa.select(SubscriptionRow)
            .where(SubscriptionRow.partner == partner, SubscriptionRow.removed_at.is_(None))
            .order_by(SubscriptionRow.id)
        )
        if topic.value in r.topics and subscription_id in (None, r.id)
    ]
    if not rows:
        return None
    matched = 0
    for row in rows:
        if topic is Topic.CDM and not _matches(row, pc, miss_km):
            continue
        matched += 1
        key = None if dedup_key is None else f"{dedup_key}#sub{row.id}"
        table: type[NotificationRow] | type[WebhookMessageRow] = (
            NotificationRow if row.channel == "email" else WebhookMessageRow
        )
        if key is not None and session.scalar(sa.select(table.id).where(table.dedup_key == key)):
            continue
        if row.channel == "email":
            session.add(
                NotificationRow(
                    recipient_partner=partner,
                    recipient_address=row.address,
                    subject=subject[:300],
                    body=body,
                    channel="email",
                    status=NotificationStatus.PENDING.value,
                    dedup_key=key,
                    attempts=0,
                    created_at=at,
                    next_attempt_at=at,
                )
            )
        else:
            session.add(
                WebhookMessageRow(
                    subscription_id=row.id,
                    partner=partner,
                    topic=topic.value,
                    payload={
                        "topic": topic.value,
                        "partner": partner,
                        "at": at.isoformat(),
                        "subject": subject,
                        "data": json.loads(json.dumps(dict(payload), default=str)),
                    },
                    status=NotificationStatus.PENDING.value,
                    dedup_key=key,
                    attempts=0,
                    created_at=at,
                    next_attempt_at=at,
                )
            )
        session.flush()
    return matched


def sign_webhook(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Accord-Signature` value: `sha256=` + hex HMAC-SHA256(secret, ts + "." + body)."""
    material = timestamp.encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), material, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class WebhookReport:
    """What one `send_webhooks` run did."""

    sent: int
    failed: int


def send_webhooks(engine: Engine, settings: Settings, *, now: datetime) -> WebhookReport:
    """POST every due webhook message, one transaction per message, logging each attempt.

    Messages of a removed subscription stay unsent. A 2xx answer marks the message sent;
    anything else (status or transport error) marks it failed with the next attempt after a
    doubling back-off, until the attempts run out. Secrets are decrypted with the key of
    ACCORD_WEBHOOK_SECRET_KEY_FILE, read only when a message is due.
    """
    with transaction(engine) as session:
        due = list(
            session.scalars(
                sa.select(WebhookMessageRow.id)
                .join(SubscriptionRow, SubscriptionRow.id == WebhookMessageRow.subscription_id)
                .where(
                    SubscriptionRow.removed_at.is_(None),  # a removed subscription hears nothing
                    WebhookMessageRow.status.in_(
                        (NotificationStatus.PENDING.value, NotificationStatus.FAILED.value)
                    ),
                    WebhookMessageRow.attempts < settings.notification_max_attempts,
                    WebhookMessageRow.next_attempt_at <= now,
                )
                .order_by(WebhookMessageRow.id)
            )
        )
    sent = failed = 0
    secret_key = WebhookSecretKey.from_settings(settings) if due else None
    for message_id in due:
        assert secret_key is not None
        with transaction(engine, write_lock=True) as session:
            row = session.get(WebhookMessageRow, message_id)
            if row is None or row.status == NotificationStatus.SENT.value:
                continue  # another sender got it first
            subscription = session.get(SubscriptionRow, row.subscription_id)
            assert subscription is not None and subscription.url and subscription.secret
            status_code, error, duration_ms = _post(
                subscription.url,
                secret_key.decrypt(subscription.secret, subscription_id=subscription.id),
                row.payload,
            )
            row.attempts += 1
            session.add(
                WebhookDeliveryRow(
                    message_id=row.id,
                    attempt=row.attempts,
                    at=now,
                    status_code=status_code,
                    error=error,
                    duration_ms=duration_ms,
                )
            )
            if error is None:
                row.status, row.sent_at, row.error = NotificationStatus.SENT.value, now, None
                sent += 1
            else:
                wait_s = settings.notification_retry_s * 2 ** (row.attempts - 1)
                row.status, row.error = NotificationStatus.FAILED.value, error
                row.next_attempt_at = now + timedelta(seconds=wait_s)
                failed += 1
    return WebhookReport(sent, failed)


def _post(
    url: str, secret: str, payload: Mapping[str, Any]
) -> tuple[int | None, str | None, float]:
    """POST one signed body; (HTTP status or None, error or None, duration in ms)."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign_webhook(secret, timestamp, body),
    }
    started = time.perf_counter()
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=WEBHOOK_TIMEOUT_S)
    except httpx.HTTPError as exc:
        duration_ms = (time.perf_counter() - started) * 1000.0
        return None, f"webhook {url}: {type(exc).__name__}: {exc}", duration_ms
    duration_ms = (time.perf_counter() - started) * 1000.0
    if 200 <= response.status_code < 300:
        return response.status_code, None, duration_ms
    return (
        response.status_code,
        f"webhook {url}: HTTP {response.status_code}: {response.text[:200]}",
        duration_ms,
    )
