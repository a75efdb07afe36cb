"""Who sees and acts on coordination cases, manoeuvre plans, disputes and compliance reports.

The routes, pages and CLI commands ask here; every answer is Cedar's (`authorize_each`, one
batch per call) under the base rules of `accord.agreements._cedar` (docs/access.md,
"Coordination"). This module only describes each object to the authorisation point:

- a case is `CaseResource(parties)`, and, for reading, also each party's
  `conjunction_data` of its own object (`Resource(conjunction_data, owner=<operator>,
  id=<case id>, norad_id)`): whoever a clause in force grants that data sees the case. The
  request carries no submission time, so an embargoed clause never grants a case;
- a plan is `PlanResource(owner, kind, case_parties)`, and a `committed` plan, being the
  owner's data from then on (it entered the catalog), also
  `Resource(conjunction_data, owner, id="plan-<id>", norad_id)` for reading;
- a dispute is `DisputeResource(parties, mediators of the steps it has reached)`;
- a compliance report is `ComplianceReportResource(obligor, beneficiaries)`, the
  beneficiaries being the other signatories of its agreement's latest version.

Every resource names the deployment's `system` partners as `platform` (its admins read).
What is denied is dropped from lists before counting; callers answer 404 for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.access._policy import PolicyCache, authorize_each, default_cache
from accord.access._principal import Principal
from accord.agreements import (
    AccessAction,
    CaseResource,
    ComplianceReportResource,
    CoordinationResource,
    DataClass,
    DisputeResource,
    PlanResource,
    Resource,
)
from accord.coordination import CoordinationCase, Dispute
from accord.store import (
    ComplianceReportRow,
    ManoeuvrePlanKind,
    ManoeuvrePlanRow,
    Partner,
    PartnerKind,
)

__all__ = [
    "authorize_cases",
    "authorize_disputes",
    "authorize_plans",
    "platform_partners",
    "visible_cases",
    "visible_compliance_reports",
    "visible_disputes",
]

_Ask = tuple[AccessAction, Resource | CoordinationResource]


def platform_partners(session: Session) -> frozenset[str]:
    """Handles of the deployment's own partners (kind `system`), whose admins oversee."""
    handles = session.scalars(
        sa.select(Partner.handle).where(
            Partner.kind == PartnerKind.SYSTEM.value, Partner.handle.is_not(None)
        )
    )
    return frozenset(str(h) for h in handles)


def _any_allowed(
    session: Session,
    principal: Principal,
    groups: Sequence[Sequence[_Ask]],
    at: datetime | None,
) -> list[bool]:
    """One batch for every group's requests; a group is allowed when any of its is."""
    flat = [ask for group in groups for ask in group]
    decisions = iter(authorize_each(session, principal, flat, at=at or datetime.now(UTC)))
    return [any([bool(next(decisions)) for _ in group]) for group in groups]


# --- cases ----------------------------------------------------------------------------------


def _case_asks(
    case: CoordinationCase, platform: frozenset[str], action: AccessAction
) -> list[_Ask]:
    asks: list[_Ask] = [(action, CaseResource(case.id, frozenset(case.parties), platform))]
    if action in (AccessAction.READ, AccessAction.LIST):
        for side in (case.encounter.primary, case.encounter.secondary):
            if side.operator is not None:
                shared = Resource(
                    DataClass.CONJUNCTION_DATA,
                    owner=side.operator,
                    id=case.id,
                    norad_id=side.norad_id,
                )
                asks.append((AccessAction.READ, shared))
    return asks


def authorize_cases(
    session: Session,
    principal: Principal,
    cases: Sequence[CoordinationCase],
    action: AccessAction = AccessAction.READ,
    *,
    at: datetime | None = None,
) -> list[bool]:
    """Whether `principal` may do `action` to each case (read, list: see; write: act)."""
    platform = platform_partners(session)
    groups = [_case_asks(case, platform, action) for case in cases]
    return _any_allowed(session, principal, groups, at)


def visible_cases(
    session: Session,
    principal: Principal,
    cases: Sequence[CoordinationCase],
    *,
    at: datetime | None = None,
) -> list[CoordinationCase]:
    """The cases `principal` may list, in their order (the others dropped before counting)."""
    allowed = authorize_cases(session, principal, cases, AccessAction.LIST, at=at)
    return [case for case, ok in zip(cases, allowed, strict=True) if ok]


# --- plans ----------------------------------------------------------------------------------


def _plan_asks(
    row: ManoeuvrePlanRow, case: CoordinationCase, platform: frozenset[str], action: AccessAction
) -> list[_Ask]:
    plan = PlanResource(
        f"plan-{row.id}",
        owner=row.owner,
        kind=row.kind,
        norad_id=row.norad_id,
        case_parties=frozenset(case.parties),
        platform=platform,
    )
    asks: list[_Ask] = [(action, plan)]
    committed = row.kind == ManoeuvrePlanKind.COMMITTED.value
    if committed and action in (AccessAction.READ, AccessAction.LIST):
        shared = Resource(
            DataClass.CONJUNCTION_DATA, owner=row.owner, id=plan.id, norad_id=row.norad_id
        )
        asks.append((AccessAction.READ, shared))
    return asks


def authorize_plans(
    session: Session,
    principal: Principal,
    plans: Sequence[tuple[ManoeuvrePlanRow, CoordinationCase]],
    action: AccessAction = AccessAction.READ,
    *,
    at: datetime | None = None,
) -> list[bool]:
    """Whether `principal` may do `action` to each (plan, its case): read, or write (move it)."""
    platform = platform_partners(session)
    groups = [_plan_asks(row, case, platform, action) for row, case in plans]
    return _any_allowed(session, principal, groups, at)


# --- disputes -------------------------------------------------------------------------------


def _dispute_resource(dispute: Dispute, platform: frozenset[str]) -> DisputeResource:
    reached = dispute.steps[: dispute.step_index + 1]
    mediators = frozenset(s.mediator.partner for s in reached if s.mediator is not None)
    return DisputeResource(dispute.id, frozenset(dispute.parties), mediators, platform)


def authorize_disputes(
    session: Session,
    principal: Principal,
    disputes: Sequence[Dispute],
    action: AccessAction = AccessAction.READ,
    *,
    at: datetime | None = None,
) -> list[bool]:
    """Whether `principal` may do `action` to each dispute (read, list; write: take a step).

    Which step a participant may take now (a message in the current step, a decision by
    whom the step names) is the dispute's own rule (`accord.coordination`), checked after.
    """
    platform = platform_partners(session)
    groups = [[(action, _dispute_resource(d, platform))] for d in disputes]
    return _any_allowed(session, principal, groups, at)


def visible_disputes(
    session: Session,
    principal: Principal,
    disputes: Sequence[Dispute],
    *,
    at: datetime | None = None,
) -> list[Dispute]:
    """The disputes `principal` may list, in their order."""
    allowed = authorize_disputes(session, principal, disputes, AccessAction.LIST, at=at)
    return [dispute for dispute, ok in zip(disputes, allowed, strict=True) if ok]


# --- compliance reports ---------------------------------------------------------------------


def visible_compliance_reports(
    session: Session,
    principal: Principal,
    *,
    partner: str | None = None,
    agreement_id: str | None = None,
    at: datetime | None = None,
    cache: PolicyCache | None = None,
) -> list[ComplianceReportRow]:
    """The compliance reports `principal` may list, newest first (`partner`: obligor).

    A report's resource depends only on its (agreement, obligor), so those pairs are
    decided (one batch) and the rows read for the allowed pairs alone.
    """
    pairs_query = sa.select(ComplianceReportRow.agreement_id, ComplianceReportRow.partner)
    if partner is not None:
        pairs_query = pairs_query.where(ComplianceReportRow.partner == partner)
    if agreement_id is not None:
        pairs_query = pairs_query.where(ComplianceReportRow.agreement_id == agreement_id)
    pairs = sorted({(str(a), str(p)) for a, p in session.execute(pairs_query.distinct())})
    if not pairs:
        return []
    # The stored records as the policy cache holds them (reparsed only when a row changed).
    records = (cache or default_cache()).records(session)
    signatories = {r.agreement_id: r.latest.document.signatory_ids for r in records}
    platform = platform_partners(session)
    asks: list[_Ask] = [
        (
            AccessAction.LIST,
            ComplianceReportResource(
                f"compliance:{agreement}:{obligor}",
                obligor=obligor,
                beneficiaries=signatories.get(agreement, frozenset()) - {obligor},
                platform=platform,
            ),
        )
        for agreement, obligor in pairs
    ]
    decisions = authorize_each(session, principal, asks, at=at or datetime.now(UTC))
    allowed = [pair for pair, decision in zip(pairs, decisions, strict=True) if decision]
    if not allowed:
        return []
    query = sa.select(ComplianceReportRow).where(
        sa.or_(
            *(
                sa.and_(ComplianceReportRow.agreement_id == a, ComplianceReportRow.partner == p)
                for a, p in allowed
            )
        )
    )
    return list(
        session.scalars(
            query.order_by(ComplianceReportRow.evaluated_at.desc(), ComplianceReportRow.id.desc())
        )
    )
