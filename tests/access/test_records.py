"""Agreement records survive the store exactly; every transition is logged in its transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.access import (
    AgreementRepository,
    AgreementStoreError,
    propose_agreement,
    resume_agreement,
    sign_agreement,
    suspend_agreement,
    terminate_agreement,
)
from accord.agreements import AgreementStatus, AlreadySignedError, load_agreement, sign
from accord.store import AuditEntryRow, PartnerRepository, transaction
from tests.access._world import EPOCH, SIGNED, build_world, example


def _actions(engine: Engine) -> list[str]:
    with transaction(engine) as session:
        return list(session.scalars(sa.select(AuditEntryRow.action).order_by(AuditEntryRow.seq)))


def test_record_round_trips_with_signatures_and_events(engine: Engine) -> None:
    build_world(engine)
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        esa, jaxa = partners.get_by_handle("esa"), partners.get_by_handle("jaxa")
        suspend_agreement(session, "esa-jaxa-leo-exchange", by=esa, reason="audit", at=EPOCH)
        before = resume_agreement(
            session, "esa-jaxa-leo-exchange", by=jaxa, reason="done", at=EPOCH + timedelta(hours=1)
        )
    with transaction(engine) as session:
        after = AgreementRepository(session).get("esa-jaxa-leo-exchange")
    assert after == before
    assert after.latest.content_sha256 == before.latest.content_sha256
    assert after.status_at(EPOCH + timedelta(minutes=30)) is AgreementStatus.SUSPENDED
    assert after.status_at(EPOCH + timedelta(hours=2)) is AgreementStatus.IN_FORCE
    assert _actions(engine)[-5:] == [
        "agreement.version.proposed",
        "agreement.version.signed",
        "agreement.version.signed",
        "agreement.suspended",
        "agreement.resumed",
    ]


def test_refused_transition_writes_nothing(engine: Engine) -> None:
    build_world(engine)
    count = len(_actions(engine))
    with pytest.raises(AlreadySignedError), transaction(engine, write_lock=True) as session:
        esa = PartnerRepository(session).get_by_handle("esa")
        sign_agreement(session, "esa-jaxa-leo-exchange", by=esa, at=EPOCH)
    assert len(_actions(engine)) == count


def test_rollback_leaves_neither_change_nor_audit_entry(engine: Engine) -> None:
    build_world(engine)
    count = len(_actions(engine))
    with pytest.raises(RuntimeError), transaction(engine, write_lock=True) as session:
        esa = PartnerRepository(session).get_by_handle("esa")
        terminate_agreement(session, "esa-jaxa-leo-exchange", by=esa, reason="x", at=EPOCH)
        raise RuntimeError("the request failed after the change")
    assert len(_actions(engine)) == count
    with transaction(engine) as session:
        record = AgreementRepository(session).get("esa-jaxa-leo-exchange")
    assert record.terminated_at() is None


def test_stale_record_is_refused(engine: Engine) -> None:
    build_world(engine, agreement=False)
    document = load_agreement(example("leo-data-exchange.yaml"), source="example")
    with transaction(engine, write_lock=True) as session:
        esa = PartnerRepository(session).get_by_handle("esa")
        stale = propose_agreement(session, document, by=esa, at=SIGNED)
        sign_agreement(session, document.id, by=esa, at=SIGNED)
        # A record loaded before ESA signed, then signed by JAXA, lacks ESA's signature.
        other = sign(
            stale, party="jaxa", at=SIGNED, version=1, content_sha256=stale.latest.content_sha256
        )
        with pytest.raises(AgreementStoreError, match="reload it"):
            AgreementRepository(session).save(other)


def test_unregistered_party_is_refused_with_the_fix(engine: Engine) -> None:
    build_world(engine, agreement=False)
    document = load_agreement(example("conjunction-coalition.yaml"), source="example")
    with transaction(engine, write_lock=True) as session:
        nasa = PartnerRepository(session).get_by_handle("nasa")
        with pytest.raises(LookupError, match="cnes, planet, unoosa are not registered"):
            propose_agreement(session, document, by=nasa, at=SIGNED)
