"""A contested satellite claim opens a dispute from the scheduler tick, once."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.access import claim_satellite
from accord.catalog import import_element_sets
from accord.coordination import DisputeGrounds, DisputeState
from accord.coordination_ops import get_dispute, run_coordination_tick
from accord.settings import Settings
from accord.store import DisputeRow, NotificationRow, PartnerRepository, SourceKind, transaction
from tests.access._world import JAXA_OBJECTS, SIGNED, build_world
from tests.store._factory import element_set

NOW = SIGNED + timedelta(days=10)


def test_contested_claims_open_one_dispute_under_the_agreement_or_record_why_not(
    engine: Engine,
) -> None:
    build_world(engine)  # jaxa claims 41240; esa and jaxa have an agreement with disputes
    satellite = JAXA_OBJECTS[0]
    # nasa may claim only an object it can see: a public (CelesTrak) element set of it.
    import_element_sets(
        engine,
        [element_set(satellite, epoch=SIGNED)],
        source_name="celestrak.json",
        partner="CelesTrak",
        source_kind=SourceKind.CELESTRAK,
    )
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        claim_satellite(session, partners.get_by_handle("esa"), satellite, at=NOW)
        claim_satellite(
            session, partners.get_by_handle("nasa"), satellite, at=NOW + timedelta(hours=1)
        )
    settings = Settings()  # no SMTP: notices stay queued
    first = run_coordination_tick(engine, settings, now=NOW + timedelta(hours=2))
    assert len(first.claims.disputes) == 1
    ((reference, reason),) = first.claims.without_dispute
    assert reference == f"claim:{satellite}:nasa:jaxa"
    assert "no agreement in force between nasa and jaxa has a dispute clause" in reason

    second = run_coordination_tick(engine, settings, now=NOW + timedelta(hours=3))
    assert second.claims.disputes == first.claims.disputes  # found, not opened again
    with transaction(engine) as session:
        rows = session.scalars(
            sa.select(DisputeRow).where(DisputeRow.grounds == DisputeGrounds.CONTESTED_CLAIM.value)
        ).all()
        dispute = get_dispute(session, rows[0].id)
        no_dispute_notices = session.scalars(
            sa.select(NotificationRow.recipient_partner).where(
                NotificationRow.dedup_key.like("claim-no-dispute:%")
            )
        ).all()
    assert len(rows) == 1 and rows[0].reference == f"claim:{satellite}:esa:jaxa"
    assert (dispute.claimant, dispute.respondent) == ("esa", "jaxa")
    assert dispute.agreement_id == "esa-jaxa-leo-exchange"
    assert dispute.state is DisputeState.NEGOTIATION
    assert sorted(no_dispute_notices) == ["jaxa", "nasa"]  # once each, over two ticks
