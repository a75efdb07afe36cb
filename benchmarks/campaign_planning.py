"""A plan for 50 simultaneous requests across 200 satellites (issue 7: under 30 s, gap reported).

Synthetic but realistic requests: 50 disaster-style areas (points with 20-80 km radius over
land latitudes), 1-2 day windows within one week, deadlines 12 h after the window, priority
1-5, optical or SAR or either, resolution needs. Access windows and downlink passes (8 KSAT
stations) are computed first and timed separately. Then the HiGHS MILP and the greedy
heuristic run on the same opportunities: both objectives, HiGHS's own gap to its dual bound,
and the heuristic's gap to the MILP optimum (and to the bound).
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import Any

import numpy as np

from accord.campaigns import (
    AcquisitionRequest,
    AreaOfInterest,
    access_windows,
    attach_downlinks,
    build_opportunities,
    plan_acquisitions,
    replan,
)
from accord.campaigns._access import SensorKind
from accord.orbits import EarthFixedSampler, predict_passes
from benchmarks._campaign_fleet import (
    PARTNERS,
    SHARES,
    fleet,
    ground_network,
    sensors_and_owners,
)
from benchmarks._common import write_result

REQUESTS = 50
DAYS = 7


def synthetic_requests(
    start: Any, count: int = REQUESTS, seed: int = 3
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
        kinds: list[frozenset[SensorKind]] = [
            frozenset({"optical"}),
            frozenset({"sar"}),
            frozenset({"optical", "sar"}),
        ]
        requests.append(
            AcquisitionRequest(
                request_id=f"R{index:02d}",
                partner=PARTNERS[index % len(PARTNERS)],
                area=area,
                window_start=opens,
                window_end=closes,
                delivery_deadline=closes + timedelta(hours=12),
                priority=float(rng.integers(1, 6)),
                sensor_kinds=kinds[int(rng.integers(0, 3))],
                max_resolution_m=float(rng.choice([3.0, 10.0, 30.0])),
                max_off_nadir_deg=float(rng.choice([30.0, 45.0])),
            )
        )
    return requests


def run() -> dict[str, Any]:
    satellites, epoch = fleet(200)
    start = epoch.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=DAYS)
    sensors, owners = sensors_and_owners(satellites)
    requests = synthetic_requests(start)

    started = time.perf_counter()
    sampler = EarthFixedSampler(satellites, start, end + timedelta(days=1))
    passes = predict_passes(
        satellites, ground_network(), start, end + timedelta(days=1), sampler=sampler
    )
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
    access_s = time.perf_counter() - started

    milp = plan_acquisitions(requests, opportunities, SHARES, method="milp")
    greedy = plan_acquisitions(requests, opportunities, SHARES, method="greedy")
    declined = milp.assignments[: max(1, len(milp.assignments) // 10)]
    replanned = replan(milp, requests, opportunities, SHARES, declined)

    def summary(plan: Any) -> dict[str, Any]:
        return {
            "objective": round(plan.objective, 4),
            "status": plan.status,
            "solver_mip_gap": None if math.isnan(plan.mip_gap) else plan.mip_gap,
            "upper_bound": None if math.isnan(plan.upper_bound) else round(plan.upper_bound, 4),
            "seconds": round(plan.solve_time_s, 3),
            "assignments": len(plan.assignments),
            "requests_covered_fully": sum(v >= 0.999 for v in plan.coverage_by_request.values()),
            "mean_coverage": round(float(np.mean(list(plan.coverage_by_request.values()))), 4),
            "contribution": {
                p: {
                    "acquisitions": c.acquisitions,
                    "share": round(c.share_of_acquisitions, 3),
                    "committed": c.committed_share,
                }
                for p, c in plan.contribution_by_partner.items()
            },  # fmt: skip
        }

    payload = {
        "requests": len(requests),
        "satellites": len(satellites),
        "opportunities": len(opportunities),
        "access_and_downlink_seconds": round(access_s, 2),
        "milp": summary(milp),
        "greedy": summary(greedy),
        "greedy_gap_to_milp": round((milp.objective - greedy.objective) / abs(milp.objective), 4),
        "greedy_gap_to_bound": round(
            (milp.upper_bound - greedy.objective) / abs(milp.upper_bound), 4
        ),
        "replan_after_declines": {"declined": len(declined), **summary(replanned)},
        "target_seconds": 30.0,
    }
    write_result("campaign_planning", payload)
    return payload


if __name__ == "__main__":
    print(run())
