"""The authorisation point: clauses compiled to Cedar, deny by default, embargo, degradation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cedarpy
import pytest

from accord.agreements import (
    CEDAR_SCHEMA,
    AccessAction,
    AccessPolicy,
    AccessRequest,
    AccessRequestError,
    AdminResourceType,
    DataClass,
    Decision,
    Principal,
    PrincipalRole,
    Resource,
    agreements_in_force,
    authorize,
    compile_policy,
    load_agreement,
    suspend,
    terminate,
    visible,
)
from tests.agreements._builders import EXAMPLES, T0, agreement, signed_record

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ANALYST = frozenset({PrincipalRole.ANALYST})
JAXA = Principal("jaxa", ANALYST, "jaxa-analyst")
ESA = Principal("esa", ANALYST)


def _example_policy(name: str) -> AccessPolicy:
    path = EXAMPLES / name
    return compile_policy([load_agreement(path.read_text(encoding="utf-8"), source=str(path))])


def _ask(
    policy: AccessPolicy,
    principal: Principal,
    resource: Resource,
    action: AccessAction = AccessAction.READ,
    at: datetime = NOW,
) -> Decision:
    return authorize(AccessRequest(principal, action, resource, at), policy)


def _elset(owner: str = "esa", norad_id: int = 25544, **kw: object) -> Resource:
    return Resource(DataClass.CATALOG_ELEMENT_SETS, owner, norad_id=norad_id, **kw)  # type: ignore[arg-type]


def test_every_compiled_policy_set_passes_the_cedar_schema() -> None:
    for path in sorted(EXAMPLES.glob("*.yaml")):
        policy = _example_policy(path.name)
        assert cedarpy.validate_policies(policy.cedar_text, CEDAR_SCHEMA).validation_passed


def test_deny_by_default_with_no_agreement() -> None:
    policy = compile_policy([])
    assert _ask(policy, JAXA, _elset()) == Decision(False)
    for action in AccessAction:
        assert not _ask(policy, JAXA, _elset(), action)


def test_owners_always_read_their_own_data_unrestricted() -> None:
    decision = _ask(compile_policy([]), ESA, _elset())
    assert decision.allowed and decision.policy_ids == ("base/owner-reads-own-data",)
    assert decision.conditions is not None and decision.conditions.degradation.is_none


def test_data_sharing_clause_grants_grantee_only_within_classes() -> None:
    policy = compile_policy([agreement()])
    granted = _ask(policy, JAXA, _elset())
    assert granted.policy_ids == ("test-agreement/v1/esa-elsets",)
    assert granted.clauses[0].clause_id == "esa-elsets"
    assert not _ask(policy, Principal("nasa", ANALYST), _elset())  # not a party
    assert not _ask(policy, ESA, _elset(owner="jaxa"))  # not the grantor's direction
    ephemeris = Resource(DataClass.OPERATOR_EPHEMERIDES, "esa", norad_id=25544)
    assert not _ask(policy, JAXA, ephemeris)  # class not granted
    assert not _ask(policy, JAXA, _elset(), AccessAction.EXPORT)  # no redistribution
    assert not _ask(policy, JAXA, _elset(), AccessAction.WRITE)


def test_asset_lists_restrict_to_named_satellites_and_stations() -> None:
    policy = _example_policy("disaster-imaging-pool.yaml")
    isro = Principal("isro", ANALYST)
    product = Resource(
        DataClass.OBSERVATION_PRODUCTS,
        "dlr",
        station_id="INUVIK",
        data_epoch=NOW - timedelta(hours=7),
    )
    assert _ask(policy, isro, product)
    other = Resource(
        DataClass.OBSERVATION_PRODUCTS,
        "dlr",
        station_id="KOUROU",
        data_epoch=NOW - timedelta(hours=7),
    )
    assert not _ask(policy, isro, other)
    assert _ask(policy, isro, product, AccessAction.EXPORT)  # redistribution: true


def test_embargo_denies_until_released_then_carries_release_time() -> None:
    policy = _example_policy("leo-data-exchange.yaml")
    epoch = datetime(2026, 2, 28, 12, tzinfo=UTC)
    ephemeris = Resource(
        DataClass.OPERATOR_EPHEMERIDES, "esa", norad_id=39634, data_epoch=epoch, submitted_at=epoch
    )
    assert not _ask(policy, JAXA, ephemeris, at=epoch + timedelta(hours=23, minutes=59, seconds=59))
    released = _ask(policy, JAXA, ephemeris, at=epoch + timedelta(hours=24))
    assert released.conditions is not None
    assert released.conditions.released_at == epoch + timedelta(hours=24)
    # The clock starts at the later of epoch and submission: a back-dated epoch gains nothing.
    late = Resource(
        DataClass.OPERATOR_EPHEMERIDES,
        "esa",
        norad_id=39634,
        data_epoch=epoch - timedelta(days=5),
        submitted_at=epoch,
    )
    assert not _ask(policy, JAXA, late, at=epoch + timedelta(hours=12))
    # No timestamp, no proof of release: denied.
    undated = Resource(DataClass.OPERATOR_EPHEMERIDES, "esa", norad_id=39634)
    assert not _ask(policy, JAXA, undated, at=epoch + timedelta(days=30))
    # The owner is never embargoed.
    assert _ask(policy, ESA, ephemeris, at=epoch)


def test_degradation_comes_from_the_least_restrictive_granting_clause() -> None:
    doc_two = agreement(
        clauses=[
            {
                "id": "coarse",
                "data_sharing": {
                    "grantor": "esa",
                    "grantees": ["jaxa"],
                    "data_classes": ["conjunction_data"],
                    "assets": "all_claimed",
                    "degradation": {"position_precision_km": 5, "covariance": "withheld"},
                },
            },
            {
                "id": "fine-after-a-day",
                "data_sharing": {
                    "grantor": "esa",
                    "grantees": ["jaxa"],
                    "data_classes": ["conjunction_data"],
                    "assets": "all_claimed",
                    "embargo_hours": 24,
                },
            },
        ]
    )
    policy = compile_policy([doc_two])
    cdm = Resource(DataClass.CONJUNCTION_DATA, "esa", norad_id=1, submitted_at=NOW)
    early = _ask(policy, JAXA, cdm)
    assert early.policy_ids == ("test-agreement/v1/coarse",)
    assert early.conditions is not None
    assert early.conditions.degradation.position_precision_km == 5.0
    late = _ask(policy, JAXA, cdm, at=NOW + timedelta(days=1))
    assert set(late.policy_ids) == {
        "test-agreement/v1/coarse",
        "test-agreement/v1/fine-after-a-day",
    }
    assert late.conditions is not None and late.conditions.degradation.is_none


def test_suspended_terminated_and_expired_agreements_grant_nothing() -> None:
    record = signed_record(agreement(effective_until="2026-06-01"))
    at = datetime(2026, 2, 1, tzinfo=UTC)

    def granted(rec: object, when: datetime) -> bool:
        policy = compile_policy(agreements_in_force([rec], when))  # type: ignore[list-item]
        return _ask(policy, JAXA, _elset(), at=when).allowed

    assert granted(record, at)
    assert not granted(suspend(record, by="esa", at=at, reason="review"), at)
    assert not granted(terminate(record, by="esa", at=at, reason="ended"), at)
    assert not granted(record, datetime(2026, 6, 1, tzinfo=UTC))


def test_administrative_actions_are_gated_by_role() -> None:
    policy = compile_policy([])
    key = Resource(AdminResourceType.API_KEY, "esa", id="key-1")
    admin = Principal("esa", frozenset({PrincipalRole.ADMIN}))
    operator = Principal("esa", frozenset({PrincipalRole.OPERATOR}))
    assert _ask(policy, admin, key, AccessAction.ADMINISTER)
    assert not _ask(policy, operator, key, AccessAction.ADMINISTER)
    assert not _ask(policy, operator, key, AccessAction.READ)
    assert not _ask(policy, Principal("jaxa", frozenset({PrincipalRole.ADMIN})), key)
    agreement_item = Resource(
        AdminResourceType.AGREEMENT, "esa", id="a", parties=frozenset({"esa", "jaxa"})
    )
    jaxa_admin = Principal("jaxa", frozenset({PrincipalRole.ADMIN}))
    assert _ask(policy, jaxa_admin, agreement_item, AccessAction.ADMINISTER)
    assert _ask(policy, JAXA, agreement_item)  # parties read it
    assert not _ask(policy, JAXA, agreement_item, AccessAction.ADMINISTER)
    assert not _ask(policy, Principal("nasa", ANALYST), agreement_item)
    asset = Resource(AdminResourceType.ASSET, "esa", norad_id=25544)
    assert _ask(policy, JAXA, asset)  # claims are public to members, so they can be contested
    assert _ask(policy, operator, asset, AccessAction.WRITE)
    assert not _ask(policy, ESA, asset, AccessAction.WRITE)
    assert _ask(policy, operator, _elset(), AccessAction.WRITE)
    assert not _ask(
        policy, Principal("esa", frozenset({PrincipalRole.OBSERVER})), _elset(), AccessAction.WRITE
    )


def test_visible_drops_what_is_not_granted_in_one_batch() -> None:
    policy = compile_policy([agreement()])
    items = [_elset("esa", 1), _elset("nasa", 2), _elset("jaxa", 3), _elset("esa", 4)]
    shown = visible(JAXA, items, policy, at=NOW, describe=lambda item: item)
    assert [item.norad_id for item, _ in shown] == [1, 3, 4]
    assert all(decision.allowed for _, decision in shown)
    assert visible(JAXA, [], policy, at=NOW, describe=lambda item: item) == []


def test_naive_times_are_refused() -> None:
    with pytest.raises(AccessRequestError, match="no time zone"):
        AccessRequest(JAXA, AccessAction.READ, _elset(), datetime(2026, 1, 1))
    naive = _elset(submitted_at=datetime(2026, 1, 1))
    with pytest.raises(AccessRequestError, match="time without zone"):
        _ask(compile_policy([]), JAXA, naive)


def test_the_same_agreement_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="passed twice"):
        compile_policy([agreement(), agreement()])
    assert T0 < NOW
