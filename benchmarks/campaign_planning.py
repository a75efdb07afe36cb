"""Plans for 50 simultaneous requests: a spread instance and a congested one (issue 7).

Target: under 30 s per plan, with the solver's gap reported. Two instances in one run, each
planned by the HiGHS MILP and by the greedy heuristic on the same opportunities:

- **spread**: 50 disaster-style areas (points with 20-80 km radius over land latitudes),
  1-2 day windows within one week, deadlines 12 h after the window, priority 1-5, optical or
  SAR or either, resolution needs; 200 satellites, owned evenly by five partners. Every
  request can be served by one acquisition, so both methods reach full coverage.
- **congested**: 50 areas (25-60 km) clustered around three disaster regions (within about
  150 km of each centre), 6 h windows all opening within the same 6 h, deliveries due 3 h
  after each window closes, 60 of the 200 satellites, owned unevenly (CONGESTED_OWNERSHIP)
  against the same committed shares. Satellites are too few: many requests stay partly
  covered or uncovered, a pass over a region sees several areas but one acquisition at a
  time and the slew between them rule most out, and the shares cannot all be met.

Per instance: both objectives and plans, HiGHS's status, own gap and dual bound, the
heuristic's gap to the MILP optimum and to the bound, requests fully / partly / not covered,
each partner's contribution against its committed share, the conflicts (overlaps, slews),
and two MILP relaxations that show which constraints bind: without slew time (instant
re-pointing) and without the fairness term. Access windows and downlink passes (8 KSAT
stations) are computed first and timed separately.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np

from accord.campaigns import (
    AcquisitionPlan,
    AcquisitionRequest,
    AreaOfInterest,
    EoSensor,
    Opportunity,
    access_windows,
    attach_downlinks,
    build_opportunities,
    plan_acquisitions,
    replan,
)
from accord.campaigns._access import SensorKind
from accord.formats import ElementSet
from accord.orbits import EarthFixedSampler, predict_passes
from benchmarks._campaign_fleet import (
    PARTNERS,
    SHARES,
    congested_fleet,
    fleet,
    ground_network,
    sensors_and_owners,
)
from benchmarks._common import write_result

REQUESTS = 50
DAYS = 7
#: The congested instance's regions (longitude, latitude in degrees): south-east Türkiye,
#: central Bangladesh, northern California; areas lie within CLUSTER_SPREAD_DEG of a centre.
CLUSTERS = ((37.0, 37.2), (90.4, 23.7), (-120.5, 37.5))
CLUSTER_SPREAD_DEG = (1.5, 1.2)  # longitude, latitude half-widths (~130-150 km)
CONGESTED_SATELLITES = 60
CONGESTED_WINDOW_H = 6.0
CONGESTED_OPENING_SPREAD_H = 6.0
CONGESTED_DELIVERY_H = 3.0
#: The planner's re-pointing model (its defaults): rate and settling time.
SLEW_RATE_DEG_S = 1.0
SETTLE_S = 10.0
#: The planner's default price of one acquisition of deviation from the shares.
FAIRNESS_WEIGHT = 4e-3
#: A re-pointing rate so fast that slew time vanishes: the "no slew" relaxation.
INSTANT_SLEW_DEG_S = 1e6
_KINDS: tuple[frozenset[SensorKind], ...] = (
    frozenset({"optical"}),
    frozenset({"sar"}),
    frozenset({"optical", "sar"}),
)


def synthetic_requests(
    start: datetime, count: int = REQUESTS, seed: int = 3
) -> list[AcquisitionRequest]:
    """`count` requests with areas over land latitudes and 1-2 day windows in one week."""
    rng = np.random.default_rng(seed)
    requests = []
    for index in range(count):
        longitude = float(rng.uniform(-170, 170))
        latitude = float(np.degrees(np.arcsin(rng.uniform(math.sin(-0.9), math.sin(1.1)))))
        area = AreaOfInterest.from_geojson(
            {"type": "Point", "coordinates": [longitude, latitude]},
            radius_km=float(rng.uniform(20, 80)),
            name=f"event-{index:02d}",
        )
        opens = start + timedelta(hours=float(rng.uniform(0, 24 * (DAYS - 2))))
        closes = opens + timedelta(hours=float(rng.uniform(24, 48)))
        requests.append(
            AcquisitionRequest(
                request_id=f"R{index:02d}",
                partner=PARTNERS[index % len(PARTNERS)],
                area=area,
                window_start=opens,
                window_end=closes,
                delivery_deadline=closes + timedelta(hours=12),
                priority=float(rng.integers(1, 6)),
                sensor_kinds=_KINDS[int(rng.integers(0, 3))],
                max_resolution_m=float(rng.choice([3.0, 10.0, 30.0])),
                max_off_nadir_deg=float(rng.choice([30.0, 45.0])),
            )
        )
    return requests


def congested_requests(
    start: datetime, count: int = REQUESTS, seed: int = 11
) -> list[AcquisitionRequest]:
    """`count` requests clustered in CLUSTERS, with short overlapping windows and deadlines."""
    rng = np.random.default_rng(seed)
    requests = []
    for index in range(count):
        centre_longitude, centre_latitude = CLUSTERS[index % len(CLUSTERS)]
        area = AreaOfInterest.from_geojson(
            {
                "type": "Point",
                "coordinates": [
                    centre_longitude + float(rng.uniform(-1, 1)) * CLUSTER_SPREAD_DEG[0],
                    centre_latitude + float(rng.uniform(-1, 1)) * CLUSTER_SPREAD_DEG[1],
                ],
            },
            radius_km=float(rng.uniform(25, 60)),
            name=f"cluster{index % len(CLUSTERS)}-{index:02d}",
        )
        opens = start + timedelta(hours=float(rng.uniform(0, CONGESTED_OPENING_SPREAD_H)))
        closes = opens + timedelta(hours=CONGESTED_WINDOW_H)
        requests.append(
            AcquisitionRequest(
                request_id=f"C{index:02d}",
                partner=PARTNERS[index % len(PARTNERS)],
                area=area,
                window_start=opens,
                window_end=closes,
                delivery_deadline=closes + timedelta(hours=CONGESTED_DELIVERY_H),
                priority=float(rng.integers(1, 6)),
                sensor_kinds=_KINDS[int(rng.integers(0, 3))],
                max_resolution_m=float(rng.choice([10.0, 30.0])),
                max_off_nadir_deg=45.0,
            )
        )
    return requests


def _opportunities(
    satellites: list[ElementSet],
    sensors: Mapping[int, EoSensor],
    owners: Mapping[int, str],
    requests: Sequence[AcquisitionRequest],
) -> tuple[list[Opportunity], float]:
    """Access windows with downlinks for every request, then opportunities; and the seconds."""
    started = time.perf_counter()
    start = min(r.window_start for r in requests)
    end = max(r.delivery_deadline for r in requests)
    sampler = EarthFixedSampler(satellites, start, end)
    passes = predict_passes(satellites, ground_network(), start, end, sampler=sampler)
    windows_by_request = {
        r.request_id: attach_downlinks(
            access_windows(
                satellites, sensors, r.area, r.window_start, r.window_end, sampler=sampler
            ),
            passes,
        )
        for r in requests
    }
    opportunities = build_opportunities(requests, windows_by_request, owners)
    return opportunities, time.perf_counter() - started


def _deviation(plan: AcquisitionPlan) -> float:
    """Sum over partners of |acquisitions - committed share x all acquisitions|."""
    total = len(plan.assignments)
    return sum(
        abs(c.acquisitions - c.committed_share * total)
        for c in plan.contribution_by_partner.values()
    )


def summary(plan: AcquisitionPlan) -> dict[str, Any]:
    """The figures the docs table reports for one plan."""
    coverage = list(plan.coverage_by_request.values())
    return {
        "objective": round(plan.objective, 4),
        "status": plan.status,
        "solver_mip_gap": None if math.isnan(plan.mip_gap) else plan.mip_gap,
        "upper_bound": None if math.isnan(plan.upper_bound) else round(plan.upper_bound, 4),
        "seconds": round(plan.solve_time_s, 3),
        "assignments": len(plan.assignments),
        "requests_covered_fully": sum(v >= 0.999 for v in coverage),
        "requests_covered_partly": sum(0.0 < v < 0.999 for v in coverage),
        "requests_not_covered": sum(v <= 0.0 for v in coverage),
        "mean_coverage": round(float(np.mean(coverage)), 4),
        "fairness_deviation_acquisitions": round(_deviation(plan), 2),
        "contribution": {
            p: {
                "acquisitions": c.acquisitions,
                "share": round(c.share_of_acquisitions, 3),
                "committed": c.committed_share,
            }
            for p, c in plan.contribution_by_partner.items()
        },  # fmt: skip
    }


def _conflict_counts(opportunities: Sequence[Opportunity]) -> dict[str, int]:
    """Pairs of opportunities one satellite cannot both take: overlapping, or too close to slew.

    The planner's rule (SLEW_RATE_DEG_S, SETTLE_S), counted here for the report.
    """
    by_satellite: dict[int, list[Opportunity]] = {}
    for opportunity in opportunities:
        by_satellite.setdefault(opportunity.window.norad_id, []).append(opportunity)
    overlapping = slew_only = 0
    for group in by_satellite.values():
        group.sort(key=lambda o: o.window.acquisition_start)
        for a, first in enumerate(group):
            for second in group[a + 1 :]:
                gap_s = (
                    second.window.acquisition_start - first.window.acquisition_end
                ).total_seconds()
                if gap_s > SETTLE_S + 180.0 / SLEW_RATE_DEG_S:
                    break
                slew_s = SETTLE_S + abs(second.window.roll_deg - first.window.roll_deg) / (
                    SLEW_RATE_DEG_S
                )
                if gap_s < 0.0:
                    overlapping += 1
                elif gap_s < slew_s:
                    slew_only += 1
    return {"overlapping_pairs": overlapping, "slew_pairs": slew_only}


def _gap(reference: float, value: float) -> float:
    return round((reference - value) / abs(reference), 4)


def plan_instance(
    requests: Sequence[AcquisitionRequest],
    opportunities: Sequence[Opportunity],
    shares: Mapping[str, float],
) -> tuple[dict[str, Any], AcquisitionPlan]:
    """MILP, greedy and the two relaxations on one instance; the figures and the MILP plan."""

    def solve(
        method: Literal["milp", "greedy"] = "milp",
        slew_rate_deg_s: float = SLEW_RATE_DEG_S,
        settle_s: float = SETTLE_S,
        fairness_weight: float = FAIRNESS_WEIGHT,
    ) -> AcquisitionPlan:
        return plan_acquisitions(
            requests, opportunities, shares, method=method, slew_rate_deg_s=slew_rate_deg_s,
            settle_s=settle_s, fairness_weight=fairness_weight,
        )  # fmt: skip

    milp, greedy = solve("milp"), solve("greedy")
    no_slew = solve(slew_rate_deg_s=INSTANT_SLEW_DEG_S, settle_s=0.0)
    no_fairness = solve(fairness_weight=0.0)
    figures = {
        "requests": len(requests),
        "opportunities": len(opportunities),
        "conflicts": _conflict_counts(opportunities),
        "milp": summary(milp),
        "greedy": summary(greedy),
        "greedy_gap_to_milp": _gap(milp.objective, greedy.objective),
        "greedy_gap_to_bound": _gap(milp.upper_bound, greedy.objective),
        "milp_without_slew_time": {
            "objective": round(no_slew.objective, 4),
            "status": no_slew.status,
            "requests_covered_fully": summary(no_slew)["requests_covered_fully"],
            "mean_coverage": summary(no_slew)["mean_coverage"],
        },
        "milp_without_fairness": {
            "objective": round(no_fairness.objective, 4),
            "status": no_fairness.status,
            "mean_coverage": summary(no_fairness)["mean_coverage"],
            "fairness_deviation_acquisitions": round(_deviation(no_fairness), 2),
        },
    }
    return figures, milp


def _replanned(
    milp: AcquisitionPlan,
    requests: Sequence[AcquisitionRequest],
    opportunities: Sequence[Opportunity],
    shares: Mapping[str, float],
) -> dict[str, Any]:
    declined = milp.assignments[: max(1, len(milp.assignments) // 10)]
    replanned = replan(milp, requests, opportunities, shares, declined)
    return {"declined": len(declined), **summary(replanned)}


def run() -> dict[str, Any]:
    satellites, epoch = fleet(200)
    start = epoch.replace(hour=0, minute=0, second=0, microsecond=0)
    sensors, owners = sensors_and_owners(satellites)

    spread_requests = synthetic_requests(start)
    spread_opportunities, spread_access_s = _opportunities(
        satellites, sensors, owners, spread_requests
    )
    spread, spread_milp = plan_instance(spread_requests, spread_opportunities, SHARES)
    spread |= {
        "satellites": len(satellites),
        "access_and_downlink_seconds": round(spread_access_s, 2),
        "replan_after_declines": _replanned(
            spread_milp, spread_requests, spread_opportunities, SHARES
        ),
    }

    congested_satellites, congested_owners = congested_fleet(satellites, CONGESTED_SATELLITES)
    congested_requests_ = congested_requests(start + timedelta(days=1))
    congested_opportunities, congested_access_s = _opportunities(
        congested_satellites, sensors, congested_owners, congested_requests_
    )
    congested, congested_milp = plan_instance(congested_requests_, congested_opportunities, SHARES)
    congested |= {
        "satellites": len(congested_satellites),
        "satellites_per_partner": {
            p: sum(1 for owner in congested_owners.values() if owner == p) for p in PARTNERS
        },
        "access_and_downlink_seconds": round(congested_access_s, 2),
        "replan_after_declines": _replanned(
            congested_milp, congested_requests_, congested_opportunities, SHARES
        ),
    }
    payload = {"target_seconds": 30.0, "spread": spread, "congested": congested}
    write_result("campaign_planning", payload)
    return payload


if __name__ == "__main__":
    print(run())
