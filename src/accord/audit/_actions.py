"""The vocabulary of audited actions: every state change or data release has one name here.

Adding an action is adding a member to `AuditAction` and its `ActionSpec`; docs/audit.md
lists them all (a test keeps the two in step). Names are `<resource>.<event>` in the past
tense: the entry records what happened, not what was asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

__all__ = ["ACTION_SPECS", "ActionSpec", "AuditAction"]


class AuditAction(StrEnum):
    """Names of the actions recorded in the audit log."""

    PARTNER_ADMITTED = "partner.admitted"
    PARTNER_UPDATED = "partner.updated"
    KEY_CREATED = "key.created"
    KEY_REVOKED = "key.revoked"
    CATALOG_BATCH_ACCEPTED = "catalog.batch.accepted"
    EPHEMERIS_ACCEPTED = "ephemeris.accepted"
    AGREEMENT_VERSION_PROPOSED = "agreement.version.proposed"
    AGREEMENT_VERSION_SIGNED = "agreement.version.signed"
    AGREEMENT_AMENDED = "agreement.amended"
    AGREEMENT_TERMINATED = "agreement.terminated"
    AGREEMENT_SUSPENDED = "agreement.suspended"
    AGREEMENT_RESUMED = "agreement.resumed"
    ASSET_CLAIMED = "asset.claimed"
    ASSET_CONTESTED = "asset.contested"
    ASSET_WITHDRAWN = "asset.withdrawn"
    ASSET_REGISTERED = "asset.registered"
    STATION_UPDATED = "station.updated"
    STATION_RETIRED = "station.retired"
    USER_ADDED = "user.added"
    CONTACT_ADDED = "contact.added"
    CONTACT_REMOVED = "contact.removed"
    CDM_ISSUED = "cdm.issued"
    SCREENING_COMPLETED = "screening.completed"
    COORDINATION_STEP_RECORDED = "coordination.step.recorded"
    DISPUTE_STEP_RECORDED = "dispute.step.recorded"
    CAMPAIGN_PLAN_RECORDED = "campaign.plan.recorded"
    CAMPAIGN_REQUEST_SUBMITTED = "campaign.request.submitted"
    CAMPAIGN_REQUEST_VALIDATED = "campaign.request.validated"
    CAMPAIGN_REQUEST_CLOSED = "campaign.request.closed"
    CAMPAIGN_TASK_UPDATED = "campaign.task.updated"
    POOL_ASSET_ADDED = "pool.asset.added"
    POOL_SHARE_COMMITTED = "pool.share.committed"
    DATA_RELEASED = "data.released"


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """What an action means and whether a partner may sign the submission behind it.

    `submission_kind` names what the partner signs (see `submission_statement`); None for
    actions that no partner submits. Actions sharing a kind (`agreement.version`: a version
    proposed, an amendment in force) share the statement, so one signature serves both.
    """

    action: AuditAction
    summary: str
    submission_kind: str | None = None


_SPECS = (
    ActionSpec(AuditAction.PARTNER_ADMITTED, "A partner joined the coalition."),
    ActionSpec(
        AuditAction.PARTNER_UPDATED,
        "A partner's name, kind or country code changed (fields in details, with the new kind "
        "or country code; the actor is the partner or a platform admin).",
    ),
    ActionSpec(
        AuditAction.KEY_CREATED,
        "A key was created or registered (the log key, a partner's signing key, or an API "
        "key: `details.purpose` says which).",
    ),
    ActionSpec(AuditAction.KEY_REVOKED, "A signing key or API key was revoked."),
    ActionSpec(
        AuditAction.CATALOG_BATCH_ACCEPTED,
        "A partner's catalog batch was accepted into the shared catalog.",
        "catalog.batch",
    ),
    ActionSpec(
        AuditAction.EPHEMERIS_ACCEPTED,
        "A partner's operator ephemeris (OEM) of a satellite it claims was accepted (the "
        "ephemeris and the object as subjects, the file's SHA-256 as content hash).",
        "ephemeris",
    ),
    ActionSpec(
        AuditAction.AGREEMENT_VERSION_PROPOSED,
        "A partner proposed a version of an agreement.",
        "agreement.version",
    ),
    ActionSpec(
        AuditAction.AGREEMENT_VERSION_SIGNED,
        "A partner signed a version of an agreement.",
        "agreement.signature",
    ),
    ActionSpec(
        AuditAction.AGREEMENT_AMENDED,
        "An agreement took effect in an amended version.",
        "agreement.version",
    ),
    ActionSpec(
        AuditAction.AGREEMENT_TERMINATED,
        "An agreement was terminated by a partner.",
        "agreement.termination",
    ),
    ActionSpec(
        AuditAction.AGREEMENT_SUSPENDED,
        "An agreement was suspended by a party (its clauses grant nothing until resumed).",
        "agreement.suspension",
    ),
    ActionSpec(
        AuditAction.AGREEMENT_RESUMED,
        "A suspended agreement was resumed by a party.",
        "agreement.suspension",
    ),
    ActionSpec(AuditAction.ASSET_CLAIMED, "A partner claimed a catalogued object as its own."),
    ActionSpec(
        AuditAction.ASSET_CONTESTED,
        "A partner claimed an object another partner already claims (every claim kept).",
    ),
    ActionSpec(AuditAction.ASSET_WITHDRAWN, "A partner withdrew its claim on an object."),
    ActionSpec(AuditAction.ASSET_REGISTERED, "A partner registered a ground station or sensor."),
    ActionSpec(
        AuditAction.STATION_UPDATED,
        "A partner changed its station's position, limits, name or provider, or reactivated it "
        "(fields in details).",
    ),
    ActionSpec(
        AuditAction.STATION_RETIRED,
        "A partner retired its station (kept for history; its id is never reused).",
    ),
    ActionSpec(
        AuditAction.USER_ADDED,
        "A console user was added to a partner (an opaque user id; no personal data).",
    ),
    ActionSpec(
        AuditAction.CONTACT_ADDED,
        "A contact for a partner's notices was added (partner, contact id and role; no name or "
        "address).",
    ),
    ActionSpec(
        AuditAction.CONTACT_REMOVED,
        "A partner's contact was removed (partner, contact id and role; no name or address).",
    ),
    ActionSpec(AuditAction.CDM_ISSUED, "A conjunction data message was issued."),
    ActionSpec(
        AuditAction.SCREENING_COMPLETED,
        "A screening was stored (span, threshold, object, conjunction and CDM counts and the "
        "job in details; the submitter's partner as actor).",
    ),
    ActionSpec(
        AuditAction.COORDINATION_STEP_RECORDED,
        "A coordination step (who manoeuvres, a plan, a decision) was recorded.",
        "coordination.decision",
    ),
    ActionSpec(
        AuditAction.DISPUTE_STEP_RECORDED,
        "A step of a dispute was recorded.",
        "dispute.step",
    ),
    ActionSpec(
        AuditAction.CAMPAIGN_PLAN_RECORDED,
        "A joint observation campaign plan was recorded.",
        "campaign.plan",
    ),
    ActionSpec(
        AuditAction.CAMPAIGN_REQUEST_SUBMITTED,
        "A partner submitted an observation request to a pool (area digest in details).",
    ),
    ActionSpec(
        AuditAction.CAMPAIGN_REQUEST_VALIDATED,
        "A duty officer of a pool member validated an observation request.",
    ),
    ActionSpec(AuditAction.CAMPAIGN_REQUEST_CLOSED, "A delivered observation request was closed."),
    ActionSpec(
        AuditAction.CAMPAIGN_TASK_UPDATED,
        "A satellite's owner accepted, declined or reported an acquisition task (new status "
        "in details).",
    ),
    ActionSpec(
        AuditAction.POOL_ASSET_ADDED,
        "A partner added a satellite or ground station to a pool.",
    ),
    ActionSpec(
        AuditAction.POOL_SHARE_COMMITTED,
        "A partner committed its share of a pool's capacity under an agreement in force.",
    ),
    ActionSpec(
        AuditAction.DATA_RELEASED,
        "Data was released to a partner under an agreement (data class and counts in "
        "details; recipient, clauses and assets sealed).",
    ),
)

#: Every action's spec, keyed by action; complete (a test checks every member has one).
ACTION_SPECS: MappingProxyType[AuditAction, ActionSpec] = MappingProxyType(
    {spec.action: spec for spec in _SPECS}
)
