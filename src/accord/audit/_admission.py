"""Admit a partner to the coalition, with its `partner.admitted` entry in the same transaction.

The one workflow every path that registers a partner goes through (the API's
`POST /api/v1/partners`, `accord partner add`, the CelesTrak provider created by
`accord catalog sync`), so that no partner exists without the entry that admitted it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from accord.audit._actions import AuditAction
from accord.audit._entries import Actor, SubjectRef
from accord.audit._log import AuditEvent, AuditLog
from accord.store import Partner, PartnerKind, PartnerRepository

__all__ = ["admit_partner", "admit_partner_once"]


def admit_partner(
    session: Session,
    name: str,
    *,
    kind: PartnerKind,
    actor: Actor,
    country_code: str | None = None,
    handle: str | None = None,
) -> Partner:
    """Register a partner and log `partner.admitted` in the caller's transaction.

    `actor` is who admitted it: an admin's partner (`Actor.partner`) over the API, the
    platform (`Actor.system()`) for the local operator at the command line. The entry's
    subject is the new partner's store id and its details the partner's kind, nothing
    more (a name may be a person's). Raises ValueError, naming the field and the fix, for
    a name, handle or country code `PartnerRepository.create` refuses.
    """
    partner = PartnerRepository(session).create(
        name, kind=kind, country_code=country_code, handle=handle
    )
    AuditLog(session).append(
        [
            AuditEvent(
                AuditAction.PARTNER_ADMITTED,
                actor,
                subjects=(SubjectRef("partner", str(partner.id)),),
                details={"kind": partner.kind},
            )
        ]
    )
    return partner


def admit_partner_once(
    session: Session,
    name: str,
    *,
    kind: PartnerKind,
    actor: Actor,
    country_code: str | None = None,
    handle: str | None = None,
) -> Partner:
    """The partner of this name, admitted (and logged) by `admit_partner` if it is new."""
    existing = PartnerRepository(session).find_by_name(name)
    if existing is not None:
        return existing
    return admit_partner(
        session, name, kind=kind, actor=actor, country_code=country_code, handle=handle
    )
