"""Notifications: queued in the event's transaction, e-mailed later by `send_pending`.

`queue_notification` writes one `notifications` row per contact of the recipient partner
(`partner_contacts`), in the caller's transaction, so a step and its notification commit
together. `send_pending` is the sender step: it e-mails every row that is due through the
configured SMTP server (stdlib `smtplib`), one short transaction per row, and records the
outcome: `sent` with `sent_at`, or `failed` with the error and the next attempt after a
back-off that doubles (ACCORD_NOTIFICATION_RETRY_S, ACCORD_NOTIFICATION_MAX_ATTEMPTS).

With a `topic`, the partner's subscriptions to that topic decide (`route`: e-mail to the
subscribed address, or a signed webhook); the contacts are e-mailed only when the partner
has no subscription to the topic, so a partner without subscriptions keeps hearing every
step and breach by e-mail. `send_pending` also POSTs the due webhooks (`send_webhooks`).
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord.coordination_ops._subscriptions import Topic, route, send_webhooks
from accord.settings import Settings
from accord.store import (
    NotificationRow,
    NotificationStatus,
    PartnerContact,
    PartnerRepository,
    transaction,
)

__all__ = ["SendReport", "queue_notification", "send_pending"]

EMAIL = "email"


def queue_notification(
    session: Session,
    *,
    partner: str,
    subject: str,
    body: str,
    at: datetime,
    dedup_key: str | None = None,
    topic: Topic | None = None,
    payload: Mapping[str, Any] | None = None,
) -> list[int]:
    """Queue an e-mail to every contact of partner handle `partner`; returns the row ids.

    With `dedup_key`, a notification already queued under that key (per contact) is not
    queued again (breach notices are sent once). A partner without contacts gets one row
    without an address, which fails when sent with an error that says to add a contact.
    With `topic`, a partner subscribed to it gets the message through its subscriptions
    only (`route`, `payload` the webhook's data) and this returns [] (module notes).
    """
    if topic is not None:
        routed = route(
            session,
            partner=partner,
            topic=topic,
            subject=subject,
            body=body,
            payload=payload or {},
            at=at,
            dedup_key=dedup_key,
        )
        if routed is not None:
            return []
    found = PartnerRepository(session).find_by_handle(partner)
    contacts: list[PartnerContact | None] = []
    if found is not None:
        contacts = list(
            session.scalars(
                sa.select(PartnerContact)
                .where(PartnerContact.partner_id == found.id)
                .order_by(PartnerContact.id)
            )
        )
    ids: list[int] = []
    for contact in contacts or [None]:
        key = None
        if dedup_key is not None:
            key = f"{dedup_key}#{contact.id if contact else partner}"
            if session.scalar(
                sa.select(NotificationRow.id).where(NotificationRow.dedup_key == key)
            ):
                continue
        row = NotificationRow(
            recipient_partner=partner,
            recipient_contact_id=contact.id if contact else None,
            recipient_address=contact.email if contact else None,
            subject=subject[:300],
            body=body,
            channel=EMAIL,
            status=NotificationStatus.PENDING.value,
            dedup_key=key,
            attempts=0,
            created_at=at,
            next_attempt_at=at,
        )
        session.add(row)
        session.flush()
        ids.append(row.id)
    return ids


@dataclass(frozen=True, slots=True)
class SendReport:
    """What one `send_pending` run did: e-mails sent and failed, webhooks POSTed and failed.

    `skipped_no_server`: no SMTP host is configured, e-mail stays queued.
    """

    sent: int
    failed: int
    skipped_no_server: bool = False
    webhooks_sent: int = 0
    webhooks_failed: int = 0


def send_pending(engine: Engine, settings: Settings, *, now: datetime) -> SendReport:
    """E-mail every due notification (pending, or failed with attempts left and its back-off
    passed) through ACCORD_SMTP_HOST; each outcome is recorded in its own transaction.

    Without an SMTP host no e-mail is sent (`skipped_no_server`): rows stay queued. Due
    webhook messages are POSTed first (`send_webhooks`), whatever the SMTP configuration.
    """
    hooks = send_webhooks(engine, settings, now=now)
    if settings.smtp_host is None:
        return SendReport(0, 0, True, hooks.sent, hooks.failed)
    with transaction(engine) as session:
        due = list(
            session.scalars(
                sa.select(NotificationRow.id)
                .where(
                    NotificationRow.status.in_(
                        (NotificationStatus.PENDING.value, NotificationStatus.FAILED.value)
                    ),
                    NotificationRow.attempts < settings.notification_max_attempts,
                    NotificationRow.next_attempt_at <= now,
                )
                .order_by(NotificationRow.id)
            )
        )
    sent = failed = 0
    for notification_id in due:
        with transaction(engine, write_lock=True) as session:
            row = session.get(NotificationRow, notification_id)
            if row is None or row.status == NotificationStatus.SENT.value:
                continue  # another sender got it first
            error = _deliver(row, settings)
            row.attempts += 1
            if error is None:
                row.status, row.sent_at, row.error = NotificationStatus.SENT.value, now, None
                sent += 1
            else:
                wait_s = settings.notification_retry_s * 2 ** (row.attempts - 1)
                row.status, row.error = NotificationStatus.FAILED.value, error
                row.next_attempt_at = now + timedelta(seconds=wait_s)
                failed += 1
    return SendReport(sent, failed, False, hooks.sent, hooks.failed)


def _deliver(row: NotificationRow, settings: Settings) -> str | None:
    """Send one row; None when the server accepted it, else the error to record."""
    if row.recipient_address is None:
        # The row was queued without an address, so a contact added later receives the
        # notices queued after it, not this one.
        return (
            f"partner {row.recipient_partner!r} has no contact to e-mail; add one with "
            f"`accord partner contact add {row.recipient_partner} --name NAME --email ADDRESS "
            f"--role ROLE` or POST /api/v1/partners/{row.recipient_partner}/contacts, and "
            "later notices go to it"
        )
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = row.recipient_address
    message["Subject"] = row.subject
    message["X-Accord-Notification"] = str(row.id)
    message.set_content(row.body)
    assert settings.smtp_host is not None
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s
        ) as client:
            if settings.smtp_starttls:
                client.starttls()
            if settings.smtp_username is not None:
                client.login(settings.smtp_username, settings.smtp_password or "")
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        return f"SMTP {settings.smtp_host}:{settings.smtp_port}: {type(exc).__name__}: {exc}"
    return None
