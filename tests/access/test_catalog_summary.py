"""`visible_catalog_summary` gives the figures of aggregating every visible element set.

Reference: `tests/access/_reference.newest_visible_reference` (every stored element set
decided, per object the newest released one), aggregated in Python; `visible_element_sets`
must give the same items. The coalitions are test_visible_listing's random ones (claims,
contested and withdrawn claims, unconditional, asset-listed, embargoed and coarsened
clauses), with a SYNTHETIC batch added so the synthetic count is exercised.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from accord.access import (
    PolicyCache,
    VisibleCatalogSummary,
    principal_for_partner,
    visible_catalog,
    visible_catalog_summary,
    visible_element_sets,
)
from accord.agreements import PrincipalRole
from accord.catalog import import_element_sets
from accord.store import ApiKeyScope, PartnerKind, PartnerRepository, SourceKind, transaction
from tests.access._reference import newest_visible_reference
from tests.access.test_visible_listing import AT, EPOCH, MEMBERS, SEEDS, _build
from tests.store._factory import element_set

#: Objects given a newer SYNTHETIC element set by a member (so they change owner) and by
#: the data provider (so they stay public).
SYNTHETIC_BY_MEMBER = range(1000, 1080, 11)
SYNTHETIC_PUBLIC = range(1005, 1080, 13)


def _add_synthetic(engine: Engine) -> None:
    for partner, ids in (("ESA", SYNTHETIC_BY_MEMBER), ("CelesTrak", SYNTHETIC_PUBLIC)):
        import_element_sets(
            engine,
            [element_set(n, hours=2.0) for n in ids],
            source_name=f"{partner} synthetic",
            partner=partner,
            source_kind=SourceKind.SYNTHETIC,
            submitted_at=EPOCH - timedelta(hours=1),
        )


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_summary_equals_the_aggregate_of_every_visible_element_set(
    engine: Engine, seed: int
) -> None:
    _build(engine, seed)
    _add_synthetic(engine)
    cache = PolicyCache()
    with transaction(engine) as session:
        partners = PartnerRepository(session)
        for handle in MEMBERS:
            principal = principal_for_partner(
                partners.get_by_handle(handle), [PrincipalRole.ANALYST]
            )
            visible = newest_visible_reference(session, principal, at=AT, cache=cache)
            assert visible_element_sets(session, principal, at=AT, cache=cache) == visible
            expected = VisibleCatalogSummary(
                objects=len(visible),
                synthetic_objects=sum(item.is_synthetic for item in visible),
                newest_epoch=max((item.epoch for item in visible), default=None),
            )
            summary = visible_catalog_summary(session, principal, at=AT, cache=cache)
            assert summary == expected, handle
            total = visible_catalog(session, principal, limit=1, at=AT, record_release=False)
            assert summary.objects == total.total, handle


def test_a_principal_without_read_scope_sees_nothing(engine: Engine) -> None:
    with transaction(engine) as session:
        esa = PartnerRepository(session).create("ESA", kind=PartnerKind.SPACE_AGENCY, handle="esa")
        # An API key with the write scope only may not list the catalog.
        writer = replace(
            principal_for_partner(esa, [PrincipalRole.OPERATOR]),
            scopes=frozenset({ApiKeyScope.WRITE}),
        )
        assert visible_catalog_summary(session, writer, at=AT) == VisibleCatalogSummary(0, 0, None)
