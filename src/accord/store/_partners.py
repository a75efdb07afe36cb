"""Partners: who submits data. Minimal for now; the agreements work extends it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.store._models import Partner, PartnerKind

__all__ = ["PartnerRepository", "UnknownPartnerError"]

_COUNTRY_CODE = re.compile(r"[A-Z]{2,3}")


class UnknownPartnerError(LookupError):
    """No partner of that name (or id) is registered."""


class PartnerRepository:
    """Look partners up and register them, inside the caller's session (transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, partner_id: int) -> Partner:
        """The partner with this id; `UnknownPartnerError` if there is none."""
        partner = self.session.get(Partner, partner_id)
        if partner is None:
            raise UnknownPartnerError(f"no partner with id {partner_id}")
        return partner

    def all(self) -> list[Partner]:
        """Every registered partner, by name."""
        return list(self.session.scalars(sa.select(Partner).order_by(Partner.name)))

    def find_by_name(self, name: str) -> Partner | None:
        """The partner with exactly this name, or None."""
        return self.session.scalars(sa.select(Partner).where(Partner.name == name)).first()

    def get_by_name(self, name: str) -> Partner:
        """The partner with exactly this name; `UnknownPartnerError` naming the fix if absent."""
        partner = self.find_by_name(name)
        if partner is None:
            raise UnknownPartnerError(
                f"no partner named {name!r}; register it first "
                "(`accord partner add NAME --kind KIND`), or list them with `accord partner list`"
            )
        return partner

    def create(self, name: str, *, kind: PartnerKind, country_code: str | None = None) -> Partner:
        """Register a new partner; `country_code` is ISO 3166-1 alpha-2 or alpha-3."""
        if not name.strip():
            raise ValueError("partner name is empty; give the body's official name")
        kind = PartnerKind(kind)
        if country_code is not None and not _COUNTRY_CODE.fullmatch(country_code):
            raise ValueError(
                f"partner {name!r}: country code {country_code!r} is not ISO 3166-1; "
                "expected two or three upper-case letters such as 'FR' or 'FRA'"
            )
        partner = Partner(
            name=name, kind=kind.value, country_code=country_code, created_at=datetime.now(UTC)
        )
        self.session.add(partner)
        self.session.flush()
        return partner

    def get_or_create(
        self, name: str, *, kind: PartnerKind, country_code: str | None = None
    ) -> Partner:
        """The partner of this name, registered with `kind` and `country_code` if new."""
        return self.find_by_name(name) or self.create(name, kind=kind, country_code=country_code)
