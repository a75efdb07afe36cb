"""Compliance with reciprocal commitments over hand-made fact series, edges included.

The ESA-JAXA example commits ESA to ephemerides at most 24 h apart and JAXA to answer
coordination within 12 h, both over 30-day periods from 2026-01-01.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from accord.agreements import load_agreement
from accord.coordination import (
    AcquisitionContribution,
    ClaimPeriod,
    ComplianceFacts,
    ComplianceReport,
    CoordinationRequest,
    Submission,
    Trend,
    Verdict,
    evaluate_compliance,
)
from tests.coordination._builders import example_agreement

LEO = example_agreement()
START = datetime(2026, 1, 1, tzinfo=UTC)
H = timedelta(hours=1)
ONE_PERIOD = START + timedelta(days=30)


def _every(
    hours: float, norad_id: int, until: datetime, start: datetime = START
) -> list[Submission]:
    out, t = [], start
    while t < until:
        out.append(Submission("esa", t, norad_id))
        t += timedelta(hours=hours)
    return out


def _report(facts: ComplianceFacts, until: datetime, party: str = "esa") -> ComplianceReport:
    reports = {r.partner: r for r in evaluate_compliance([LEO], facts, until=until)}
    return reports[party]


def test_no_claimed_satellite_is_not_applicable() -> None:
    report = _report(ComplianceFacts(), ONE_PERIOD)
    (commitment,) = report.commitments
    assert commitment.periods[0].verdict is Verdict.NOT_APPLICABLE
    assert commitment.periods[0].figures["satellites_counted"] == 0
    assert report.verdict is Verdict.NOT_APPLICABLE


def test_worst_interval_over_claimed_satellites_and_the_boundary() -> None:
    claims = (ClaimPeriod("esa", 39634, START), ClaimPeriod("esa", 40697, START))
    steady = _every(24, 39634, ONE_PERIOD)  # exactly at the threshold: met (at_most)
    late = _every(12, 40697, START + 10 * timedelta(days=1))
    late += _every(12, 40697, ONE_PERIOD, start=START + timedelta(days=10) + 31.2 * H - 12 * H)
    facts = ComplianceFacts(claims=claims, ephemeris_submissions=tuple(steady + late))
    period = _report(facts, ONE_PERIOD).commitments[0].periods[0]
    assert period.verdict is Verdict.BREACHED
    assert period.measured == 31.2  # the gap that opened at day 10 - 12 h
    assert period.figures["worst_norad_id"] == 40697
    assert period.figures["satellites_counted"] == 2


def test_exact_threshold_is_met_and_a_second_more_is_breached() -> None:
    claims = (ClaimPeriod("esa", 39634, START),)
    at_threshold = ComplianceFacts(
        claims=claims, ephemeris_submissions=tuple(_every(24, 39634, ONE_PERIOD))
    )
    period = _report(at_threshold, ONE_PERIOD).commitments[0].periods[0]
    assert (period.verdict, period.measured) == (Verdict.MET, 24.0)
    times = [START + k * timedelta(hours=24, seconds=1) for k in range(30)]
    over = ComplianceFacts(
        claims=claims, ephemeris_submissions=tuple(Submission("esa", t, 39634) for t in times)
    )
    period = _report(over, ONE_PERIOD).commitments[0].periods[0]
    assert period.verdict is Verdict.BREACHED
    assert period.measured == round(24 + 1 / 3600, 6)


def test_claim_that_ends_mid_period_counts_only_while_claimed() -> None:
    claims = (ClaimPeriod("esa", 39634, START, START + timedelta(days=5)),)
    facts = ComplianceFacts(
        claims=claims, ephemeris_submissions=tuple(_every(24, 39634, START + timedelta(days=5)))
    )
    period = _report(facts, ONE_PERIOD).commitments[0].periods[0]
    assert (period.verdict, period.measured) == (Verdict.MET, 24.0)


def test_response_times_late_pending_and_unanswered() -> None:
    requests = (
        CoordinationRequest("c1", "jaxa", START + H, START + 3 * H),  # 2 h
        CoordinationRequest("c2", "jaxa", START + 100 * H, START + 112 * H),  # 12 h: on time
        CoordinationRequest("c3", "esa", START + 100 * H, None),  # ESA has no such commitment
    )
    report = _report(ComplianceFacts(coordination_requests=requests), ONE_PERIOD, "jaxa")
    period = report.commitments[0].periods[0]
    assert (period.verdict, period.measured, period.figures["late"]) == (Verdict.MET, 12.0, 0)
    # An unanswered request made 5 h before the evaluation is pending, not judged...
    pending = (*requests, CoordinationRequest("c4", "jaxa", ONE_PERIOD - 5 * H))
    now = _report(ComplianceFacts(coordination_requests=pending), ONE_PERIOD, "jaxa")
    period = now.commitments[0].periods[0]
    assert (period.verdict, period.figures["pending"]) == (Verdict.MET, 1)
    # ...and breaches once it is older than the threshold, even judged after the period.
    later = _report(ComplianceFacts(coordination_requests=pending), ONE_PERIOD + 8 * H, "jaxa")
    period = later.commitments[0].periods[0]
    assert (period.verdict, period.measured, period.figures["worst_case_id"]) == (
        Verdict.BREACHED,
        13.0,
        "c4",
    )
    (notice,) = later.breaches
    assert notice.key == "esa-jaxa-leo-exchange/jaxa-coordination-answers/2026-01-01T00:00:00+00:00"
    assert "coordination_response_time_h 13 vs threshold 12" in notice.summary


def test_no_request_in_a_period_is_not_applicable() -> None:
    report = _report(ComplianceFacts(), ONE_PERIOD, "jaxa")
    assert report.commitments[0].periods[0].verdict is Verdict.NOT_APPLICABLE


def test_trend_over_successive_periods_and_breach_notices() -> None:
    claims = (ClaimPeriod("esa", 39634, START),)
    p1 = _every(30, 39634, ONE_PERIOD)  # 30 h: breached
    p2 = _every(26, 39634, ONE_PERIOD + timedelta(days=30), start=ONE_PERIOD)  # 26 h
    facts = ComplianceFacts(claims=claims, ephemeris_submissions=tuple(p1 + p2))
    report = _report(facts, START + timedelta(days=60))
    commitment = report.commitments[0]
    assert [p.verdict for p in commitment.periods] == [Verdict.BREACHED, Verdict.BREACHED]
    assert commitment.trend is Trend.IMPROVING
    assert [b.period_start for b in report.breaches] == [START, ONE_PERIOD]
    assert report.verdict is Verdict.BREACHED


def test_running_period_is_reported_only_when_already_breached() -> None:
    claims = (ClaimPeriod("esa", 39634, START),)
    facts = ComplianceFacts(claims=claims, ephemeris_submissions=(Submission("esa", START, 39634),))
    assert _report(facts, START + 20 * H).commitments[0].periods == ()
    (running,) = _report(facts, START + 30 * H).commitments[0].periods
    assert (running.verdict, running.complete, running.measured) == (Verdict.BREACHED, False, 30.0)


def test_acquisition_opportunities_per_month_at_least() -> None:
    agreement = load_agreement(
        """
format: accord.agreement/v1
id: pool
version: 1
title: pool
parties: [{partner: esa, name: E}, {partner: isro, name: I}]
effective_from: 2026-01-01
effective_until: 2026-03-02
clauses:
  - id: isro-acquisitions
    reciprocal_commitment: {party: isro, metric: acquisition_opportunities_per_month,
                            comparison: at_least, threshold: 4, period_days: 15}
""",
        source="test",
    )
    offers = (
        AcquisitionContribution("isro", START + H, 2),  # 2 in 15 days = 4 per month: met
        AcquisitionContribution("isro", START + timedelta(days=16), 1),  # 2 per month
    )
    (report,) = evaluate_compliance(
        [agreement],
        ComplianceFacts(acquisition_contributions=offers),
        until=datetime(2027, 1, 1, tzinfo=UTC),
    )
    periods = report.commitments[0].periods
    assert len(periods) == 4  # stops at effective_until (60 days)
    assert [(p.verdict, p.measured) for p in periods[:2]] == [
        (Verdict.MET, 4.0),
        (Verdict.BREACHED, 2.0),
    ]
    assert report.commitments[0].trend is Trend.STEADY  # two empty periods: 0 and 0
