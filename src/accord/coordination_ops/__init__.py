"""Running coordination over the store: cases, plans, disputes, compliance, notifications.

`accord.coordination` is the pure core; this package feeds it from the store and records
every step in one transaction with its audit entry and its queued notifications:
`open_cases_from_alerts` (idempotent), answers to a case, `plan_manoeuvre` (delta-v to a
post-manoeuvre trajectory screened against the catalog), `run_compliance`, disputes, and
`advance_all(engine, now)`, the scheduler's step, run periodically by
`CoordinationScheduler` (`run_coordination_tick`). `send_pending` e-mails the queued
notifications through SMTP and POSTs the HMAC-signed webhooks of partners' subscriptions
(`add_subscription`, `route`, `send_webhooks`). See docs/coordination.md, "Running coordination".
"""

from accord.coordination_ops._campaign_notices import (
    notify_plan_recorded,
    notify_request_delivered,
)
from accord.coordination_ops._cases import (
    UnknownCaseError,
    accept_case,
    advance_cases,
    case_id_for,
    counter_propose_case,
    encounter_for_event,
    get_case,
    hand_over_case,
    list_cases,
    open_cases_from_alerts,
    refuse_case,
    rule_book,
    set_asset_profile,
    set_rule_set,
)
from accord.coordination_ops._claims import ClaimDisputesReport, open_disputes_from_claims
from accord.coordination_ops._compliance import (
    NOT_MEASURED,
    StoredCompliance,
    compliance_facts,
    run_compliance,
)
from accord.coordination_ops._disputes import (
    AdvanceReport,
    UnknownDisputeError,
    add_dispute_evidence,
    advance_all,
    decide_dispute,
    get_dispute,
    list_disputes,
    open_dispute_record,
    post_dispute_message,
)
from accord.coordination_ops._notify import SendReport, queue_notification, send_pending
from accord.coordination_ops._plans import (
    PLAN_PROMOTIONS,
    PlanError,
    PlanNotAuthorisedError,
    PlanScreening,
    PlanTransitionError,
    UnknownPlanError,
    WorseConjunctionError,
    commit_plan,
    plan_manoeuvre,
    plan_visible_to,
    post_manoeuvre_oem,
    share_plan,
)
from accord.coordination_ops._scheduler import (
    CoordinationScheduler,
    TickReport,
    run_coordination_tick,
)
from accord.coordination_ops._secrets import (
    ENCRYPTED_PREFIX,
    WebhookSecretKey,
    WebhookSecretKeyError,
    is_encrypted,
)
from accord.coordination_ops._steps import signed_decision
from accord.coordination_ops._subscriptions import (
    MAX_SECRET_CHARS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Subscription,
    SubscriptionError,
    Topic,
    WebhookReport,
    add_subscription,
    list_subscriptions,
    remove_subscription,
    route,
    send_webhooks,
    sign_webhook,
)

__all__ = [
    "commit_plan",
    "share_plan",
    "PLAN_PROMOTIONS",
    "PlanNotAuthorisedError",
    "PlanTransitionError",
    "UnknownPlanError",
    "WorseConjunctionError",
    "notify_plan_recorded",
    "notify_request_delivered",
    "ENCRYPTED_PREFIX",
    "MAX_SECRET_CHARS",
    "WebhookSecretKey",
    "WebhookSecretKeyError",
    "is_encrypted",
    "ClaimDisputesReport",
    "open_disputes_from_claims",
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
    "NOT_MEASURED",
    "AdvanceReport",
    "CoordinationScheduler",
    "PlanError",
    "PlanScreening",
    "SendReport",
    "TickReport",
    "StoredCompliance",
    "UnknownCaseError",
    "UnknownDisputeError",
    "accept_case",
    "add_dispute_evidence",
    "advance_all",
    "advance_cases",
    "case_id_for",
    "compliance_facts",
    "counter_propose_case",
    "decide_dispute",
    "encounter_for_event",
    "get_case",
    "get_dispute",
    "hand_over_case",
    "list_cases",
    "list_disputes",
    "open_cases_from_alerts",
    "open_dispute_record",
    "plan_manoeuvre",
    "plan_visible_to",
    "post_dispute_message",
    "post_manoeuvre_oem",
    "queue_notification",
    "refuse_case",
    "rule_book",
    "run_coordination_tick",
    "run_compliance",
    "send_pending",
    "set_asset_profile",
    "set_rule_set",
    "signed_decision",
]
