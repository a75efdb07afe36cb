"""Who is asking: a principal authenticated by an API key or a console session.

A principal acts for one partner. Its roles come from the console user's role, or from the
key's scopes (`read` -> analyst, `write` -> operator, `admin` -> admin); a key's scopes
also cap the actions it may ask for at all (`ACTION_SCOPES`), before any agreement is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.agreements import AccessAction, PrincipalRole
from accord.agreements import Principal as CorePrincipal
from accord.store import (
    ApiKeyRepository,
    ApiKeyScope,
    Partner,
    PartnerRepository,
    UserRepository,
    scopes_of,
)

__all__ = [
    "ACTION_SCOPES",
    "SCOPE_ROLES",
    "Principal",
    "principal_for_partner",
    "principal_from_api_key",
    "principal_from_session",
]

#: The key scope each action needs.
ACTION_SCOPES: dict[AccessAction, ApiKeyScope] = {
    AccessAction.READ: ApiKeyScope.READ,
    AccessAction.LIST: ApiKeyScope.READ,
    AccessAction.EXPORT: ApiKeyScope.READ,
    AccessAction.WRITE: ApiKeyScope.WRITE,
    AccessAction.ADMINISTER: ApiKeyScope.ADMIN,
}
#: The role a key scope gives its holder in the agreements' rules.
SCOPE_ROLES: dict[ApiKeyScope, PrincipalRole] = {
    ApiKeyScope.READ: PrincipalRole.ANALYST,
    ApiKeyScope.WRITE: PrincipalRole.OPERATOR,
    ApiKeyScope.ADMIN: PrincipalRole.ADMIN,
}


def _handle_of(partner: Partner) -> str:
    if partner.handle is None:
        raise ValueError(
            f"partner {partner.name!r} has no handle (its id in agreements); "
            "register partners with `accord partner add`"
        )
    return partner.handle


@dataclass(frozen=True, slots=True)
class Principal:
    """A caller acting for a partner: `partner_id` (store row), `partner` (handle), roles.

    `scopes` is None for a console user (roles alone gate it) and the key's scopes for an
    API key. `name` identifies the caller in logs: `key:<prefix>` or `user:<id>`.
    """

    partner_id: int
    partner: str
    roles: frozenset[PrincipalRole]
    scopes: frozenset[ApiKeyScope] | None = None
    name: str = ""

    def core(self) -> CorePrincipal:
        """The principal as `accord.agreements` sees it."""
        return CorePrincipal(self.partner, self.roles, self.name)

    def may_ask(self, action: AccessAction) -> bool:
        """False when the key's scopes exclude `action` (checked before any policy)."""
        return self.scopes is None or ACTION_SCOPES[action] in self.scopes


def principal_for_partner(
    partner: Partner, roles: Iterable[PrincipalRole | str], *, name: str = "cli"
) -> Principal:
    """A principal for `partner` with `roles` (the CLI acting as an operator of a partner)."""
    return Principal(
        partner.id, _handle_of(partner), frozenset(PrincipalRole(r) for r in roles), None, name
    )


def principal_from_api_key(session: Session, token: str, *, at: datetime) -> Principal:
    """The principal of a presented API key; raises `accord.store.ApiKeyRejected`."""
    row = ApiKeyRepository(session).verify(token, at=at)
    partner = PartnerRepository(session).get(row.partner_id)
    scopes = scopes_of(row)
    return Principal(
        partner.id,
        _handle_of(partner),
        frozenset(SCOPE_ROLES[s] for s in scopes),
        scopes,
        f"key:{row.key_prefix}",
    )


def principal_from_session(session: Session, session_token: str, *, at: datetime) -> Principal:
    """The principal of a console session cookie; raises `accord.store.InvalidSessionError`."""
    _, user = UserRepository(session).session_user(session_token, at=at)
    partner = PartnerRepository(session).get(user.partner_id)
    return Principal(
        partner.id,
        _handle_of(partner),
        frozenset({PrincipalRole(user.role)}),
        None,
        f"user:{user.id}",
    )
