"""The authorisation point end to end: who sees which catalog objects, how, and the log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.access import (
    PUBLIC_POLICY_ID,
    NotFoundError,
    PolicyCache,
    Principal,
    amend_agreement,
    authorize,
    get_visible_object,
    principal_for_partner,
    propose_agreement,
    sign_agreement,
    suspend_agreement,
    visible_catalog,
)
from accord.agreements import (
    AccessAction,
    AdminResourceType,
    PrincipalRole,
    Resource,
    load_agreement,
)
from accord.audit import AuditLog, parse_entry, verify_opening
from accord.catalog import import_element_sets
from accord.store import (
    AssetRepository,
    AuditEntryRow,
    PartnerRepository,
    SourceKind,
    transaction,
)
from tests.access._world import (
    EPOCH,
    ESA_OBJECTS,
    JAXA_OBJECTS,
    NASA_OBJECT,
    PUBLIC_OBJECT,
    build_world,
    example,
)
from tests.store._factory import element_set

AT = EPOCH + timedelta(hours=12)
#: A tenth of the clause's 10 km: coarsened components are multiples of 10 km.
PRECISION_KM = 10.0


def _principal(
    engine: Engine, handle: str, role: PrincipalRole = PrincipalRole.ANALYST
) -> Principal:
    with transaction(engine) as session:
        return principal_for_partner(PartnerRepository(session).get_by_handle(handle), [role])


def _ids(engine: Engine, principal: Principal, **kwargs: object) -> tuple[list[int], int]:
    with transaction(engine, write_lock=True) as session:
        page = visible_catalog(session, principal, at=kwargs.pop("at", AT), **kwargs)  # type: ignore[arg-type]
    return [item.norad_id for item in page.items], page.total


def _released_entries(engine: Engine) -> list[dict[str, Any]]:
    with transaction(engine) as session:
        rows = session.scalars(
            sa.select(AuditEntryRow.entry).where(AuditEntryRow.action == "data.released")
        ).all()
    return [parse_entry(bytes(row)).to_json() for row in rows]


def test_grantee_sees_grantor_claims_own_and_public_but_not_third_party(engine: Engine) -> None:
    build_world(engine)
    jaxa = _principal(engine, "jaxa")
    ids, total = _ids(engine, jaxa)
    assert ids == sorted([PUBLIC_OBJECT, *ESA_OBJECTS, *JAXA_OBJECTS])
    assert total == 5  # nasa's 30000 is neither listed nor counted


def test_a_non_party_sees_public_and_own_data_only(engine: Engine) -> None:
    build_world(engine)
    ids, total = _ids(engine, _principal(engine, "nasa"))
    assert (ids, total) == ([PUBLIC_OBJECT, NASA_OBJECT], 2)


def test_pages_and_counts_only_visible_objects(engine: Engine) -> None:
    build_world(engine)
    jaxa = _principal(engine, "jaxa")
    first, total = _ids(engine, jaxa, offset=0, limit=2)
    second, _ = _ids(engine, jaxa, offset=2, limit=10)
    assert total == 5 and first + second == sorted([PUBLIC_OBJECT, *ESA_OBJECTS, *JAXA_OBJECTS])


def test_claimed_object_belongs_to_the_claimant_not_the_submitter(engine: Engine) -> None:
    # ESA submitted 41240's element set, but JAXA claims it: ESA sees it through JAXA's clause.
    build_world(engine)
    with transaction(engine, write_lock=True) as session:
        item = get_visible_object(session, _principal(engine, "esa"), JAXA_OBJECTS[0], at=AT)
    assert item.owner == "jaxa"
    assert [c.policy_id for c in item.clauses] == ["esa-jaxa-leo-exchange/v1/jaxa-elsets-to-esa"]


def test_invisible_and_absent_objects_raise_the_same_not_found(engine: Engine) -> None:
    build_world(engine)
    nasa = _principal(engine, "nasa")
    with transaction(engine, write_lock=True) as session:
        with pytest.raises(NotFoundError) as hidden:
            get_visible_object(session, nasa, ESA_OBJECTS[0], at=AT)
        with pytest.raises(NotFoundError) as absent:
            get_visible_object(session, nasa, 99999, at=AT)
    assert str(hidden.value).replace(str(ESA_OBJECTS[0]), "N") == str(absent.value).replace(
        "99999", "N"
    )


def test_public_data_is_readable_by_every_partner_under_the_public_rule(engine: Engine) -> None:
    build_world(engine)
    with transaction(engine, write_lock=True) as session:
        item = get_visible_object(session, _principal(engine, "nasa"), PUBLIC_OBJECT, at=AT)
    assert item.owner is None and item.policy_ids == (PUBLIC_POLICY_ID,)
    assert item.element_set is not None


def test_release_under_a_clause_is_logged_once_per_response(engine: Engine) -> None:
    build_world(engine)
    _ids(engine, _principal(engine, "jaxa"))
    _ids(engine, _principal(engine, "nasa"))  # public and own data only: nothing to log
    entries = _released_entries(engine)
    assert len(entries) == 1
    entry = entries[0]
    # Recipient, clauses and objects are sealed; the public entry keeps class and counts.
    assert entry["subjects"] == [] and "recipient" not in entry["details"]
    assert entry["details"]["items"] == len(ESA_OBJECTS)
    with transaction(engine) as session:
        log = AuditLog(session)
        data, opening = log.entry(entry["seq"]), log.opening(entry["seq"])
    assert data is not None and opening is not None
    sealed = verify_opening(data, opening)
    assert sealed["recipient"] == str(_principal(engine, "jaxa").partner_id)
    assert sealed["clauses"] == ["esa-jaxa-leo-exchange/v1/esa-elsets-to-jaxa"]
    assert sorted(int(s["id"]) for s in sealed["subjects"]) == sorted(ESA_OBJECTS)


def test_amended_clause_embargoes_and_degrades_element_sets(engine: Engine) -> None:
    build_world(engine)
    text = example("leo-data-exchange.yaml").replace("version: 1", "version: 2")
    text = text.replace(
        "      data_classes: [catalog_element_sets, conjunction_data]\n      assets: all_claimed\n"
        "  - id: jaxa-elsets-to-esa",
        "      data_classes: [catalog_element_sets, conjunction_data]\n      assets: all_claimed\n"
        "      degradation:\n        position_precision_km: 10\n      embargo_hours: 6\n"
        "  - id: jaxa-elsets-to-esa",
    )
    amended = load_agreement(text, source="amendment")
    signed = EPOCH + timedelta(hours=1)
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        esa, jaxa = partners.get_by_handle("esa"), partners.get_by_handle("jaxa")
        amend_agreement(session, amended, by=esa, at=signed)
        sign_agreement(session, amended.id, by=esa, at=signed)
        sign_agreement(session, amended.id, by=jaxa, at=signed)
    principal = _principal(engine, "jaxa")
    # Within the 6 h embargo from the epoch (= submission time): ESA's objects are hidden.
    ids, total = _ids(engine, principal, at=EPOCH + timedelta(hours=5))
    assert set(ESA_OBJECTS).isdisjoint(ids) and total == 2
    with transaction(engine, write_lock=True) as session:
        with pytest.raises(NotFoundError):
            get_visible_object(session, principal, ESA_OBJECTS[0], at=EPOCH + timedelta(hours=5))
        item = get_visible_object(session, principal, ESA_OBJECTS[0], at=EPOCH + timedelta(hours=6))
    # After it: a coarsened state vector, never the mean elements.
    assert item.element_set is None and item.state is not None
    assert item.conditions.released_at == EPOCH + timedelta(hours=6)
    for component in item.state.position_km:
        assert component / PRECISION_KM == pytest.approx(round(component / PRECISION_KM))
    assert item.state.position_precision_km == PRECISION_KM
    # The owner still gets its full elements.
    with transaction(engine, write_lock=True) as session:
        own = get_visible_object(session, _principal(engine, "esa"), ESA_OBJECTS[0], at=AT)
    assert own.element_set is not None and own.state is None
    details = _released_entries(engine)[-1]["details"]
    assert details["degraded"] == 1


def test_suspension_hides_granted_data_and_policy_cache_recompiles(engine: Engine) -> None:
    build_world(engine)
    cache = PolicyCache()
    jaxa = _principal(engine, "jaxa")
    _ids(engine, jaxa, cache=cache)
    _ids(engine, jaxa, cache=cache)
    assert cache.compilations == 1  # the second request reused the compiled policy
    with transaction(engine, write_lock=True) as session:
        esa = PartnerRepository(session).get_by_handle("esa")
        suspend_agreement(session, "esa-jaxa-leo-exchange", by=esa, reason="test", at=EPOCH)
    ids, total = _ids(engine, jaxa, cache=cache)
    assert cache.compilations == 2
    assert set(ESA_OBJECTS).isdisjoint(ids) and total == 2


def test_key_scope_caps_actions_before_any_policy(engine: Engine) -> None:
    build_world(engine)
    jaxa = _principal(engine, "jaxa", PrincipalRole.ADMIN)
    from accord.store import ApiKeyScope

    read_only = Principal(jaxa.partner_id, jaxa.partner, jaxa.roles, frozenset({ApiKeyScope.READ}))
    agreement = Resource(
        AdminResourceType.AGREEMENT,
        "esa",
        id="esa-jaxa-leo-exchange",
        parties=frozenset({"esa", "jaxa"}),
    )
    with transaction(engine) as session:
        assert authorize(session, jaxa, AccessAction.ADMINISTER, agreement, at=AT)
        assert not authorize(session, read_only, AccessAction.ADMINISTER, agreement, at=AT)
        assert authorize(session, read_only, AccessAction.READ, agreement, at=AT)
    write_only = Principal(
        jaxa.partner_id, jaxa.partner, jaxa.roles, frozenset({ApiKeyScope.WRITE})
    )
    with transaction(engine, write_lock=True) as session:
        assert visible_catalog(session, write_only, at=AT).total == 0


def _submit(engine: Engine, submitter: str, norad_ids: tuple[int, ...]) -> None:
    import_element_sets(
        engine,
        [element_set(n, epoch=EPOCH) for n in norad_ids],
        source_name=f"{submitter}-more.json",
        partner=submitter,
        source_kind=SourceKind.API,
        submitted_at=EPOCH,
    )


def _force_claim(engine: Engine, handle: str, norad_id: int) -> None:
    # Straight into the store: a claim that exists, however it came to be.
    with transaction(engine, write_lock=True) as session:
        partner = PartnerRepository(session).get_by_handle(handle)
        AssetRepository(session).claim(partner, norad_id, at=EPOCH)


def test_a_claim_never_transfers_another_members_element_sets(engine: Engine) -> None:
    build_world(engine)
    _force_claim(engine, "esa", NASA_OBJECT)  # esa claims nasa's object
    esa, nasa = _principal(engine, "esa"), _principal(engine, "nasa")
    assert NASA_OBJECT not in _ids(engine, esa)[0]
    with transaction(engine) as session, pytest.raises(NotFoundError):
        get_visible_object(session, esa, NASA_OBJECT, at=AT, record_release=False)
    with transaction(engine) as session:
        own = get_visible_object(session, nasa, NASA_OBJECT, at=AT, record_release=False)
    assert own.owner == "nasa" and own.element_set is not None


def test_all_claimed_reaches_the_grantors_claimed_and_unclaimed_objects_only(
    engine: Engine,
) -> None:
    """esa's `all_claimed` clause to jaxa covers esa's element sets about objects esa claims
    or nobody claims, not about one only nasa claims (docs/access.md, "Ownership" 3)."""
    build_world(engine)
    unclaimed, nasas = 50001, 50002
    _submit(engine, "ESA", (unclaimed, nasas))
    _force_claim(engine, "nasa", nasas)
    jaxa, esa, nasa = (_principal(engine, h) for h in ("jaxa", "esa", "nasa"))
    listed = _ids(engine, jaxa)[0]
    assert unclaimed in listed and nasas not in listed
    assert {unclaimed, nasas} <= set(_ids(engine, esa)[0])  # its own, whatever the claims
    assert nasas not in _ids(engine, nasa)[0]  # the claimant gets nothing of esa's
    # Contested: esa claims it too, so its clause reaches it again.
    _force_claim(engine, "esa", nasas)
    assert nasas in _ids(engine, jaxa)[0]


def test_a_listed_clause_reaches_an_object_beyond_the_grantors_claims(engine: Engine) -> None:
    build_world(engine)
    _submit(engine, "ESA", (50002,))
    _force_claim(engine, "nasa", 50002)
    listed = load_agreement(
        example("leo-data-exchange.yaml")
        .replace("id: esa-jaxa-leo-exchange", "id: esa-jaxa-listed")
        .replace("assets: all_claimed", "assets: {norad_ids: [50002]}"),
        source="test",
    )
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        esa, jaxa = partners.get_by_handle("esa"), partners.get_by_handle("jaxa")
        propose_agreement(session, listed, by=esa, at=EPOCH)
        sign_agreement(session, listed.id, by=esa, at=EPOCH)
        sign_agreement(session, listed.id, by=jaxa, at=EPOCH)
    with transaction(engine) as session:
        item = get_visible_object(
            session, _principal(engine, "jaxa"), 50002, at=AT, record_release=False
        )
    assert item.owner == "esa"
    assert [ref.policy_id for ref in item.clauses] == ["esa-jaxa-listed/v1/esa-elsets-to-jaxa"]
