"""Compliance over the store: facts gathered, `evaluate_compliance`, reports, breach notices.

Facts: claims from `satellite_claims` (claimed or contested, until withdrawn); element-set
submissions per claimed satellite from `catalog_batches` (the partner's batch time, one per
batch and object) for `catalog_update_interval_h`; operator ephemeris submissions from
`ephemerides` (each submission's time and object) for `ephemeris_update_interval_h`, with no
fallback to element sets: the commitment is to deliver ephemerides, and an element set is
not one (a partner that submits none has no update). Coordination requests come from the cases:
each proposal asks every party but its proposer, answered by that party's first step
after it. Metrics without recorded facts are `not_applicable` with the reason in the
figures: `conjunction_screening_interval_h` (screenings are run by the platform, not per
partner). `acquisition_opportunities_per_month` counts the campaign tasks each partner
accepted (`accord.campaign_ops.acquisition_contributions`: accepted, acquired, delivered or
missed, at the acquisition start).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.access import AgreementRepository
from accord.agreements import CommitmentMetric
from accord.audit import Actor, AuditAction, AuditEvent, AuditLog, SubjectRef
from accord.campaign_ops import acquisition_contributions
from accord.coordination import (
    ClaimPeriod,
    ComplianceFacts,
    ComplianceReport,
    CoordinationRequest,
    Submission,
    Verdict,
    evaluate_compliance,
)
from accord.coordination_ops._cases import list_cases
from accord.coordination_ops._notify import queue_notification
from accord.coordination_ops._steps import in_force, partner_ids
from accord.coordination_ops._subscriptions import Topic
from accord.store import (
    CatalogBatch,
    ComplianceReportRow,
    CoordinationStepRow,
    ElementSetRow,
    EphemerisRepository,
    Partner,
    SatelliteClaim,
)

__all__ = ["NOT_MEASURED", "StoredCompliance", "compliance_facts", "run_compliance"]

#: Metrics this deployment has no facts for, and why (reported as not applicable).
NOT_MEASURED: dict[CommitmentMetric, str] = {
    CommitmentMetric.CONJUNCTION_SCREENING_INTERVAL_H: (
        "screenings are run by the platform for everyone; no per-partner screening runs are "
        "recorded"
    ),
}


#: Start of the acquisition-contribution series (before any agreement can be in force).
_FACTS_SINCE = datetime(1957, 10, 4, tzinfo=UTC)


def compliance_facts(session: Session, *, until: datetime | None = None) -> ComplianceFacts:
    """Every fact series compliance reads, from the store (module notes).

    `until` (aware UTC) bounds the campaign contributions read; default: all of them.
    """
    claims = tuple(
        ClaimPeriod(str(handle), norad_id, claimed_at, withdrawn_at)
        for handle, norad_id, claimed_at, withdrawn_at in session.execute(
            sa.select(
                Partner.handle,
                SatelliteClaim.norad_id,
                SatelliteClaim.claimed_at,
                SatelliteClaim.withdrawn_at,
            )
            .join(Partner, Partner.id == SatelliteClaim.partner_id)
            .where(Partner.handle.is_not(None))
        )
    )
    submissions = tuple(
        Submission(str(handle), submitted_at, norad_id)
        for handle, submitted_at, norad_id in session.execute(
            sa.select(Partner.handle, CatalogBatch.submitted_at, ElementSetRow.norad_id)
            .join(CatalogBatch, CatalogBatch.id == ElementSetRow.batch_id)
            .join(Partner, Partner.id == CatalogBatch.partner_id)
            .where(Partner.handle.is_not(None))
            .distinct()
        )
    )
    requests: list[CoordinationRequest] = []
    for case in list_cases(session):
        steps = session.execute(
            sa.select(CoordinationStepRow.actor, CoordinationStepRow.at)
            .where(CoordinationStepRow.case_id == case.id, CoordinationStepRow.actor.is_not(None))
            .order_by(CoordinationStepRow.seq)
        ).all()
        for proposal in case.proposals:
            for party in case.parties:
                if party == proposal.proposed_by:
                    continue
                answered = next(
                    (at for actor, at in steps if actor == party and at >= proposal.proposed_at),
                    None,
                )
                requests.append(CoordinationRequest(case.id, party, proposal.proposed_at, answered))
    ephemerides = tuple(
        Submission(handle, submitted_at, norad_id)
        for handle, submitted_at, norad_id in EphemerisRepository(session).submission_times()
    )
    return ComplianceFacts(
        claims=claims,
        ephemeris_submissions=ephemerides,
        element_set_submissions=submissions,
        coordination_requests=tuple(requests),
        acquisition_contributions=tuple(
            acquisition_contributions(
                session, _FACTS_SINCE, until or datetime(9999, 1, 1, tzinfo=UTC)
            )
        ),
    )


@dataclass(frozen=True, slots=True)
class StoredCompliance:
    """One stored report: its row id, partner, agreement, verdict and figures."""

    report_id: int
    partner: str
    agreement_id: str
    verdict: str
    figures: dict[str, Any]
    breach_keys: tuple[str, ...]


def _figures(report: ComplianceReport) -> tuple[str, dict[str, Any]]:
    commitments: dict[str, Any] = {}
    verdicts: list[Verdict] = []
    for commitment in report.commitments:
        reason = NOT_MEASURED.get(commitment.metric)
        latest = commitment.latest
        if reason is not None or latest is None:
            commitments[commitment.clause_id] = {
                "metric": commitment.metric.value,
                "verdict": Verdict.NOT_APPLICABLE.value,
                "reason": reason or "no period has ended yet",
            }
            verdicts.append(Verdict.NOT_APPLICABLE)
            continue
        verdicts.append(latest.verdict)
        commitments[commitment.clause_id] = {
            "metric": commitment.metric.value,
            "comparison": commitment.comparison.value,
            "threshold": commitment.threshold,
            "verdict": latest.verdict.value,
            "measured": latest.measured,
            "trend": commitment.trend.value,
            "periods": [
                {
                    "start": p.period_start.isoformat(),
                    "end": p.period_end.isoformat(),
                    "verdict": p.verdict.value,
                    "measured": p.measured,
                    "complete": p.complete,
                    **{k: v for k, v in p.figures.items()},
                }
                for p in commitment.periods
            ],
        }
    verdict = (
        Verdict.BREACHED
        if Verdict.BREACHED in verdicts
        else Verdict.MET
        if Verdict.MET in verdicts
        else Verdict.NOT_APPLICABLE
    )
    return verdict.value, {"commitments": commitments}


def _report_readers(session: Session) -> Callable[[str, str], frozenset[int]]:
    """(agreement id, obligor) -> the partner ids that may open the report's sealed audit
    details: the obligor and the signatories of the agreement's latest version, the
    readers `accord.access` gives a compliance report (docs/access.md, "Coordination")."""
    records = AgreementRepository(session)
    signatories: dict[str, frozenset[str]] = {}

    def readers(agreement_id: str, obligor: str) -> frozenset[int]:
        if agreement_id not in signatories:
            record = records.find(agreement_id)
            signatories[agreement_id] = (
                record.latest.document.signatory_ids if record is not None else frozenset()
            )
        return partner_ids(session, (obligor, *signatories[agreement_id]))

    return readers


def run_compliance(
    session: Session, *, now: datetime, partner: str | None = None
) -> list[StoredCompliance]:
    """Evaluate every commitment of the agreements in force, store one report per (partner,
    agreement), audit it, and queue each breach notice once to every party of the agreement.
    """
    agreements = in_force(session, now)
    parties = {a.id: sorted(a.party_ids) for a in agreements}
    report_readers = _report_readers(session)
    stored: list[StoredCompliance] = []
    for report in evaluate_compliance(agreements, compliance_facts(session, until=now), until=now):
        if partner is not None and report.partner != partner:
            continue
        verdict, figures = _figures(report)
        periods = [p for c in report.commitments for p in c.periods]
        row = ComplianceReportRow(
            agreement_id=report.agreement_id,
            partner=report.partner,
            period_start=min((p.period_start for p in periods), default=now),
            period_end=max((p.period_end for p in periods), default=now),
            verdict=verdict,
            figures=figures,
            evaluated_at=now,
        )
        session.add(row)
        session.flush()
        breaches = [b for b in report.breaches if b.metric not in NOT_MEASURED]
        AuditLog(session).append(
            [
                AuditEvent(
                    AuditAction.COORDINATION_STEP_RECORDED,
                    Actor.system(),
                    subjects=(
                        SubjectRef("agreement", report.agreement_id),
                        SubjectRef("compliance_report", str(row.id)),
                    ),
                    # Public: the agreement, the report and the step. Whom it judges
                    # and how are the agreement's parties' (docs/audit.md).
                    details={"step": "compliance.reported"},
                    sealed={
                        "partner": report.partner,
                        "verdict": verdict,
                        "clauses": {
                            clause: commitment["verdict"]
                            for clause, commitment in figures["commitments"].items()
                        },
                        "breaches": [b.key for b in breaches],
                    },
                    readers=report_readers(report.agreement_id, report.partner),
                    time=now,
                )
            ]
        )
        for notice in breaches:
            for party in parties.get(report.agreement_id, [report.partner]):
                queue_notification(
                    session,
                    partner=party,
                    subject=f"[Accord] breach notice {notice.agreement_id}/{notice.clause_id}",
                    body=f"{notice.summary}\n\nFigures: {dict(notice.figures)}\n",
                    at=now,
                    dedup_key=f"breach:{notice.key}:{party}",
                    topic=Topic.BREACH,
                    payload={
                        "agreement_id": notice.agreement_id,
                        "clause_id": notice.clause_id,
                        "breach": notice.key,
                        "summary": notice.summary,
                        "figures": dict(notice.figures),
                    },
                )
        stored.append(
            StoredCompliance(
                row.id,
                report.partner,
                report.agreement_id,
                verdict,
                figures,
                tuple(b.key for b in breaches),
            )
        )
    return stored
