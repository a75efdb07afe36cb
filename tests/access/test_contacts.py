"""Partners' contacts: added and removed with an audit entry that carries no personal data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.access import add_partner_contact, remove_partner_contact
from accord.audit import AuditAction, AuditLog, parse_entry
from accord.coordination_ops import queue_notification
from accord.store import (
    AssetError,
    AssetRepository,
    NotificationRow,
    NotificationStatus,
    PartnerContact,
    PartnerKind,
    PartnerRepository,
    transaction,
)

AT = datetime(2026, 3, 1, tzinfo=UTC)
NAME, EMAIL = "Mio Tanaka", "mio.tanaka@ops.jaxa.example"


@pytest.fixture
def partners(engine: Engine) -> Engine:
    with transaction(engine) as session:
        repository = PartnerRepository(session)
        repository.create("JAXA", kind=PartnerKind.SPACE_AGENCY, handle="jaxa")
        repository.create("ESA", kind=PartnerKind.SPACE_AGENCY, handle="esa")
    return engine


def _entries(engine: Engine) -> list[bytes]:
    with transaction(engine) as session:
        return [item.entry for item in AuditLog(session).entries(0, 100)]


def _add(engine: Engine, handle: str = "jaxa", **fields: str) -> int:
    values = {"name": NAME, "email": EMAIL, "role": "24/7 conjunction desk", **fields}
    with transaction(engine, write_lock=True) as session:
        partner = PartnerRepository(session).get_by_handle(handle)
        contact = add_partner_contact(
            session, partner, name=values["name"], email=values["email"], role=values["role"], at=AT
        )
        return contact.id


def test_adding_a_contact_logs_partner_id_and_role_but_no_name_or_address(
    partners: Engine,
) -> None:
    contact_id = _add(partners)
    [stored] = _entries(partners)
    entry = parse_entry(stored)
    with transaction(partners) as session:
        jaxa = PartnerRepository(session).get_by_handle("jaxa")
        [contact] = AssetRepository(session).contacts(jaxa)
        assert (contact.id, contact.name, contact.email) == (contact_id, NAME, EMAIL)
        jaxa_id = jaxa.id
    assert entry.action is AuditAction.CONTACT_ADDED
    assert entry.actor.partner_id == str(jaxa_id)
    assert [(s.kind, s.id) for s in entry.subjects] == [
        ("partner", str(jaxa_id)),
        ("contact", str(contact_id)),
    ]
    assert entry.details == {"role": "24/7 conjunction desk"}
    # The bytes that are hashed forever hold neither the name nor any part of the address.
    for personal in (b"Mio", b"Tanaka", b"mio.tanaka", b"ops.jaxa.example"):
        assert personal not in stored


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"email": "mio.tanaka"}, "is not an address notices can be sent to"),
        ({"email": "mio@localhost"}, "is not an address notices can be sent to"),
        ({"email": "mio tanaka@jaxa.example"}, "is not an address notices can be sent to"),
        ({"name": "   "}, "name '   ' must be 1-200 characters"),
        ({"role": "ops\ndesk"}, "role 'ops\\ndesk' must be 1-100 characters of plain text"),
    ],
)
def test_an_invalid_contact_is_refused_naming_the_field_and_nothing_is_written(
    partners: Engine, fields: dict[str, str], says: str
) -> None:
    with pytest.raises(AssetError, match="contact of 'jaxa'") as refused:
        _add(partners, **fields)
    assert says in str(refused.value)
    with transaction(partners) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PartnerContact)) == 0
    assert _entries(partners) == []


def test_removing_a_contact_drops_its_undelivered_notices_and_keeps_sent_ones(
    partners: Engine,
) -> None:
    removed, kept = _add(partners), _add(partners, email="desk@jaxa.example")
    with transaction(partners, write_lock=True) as session:
        sent, pending = (
            queue_notification(session, partner="jaxa", subject=s, body="...", at=AT)
            for s in ("sent", "pending")
        )
        for row_id in sent:
            row = session.get(NotificationRow, row_id)
            assert row is not None
            row.status = NotificationStatus.SENT.value
    with transaction(partners, write_lock=True) as session:
        jaxa = PartnerRepository(session).get_by_handle("jaxa")
        assert remove_partner_contact(session, jaxa, removed) == 1
    with transaction(partners) as session:
        rows = session.scalars(sa.select(NotificationRow).order_by(NotificationRow.id)).all()
        assert [(r.subject, r.recipient_contact_id, r.status) for r in rows] == [
            ("sent", None, "sent"),  # the record of what was sent, unlinked
            ("sent", kept, "sent"),
            ("pending", kept, "pending"),  # the removed address's copy is gone
        ]
        jaxa = PartnerRepository(session).get_by_handle("jaxa")
        assert [c.id for c in AssetRepository(session).contacts(jaxa)] == [kept]
    entry = parse_entry(_entries(partners)[-1])
    assert entry.action is AuditAction.CONTACT_REMOVED
    assert [s.id for s in entry.subjects][1] == str(removed)
    assert entry.details == {"role": "24/7 conjunction desk", "undelivered_dropped": 1}
    assert b"jaxa.example" not in _entries(partners)[-1]


def test_another_partners_contact_or_an_unknown_id_cannot_be_removed(partners: Engine) -> None:
    jaxa_contact = _add(partners)
    with transaction(partners, write_lock=True) as session:
        esa = PartnerRepository(session).get_by_handle("esa")
        for contact_id in (jaxa_contact, jaxa_contact + 100):
            with pytest.raises(AssetError, match=f"'esa' has no contact {contact_id}"):
                remove_partner_contact(session, esa, contact_id)
    with transaction(partners) as session:
        assert session.get(PartnerContact, jaxa_contact) is not None
    assert len(_entries(partners)) == 1
