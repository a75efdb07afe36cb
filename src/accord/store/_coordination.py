"""Tables of coordination between partners (migration 0007_coordination).

Cases, their steps, manoeuvre plans, disputes (with messages and evidence), compliance
reports, notifications, bilateral rule sets and the coordination profile of assets. A case
and a dispute are stored twice over: indexed columns the scheduler and the lists query
(state, next deadline, parties) and `document`, the full value of the pure core's dataclass
(`accord.coordination`) that a transition is applied to, so nothing is lost between the two.
Parties are partner handles (the agreement documents' ids); times are UTC.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from accord.store._models import Base
from accord.store._types import UTCDateTime

__all__ = [
    "ComplianceReportRow",
    "CoordinationAssetRow",
    "CoordinationCaseRow",
    "CoordinationStepRow",
    "DisputeEvidenceRow",
    "DisputeMessageRow",
    "DisputeRow",
    "ManoeuvrePlanKind",
    "ManoeuvrePlanRow",
    "NotificationRow",
    "PlanCatalogEntryRow",
    "NotificationStatus",
    "RuleSetRow",
]


class ManoeuvrePlanKind(StrEnum):
    """Who sees a plan: the owner only, the other party too, or as the agreements share."""

    HYPOTHETICAL = "hypothetical"
    CANDIDATE = "candidate"
    COMMITTED = "committed"


class NotificationStatus(StrEnum):
    """Where a queued notification stands; `failed` ones are retried until the attempts end."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


def _in_values(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class CoordinationCaseRow(Base):
    """A coordination case: one per conjunction event (opening is idempotent)."""

    __tablename__ = "coordination_cases"
    __table_args__ = (
        sa.Index("ix_coordination_cases_state_next_deadline", "state", "next_deadline"),
    )

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("conjunction_events.id"), unique=True)
    #: Partner handles, sorted.
    parties: Mapped[list[str]] = mapped_column(sa.JSON)
    state: Mapped[str] = mapped_column(sa.String(16))
    #: The current proposal (outcome, acting operators, rule id, reasons, deadlines), or None.
    proposal: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    rule_id: Mapped[str | None] = mapped_column(sa.String(200))
    next_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tca: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The whole `CoordinationCase` as JSON (accord.coordination_ops codec).
    document: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class CoordinationStepRow(Base):
    """One event of a case (`case.opened`, `case.accepted`, ...) with its audit entry."""

    __tablename__ = "coordination_steps"
    __table_args__ = (sa.UniqueConstraint("case_id", "seq", name="uq_coordination_steps_case_seq"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.ForeignKey("coordination_cases.id"), index=True)
    seq: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(64))
    #: Partner handle that took the step; None for the platform (rules, deadlines).
    actor: Mapped[str | None] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    audit_seq: Mapped[int] = mapped_column(sa.BigInteger)


class ManoeuvrePlanRow(Base):
    """A planned manoeuvre of a case: an OEM or a delta-v at a time, and its screening."""

    __tablename__ = "manoeuvre_plans"
    __table_args__ = (sa.CheckConstraint(_in_values("kind", ManoeuvrePlanKind), name="kind"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.ForeignKey("coordination_cases.id"), index=True)
    owner: Mapped[str] = mapped_column(sa.String(64))
    norad_id: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(16))
    #: The post-manoeuvre trajectory as CCSDS OEM KVN (given, or produced by the platform).
    oem_text: Mapped[str] = mapped_column(sa.Text)
    burn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delta_v_r_m_s: Mapped[float | None] = mapped_column(sa.Float)
    delta_v_t_m_s: Mapped[float | None] = mapped_column(sa.Float)
    delta_v_n_m_s: Mapped[float | None] = mapped_column(sa.Float)
    #: `acceptable` (no worse conjunction than the avoided one) or `worse`.
    verdict: Mapped[str] = mapped_column(sa.String(16))
    screening: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PlanCatalogEntryRow(Base):
    """A committed plan's post-manoeuvre mean element set added to the catalog (0011).

    Provenance beside the catalog batch (partner = the plan's owner, source name
    `manoeuvre-plan:<id>`): which plan, which element set, and how closely SGP4 with the
    fitted elements follows the plan's trajectory (position residuals over the fit span).
    """

    __tablename__ = "plan_catalog_entries"

    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("manoeuvre_plans.id"), primary_key=True, autoincrement=False
    )
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("catalog_batches.id"))
    norad_id: Mapped[int] = mapped_column(sa.Integer)
    epoch: Mapped[datetime] = mapped_column(UTCDateTime())
    fit_start: Mapped[datetime] = mapped_column(UTCDateTime())
    fit_end: Mapped[datetime] = mapped_column(UTCDateTime())
    fit_samples: Mapped[int] = mapped_column(sa.Integer)
    fit_rms_km: Mapped[float] = mapped_column(sa.Float)
    fit_max_km: Mapped[float] = mapped_column(sa.Float)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DisputeRow(Base):
    """A dispute under an agreement's dispute clause (messages and evidence in their tables)."""

    __tablename__ = "disputes"
    __table_args__ = (sa.Index("ix_disputes_state_deadline", "state", "deadline"),)

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    agreement_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    grounds: Mapped[str] = mapped_column(sa.String(32))
    claimant: Mapped[str] = mapped_column(sa.String(64))
    respondent: Mapped[str] = mapped_column(sa.String(64))
    #: `case:<id>`, a breach notice key, a NORAD id: what the dispute is about (unique per
    #: grounds, so a workflow that opens disputes from facts opens each once).
    reference: Mapped[str | None] = mapped_column(sa.String(300))
    state: Mapped[str] = mapped_column(sa.String(16))
    step: Mapped[str] = mapped_column(sa.String(16))
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The decision with its reasons, once decided.
    decision: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: The `Dispute` without its messages and evidence, as JSON.
    document: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class DisputeMessageRow(Base):
    """A message between a dispute's participants."""

    __tablename__ = "dispute_messages"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    dispute_id: Mapped[str] = mapped_column(sa.ForeignKey("disputes.id"), index=True)
    author: Mapped[str] = mapped_column(sa.String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    step: Mapped[str] = mapped_column(sa.String(16))
    text: Mapped[str] = mapped_column(sa.Text)


class DisputeEvidenceRow(Base):
    """Evidence: an audit-log entry by seq, with its RFC 6962 inclusion proof when fetched."""

    __tablename__ = "dispute_evidence"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    dispute_id: Mapped[str] = mapped_column(sa.ForeignKey("disputes.id"), index=True)
    audit_seq: Mapped[int] = mapped_column(sa.BigInteger)
    description: Mapped[str] = mapped_column(sa.Text)
    submitted_by: Mapped[str] = mapped_column(sa.String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    inclusion_proof: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


class ComplianceReportRow(Base):
    """One evaluation of a partner's commitments under an agreement, with the figures."""

    __tablename__ = "compliance_reports"
    __table_args__ = (
        sa.Index("ix_compliance_reports_partner_agreement", "partner", "agreement_id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    agreement_id: Mapped[str] = mapped_column(sa.String(64))
    partner: Mapped[str] = mapped_column(sa.String(64))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    verdict: Mapped[str] = mapped_column(sa.String(16))
    figures: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NotificationRow(Base):
    """A message to a partner's contact, queued with the event and sent by `send_pending`."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.CheckConstraint(_in_values("status", NotificationStatus), name="status"),
        sa.CheckConstraint("channel IN ('email')", name="channel"),
        sa.Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    recipient_partner: Mapped[str] = mapped_column(sa.String(64))
    recipient_contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner_contacts.id"))
    recipient_address: Mapped[str | None] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    channel: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16))
    #: Unique when set: a breach notice (its key) or a step is notified once per recipient.
    dedup_key: Mapped[str | None] = mapped_column(sa.String(400), unique=True)
    attempts: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(sa.Text)


class RuleSetRow(Base):
    """The bilateral rules of the road of one agreement (`accord.rules/v1` text, as written)."""

    __tablename__ = "coordination_rule_sets"

    agreement_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    text: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CoordinationAssetRow(Base):
    """What the rules of the road need of an object beyond the catalog: type, manoeuvrability,
    and its operator's Pc threshold. Objects without a row get defaults (docs/coordination.md).
    """

    __tablename__ = "coordination_assets"

    norad_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    object_type: Mapped[str] = mapped_column(sa.String(16))
    manoeuvrable: Mapped[bool] = mapped_column(sa.Boolean)
    pc_threshold: Mapped[float | None] = mapped_column(sa.Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
