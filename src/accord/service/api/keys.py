"""The caller's partner's API keys over HTTP: list, create, rotate, revoke.

Keys are administrative objects of their partner (`api_key`), decided by
`accord.access.authorize`: listing is `list` (`base/admin-reads-own-keys`: an admin, and a
key also needs the read scope, as every GET), changes are `administer`
(`base/admin-administers-own`: an admin user or a key with the admin scope). A caller who may
not gets 403; another partner's key is 404, as for a prefix that does not exist. A new or
rotated key never has a scope the caller lacks, so a key cannot mint a stronger one. Every
change is one transaction with its audit entry (`key.created`, `key.revoked`); the token is
in the response once and never stored (docs/access.md, "API keys").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.orm import Session

from accord.access import (
    NotFoundError,
    Principal,
    authorize,
    create_api_key,
    revoke_api_key,
    rotate_api_key,
)
from accord.agreements import AccessAction, AdminResourceType, PrincipalRole, Resource
from accord.service._auth import CurrentPrincipal
from accord.service.api._common import Forbidden, Page, PageLimit, PageOffset, paginate, store
from accord.store import ApiKeyRepository, ApiKeyRow, ApiKeyScope, PartnerRepository

__all__ = ["DEFAULT_GRACE_HOURS", "router"]

router = APIRouter(prefix="/api/v1/keys", tags=["API keys"])

#: Hours a rotated key keeps working unless the request says otherwise.
DEFAULT_GRACE_HOURS = 24.0
#: Longest grace period and furthest expiry accepted (a year; longer is a new key's job).
_MAX_GRACE_HOURS = 24.0 * 366
#: The scopes a console user's role stands for (keys carry their own).
_ROLE_SCOPES: dict[PrincipalRole, frozenset[ApiKeyScope]] = {
    PrincipalRole.ADMIN: frozenset(ApiKeyScope),
    PrincipalRole.OPERATOR: frozenset({ApiKeyScope.READ, ApiKeyScope.WRITE}),
    PrincipalRole.ANALYST: frozenset({ApiKeyScope.READ}),
    PrincipalRole.OBSERVER: frozenset({ApiKeyScope.READ}),
}

KeyPrefixPath = Annotated[
    str, Path(pattern=r"^[0-9a-f]{12}$", description="the key's prefix (12 hex digits)")
]


class KeyPublic(BaseModel):
    """An API key as its partner's admins see it: never the secret or its hash."""

    prefix: str
    scopes: list[ApiKeyScope]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    replaced_by: str | None = Field(description="prefix of the key that rotation issued for it")


class KeyCreate(BaseModel):
    """A new key for the caller's partner; scopes at most the caller's own."""

    scopes: list[ApiKeyScope] = Field(min_length=1, max_length=3)
    expires_at: AwareDatetime | None = Field(
        default=None, description="refused from this instant on (default: never)"
    )


class KeyRotateCreate(BaseModel):
    """A rotation: the old key keeps working `grace_hours`, the new one until `expires_at`."""

    grace_hours: float = Field(default=DEFAULT_GRACE_HOURS, ge=0.0, le=_MAX_GRACE_HOURS)
    expires_at: AwareDatetime | None = Field(
        default=None, description="the new key's expiry (default: never)"
    )


class KeyIssuedPublic(BaseModel):
    """A key just issued, with its token: shown this once, store it now."""

    key: KeyPublic
    token: str


class KeyRotatedPublic(KeyIssuedPublic):
    """A replacement key and its token, and the old key with the expiry rotation gave it."""

    replaced: KeyPublic


def _public(row: ApiKeyRow, session: Session) -> KeyPublic:
    replacement = None if row.replaced_by_id is None else session.get(ApiKeyRow, row.replaced_by_id)
    return KeyPublic(
        prefix=row.key_prefix,
        scopes=sorted(ApiKeyScope(s) for s in row.scopes.split()),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
        replaced_by=None if replacement is None else replacement.key_prefix,
    )


def _caller_scopes(principal: Principal) -> frozenset[ApiKeyScope]:
    if principal.scopes is not None:
        return principal.scopes
    return frozenset().union(*(_ROLE_SCOPES[r] for r in principal.roles))


def _check_scopes(principal: Principal, scopes: set[ApiKeyScope], what: str) -> None:
    extra = scopes - _caller_scopes(principal)
    if extra:
        raise Forbidden(
            f"{what} would have scope(s) {', '.join(sorted(extra))} that the caller "
            f"({principal.name}) lacks; ask for at most your own scopes"
        )


def _require(session: Session, principal: Principal, action: AccessAction, key: str) -> None:
    resource = Resource(AdminResourceType.API_KEY, principal.partner, id=f"api_key:{key}")
    if not authorize(session, principal, action, resource):
        needs = (
            "listing API keys needs an admin of the partner (an admin console user, or a key "
            "with the read and admin scopes)"
            if action is AccessAction.LIST
            else "managing API keys needs an admin of the partner (an admin console user or "
            "a key with the admin scope)"
        )
        raise Forbidden(needs)


def _own_key(session: Session, principal: Principal, prefix: str) -> ApiKeyRow:
    row = ApiKeyRepository(session).find(prefix)
    if row is None or row.partner_id != principal.partner_id:
        # Another partner's key reads as one that does not exist.
        raise NotFoundError(
            f"no API key with prefix {prefix!r} for {principal.partner!r}; list your keys "
            "with GET /api/v1/keys"
        )
    return row


@router.get("", summary="The caller's partner's API keys")
def list_keys(
    request: Request, principal: CurrentPrincipal, limit: PageLimit = 100, offset: PageOffset = 0
) -> Page[KeyPublic]:
    """Every key of the caller's partner, revoked and expired ones included, oldest first."""
    with store(request, write=False) as session:
        _require(session, principal, AccessAction.LIST, principal.partner)
        partner = PartnerRepository(session).get(principal.partner_id)
        keys = [_public(row, session) for row in ApiKeyRepository(session).keys_of(partner)]
    return paginate(keys, offset, limit)


@router.post(
    "",
    summary="Create an API key",
    status_code=status.HTTP_201_CREATED,
    responses={403: {}, 422: {}},
)
def create_key(request: Request, principal: CurrentPrincipal, body: KeyCreate) -> KeyIssuedPublic:
    """Issue a key for the caller's partner; the token is in this response only."""
    scopes = set(body.scopes)
    with store(request) as session:
        _require(session, principal, AccessAction.ADMINISTER, principal.partner)
        _check_scopes(principal, scopes, "the new key")
        partner = PartnerRepository(session).get(principal.partner_id)
        issued = create_api_key(
            session, partner, sorted(s.value for s in scopes), expires_at=body.expires_at
        )
        return KeyIssuedPublic(key=_public(issued.row, session), token=issued.token)


@router.post(
    "/{prefix}/rotate",
    summary="Rotate an API key",
    status_code=status.HTTP_201_CREATED,
    responses={403: {}, 404: {}, 422: {}},
)
def rotate_key(
    request: Request,
    principal: CurrentPrincipal,
    prefix: KeyPrefixPath,
    body: KeyRotateCreate,
) -> KeyRotatedPublic:
    """Issue a replacement with the same scopes; the old key expires after `grace_hours`
    (or sooner if it already expired sooner)."""
    with store(request) as session:
        _require(session, principal, AccessAction.ADMINISTER, prefix)
        old = _own_key(session, principal, prefix)
        _check_scopes(
            principal, {ApiKeyScope(s) for s in old.scopes.split()}, f"the replacement of {prefix}"
        )
        issued = rotate_api_key(
            session,
            prefix,
            grace=timedelta(hours=body.grace_hours),
            expires_at=body.expires_at,
            at=datetime.now(UTC),
        )
        return KeyRotatedPublic(
            key=_public(issued.row, session),
            token=issued.token,
            replaced=_public(old, session),
        )


@router.delete(
    "/{prefix}", summary="Revoke an API key", status_code=204, responses={403: {}, 404: {}}
)
def revoke_key(request: Request, principal: CurrentPrincipal, prefix: KeyPrefixPath) -> None:
    """Revoke the key now: it is refused from this instant on (a revoked key stays listed)."""
    with store(request) as session:
        _require(session, principal, AccessAction.ADMINISTER, prefix)
        _own_key(session, principal, prefix)
        revoke_api_key(session, prefix)
