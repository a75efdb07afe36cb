"""Acquisition planning across partners' satellites: a HiGHS MILP and a greedy heuristic.

Formulation (docs/campaigns.md, "Planning"): one binary x_o per opportunity (a request
imaged in one access window), coverage y_r <= sum of the opportunities' coverage values
(capped at 1), one acquisition at a time per satellite with slew time between targets, the
delivery deadline enforced when opportunities are built, and fairness as the absolute
deviation of each partner's number of acquisitions from its committed share of the total.

    maximise  sum_r P_r y_r  -  sum_o (c - b v_o e_o) x_o  -  lambda sum_p (d+_p + d-_p)
    s.t.      y_r <= sum_{o in r} v_o x_o,  0 <= y_r <= 1
              x_i + x_j <= 1                for conflicting opportunities on one satellite
              sum_{o of p} x_o - s_p sum_o x_o = d+_p - d-_p
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np

from accord.campaigns._access import AccessWindow, SensorKind
from accord.campaigns._area import AreaOfInterest

__all__ = [
    "AcquisitionPlan",
    "AcquisitionRequest",
    "Assignment",
    "Opportunity",
    "PartnerContribution",
    "build_opportunities",
    "plan_acquisitions",
    "replan",
]

#: Bonus of an acquisition at the opening of its request's window (falling linearly to 0 at
#: the delivery deadline), times its coverage: below ACQUISITION_COST, so that earliness
#: chooses among acquisitions but never pays for a redundant one.
EARLINESS_BONUS = 5e-3
#: Cost of one acquisition in the objective, so that redundant acquisitions are not planned.
ACQUISITION_COST = 1e-2


@dataclass(frozen=True, slots=True)
class AcquisitionRequest:
    """A partner's request: where, when, how important, what product, delivered by when.

    `priority` is a positive weight (higher is more important); `sensor_kinds` the kinds
    that serve the product; `max_resolution_m` and `max_off_nadir_deg` the product's needs;
    `delivery_deadline` the UTC time by which data must be on the ground.
    """

    request_id: str
    partner: str
    area: AreaOfInterest
    window_start: datetime
    window_end: datetime
    delivery_deadline: datetime
    priority: float = 1.0
    sensor_kinds: frozenset[SensorKind] = frozenset({"optical", "sar"})
    max_resolution_m: float = float("inf")
    max_off_nadir_deg: float = 90.0


@dataclass(frozen=True, slots=True)
class Opportunity:
    """One request imaged in one access window by a satellite of `owner`.

    `value` is the coverage credit (the window's coverable fraction), `earliness` 1 at the
    request's window start falling linearly to 0 at its delivery deadline, and
    `delivery` the time the data reaches the ground (the downlink pass's set time, or the
    acquisition end where no downlink was computed).
    """

    request_id: str
    owner: str
    window: AccessWindow
    value: float
    delivery: datetime
    earliness: float = 1.0

    @property
    def key(self) -> tuple[str, int, datetime]:
        """(request id, NORAD id, acquisition start): how assignments name opportunities."""
        return (self.request_id, self.window.norad_id, self.window.acquisition_start)


@dataclass(frozen=True, slots=True)
class Assignment:
    """A planned acquisition: which satellite (and owner) images which request, when."""

    request_id: str
    norad_id: int
    owner: str
    acquisition_start: datetime
    acquisition_end: datetime
    roll_deg: float
    coverage_fraction: float
    delivery: datetime

    @property
    def key(self) -> tuple[str, int, datetime]:
        """Same key as the `Opportunity` it came from."""
        return (self.request_id, self.norad_id, self.acquisition_start)


@dataclass(frozen=True, slots=True)
class PartnerContribution:
    """What one partner's satellites did in a plan, against its committed share."""

    acquisitions: int
    share_of_acquisitions: float
    committed_share: float
    requests_served: int


@dataclass(frozen=True)
class AcquisitionPlan:
    """The result of planning: assignments, coverage per request, contributions, solver facts.

    `objective` is the formulation's objective for these assignments; `status` HiGHS's model
    status (or "heuristic"); `mip_gap` HiGHS's relative gap between the objective and its
    dual bound (0 when proven optimal; NaN for the heuristic); `upper_bound` the dual bound.
    """

    method: str
    assignments: list[Assignment]
    coverage_by_request: dict[str, float]
    contribution_by_partner: dict[str, PartnerContribution]
    objective: float
    status: str
    mip_gap: float
    upper_bound: float
    solve_time_s: float
    excluded: frozenset[tuple[str, int, datetime]] = field(default_factory=frozenset)


def build_opportunities(
    requests: Sequence[AcquisitionRequest],
    windows_by_request: Mapping[str, Sequence[AccessWindow]],
    owners: Mapping[int, str],
) -> list[Opportunity]:
    """Opportunities that meet each request's product needs, window and delivery deadline.

    `windows_by_request` maps request id to access windows over its area; `owners` maps
    NORAD id to the partner owning the satellite (satellites without an owner are skipped).
    A window needs a downlink pass ending before the deadline when downlinks were attached.
    """
    opportunities = []
    for request in requests:
        span_s = max((request.delivery_deadline - request.window_start).total_seconds(), 1.0)
        for window in windows_by_request.get(request.request_id, ()):
            sensor = window.sensor
            delivery = window.downlink.set if window.downlink else window.acquisition_end
            if (
                window.norad_id not in owners
                or sensor.kind not in request.sensor_kinds
                or sensor.resolution_m > request.max_resolution_m
                or abs(window.roll_deg) > request.max_off_nadir_deg
                or window.acquisition_start < request.window_start
                or window.acquisition_end > request.window_end
                or delivery > request.delivery_deadline
                or window.coverable_fraction <= 0.0
            ):
                continue
            lateness = (window.acquisition_start - request.window_start).total_seconds() / span_s
            opportunities.append(
                Opportunity(
                    request.request_id,
                    owners[window.norad_id],
                    window,
                    window.coverable_fraction,
                    delivery,
                    earliness=1.0 - min(max(lateness, 0.0), 1.0),
                )
            )
    return opportunities


def _conflicts(
    opportunities: Sequence[Opportunity], slew_rate_deg_s: float, settle_s: float
) -> list[tuple[int, int]]:
    """Pairs that one satellite cannot both do: overlap, or too little time to slew between."""
    by_satellite: dict[int, list[int]] = {}
    for index, opportunity in enumerate(opportunities):
        by_satellite.setdefault(opportunity.window.norad_id, []).append(index)
    pairs = []
    # Slews are bounded by a full swing across the field of regard (2 x 90 degrees).
    longest_slew_s = settle_s + 180.0 / slew_rate_deg_s
    for indices in by_satellite.values():
        indices.sort(key=lambda i: opportunities[i].window.acquisition_start)
        for a, i in enumerate(indices):
            first = opportunities[i].window
            for j in indices[a + 1 :]:
                second = opportunities[j].window
                gap_s = (second.acquisition_start - first.acquisition_end).total_seconds()
                if gap_s > longest_slew_s:
                    break
                slew_s = settle_s + abs(second.roll_deg - first.roll_deg) / slew_rate_deg_s
                if gap_s < slew_s:
                    pairs.append((i, j))
    return pairs


def _net_cost(opportunity: Opportunity) -> float:
    """Objective cost of taking an opportunity: the acquisition cost less its earliness bonus."""
    return ACQUISITION_COST - EARLINESS_BONUS * opportunity.value * opportunity.earliness


def _normalised_shares(shares: Mapping[str, float]) -> dict[str, float]:
    total = sum(shares.values())
    if total <= 0.0 or any(value < 0.0 for value in shares.values()):
        raise ValueError(f"shares must be non-negative and sum to a positive total, got {shares}")
    return {partner: value / total for partner, value in shares.items()}


def _evaluate(
    chosen: Sequence[int],
    opportunities: Sequence[Opportunity],
    requests: Sequence[AcquisitionRequest],
    shares: Mapping[str, float],
    fairness_weight: float,
) -> tuple[float, dict[str, float]]:
    coverage = {request.request_id: 0.0 for request in requests}
    for index in chosen:
        coverage[opportunities[index].request_id] += opportunities[index].value
    coverage = {key: min(value, 1.0) for key, value in coverage.items()}
    priority = {request.request_id: request.priority for request in requests}
    load = {partner: 0 for partner in shares}
    for index in chosen:
        if opportunities[index].owner in load:
            load[opportunities[index].owner] += 1
    deviation = sum(abs(load[p] - shares[p] * len(chosen)) for p in shares)
    objective = (
        sum(priority[key] * value for key, value in coverage.items())
        - sum(_net_cost(opportunities[i]) for i in chosen)
        - fairness_weight * deviation
    )
    return objective, coverage


def plan_acquisitions(
    requests: Sequence[AcquisitionRequest],
    opportunities: Sequence[Opportunity],
    shares: Mapping[str, float],
    *,
    method: Literal["milp", "greedy"] = "milp",
    slew_rate_deg_s: float = 1.0,
    settle_s: float = 10.0,
    fairness_weight: float = 4e-3,
    time_limit_s: float = 25.0,
    mip_rel_gap: float = 1e-4,
    excluded: Iterable[tuple[str, int, datetime]] = (),
    fixed: Iterable[tuple[str, int, datetime]] = (),
) -> AcquisitionPlan:
    """Choose acquisitions for `requests` among `opportunities`, fairly across partners.

    `shares` maps partner to its committed share of the pool (normalised to sum 1); partners
    absent from it are expected to carry no load. `fairness_weight` (lambda) prices one
    acquisition of deviation from the shares; keep it below ACQUISITION_COST / 2 so that
    fairness chooses who images, never whether to image more than coverage needs.
    `slew_rate_deg_s` and `settle_s` give the time to re-point between acquisitions
    (|change of roll| / rate + settle). `excluded`
    opportunity keys are left out; `fixed` keys must stay in the plan (MILP only; the
    heuristic takes them first).
    """
    started = time.perf_counter()
    share = _normalised_shares(shares)
    excluded_keys = frozenset(excluded)
    fixed_keys = set(fixed)
    usable = [o for o in opportunities if o.key not in excluded_keys]
    for partner in {o.owner for o in usable} - set(share):
        share[partner] = 0.0
    conflicts = _conflicts(usable, slew_rate_deg_s, settle_s)
    if method == "milp":
        chosen, status, gap, bound = _solve_milp(
            requests, usable, share, conflicts, fairness_weight, time_limit_s, mip_rel_gap,
            fixed_keys,
        )  # fmt: skip
    elif method == "greedy":
        chosen = _greedy(requests, usable, share, conflicts, fairness_weight, fixed_keys)
        status, gap, bound = "heuristic", float("nan"), float("nan")
    else:
        raise ValueError(f"method must be 'milp' or 'greedy', not {method!r}")
    objective, coverage = _evaluate(chosen, usable, requests, share, fairness_weight)
    return AcquisitionPlan(
        method=method,
        assignments=[
            _assignment(usable[i]) for i in sorted(chosen, key=lambda i: usable[i].key[2])
        ],
        coverage_by_request=coverage,
        contribution_by_partner=_contributions(chosen, usable, share),
        objective=objective,
        status=status,
        mip_gap=gap,
        upper_bound=bound,
        solve_time_s=time.perf_counter() - started,
        excluded=excluded_keys,
    )


def replan(
    plan: AcquisitionPlan,
    requests: Sequence[AcquisitionRequest],
    opportunities: Sequence[Opportunity],
    shares: Mapping[str, float],
    declined: Iterable[Assignment | tuple[str, int, datetime]],
    *,
    keep_other_assignments: bool = True,
    **options: float,
) -> AcquisitionPlan:
    """Plan again without the declined or missed assignments (and without earlier exclusions).

    With `keep_other_assignments`, every assignment of `plan` that was not declined stays
    (owners have accepted those tasks); the solver fills the gaps around them.
    """
    declined_keys = {d.key if isinstance(d, Assignment) else d for d in declined}
    kept = (
        [a.key for a in plan.assignments if a.key not in declined_keys]
        if keep_other_assignments
        else []
    )
    return plan_acquisitions(
        requests,
        opportunities,
        shares,
        method="milp" if plan.method == "milp" else "greedy",
        excluded=plan.excluded | declined_keys,
        fixed=kept,
        **options,
    )


def _assignment(opportunity: Opportunity) -> Assignment:
    window = opportunity.window
    return Assignment(
        request_id=opportunity.request_id,
        norad_id=window.norad_id,
        owner=opportunity.owner,
        acquisition_start=window.acquisition_start,
        acquisition_end=window.acquisition_end,
        roll_deg=window.roll_deg,
        coverage_fraction=window.coverable_fraction,
        delivery=opportunity.delivery,
    )


def _contributions(
    chosen: Sequence[int], opportunities: Sequence[Opportunity], shares: Mapping[str, float]
) -> dict[str, PartnerContribution]:
    total = max(len(chosen), 1)
    result = {}
    for partner, committed in sorted(shares.items()):
        mine = [opportunities[i] for i in chosen if opportunities[i].owner == partner]
        result[partner] = PartnerContribution(
            acquisitions=len(mine),
            share_of_acquisitions=len(mine) / total,
            committed_share=committed,
            requests_served=len({o.request_id for o in mine}),
        )
    return result


def _greedy(
    requests: Sequence[AcquisitionRequest],
    opportunities: Sequence[Opportunity],
    shares: Mapping[str, float],
    conflicts: Sequence[tuple[int, int]],
    fairness_weight: float,
    fixed: set[tuple[str, int, datetime]],
) -> list[int]:
    """Serve requests by priority, each with its best net-gain opportunities in turn.

    A candidate is taken only if it raises the objective (coverage gained against the
    acquisition cost and the change in fairness deviation) and conflicts with nothing taken,
    so the heuristic respects slew times and shares; it never revisits a choice.
    """
    neighbours: dict[int, set[int]] = {}
    for i, j in conflicts:
        neighbours.setdefault(i, set()).add(j)
        neighbours.setdefault(j, set()).add(i)
    priority = {request.request_id: request.priority for request in requests}
    coverage = dict.fromkeys(priority, 0.0)
    load = dict.fromkeys(shares, 0)
    chosen: list[int] = []
    blocked: set[int] = set()

    def deviation(extra_owner: str | None) -> float:
        total = len(chosen) + (extra_owner is not None)
        return sum(abs(load[p] + (p == extra_owner) - shares[p] * total) for p in shares)

    def take(index: int) -> None:
        opportunity = opportunities[index]
        chosen.append(index)
        coverage[opportunity.request_id] += opportunity.value
        load[opportunity.owner] += 1
        blocked.update(neighbours.get(index, ()))
        blocked.add(index)

    for index, opportunity in enumerate(opportunities):
        if opportunity.key in fixed:
            take(index)
    by_request: dict[str, list[int]] = {}
    for index, opportunity in enumerate(opportunities):
        if opportunity.request_id in coverage:
            by_request.setdefault(opportunity.request_id, []).append(index)
    # Requests by priority; within one, repeatedly take the candidate with the best net gain
    # (coverage gained, less the acquisition cost and the change in fairness deviation).
    for request_id in sorted(by_request, key=lambda r: -priority[r]):
        while True:
            covered = coverage[request_id]
            base = deviation(None)
            best, best_net = -1, 0.0
            for index in by_request[request_id]:
                if index in blocked:
                    continue
                opportunity = opportunities[index]
                gain = priority[request_id] * (min(1.0, covered + opportunity.value) - covered)
                net = (
                    gain
                    - _net_cost(opportunity)
                    - fairness_weight * (deviation(opportunity.owner) - base)
                )
                # Only acquisitions that add coverage: balancing load alone never pays a
                # satellite's time.
                if gain > 0.0 and net > best_net:
                    best, best_net = index, net
            if best < 0:
                break
            take(best)
    return chosen


def _solve_milp(
    requests: Sequence[AcquisitionRequest],
    opportunities: Sequence[Opportunity],
    shares: Mapping[str, float],
    conflicts: Sequence[tuple[int, int]],
    fairness_weight: float,
    time_limit_s: float,
    mip_rel_gap: float,
    fixed: set[tuple[str, int, datetime]],
) -> tuple[list[int], str, float, float]:
    import highspy

    n_opp = len(opportunities)
    request_index = {request.request_id: k for k, request in enumerate(requests)}
    partners = sorted(shares)
    n_req, n_part = len(requests), len(partners)
    # Columns: x (n_opp, binary) | y (n_req) | d+ (n_part) | d- (n_part).
    y0, dp0 = n_opp, n_opp + n_req
    dm0 = dp0 + n_part
    n_col = dm0 + n_part
    cost = np.zeros(n_col)
    cost[:n_opp] = [-_net_cost(opportunity) for opportunity in opportunities]
    cost[y0:dp0] = [request.priority for request in requests]
    cost[dp0:n_col] = -fairness_weight
    lower = np.zeros(n_col)
    upper = np.full(n_col, np.inf)
    upper[:dp0] = 1.0
    for i, opportunity in enumerate(opportunities):
        if opportunity.key in fixed:
            lower[i] = 1.0
    rows: list[tuple[list[int], list[float], float, float]] = []
    members: dict[int, list[int]] = {}
    for i, opportunity in enumerate(opportunities):
        if opportunity.request_id in request_index:
            members.setdefault(request_index[opportunity.request_id], []).append(i)
        else:
            upper[i] = 0.0
    for k in range(n_req):
        # y_r - sum v_o x_o <= 0
        indices = members.get(k, [])
        rows.append(
            ([y0 + k, *indices], [1.0, *(-opportunities[i].value for i in indices)], -np.inf, 0.0)
        )
    for i, j in conflicts:
        rows.append(([i, j], [1.0, 1.0], -np.inf, 1.0))
    owner_of = [opportunity.owner for opportunity in opportunities]
    for p, partner in enumerate(partners):
        # sum_{o of p} x_o - s_p sum_o x_o - d+_p + d-_p = 0
        coefficients = [
            (1.0 if owner_of[i] == partner else 0.0) - shares[partner] for i in range(n_opp)
        ]
        rows.append(([*range(n_opp), dp0 + p, dm0 + p], [*coefficients, -1.0, 1.0], 0.0, 0.0))
    lp = highspy.HighsLp()
    lp.num_col_ = n_col
    lp.num_row_ = len(rows)
    lp.col_cost_ = cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.array([row[2] for row in rows])
    lp.row_upper_ = np.array([row[3] for row in rows])
    lp.sense_ = highspy.ObjSense.kMaximize
    starts = np.cumsum([0] + [len(row[0]) for row in rows])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = np.concatenate([row[0] for row in rows]).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate([row[1] for row in rows]).astype(np.float64)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_opp + [
        highspy.HighsVarType.kContinuous
    ] * (n_col - n_opp)
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("time_limit", float(time_limit_s))
    solver.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    solver.passModel(lp)
    solver.run()
    status = solver.modelStatusToString(solver.getModelStatus())
    info = solver.getInfo()
    values = np.asarray(solver.getSolution().col_value[:n_opp])
    chosen = [int(i) for i in np.flatnonzero(values > 0.5)] if values.size else []
    return chosen, status, float(info.mip_gap), float(info.mip_dual_bound)
