"""Admitting a partner: the partner and its `partner.admitted` entry commit together."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from accord.audit import (
    Actor,
    AuditAction,
    AuditLog,
    admit_partner,
    admit_partner_once,
    parse_entry,
)
from accord.store import PartnerKind, PartnerRepository, transaction


def _log(engine: Engine) -> list[tuple[AuditAction, Actor, list[tuple[str, str]], object]]:
    with transaction(engine) as session:
        entries = [parse_entry(item.entry) for item in AuditLog(session).entries(0, 100)]
    return [(e.action, e.actor, [(s.kind, s.id) for s in e.subjects], e.details) for e in entries]


def test_an_admission_is_logged_with_the_admitting_actor(engine: Engine) -> None:
    with transaction(engine, write_lock=True) as session:
        esa = admit_partner(
            session, "ESA", kind=PartnerKind.SPACE_AGENCY, actor=Actor.partner("1"), handle="esa"
        ).id
    assert _log(engine) == [
        (
            AuditAction.PARTNER_ADMITTED,
            Actor.partner("1"),
            [("partner", str(esa))],
            {"kind": "space_agency"},
        )
    ]


def test_admitting_once_logs_only_the_first_time(engine: Engine) -> None:
    ids = []
    for _ in range(2):
        with transaction(engine, write_lock=True) as session:
            partner = admit_partner_once(
                session, "CelesTrak", kind=PartnerKind.DATA_PROVIDER, actor=Actor.system()
            )
            ids.append(partner.id)
    assert ids[0] == ids[1]
    assert [action for action, *_ in _log(engine)] == [AuditAction.PARTNER_ADMITTED]


def test_a_refused_partner_leaves_no_entry(engine: Engine) -> None:
    with pytest.raises(ValueError, match="handle 'Not A Handle' is not an agreement identifier"):
        with transaction(engine, write_lock=True) as session:
            admit_partner(
                session, "X", kind=PartnerKind.OPERATOR, actor=Actor.system(), handle="Not A Handle"
            )
    assert _log(engine) == []
    with transaction(engine) as session:
        assert PartnerRepository(session).all() == []
