"""The coordination base rules: in every compiled policy set, valid against the Cedar schema,
and deciding cases, plans, disputes and compliance reports as docs/access.md says.

Partners: esa and jaxa are the parties, un-oosa a mediator, nasa unrelated, `ops` the
deployment's system partner (its handle in `platform`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import cedarpy
import pytest

from accord.agreements import (
    BASE_POLICY_IDS,
    CEDAR_SCHEMA,
    COORDINATION_POLICY_IDS,
    AccessAction,
    AccessRequest,
    CaseResource,
    ComplianceReportResource,
    CoordinationResource,
    DisputeResource,
    PlanResource,
    Principal,
    PrincipalRole,
    authorize,
    compile_policy,
)
from tests.agreements._builders import agreement

AT = datetime(2026, 3, 1, tzinfo=UTC)
PLATFORM = frozenset({"ops"})
PARTIES = frozenset({"esa", "jaxa"})
READ, LIST, WRITE = AccessAction.READ, AccessAction.LIST, AccessAction.WRITE
OPERATOR, ANALYST, ADMIN = PrincipalRole.OPERATOR, PrincipalRole.ANALYST, PrincipalRole.ADMIN

CASE = CaseResource("case-7", PARTIES, PLATFORM)
DISPUTE_IN_NEGOTIATION = DisputeResource("dispute-1", PARTIES, frozenset(), PLATFORM)
DISPUTE_IN_MEDIATION = DisputeResource("dispute-1", PARTIES, frozenset({"un-oosa"}), PLATFORM)
REPORT = ComplianceReportResource("compliance:a:esa", "esa", frozenset({"jaxa"}), PLATFORM)


def _plan(kind: str) -> PlanResource:
    return PlanResource("plan-3", "esa", kind, 39634, PARTIES, PLATFORM)


def _allowed(
    partner: str, role: PrincipalRole, action: AccessAction, resource: CoordinationResource
) -> bool:
    policy = compile_policy([])
    who = Principal(partner, frozenset({role}))
    return authorize(AccessRequest(who, action, resource, AT), policy).allowed


def test_every_compiled_policy_set_holds_the_coordination_rules_and_validates() -> None:
    policy = compile_policy([agreement()])
    ids = re.findall(r'@id\("([^"]+)"\)', policy.cedar_text)
    assert set(COORDINATION_POLICY_IDS) <= set(ids)
    assert set(COORDINATION_POLICY_IDS) <= set(BASE_POLICY_IDS)
    assert len(COORDINATION_POLICY_IDS) == 9
    for entity in ("CoordinationCase", "ManoeuvrePlan", "Dispute", "ComplianceReport"):
        assert f"entity {entity}" in CEDAR_SCHEMA
    checked = cedarpy.validate_policies(policy.cedar_text, cedarpy.Schema.from_str(CEDAR_SCHEMA))
    assert checked.validation_passed, checked.errors


@pytest.mark.parametrize(
    ("partner", "role", "action", "expected"),
    [
        ("esa", ANALYST, READ, True),
        ("jaxa", ANALYST, LIST, True),
        ("esa", OPERATOR, WRITE, True),
        ("jaxa", ADMIN, WRITE, True),
        ("esa", ANALYST, WRITE, False),  # reading is not acting
        ("nasa", OPERATOR, READ, False),  # unrelated: denied by default
        ("nasa", ADMIN, WRITE, False),
        ("ops", ADMIN, READ, True),  # the platform's admins oversee...
        ("ops", ADMIN, WRITE, False),  # ...and act for no party
        ("ops", OPERATOR, READ, False),  # only its admins
    ],
)
def test_a_case_is_its_parties_and_the_platform_admins(
    partner: str, role: PrincipalRole, action: AccessAction, expected: bool
) -> None:
    assert _allowed(partner, role, action, CASE) is expected


@pytest.mark.parametrize(
    ("kind", "partner", "role", "action", "expected"),
    [
        ("hypothetical", "esa", ANALYST, READ, True),
        ("hypothetical", "jaxa", OPERATOR, READ, False),  # the owner's alone
        ("hypothetical", "ops", ADMIN, READ, False),  # not even the platform's admins
        ("candidate", "jaxa", ANALYST, READ, True),
        ("candidate", "ops", ADMIN, LIST, True),
        ("committed", "jaxa", ANALYST, READ, True),
        ("committed", "nasa", ANALYST, READ, False),  # only through a clause (access tests)
        ("candidate", "esa", OPERATOR, WRITE, True),  # the owner's operators move it
        ("candidate", "esa", ANALYST, WRITE, False),
        ("candidate", "jaxa", ADMIN, WRITE, False),  # another party never does
    ],
)
def test_a_plan_is_its_owners_until_shared(
    kind: str, partner: str, role: PrincipalRole, action: AccessAction, expected: bool
) -> None:
    assert _allowed(partner, role, action, _plan(kind)) is expected


@pytest.mark.parametrize(
    ("dispute", "partner", "role", "action", "expected"),
    [
        (DISPUTE_IN_NEGOTIATION, "jaxa", ANALYST, READ, True),
        (DISPUTE_IN_NEGOTIATION, "un-oosa", OPERATOR, READ, False),  # mediation not reached
        (DISPUTE_IN_MEDIATION, "un-oosa", OPERATOR, READ, True),
        (DISPUTE_IN_MEDIATION, "un-oosa", OPERATOR, WRITE, True),
        (DISPUTE_IN_MEDIATION, "un-oosa", ANALYST, WRITE, False),
        (DISPUTE_IN_MEDIATION, "nasa", ADMIN, READ, False),
        (DISPUTE_IN_MEDIATION, "ops", ADMIN, READ, True),
        (DISPUTE_IN_MEDIATION, "ops", ADMIN, WRITE, False),
    ],
)
def test_a_dispute_is_its_parties_and_the_mediators_it_has_reached(
    dispute: DisputeResource,
    partner: str,
    role: PrincipalRole,
    action: AccessAction,
    expected: bool,
) -> None:
    assert _allowed(partner, role, action, dispute) is expected


@pytest.mark.parametrize(
    ("partner", "role", "action", "expected"),
    [
        ("esa", ANALYST, LIST, True),  # the obligor
        ("jaxa", ANALYST, READ, True),  # a beneficiary
        ("nasa", ADMIN, READ, False),
        ("ops", ADMIN, LIST, True),
        ("esa", ADMIN, WRITE, False),  # reports are the platform's evaluation: nobody edits
    ],
)
def test_a_compliance_report_is_its_obligor_and_beneficiaries(
    partner: str, role: PrincipalRole, action: AccessAction, expected: bool
) -> None:
    assert _allowed(partner, role, action, REPORT) is expected


def test_a_permitted_coordination_request_names_its_rule_and_releases_unrestricted() -> None:
    resources: list[CoordinationResource] = [CASE, _plan("candidate"), DISPUTE_IN_MEDIATION]
    policy = compile_policy([])
    who = Principal("jaxa", frozenset({ANALYST}))
    decisions = [authorize(AccessRequest(who, READ, r, AT), policy) for r in resources]
    assert [d.policy_ids for d in decisions] == [
        ("base/parties-read-case",),
        ("base/parties-read-shared-plan",),
        ("base/parties-and-mediators-read-dispute",),
    ]
    assert all(d.clauses == () and d.conditions is not None for d in decisions)
