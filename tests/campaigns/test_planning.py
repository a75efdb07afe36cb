"""Acquisition planning: constraints hold, fairness follows shares, heuristic vs MILP, re-planning.

The worked campaign (docs/campaigns.md): three requests over Rome, Lisbon and Athens in one
day, the 11 Sentinel and Landsat satellites split between two partners with 60/40 shares.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from accord.campaigns import (
    AccessWindow,
    AcquisitionPlan,
    AcquisitionRequest,
    AreaOfInterest,
    EoSensor,
    Opportunity,
    access_windows,
    build_opportunities,
    plan_acquisitions,
    replan,
)
from tests.campaigns.test_access import START, imagers

SAR = EoSensor("sar", max_off_nadir_deg=40.0, swath_km=80.0, resolution_m=5.0)
OPTICAL = EoSensor("optical", max_off_nadir_deg=30.0, swath_km=100.0, resolution_m=10.0)
SLEW_RATE_DEG_S, SETTLE_S = 1.0, 10.0
CITIES = {"rome": (12.5, 41.9), "lisbon": (-9.14, 38.72), "athens": (23.73, 37.98)}


@pytest.fixture(scope="module")
def campaign(
    request: pytest.FixtureRequest,
) -> tuple[list[AcquisitionRequest], list[Opportunity]]:
    from tests._shared_data import require_shared

    satellites = imagers(require_shared)
    sensors = {s.norad_id: (SAR if "SENTINEL-1" in (s.object_name or "") else OPTICAL)
               for s in satellites}  # fmt: skip
    owners = {s.norad_id: ("ESA" if "SENTINEL" in (s.object_name or "") else "USGS")
              for s in satellites}  # fmt: skip
    end = START + timedelta(days=2)
    requests, windows = [], {}
    for index, (name, (lon, lat)) in enumerate(CITIES.items()):
        area = AreaOfInterest.from_geojson(
            {"type": "Point", "coordinates": [lon, lat]}, radius_km=40.0, name=name
        )
        requests.append(
            AcquisitionRequest(
                request_id=name,
                partner="civil-protection",
                area=area,
                window_start=START,
                window_end=end,
                delivery_deadline=end,
                priority=float(3 - index),
            )  # fmt: skip
        )
        windows[name] = access_windows(satellites, sensors, area, START, end)
    return requests, build_opportunities(requests, windows, owners)


SHARES = {"ESA": 0.6, "USGS": 0.4}


def _check_feasible(plan: AcquisitionPlan) -> None:
    by_satellite: dict[int, list] = {}
    for assignment in plan.assignments:
        by_satellite.setdefault(assignment.norad_id, []).append(assignment)
    for assignments in by_satellite.values():
        assignments.sort(key=lambda a: a.acquisition_start)
        for first, second in zip(assignments, assignments[1:], strict=False):
            slew_s = SETTLE_S + abs(second.roll_deg - first.roll_deg) / SLEW_RATE_DEG_S
            gap_s = (second.acquisition_start - first.acquisition_end).total_seconds()
            assert gap_s >= slew_s
    assert all(0.0 <= c <= 1.0 for c in plan.coverage_by_request.values())
    assert sum(c.acquisitions for c in plan.contribution_by_partner.values()) == len(
        plan.assignments
    )


def test_worked_campaign_milp_and_greedy(
    campaign: tuple[list[AcquisitionRequest], list[Opportunity]],
) -> None:
    requests, opportunities = campaign
    assert len(opportunities) > 5

    milp = plan_acquisitions(requests, opportunities, SHARES, method="milp")
    greedy = plan_acquisitions(requests, opportunities, SHARES, method="greedy")

    assert milp.status == "Optimal" and milp.mip_gap <= 1e-4
    _check_feasible(milp)
    _check_feasible(greedy)
    assert greedy.objective <= milp.upper_bound + 1e-6
    assert milp.objective >= greedy.objective - 1e-6
    assert all(c > 0.9 for c in milp.coverage_by_request.values())
    assert all(a.delivery <= START + timedelta(days=2) for a in milp.assignments)


def test_replan_excludes_declined_and_keeps_accepted(
    campaign: tuple[list[AcquisitionRequest], list[Opportunity]],
) -> None:
    requests, opportunities = campaign
    plan = plan_acquisitions(requests, opportunities, SHARES)
    declined = plan.assignments[0]

    again = replan(plan, requests, opportunities, SHARES, [declined])

    keys = {a.key for a in again.assignments}
    assert declined.key not in keys
    assert {a.key for a in plan.assignments[1:]} <= keys
    _check_feasible(again)


def _window(norad_id: int, start_min: float, roll_deg: float) -> AccessWindow:
    start = START + timedelta(minutes=start_min)
    return AccessWindow(
        norad_id=norad_id, area_name="a", sensor=SAR, start=start,
        end=start + timedelta(seconds=60), closest_approach=start + timedelta(seconds=30),
        acquisition_start=start + timedelta(seconds=20),
        acquisition_end=start + timedelta(seconds=40), min_off_nadir_deg=abs(roll_deg),
        roll_deg=roll_deg, accessible_fraction=1.0, coverable_fraction=1.0,
        sun_elevation_deg=0.0,
    )  # fmt: skip


def _request(request_id: str, priority: float) -> AcquisitionRequest:
    area = AreaOfInterest.from_geojson({"type": "Point", "coordinates": [0, 0]}, radius_km=10)
    return AcquisitionRequest(
        request_id, "p", area, START, START + timedelta(days=1),
        START + timedelta(days=1), priority=priority,
    )  # fmt: skip


def test_slew_time_makes_close_acquisitions_exclusive() -> None:
    # Same satellite; 30 s between acquisitions but a 40-degree slew needs 50 s: one only.
    requests = [_request("low", 1.0), _request("high", 5.0)]
    opportunities = [
        Opportunity("low", "A", _window(1, 0.0, -20.0), 1.0, START),
        Opportunity("high", "A", _window(1, 0.5, 20.0), 1.0, START),
    ]

    plan = plan_acquisitions(requests, opportunities, {"A": 1.0})

    assert [a.request_id for a in plan.assignments] == ["high"]


def test_fairness_prefers_the_partner_below_its_share() -> None:
    requests = [_request("r1", 1.0), _request("r2", 1.0)]
    opportunities = [
        Opportunity("r1", "A", _window(1, 0.0, 0.0), 1.0, START),
        Opportunity("r1", "B", _window(2, 0.0, 0.0), 1.0, START),
        Opportunity("r2", "A", _window(1, 60.0, 0.0), 1.0, START),
        Opportunity("r2", "B", _window(2, 60.0, 0.0), 1.0, START),
    ]

    for method in ("milp", "greedy"):
        plan = plan_acquisitions(
            requests,
            opportunities,
            {"A": 0.5, "B": 0.5},
            method=method,
        )
        contribution = plan.contribution_by_partner
        assert contribution["A"].acquisitions == contribution["B"].acquisitions == 1, method
