"""The one authorisation point: `authorize`, `authorize_batch` and `visible`.

Every read, list, export, write and administrative action in the API, the CLI and the web
pages asks here. Cedar decides allow or deny (deny by default); this module adds which
clauses granted and the release conditions of the least restrictive one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from accord.agreements._access import (
    UNRESTRICTED,
    AccessRequest,
    ClauseRef,
    Decision,
    Principal,
    ReleaseConditions,
    Resource,
)
from accord.agreements._cedar import AccessPolicy
from accord.agreements._document import DataSharingClause
from accord.agreements._vocabulary import AccessAction

__all__ = ["DENIED", "authorize", "authorize_batch", "visible"]

T = TypeVar("T")

#: The decision when no policy permits: carries nothing to apply.
DENIED = Decision(allowed=False)


def _restrictiveness(clause: DataSharingClause) -> tuple[bool, float]:
    """Sort key: covariance released before withheld, then finer position precision first."""
    precision = clause.degradation.position_precision_km
    return (clause.degradation.covariance_withheld, 0.0 if precision is None else precision)


def _decide(
    request: AccessRequest, allowed: bool, policy_ids: list[str], policy: AccessPolicy
) -> Decision:
    if not allowed:
        return DENIED
    grants = [g for pid in policy_ids if (g := policy.grant(pid)) is not None]
    refs: tuple[ClauseRef, ...] = tuple(ref for ref, _ in grants)
    resource = request.resource
    if len(grants) < len(policy_ids) or not isinstance(resource, Resource) or not resource.is_data:
        # A base rule permitted it (the owner's own data, administration, coordination):
        # nothing to degrade.
        return Decision(True, tuple(policy_ids), refs, UNRESTRICTED)
    _, clause = min(grants, key=lambda grant: _restrictiveness(grant[1]))
    start = resource.embargo_start()
    released_at = (
        start + timedelta(hours=clause.embargo_hours)
        if clause.embargo_hours > 0 and start is not None
        else None
    )
    conditions = ReleaseConditions(clause.degradation, clause.redistribution_allowed, released_at)
    return Decision(True, tuple(policy_ids), refs, conditions)


def authorize_batch(requests: Sequence[AccessRequest], policy: AccessPolicy) -> list[Decision]:
    """Decide many requests in one Cedar call; decisions in the order of the requests."""
    answers = policy.evaluate(requests)
    return [
        _decide(request, allowed, ids, policy)
        for request, (allowed, ids) in zip(requests, answers, strict=True)
    ]


def authorize(request: AccessRequest, policy: AccessPolicy) -> Decision:
    """Decide one request against the compiled agreements in force (deny by default).

    `policy` must come from `compile_policy(agreements_in_force(records, request.at))`.
    A denied data item must look absent to the caller: 404, never 403 (docs/agreements.md).
    """
    return authorize_batch([request], policy)[0]


def visible(
    principal: Principal,
    items: Iterable[T],
    policy: AccessPolicy,
    *,
    at: datetime,
    describe: Callable[[T], Resource],
    action: AccessAction = AccessAction.LIST,
) -> list[tuple[T, Decision]]:
    """The items `principal` may see at `at`, each with its decision, in their original order.

    `describe` maps an item to its Resource. Items not granted are dropped, so lists and
    counts built from the result never reveal them; apply each decision's conditions
    (`apply_release`) before the item goes out. One Cedar batch call for all items.
    """
    kept = list(items)
    requests = [AccessRequest(principal, action, describe(item), at) for item in kept]
    decisions = authorize_batch(requests, policy)
    return [(item, decision) for item, decision in zip(kept, decisions, strict=True) if decision]
