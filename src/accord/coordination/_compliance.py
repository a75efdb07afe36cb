"""Compliance with reciprocal commitments, computed from recorded facts over periods.

Pure: the layer above reads the facts (submission times, coordination requests and
responses, screening runs, contributed acquisition opportunities, claims) from the store
and passes them in. Periods of a commitment are consecutive windows of `period_days`
starting at the agreement's `effective_from`; a period is judged once it has ended, and an
ongoing period is reported early only when it is already breached (an interval metric
cannot recover once a gap exceeds its threshold).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from accord.agreements import (
    Agreement,
    CommitmentMetric,
    Comparison,
    ReciprocalCommitmentClause,
)
from accord.coordination._errors import TimeOrderError

__all__ = [
    "DAYS_PER_MONTH",
    "AcquisitionContribution",
    "BreachNotice",
    "ClaimPeriod",
    "CommitmentReport",
    "ComplianceFacts",
    "ComplianceReport",
    "CoordinationRequest",
    "PeriodVerdict",
    "Submission",
    "Trend",
    "Verdict",
    "evaluate_compliance",
]

#: A "month" of `acquisition_opportunities_per_month` is 30 days: counts are scaled to it.
DAYS_PER_MONTH = 30.0


class Verdict(StrEnum):
    """A commitment's verdict over one period."""

    MET = "met"
    BREACHED = "breached"
    NOT_APPLICABLE = "not_applicable"


class Trend(StrEnum):
    """How the measured value moved between the last two judged periods."""

    IMPROVING = "improving"
    WORSENING = "worsening"
    STEADY = "steady"
    INSUFFICIENT_DATA = "insufficient_data"


@dataclass(frozen=True, slots=True)
class ClaimPeriod:
    """A partner claimed a satellite from `claimed_from` until `claimed_until` (None: still)."""

    partner: str
    norad_id: int
    claimed_from: datetime
    claimed_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    """A partner submitted data at `submitted_at`; `norad_id` None for catalog-wide items."""

    partner: str
    submitted_at: datetime
    norad_id: int | None = None


@dataclass(frozen=True, slots=True)
class CoordinationRequest:
    """A proposal a party had to answer: asked at `requested_at`, answered (or None)."""

    case_id: str
    party: str
    requested_at: datetime
    responded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AcquisitionContribution:
    """Acquisition opportunities a partner offered to a pool at `offered_at`."""

    partner: str
    offered_at: datetime
    opportunities: int = 1


@dataclass(frozen=True, slots=True)
class ComplianceFacts:
    """Everything compliance is computed from; each fact series in any order.

    `ephemeris_submissions` and `element_set_submissions` carry the satellite's NORAD id;
    `screening_runs` are conjunction screenings the partner ran (norad_id None).
    """

    claims: tuple[ClaimPeriod, ...] = ()
    ephemeris_submissions: tuple[Submission, ...] = ()
    element_set_submissions: tuple[Submission, ...] = ()
    screening_runs: tuple[Submission, ...] = ()
    coordination_requests: tuple[CoordinationRequest, ...] = ()
    acquisition_contributions: tuple[AcquisitionContribution, ...] = ()


@dataclass(frozen=True, slots=True)
class PeriodVerdict:
    """One period's verdict with the figures behind it.

    `measured` in the metric's unit (None when not applicable); `figures` plain JSON
    values naming what was counted (e.g. `worst_norad_id`, `satellites_counted`).
    `complete` False: the period is still running (reported early because breached).
    """

    period_start: datetime
    period_end: datetime
    verdict: Verdict
    measured: float | None
    figures: Mapping[str, object]
    complete: bool = True


@dataclass(frozen=True, slots=True)
class BreachNotice:
    """A commitment missed in one period; `key` is stable, so a notice is sent once."""

    agreement_id: str
    clause_id: str
    party: str
    metric: CommitmentMetric
    threshold: float
    measured: float
    period_start: datetime
    period_end: datetime
    figures: Mapping[str, object]

    @property
    def key(self) -> str:
        """`<agreement>/<clause>/<period start ISO>`: the notice's identity."""
        return f"{self.agreement_id}/{self.clause_id}/{self.period_start.isoformat()}"

    @property
    def summary(self) -> str:
        """One line for a notification."""
        return (
            f"{self.party} breached {self.agreement_id}/{self.clause_id}: {self.metric.value} "
            f"{self.measured:g} vs threshold {self.threshold:g} "
            f"({self.period_start.date()}..{self.period_end.date()})"
        )


@dataclass(frozen=True, slots=True)
class CommitmentReport:
    """One commitment over its successive periods, oldest first, and its trend."""

    agreement_id: str
    clause_id: str
    party: str
    metric: CommitmentMetric
    comparison: Comparison
    threshold: float
    period_days: int
    periods: tuple[PeriodVerdict, ...]
    trend: Trend

    @property
    def latest(self) -> PeriodVerdict | None:
        """The most recent period reported."""
        return self.periods[-1] if self.periods else None


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    """A partner's commitments under one agreement; `verdict` is that of the latest periods:

    breached if any commitment's latest period is breached, met if at least one is met and
    none breached, not_applicable otherwise.
    """

    partner: str
    agreement_id: str
    verdict: Verdict
    commitments: tuple[CommitmentReport, ...]
    breaches: tuple[BreachNotice, ...] = field(default=())


def evaluate_compliance(
    agreements: Iterable[Agreement], facts: ComplianceFacts, *, until: datetime
) -> tuple[ComplianceReport, ...]:
    """Reports per (partner, agreement) for every commitment of `agreements` up to `until`.

    Pass the agreements in force (`agreements_in_force`); periods stop at the agreement's
    `effective_until` when it comes first. Breach notices list every breached period.
    """
    if until.tzinfo is None or until.utcoffset() is None:
        raise TimeOrderError(f"until={until.isoformat()} has no time zone; pass a UTC datetime")
    reports = []
    for agreement in agreements:
        end = until if agreement.effective_until is None else min(until, agreement.effective_until)
        by_party: dict[str, list[CommitmentReport]] = {}
        for clause in agreement.clauses:
            if isinstance(clause, ReciprocalCommitmentClause):
                report = _commitment(agreement, clause, facts, end)
                by_party.setdefault(clause.party, []).append(report)
        for party, commitments in sorted(by_party.items()):
            breaches = tuple(
                BreachNotice(
                    agreement.id,
                    c.clause_id,
                    party,
                    c.metric,
                    c.threshold,
                    p.measured if p.measured is not None else float("nan"),
                    p.period_start,
                    p.period_end,
                    p.figures,
                )
                for c in commitments
                for p in c.periods
                if p.verdict is Verdict.BREACHED
            )
            latest = [c.latest.verdict for c in commitments if c.latest is not None]
            if Verdict.BREACHED in latest:
                verdict = Verdict.BREACHED
            elif Verdict.MET in latest:
                verdict = Verdict.MET
            else:
                verdict = Verdict.NOT_APPLICABLE
            reports.append(
                ComplianceReport(party, agreement.id, verdict, tuple(commitments), breaches)
            )
    return tuple(reports)


def _commitment(
    agreement: Agreement, clause: ReciprocalCommitmentClause, facts: ComplianceFacts, end: datetime
) -> CommitmentReport:
    length = timedelta(days=clause.period_days)
    periods: list[PeriodVerdict] = []
    start = agreement.effective_from
    while start < end:
        stop = start + length
        complete = stop <= end
        verdict = _judge(clause, facts, start, stop if complete else end, stop, end)
        if complete or verdict.verdict is Verdict.BREACHED:
            periods.append(
                PeriodVerdict(
                    start, stop, verdict.verdict, verdict.measured, verdict.figures, complete
                )
            )
        start = stop
    return CommitmentReport(
        agreement_id=agreement.id,
        clause_id=clause.id,
        party=clause.party,
        metric=clause.metric,
        comparison=clause.comparison,
        threshold=clause.threshold,
        period_days=clause.period_days,
        periods=tuple(periods),
        trend=_trend(clause, periods),
    )


def _judge(
    clause: ReciprocalCommitmentClause,
    facts: ComplianceFacts,
    start: datetime,
    seen_until: datetime,
    period_end: datetime,
    now: datetime,
) -> PeriodVerdict:
    """The verdict over [start, seen_until); `seen_until` < `period_end` while running."""
    metric = clause.metric
    if metric in (
        CommitmentMetric.EPHEMERIS_UPDATE_INTERVAL_H,
        CommitmentMetric.CATALOG_UPDATE_INTERVAL_H,
    ):
        series = (
            facts.ephemeris_submissions
            if metric is CommitmentMetric.EPHEMERIS_UPDATE_INTERVAL_H
            else facts.element_set_submissions
        )
        measured, figures = _per_satellite_interval(
            clause.party, facts.claims, series, start, seen_until
        )
    elif metric is CommitmentMetric.CONJUNCTION_SCREENING_INTERVAL_H:
        times = [s.submitted_at for s in facts.screening_runs if s.partner == clause.party]
        worst = _worst_gap_h(times, start, seen_until, anchor_default=start)
        measured = worst
        figures = {"runs_counted": sum(start <= t < seen_until for t in times)}
    elif metric is CommitmentMetric.COORDINATION_RESPONSE_TIME_H:
        measured, figures = _response_times(
            clause, facts.coordination_requests, start, seen_until, now
        )
    else:
        count = sum(
            c.opportunities
            for c in facts.acquisition_contributions
            if c.partner == clause.party and start <= c.offered_at < seen_until
        )
        days = (period_end - start).total_seconds() / 86400.0
        measured = count * DAYS_PER_MONTH / days
        figures = {"opportunities_counted": count, "period_days": days}
        if seen_until < period_end:
            # A count can still grow: never breach a running period on it.
            return PeriodVerdict(start, period_end, Verdict.MET, measured, figures, False)
    if measured is None:
        return PeriodVerdict(start, period_end, Verdict.NOT_APPLICABLE, None, figures)
    figures = {**figures, "threshold": clause.threshold, "comparison": clause.comparison.value}
    verdict = Verdict.MET if clause.is_met(measured) else Verdict.BREACHED
    return PeriodVerdict(start, period_end, verdict, round(measured, 6), figures)


def _per_satellite_interval(
    party: str,
    claims: Sequence[ClaimPeriod],
    series: Sequence[Submission],
    start: datetime,
    stop: datetime,
) -> tuple[float | None, dict[str, object]]:
    """Worst interval (h) between updates over the party's satellites claimed in the period.

    For each satellite, over the part of the period it was claimed: the gaps between the
    last update before that part (or the claim's start), each update inside it, and the
    part's end. None (not applicable) when the party claimed no satellite in the period.
    """
    worst: float | None = None
    worst_norad: int | None = None
    counted: set[int] = set()
    updates = 0
    for claim in claims:
        if claim.partner != party:
            continue
        lo = max(start, claim.claimed_from)
        hi = stop if claim.claimed_until is None else min(stop, claim.claimed_until)
        if lo >= hi:
            continue
        counted.add(claim.norad_id)
        times = [
            s.submitted_at
            for s in series
            if s.partner == party
            and s.norad_id == claim.norad_id
            and s.submitted_at >= claim.claimed_from
        ]
        updates += sum(lo <= t < hi for t in times)
        gap = _worst_gap_h(times, lo, hi, anchor_default=claim.claimed_from)
        if worst is None or gap > worst:
            worst, worst_norad = gap, claim.norad_id
    figures: dict[str, object] = {
        "satellites_counted": len(counted),
        "updates_counted": updates,
        "worst_norad_id": worst_norad,
    }
    return worst, figures


def _worst_gap_h(
    times: Iterable[datetime], lo: datetime, hi: datetime, *, anchor_default: datetime
) -> float:
    """The longest time without an update in [lo, hi), hours, measured from its true start."""
    ordered = sorted(times)
    before = [t for t in ordered if t <= lo]
    anchor = before[-1] if before else anchor_default
    points = [anchor, *(t for t in ordered if lo < t < hi), hi]
    return max((b - a).total_seconds() / 3600.0 for a, b in zip(points, points[1:], strict=False))


def _response_times(
    clause: ReciprocalCommitmentClause,
    requests: Sequence[CoordinationRequest],
    start: datetime,
    stop: datetime,
    now: datetime,
) -> tuple[float | None, dict[str, object]]:
    """Worst response time (h) to requests made to the party in the period.

    An unanswered request counts with its time so far once that exceeds the threshold
    (it is late whatever happens); until then it is `pending` and not judged. Requests
    belong to the period they were made in, whenever they are answered.
    """
    asked = [r for r in requests if r.party == clause.party and start <= r.requested_at < stop]
    worst: float | None = None
    worst_case: str | None = None
    late = pending = 0
    for request in asked:
        if request.responded_at is not None and request.responded_at <= now:
            hours = (request.responded_at - request.requested_at).total_seconds() / 3600.0
        else:
            hours = (now - request.requested_at).total_seconds() / 3600.0
            if clause.is_met(hours):
                pending += 1
                continue
        late += not clause.is_met(hours)
        if worst is None or hours > worst:
            worst, worst_case = hours, request.case_id
    figures: dict[str, object] = {
        "requests_counted": len(asked),
        "late": late,
        "pending": pending,
        "worst_case_id": worst_case,
    }
    return worst, figures


def _trend(clause: ReciprocalCommitmentClause, periods: Sequence[PeriodVerdict]) -> Trend:
    values = [p.measured for p in periods if p.complete and p.measured is not None]
    if len(values) < 2:
        return Trend.INSUFFICIENT_DATA
    previous, last = values[-2], values[-1]
    if last == previous:
        return Trend.STEADY
    better = last < previous if clause.comparison is Comparison.AT_MOST else last > previous
    return Trend.IMPROVING if better else Trend.WORSENING
