"""Campaign task notices: owners hear their tasks, requesters re-plans and deliveries.

The worked campaign of test_workflow (Rome, Lisbon, Athens; ESA and USGS satellites; Civil
Protection requests). ESA listens to `campaign_task` through a real signed webhook, USGS
and Civil Protection by e-mail through a real local SMTP server. Every notice is queued in
the step's transaction: a plan rolled back leaves none.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.campaign_ops import plan_campaign, update_task, validate_request
from accord.coordination_ops import Topic, WebhookSecretKey, add_subscription, send_pending
from accord.settings import Settings
from accord.store import (
    CampaignTaskRow,
    NotificationRow,
    PartnerRepository,
    WebhookMessageRow,
    transaction,
)
from tests._smtp_server import SmtpServer
from tests._webhook_receiver import WebhookReceiver
from tests.campaign_ops._campaign import AT, DEADLINE, END, principal, setup_campaign
from tests.campaign_ops.test_workflow import _submit

SECRET = "esa-campaign-hook"


class _Rollback(Exception):
    pass


def _queued(engine: Engine) -> tuple[list[WebhookMessageRow], list[NotificationRow]]:
    with transaction(engine) as session:
        hooks = list(session.scalars(sa.select(WebhookMessageRow).order_by(WebhookMessageRow.id)))
        mails = list(session.scalars(sa.select(NotificationRow).order_by(NotificationRow.id)))
        session.expunge_all()
    return hooks, mails


def test_owners_hear_their_tasks_and_the_requester_hears_replans_and_delivery(
    engine: Engine, shared: Callable[[str], Path], tmp_path: Path
) -> None:
    setup_campaign(engine, shared)
    settings_key = tmp_path / "webhook.fernet"
    first = _submit(engine, "cp")
    with WebhookReceiver(SECRET) as receiver, SmtpServer() as smtp:
        with transaction(engine) as session:
            add_subscription(
                session,
                partner="esa",
                topics=[Topic.CAMPAIGN_TASK],
                webhook_url=receiver.url,
                secret=SECRET,
                secret_key=WebhookSecretKey.load_or_create(settings_key),
                at=AT,
            )
            for handle in ("usgs", "cp"):
                add_subscription(
                    session,
                    partner=handle,
                    topics=[Topic.CAMPAIGN_TASK],
                    email=f"desk@{handle}.test",
                    at=AT,
                )
        with transaction(engine, write_lock=True) as session:
            for request_id in (first, first + 1, first + 2):
                validate_request(session, principal(session, "esa"), request_id, at=AT)

        # Same transaction: a plan that rolls back queues nothing.
        with pytest.raises(_Rollback), transaction(engine, write_lock=True) as session:
            plan_campaign(session, principal(session, "esa"), at=AT)
            raise _Rollback
        assert _queued(engine) == ([], [])

        with transaction(engine, write_lock=True) as session:
            plan_id = plan_campaign(session, principal(session, "esa"), at=AT).id
        hooks, mails = _queued(engine)
        assert [h.payload["data"]["event"] for h in hooks] == ["campaign.tasks_assigned"]
        esa_tasks = hooks[0].payload["data"]["tasks"]
        assert hooks[0].payload["data"]["plan_id"] == plan_id and len(esa_tasks) == 2
        assert [m.recipient_address for m in mails] == ["desk@usgs.test"]  # USGS: one task
        assert "1 task(s)" in mails[0].subject

        # ESA declines Rome: the re-plan tells the requester, and the new owner its task.
        rome = next(t for t in esa_tasks if t["request_id"] == first)
        with transaction(engine, write_lock=True) as session:
            _, replanned = update_task(
                session, principal(session, "esa"), rome["task_id"], "declined", at=AT
            )
            assert replanned is not None
            replan_id = replanned.id
        hooks, mails = _queued(engine)
        replan_mails = [m for m in mails if m.subject.startswith("Campaign request")]
        assert {m.recipient_address for m in replan_mails} == {"desk@cp.test"}
        assert len(replan_mails) == 3  # one per request of the re-formed plan
        assert any(f"request {first} re-planned (task {rome['task_id']} declined)" in m.subject
                   for m in replan_mails)  # fmt: skip
        new_task_notices = [h for h in hooks if h.payload["data"]["plan_id"] == replan_id] + [
            m for m in mails if m.subject.startswith(f"Campaign plan {replan_id}:")
        ]
        assert len(new_task_notices) == 1  # Rome's new task, for its new owner

        # Accept, acquire and deliver every active task: the requester hears each delivery.
        with transaction(engine, write_lock=True) as session:
            active = list(
                session.scalars(
                    sa.select(CampaignTaskRow).where(CampaignTaskRow.status == "proposed")
                )
            )
            for task in active:
                owner = principal(
                    session, PartnerRepository(session).get(task.owner_partner_id).handle or ""
                )
                update_task(session, owner, task.id, "accepted", at=AT)
                update_task(session, owner, task.id, "acquired", at=END)
                update_task(session, owner, task.id, "delivered", at=DEADLINE)
        hooks, mails = _queued(engine)
        delivered = [m for m in mails if "delivered" in m.subject]
        assert sorted(m.subject.split()[2] for m in delivered) == [
            str(first),
            str(first + 1),
            str(first + 2),
        ]
        assert all(m.recipient_address == "desk@cp.test" for m in delivered)

        settings = Settings(
            smtp_host="127.0.0.1", smtp_port=smtp.port, webhook_secret_key_file=settings_key
        )
        report = send_pending(engine, settings, now=DEADLINE)
        assert report.failed == 0 and report.webhooks_failed == 0
        assert report.sent == len(mails) and report.webhooks_sent == len(hooks)
        received, sent_mail = receiver.received, smtp.received
    assert {h.status for h in received} == {204}  # every ESA notice signed and verified
    assert all(h.body["topic"] == "campaign_task" for h in received)
    assert len(sent_mail) == len(mails)
