"""Property: `visible` returns exactly the records some clause in force grants, no more, no less.

The reference is a plain-Python reading of the agreements written here from the documented
rules (docs/agreements.md), independent of the Cedar compilation it checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.agreements import (
    AccessAction,
    AgreementRecord,
    DataClass,
    Principal,
    PrincipalRole,
    Resource,
    agreements_in_force,
    compile_policy,
    parse_agreement,
    propose,
    sign,
    suspend,
    terminate,
    visible,
)

#: Examples per run; each compiles a policy set and makes one batch Cedar call.
EXAMPLES_PER_RUN = 150
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
SIGNED_AT = datetime(2026, 1, 1, tzinfo=UTC)
PARTNERS = ("p0", "p1", "p2")
NORAD_IDS = (1, 2, 3)
#: Few classes, partners and satellites, so generated records often meet generated clauses.
CLASSES = (DataClass.CATALOG_ELEMENT_SETS, DataClass.CONJUNCTION_DATA)
STATES = ("in_force", "in_force", "in_force", "suspended", "terminated", "expired", "draft")


@dataclass(frozen=True)
class GeneratedClause:
    grantor: str
    grantees: frozenset[str]
    data_classes: frozenset[DataClass]
    norad_ids: frozenset[int] | None  # None: all claimed
    embargo_hours: int
    precision_km: float | None
    covariance_withheld: bool
    redistribution: bool


@st.composite
def _clause(draw: st.DrawFn, parties: list[str]) -> GeneratedClause:
    grantor = draw(st.sampled_from(parties))
    others = [p for p in parties if p != grantor]
    return GeneratedClause(
        grantor=grantor,
        grantees=frozenset(draw(st.lists(st.sampled_from(others), min_size=1, unique=True))),
        data_classes=frozenset(draw(st.lists(st.sampled_from(CLASSES), min_size=1, unique=True))),
        norad_ids=draw(
            st.none() | st.frozensets(st.sampled_from(NORAD_IDS), min_size=1, max_size=2)
        ),
        embargo_hours=draw(st.sampled_from([0, 0, 1, 24])),
        precision_km=draw(st.sampled_from([None, None, 1.0, 10.0])),
        covariance_withheld=draw(st.booleans()),
        redistribution=draw(st.booleans()),
    )


@st.composite
def _agreement(draw: st.DrawFn, index: int) -> tuple[list[str], list[GeneratedClause], str]:
    parties = draw(st.lists(st.sampled_from(PARTNERS), min_size=2, max_size=3, unique=True))
    clauses = draw(st.lists(_clause(parties), min_size=1, max_size=3))
    return parties, clauses, draw(st.sampled_from(STATES))


def _document(index: int, parties: list[str], clauses: list[GeneratedClause], state: str) -> dict:
    def body(c: GeneratedClause) -> dict[str, Any]:
        degradation: dict[str, Any] = {
            "covariance": "withheld" if c.covariance_withheld else "released"
        }
        if c.precision_km is not None:
            degradation["position_precision_km"] = c.precision_km
        return {
            "grantor": c.grantor,
            "grantees": sorted(c.grantees),
            "data_classes": sorted(c.data_classes),
            "assets": "all_claimed" if c.norad_ids is None else {"norad_ids": sorted(c.norad_ids)},
            "degradation": degradation,
            "embargo_hours": c.embargo_hours,
            "redistribution": c.redistribution,
        }

    doc: dict[str, Any] = {
        "format": "accord.agreement/v1",
        "id": f"a{index}",
        "version": 1,
        "title": f"Generated agreement {index}",
        "parties": [{"partner": p, "name": p.upper()} for p in parties],
        "effective_from": "2026-01-01",
        "clauses": [{"id": f"c{i}", "data_sharing": body(c)} for i, c in enumerate(clauses)],
    }
    if state == "expired":
        doc["effective_until"] = "2026-05-01"
    return doc


def _record(doc: dict, state: str) -> AgreementRecord:
    agreement = parse_agreement(doc, source="generated")
    record = propose(agreement, by=doc["parties"][0]["partner"], at=SIGNED_AT)
    signers = sorted(agreement.signatory_ids)
    for party in signers[:1] if state == "draft" else signers:
        digest = record.latest.content_sha256
        record = sign(record, party=party, at=SIGNED_AT, version=1, content_sha256=digest)
    if state == "suspended":
        record = suspend(record, by=signers[0], at=SIGNED_AT, reason="generated")
    if state == "terminated":
        record = terminate(record, by=signers[0], at=SIGNED_AT, reason="generated")
    return record


_records = st.lists(
    st.builds(
        Resource,
        kind=st.sampled_from(CLASSES),
        owner=st.sampled_from(PARTNERS),
        norad_id=st.none() | st.sampled_from(NORAD_IDS),
        submitted_at=st.none()
        | st.sampled_from([-48, -25, -24, -23, -1, 0]).map(lambda h: NOW + timedelta(hours=h)),
    ),
    min_size=1,
    max_size=24,
)


def _reference_grants(
    principal: str,
    action: AccessAction,
    resource: Resource,
    agreements: list[tuple[list[GeneratedClause], str]],
) -> list[GeneratedClause] | None:
    """The clauses in force granting the action, per the documented rules; None for owners."""
    if resource.owner == principal:
        return None
    granting = []
    for clauses, state in agreements:
        if state != "in_force":
            continue
        for c in clauses:
            released = c.embargo_hours == 0 or (
                resource.submitted_at is not None
                and resource.submitted_at + timedelta(hours=c.embargo_hours) <= NOW
            )
            if (
                principal in c.grantees
                and resource.owner == c.grantor
                and resource.kind in c.data_classes
                and (c.norad_ids is None or resource.norad_id in c.norad_ids)
                and released
                and (action is not AccessAction.EXPORT or c.redistribution)
            ):
                granting.append(c)
    return granting


@settings(
    max_examples=EXAMPLES_PER_RUN,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    agreements=st.lists(st.integers(0, 0), min_size=1, max_size=3).flatmap(
        lambda slots: st.tuples(*[_agreement(i) for i in range(len(slots))])
    ),
    records=_records,
    principal=st.sampled_from(PARTNERS),
    action=st.sampled_from([AccessAction.READ, AccessAction.LIST, AccessAction.EXPORT]),
)
def test_visible_returns_exactly_what_clauses_in_force_grant(
    agreements: tuple[tuple[list[str], list[GeneratedClause], str], ...],
    records: list[Resource],
    principal: str,
    action: AccessAction,
) -> None:
    stored = [
        _record(_document(i, parties, clauses, state), state)
        for i, (parties, clauses, state) in enumerate(agreements)
    ]
    policy = compile_policy(agreements_in_force(stored, NOW))
    who = Principal(principal, frozenset({PrincipalRole.ANALYST}))
    shown = visible(who, records, policy, at=NOW, describe=lambda r: r, action=action)
    shown_ids = {id(item) for item, _ in shown}
    reference = [(c, s) for _, c, s in agreements]
    for record in records:
        grants = _reference_grants(principal, action, record, reference)
        expected = grants is None or bool(grants)
        assert (id(record) in shown_ids) == expected, (record, grants)
    for item, decision in shown:
        grants = _reference_grants(principal, action, item, reference)
        assert decision.conditions is not None
        degradation = decision.conditions.degradation
        if grants is None:
            assert degradation.is_none
            continue
        # The applied conditions are one granting clause's, and the least restrictive one's.
        offered = {(g.covariance_withheld, g.precision_km or 0.0) for g in grants}
        applied = (degradation.covariance_withheld, degradation.position_precision_km or 0.0)
        assert applied == min(offered)
        assert {ref.clause_id for ref in decision.clauses} <= {f"c{i}" for i in range(3)}
