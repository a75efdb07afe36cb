"""`accord subscription add|list|remove`: what a partner hears, by e-mail or signed webhook.

See docs/coordination.md, "Subscriptions and webhooks".
"""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.table import Table

from accord.cli._app import app, settings_of, stderr_console, stdout_console
from accord.coordination_ops import (
    SubscriptionError,
    Topic,
    WebhookSecretKey,
    WebhookSecretKeyError,
    add_subscription,
    list_subscriptions,
    remove_subscription,
)
from accord.startup import open_store
from accord.store import transaction

subscription_app = typer.Typer(
    help="Notification subscriptions: topics, thresholds, e-mail or webhook.",
    no_args_is_help=True,
)
app.add_typer(subscription_app, name="subscription")

_TOPICS = ", ".join(t.value for t in Topic)


def _fail(message: str) -> typer.Exit:
    stderr_console().print(f"error: {message}", highlight=False, markup=False)
    return typer.Exit(code=1)


@subscription_app.command("add")
def add_command(
    ctx: typer.Context,
    partner: str = typer.Option(..., "--partner", help="Handle of the subscribing partner."),
    topic: list[str] = typer.Option(..., "--topic", help=f"Topic (repeatable): {_TOPICS}."),
    email: str | None = typer.Option(None, "--email", help="Deliver by e-mail to this address."),
    webhook: str | None = typer.Option(None, "--webhook", help="Deliver by POST to this URL."),
    secret: str | None = typer.Option(
        None,
        "--secret",
        help="HMAC-SHA256 key that signs webhook bodies (at most 64 characters; stored "
        "encrypted with ACCORD_WEBHOOK_SECRET_KEY_FILE).",
    ),
    pc_min: float | None = typer.Option(
        None, "--pc-min", help="CDM topic: notify when Pc is at least this."
    ),
    miss_max_km: float | None = typer.Option(
        None, "--miss-max-km", help="CDM topic: notify when the miss distance is at most this."
    ),
) -> None:
    """Subscribe a partner to topics through one channel (e-mail or webhook)."""
    try:
        topics = [Topic(t) for t in topic]
    except ValueError:
        raise _fail(f"--topic {topic}: unknown topic; use one of {_TOPICS}") from None
    settings = settings_of(ctx)
    engine = open_store(settings, seed=False)
    try:
        # The key is read (created on first use) only for a webhook: its secret is encrypted.
        secret_key = WebhookSecretKey.from_settings(settings) if webhook is not None else None
        with transaction(engine) as session:
            stored = add_subscription(
                session,
                partner=partner,
                topics=topics,
                email=email,
                webhook_url=webhook,
                secret=secret,
                pc_min=pc_min,
                miss_max_km=miss_max_km,
                secret_key=secret_key,
                at=datetime.now(UTC),
            )
    except (SubscriptionError, WebhookSecretKeyError) as exc:
        raise _fail(str(exc)) from None
    stdout_console().print(
        f"subscription {stored.id}: {stored.partner} {stored.channel} {stored.target}",
        highlight=False,
        markup=False,
    )


@subscription_app.command("list")
def list_command(
    ctx: typer.Context,
    partner: str | None = typer.Option(None, "--partner", help="Only this partner's."),
) -> None:
    """List active subscriptions (secrets are never shown)."""
    engine = open_store(settings_of(ctx), seed=False)
    with transaction(engine) as session:
        found = list_subscriptions(session, partner=partner)
    table = Table("id", "partner", "channel", "target", "topics", "pc min", "miss max km")
    for s in found:
        table.add_row(
            str(s.id),
            s.partner,
            s.channel,
            s.target,
            ",".join(t.value for t in s.topics),
            "" if s.pc_min is None else f"{s.pc_min:g}",
            "" if s.miss_max_km is None else f"{s.miss_max_km:g}",
        )
    stdout_console().print(table)


@subscription_app.command("remove")
def remove_command(
    ctx: typer.Context,
    subscription_id: int = typer.Argument(..., help="Id shown by `accord subscription list`."),
) -> None:
    """End a subscription (its delivery log is kept)."""
    engine = open_store(settings_of(ctx), seed=False)
    try:
        with transaction(engine) as session:
            remove_subscription(session, subscription_id, at=datetime.now(UTC))
    except SubscriptionError as exc:
        raise _fail(str(exc)) from None
    stdout_console().print(f"subscription {subscription_id} removed", highlight=False)
