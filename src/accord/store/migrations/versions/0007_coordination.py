"""Coordination: cases and steps, manoeuvre plans, disputes, compliance, notifications.

Revision ID: 0007_coordination
Revises: 0006_jobs
Create Date: 2026-03-12

Written by hand and frozen, like the earlier revisions (CHECK value lists spelled out).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accord.store._types import UTCDateTime

revision = "0007_coordination"
down_revision = "0006_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coordination_cases",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("parties", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("proposal", sa.JSON, nullable=True),
        sa.Column("rule_id", sa.String(200), nullable=True),
        sa.Column("next_deadline", UTCDateTime(), nullable=True),
        sa.Column("tca", UTCDateTime(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coordination_cases"),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["conjunction_events.id"],
            name="fk_coordination_cases_event_id_conjunction_events",
        ),
        sa.UniqueConstraint("event_id", name="uq_coordination_cases_event_id"),
    )
    op.create_index(
        "ix_coordination_cases_state_next_deadline",
        "coordination_cases",
        ["state", "next_deadline"],
    )
    op.create_table(
        "coordination_steps",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("audit_seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coordination_steps"),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["coordination_cases.id"],
            name="fk_coordination_steps_case_id_coordination_cases",
        ),
        sa.UniqueConstraint("case_id", "seq", name="uq_coordination_steps_case_seq"),
    )
    op.create_index("ix_coordination_steps_case_id", "coordination_steps", ["case_id"])
    op.create_table(
        "manoeuvre_plans",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("norad_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("oem_text", sa.Text, nullable=False),
        sa.Column("burn_at", UTCDateTime(), nullable=True),
        sa.Column("delta_v_r_m_s", sa.Float, nullable=True),
        sa.Column("delta_v_t_m_s", sa.Float, nullable=True),
        sa.Column("delta_v_n_m_s", sa.Float, nullable=True),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("screening", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_manoeuvre_plans"),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["coordination_cases.id"],
            name="fk_manoeuvre_plans_case_id_coordination_cases",
        ),
        sa.CheckConstraint(
            "kind IN ('hypothetical', 'candidate', 'committed')", name="ck_manoeuvre_plans_kind"
        ),
    )
    op.create_index("ix_manoeuvre_plans_case_id", "manoeuvre_plans", ["case_id"])
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("agreement_id", sa.String(64), nullable=False),
        sa.Column("grounds", sa.String(32), nullable=False),
        sa.Column("claimant", sa.String(64), nullable=False),
        sa.Column("respondent", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(300), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("decision", sa.JSON, nullable=True),
        sa.Column("document", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_disputes"),
    )
    op.create_index("ix_disputes_agreement_id", "disputes", ["agreement_id"])
    op.create_index("ix_disputes_state_deadline", "disputes", ["state", "deadline"])
    op.create_table(
        "dispute_messages",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("dispute_id", sa.String(64), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dispute_messages"),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name="fk_dispute_messages_dispute_id_disputes"
        ),
    )
    op.create_index("ix_dispute_messages_dispute_id", "dispute_messages", ["dispute_id"])
    op.create_table(
        "dispute_evidence",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("dispute_id", sa.String(64), nullable=False),
        sa.Column("audit_seq", sa.BigInteger, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("inclusion_proof", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_dispute_evidence"),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name="fk_dispute_evidence_dispute_id_disputes"
        ),
    )
    op.create_index("ix_dispute_evidence_dispute_id", "dispute_evidence", ["dispute_id"])
    op.create_table(
        "compliance_reports",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("agreement_id", sa.String(64), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("period_start", UTCDateTime(), nullable=False),
        sa.Column("period_end", UTCDateTime(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("figures", sa.JSON, nullable=False),
        sa.Column("evaluated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_compliance_reports"),
    )
    op.create_index(
        "ix_compliance_reports_partner_agreement",
        "compliance_reports",
        ["partner", "agreement_id"],
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("recipient_partner", sa.String(64), nullable=False),
        sa.Column("recipient_contact_id", sa.Integer, nullable=True),
        sa.Column("recipient_address", sa.String(320), nullable=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dedup_key", sa.String(400), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.ForeignKeyConstraint(
            ["recipient_contact_id"],
            ["partner_contacts.id"],
            name="fk_notifications_recipient_contact_id_partner_contacts",
        ),
        sa.UniqueConstraint("dedup_key", name="uq_notifications_dedup_key"),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed')", name="ck_notifications_status"
        ),
        sa.CheckConstraint("channel IN ('email')", name="ck_notifications_channel"),
    )
    op.create_index(
        "ix_notifications_status_next_attempt_at", "notifications", ["status", "next_attempt_at"]
    )
    op.create_table(
        "coordination_rule_sets",
        sa.Column("agreement_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", name="pk_coordination_rule_sets"),
    )
    op.create_table(
        "coordination_assets",
        sa.Column("norad_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("object_type", sa.String(16), nullable=False),
        sa.Column("manoeuvrable", sa.Boolean, nullable=False),
        sa.Column("pc_threshold", sa.Float, nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("norad_id", name="pk_coordination_assets"),
    )


def downgrade() -> None:
    op.drop_table("coordination_assets")
    op.drop_table("coordination_rule_sets")
    op.drop_index("ix_notifications_status_next_attempt_at", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_compliance_reports_partner_agreement", table_name="compliance_reports")
    op.drop_table("compliance_reports")
    op.drop_index("ix_dispute_evidence_dispute_id", table_name="dispute_evidence")
    op.drop_table("dispute_evidence")
    op.drop_index("ix_dispute_messages_dispute_id", table_name="dispute_messages")
    op.drop_table("dispute_messages")
    op.drop_index("ix_disputes_state_deadline", table_name="disputes")
    op.drop_index("ix_disputes_agreement_id", table_name="disputes")
    op.drop_table("disputes")
    op.drop_index("ix_manoeuvre_plans_case_id", table_name="manoeuvre_plans")
    op.drop_table("manoeuvre_plans")
    op.drop_index("ix_coordination_steps_case_id", table_name="coordination_steps")
    op.drop_table("coordination_steps")
    op.drop_index("ix_coordination_cases_state_next_deadline", table_name="coordination_cases")
    op.drop_table("coordination_cases")
