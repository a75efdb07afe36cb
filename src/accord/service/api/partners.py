"""Partners and their assets over HTTP: the directory, contacts, satellite claims, stations.

The directory (partners, claims, stations) is readable by every member under the base rule
`base/members-read-directory`; writes go through `accord.access.authorize` (an operator or
admin of the owning partner registers, changes and retires its own assets) and the audited
workflows. Admitting a new partner is an administrative act of the platform itself: it needs
an admin of the `system` partner (the operator of this Accord deployment). A partner's own
admins change its name and country code; its kind only a platform admin; its handle never.
A station is changed or retired only by its own partner: another partner's station id
answers 404 on those routes, as ids outside the caller's `<handle>:` prefix are not its own.

Contacts are personal data and not part of the directory: the partner itself manages them,
under the rule that lets it register its own assets (`write` on its `asset`: a key with the
write scope, or an operator or admin user), and so do the platform's admins. To anyone else
a partner's contacts do not exist (404, the answer for an unknown handle).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from accord.access import (
    NotFoundError,
    Principal,
    add_partner_contact,
    authorize,
    claim_satellite,
    register_station,
    remove_partner_contact,
    retire_station,
    update_partner,
    update_station,
    withdraw_claim,
)
from accord.agreements import AccessAction, AdminResourceType, Resource
from accord.audit import Actor, admit_partner
from accord.service._auth import CurrentPrincipal
from accord.service.api._common import (
    Forbidden,
    NoradIdPath,
    Page,
    PageLimit,
    PageOffset,
    paginate,
    store,
)
from accord.store import (
    STATION_ID,
    AssetRepository,
    ClaimStatus,
    GroundStationRow,
    Partner,
    PartnerContact,
    PartnerKind,
    PartnerRepository,
    SatelliteClaim,
    StationKind,
    StationStatus,
    country_code_problem,
    station_status,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["partners and assets"])


class PartnerPublic(BaseModel):
    """A partner as the directory shows it (contacts are personal data: not listed here)."""

    handle: str
    name: str
    kind: PartnerKind
    country_code: str | None
    created_at: datetime


def _iso_country_code(code: str | None) -> str | None:
    problem = None if code is None else country_code_problem(code)
    if problem is not None:
        raise ValueError(problem)
    return code


#: Text a person types in a form: no control characters (the store refuses them too).
_PLAIN_TEXT = r"^[^\x00-\x1f\x7f]+$"
_COUNTRY_CODE_HELP = (
    "ISO 3166-1 alpha-2 or alpha-3, upper case ('FR', 'FRA'; user-assigned XA-XZ allowed)"
)


class PartnerCreate(BaseModel):
    """A partner to admit; `handle` is its id in agreements (derived from the name if null)."""

    name: str = Field(min_length=1, max_length=200)
    kind: PartnerKind
    handle: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    country_code: str | None = Field(
        default=None, pattern=r"^[A-Z]{2,3}$", description=_COUNTRY_CODE_HELP
    )

    _country = field_validator("country_code")(_iso_country_code)


class PartnerUpdate(BaseModel):
    """Changes to a partner; a field left out keeps its value, the handle never changes.

    `name` and `country_code` (null removes it) are for the partner's own admins or a
    platform admin; `kind` for a platform admin only, and only between member kinds.
    """

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=_PLAIN_TEXT)
    kind: PartnerKind | None = None
    country_code: str | None = Field(
        default=None, pattern=r"^[A-Z]{2,3}$", description=f"{_COUNTRY_CODE_HELP}; null removes it"
    )

    _country = field_validator("country_code")(_iso_country_code)


class ClaimPublic(BaseModel):
    """A partner's claim on a catalogued satellite."""

    norad_id: int
    partner: str
    status: ClaimStatus
    claimed_at: datetime
    withdrawn_at: datetime | None


class ClaimCreate(BaseModel):
    """Claim a catalogued object for the caller's partner (contested if already claimed)."""

    norad_id: int = Field(ge=1, le=999_999_999)


class ClaimOutcomePublic(BaseModel):
    """The new claim, and whether it contests other partners' claims."""

    claim: ClaimPublic
    contested: bool


class StationPublic(BaseModel):
    """A ground station or sensor (WGS-84 degrees, metres, km)."""

    station_id: str
    partner: str
    name: str
    kind: StationKind
    latitude_deg: float
    longitude_deg: float
    altitude_m: float
    min_elevation_deg: float
    max_range_km: float | None
    provider: str | None
    status: StationStatus
    retired_at: datetime | None


class StationCreate(BaseModel):
    """A ground station or sensor of the caller's partner.

    `station_id` starts with the partner's handle and ':' (`esa:kiruna`); left out, it is
    derived from the name (`esa:` + the name in lower case, other characters as '-').
    """

    station_id: str | None = Field(
        default=None,
        pattern=STATION_ID.pattern,
        description="'<your handle>:<station>'; derived from the name when left out",
    )
    name: str = Field(min_length=1, max_length=200)
    kind: StationKind = StationKind.GROUND_STATION
    latitude_deg: float = Field(ge=-90.0, le=90.0)
    longitude_deg: float = Field(ge=-180.0, le=180.0)
    altitude_m: float = Field(default=0.0, ge=-500.0, le=100_000.0)
    min_elevation_deg: float = Field(default=5.0, ge=-90.0, le=90.0)
    max_range_km: float | None = Field(default=None, gt=0.0, le=1e6)
    provider: str | None = Field(default=None, max_length=200)


_KEPT_IF_NULL = ("name", "latitude_deg", "longitude_deg", "altitude_m", "min_elevation_deg")


class StationUpdate(BaseModel):
    """Changes to one of the caller's stations; a field left out keeps its value.

    `max_range_km` and `provider` set to null remove them. `status: retired` retires the
    station (as DELETE does); `status: active` reactivates it. Id and kind never change.
    """

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=_PLAIN_TEXT)
    latitude_deg: float | None = Field(default=None, ge=-90.0, le=90.0)
    longitude_deg: float | None = Field(default=None, ge=-180.0, le=180.0)
    altitude_m: float | None = Field(default=None, ge=-500.0, le=100_000.0)
    min_elevation_deg: float | None = Field(default=None, ge=-90.0, le=90.0)
    max_range_km: float | None = Field(default=None, gt=0.0, le=1e6)
    provider: str | None = Field(default=None, min_length=1, max_length=200, pattern=_PLAIN_TEXT)
    status: StationStatus | None = None

    @field_validator(*_KEPT_IF_NULL, "status")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value


StationIdPath = Annotated[
    str, Path(pattern=STATION_ID.pattern, description="the station id ('<handle>:<station>')")
]


class ContactPublic(BaseModel):
    """A person or desk who receives a partner's notices (shown to that partner only)."""

    id: int
    partner: str
    name: str
    email: str
    role: str
    created_at: datetime


class ContactCreate(BaseModel):
    """A contact for the partner's notices; `role` says what to contact them for."""

    name: str = Field(min_length=1, max_length=200, pattern=_PLAIN_TEXT)
    email: str = Field(
        min_length=3,
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="an address notices can be e-mailed to (local part, '@', a dotted domain)",
    )
    role: str = Field(
        min_length=1,
        max_length=100,
        pattern=_PLAIN_TEXT,
        description="what to contact them for: operations, legal, 24/7 conjunction desk, ...",
    )


ContactIdPath = Annotated[int, Path(ge=1, le=2**62, description="the contact's id")]


def _handle(partner: Partner) -> str:
    return partner.handle or f"partner-{partner.id}"


def _partner_public(partner: Partner) -> PartnerPublic:
    return PartnerPublic(
        handle=_handle(partner),
        name=partner.name,
        kind=PartnerKind(partner.kind),
        country_code=partner.country_code,
        created_at=partner.created_at,
    )


def _may(
    session: Session,
    principal: Principal,
    action: AccessAction,
    kind: AdminResourceType,
    owner: str,
) -> bool:
    return bool(authorize(session, principal, action, Resource(kind, owner, id=f"{kind}:{owner}")))


def _visible_owners(
    session: Session, principal: Principal, kind: AdminResourceType
) -> dict[int, str]:
    """Partner ids whose `kind` objects the caller may list, with their handles.

    Decided per owning partner: the rules on administrative objects look at the kind and
    the owner only (docs/agreements.md), so one decision per owner is exact.
    """
    return {
        p.id: _handle(p)
        for p in PartnerRepository(session).all()
        if _may(session, principal, AccessAction.LIST, kind, _handle(p))
    }


@router.get("/partners", summary="The partner directory")
def list_partners(
    request: Request, principal: CurrentPrincipal, limit: PageLimit = 100, offset: PageOffset = 0
) -> Page[PartnerPublic]:
    """Every partner the caller may see, by handle."""
    with store(request, write=False) as session:
        partners = sorted(PartnerRepository(session).all(), key=_handle)
        visible = [
            _partner_public(p)
            for p in partners
            if _may(session, principal, AccessAction.LIST, AdminResourceType.PARTNER, _handle(p))
        ]
    return paginate(visible, offset, limit)


@router.get("/partners/{handle}", summary="One partner", responses={404: {}})
def get_partner(request: Request, principal: CurrentPrincipal, handle: str) -> PartnerPublic:
    """One partner by handle (404 if absent or not visible)."""
    with store(request, write=False) as session:
        partner = PartnerRepository(session).find_by_handle(handle)
        if partner is None or not _may(
            session, principal, AccessAction.READ, AdminResourceType.PARTNER, handle
        ):
            raise NotFoundError(f"no partner with handle {handle!r}")
        return _partner_public(partner)


@router.post("/partners", summary="Admit a partner", status_code=status.HTTP_201_CREATED)
def create_partner(
    request: Request, principal: CurrentPrincipal, body: PartnerCreate
) -> PartnerPublic:
    """Register a new partner (admins of the deployment's `system` partner only)."""
    with store(request) as session:
        partners = PartnerRepository(session)
        caller = partners.get(principal.partner_id)
        # The platform's own admins administer the directory: the resource belongs to the
        # `system` partner, so `base/admin-administers-own` grants it to them alone.
        allowed = caller.kind == PartnerKind.SYSTEM.value and _may(
            session, principal, AccessAction.ADMINISTER, AdminResourceType.PARTNER, _handle(caller)
        )
        if not allowed:
            raise Forbidden("admitting partners needs an admin of this deployment's system partner")
        partner = admit_partner(
            session,
            body.name,
            kind=body.kind,
            actor=Actor.partner(str(caller.id)),
            country_code=body.country_code,
            handle=body.handle,
        )
        return _partner_public(partner)


@router.patch(
    "/partners/{handle}",
    summary="Change a partner's name, country code or kind",
    responses={
        403: {"description": "not an admin of the partner (or, for kind, of the platform)"},
        404: {},
        422: {"description": "an invalid field, a taken name, or a kind that cannot change"},
    },
)
def patch_partner(
    request: Request, principal: CurrentPrincipal, handle: str, body: PartnerUpdate
) -> PartnerPublic:
    """Change the partner's descriptive fields (its own admins; a platform admin for any
    partner and for `kind`); logged `partner.updated` with the fields changed."""
    with store(request) as session:
        partners = PartnerRepository(session)
        partner = partners.find_by_handle(handle)
        if partner is None or not _may(
            session, principal, AccessAction.READ, AdminResourceType.PARTNER, handle
        ):
            raise NotFoundError(f"no partner with handle {handle!r}")
        platform = _is_platform_admin(session, principal)
        own_admin = partner.id == principal.partner_id and _may(
            session, principal, AccessAction.ADMINISTER, AdminResourceType.PARTNER, handle
        )
        if not (own_admin or platform):
            raise Forbidden(
                f"changing partner {handle!r} needs an admin of {handle!r} (a key with the "
                "admin scope or an admin user) or of this deployment's system partner"
            )
        if body.kind is not None and body.kind.value != partner.kind and not platform:
            raise Forbidden(
                f"the kind of partner {handle!r} is set by this deployment's platform admins "
                "(admins of its system partner); leave `kind` out to change the other fields"
            )
        clear = "country_code" in body.model_fields_set and body.country_code is None
        update_partner(
            session,
            partner,
            by=partners.get(principal.partner_id),
            name=body.name,
            kind=body.kind,
            country_code=body.country_code,
            clear_country_code=clear,
        )
        return _partner_public(partner)


def _claim_public(claim: SatelliteClaim, handles: dict[int, str]) -> ClaimPublic:
    return ClaimPublic(
        norad_id=claim.norad_id,
        partner=handles.get(claim.partner_id, f"partner-{claim.partner_id}"),
        status=ClaimStatus(claim.status),
        claimed_at=claim.claimed_at,
        withdrawn_at=claim.withdrawn_at,
    )


@router.get("/assets/claims", summary="Satellite claims")
def list_claims(
    request: Request,
    principal: CurrentPrincipal,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
    partner: Annotated[str | None, Query(description="only this partner's claims")] = None,
) -> Page[ClaimPublic]:
    """Claims (withdrawn ones included) the caller may see, by NORAD id then claim time."""
    with store(request, write=False) as session:
        owners = _visible_owners(session, principal, AdminResourceType.ASSET)
        partners = PartnerRepository(session)
        claims: list[SatelliteClaim] = []
        for partner_id, handle in owners.items():
            if partner is None or partner == handle:
                claims.extend(AssetRepository(session).claims_of(partners.get(partner_id)))
        claims.sort(key=lambda c: (c.norad_id, c.claimed_at, c.id))
        return paginate([_claim_public(c, owners) for c in claims], offset, limit)


def _write_own_asset(session: Session, principal: Principal) -> Partner:
    if not _may(session, principal, AccessAction.WRITE, AdminResourceType.ASSET, principal.partner):
        raise Forbidden(
            "registering assets needs a key with the write scope or an operator or admin user"
        )
    return PartnerRepository(session).get(principal.partner_id)


@router.post(
    "/assets/claims",
    summary="Claim (or contest) a satellite",
    status_code=status.HTTP_201_CREATED,
    responses={
        422: {
            "description": "NORAD id not in the catalog (or none of its element sets visible "
            "to you: the same answer), or already claimed by you"
        }
    },
)
def create_claim(
    request: Request, principal: CurrentPrincipal, body: ClaimCreate
) -> ClaimOutcomePublic:
    """Claim a catalogued object the caller's partner can see; another partner's active
    claim makes both `contested`. A claim says which satellites the partner operates; it
    transfers no data (docs/access.md, "Ownership")."""
    with store(request) as session:
        partner = _write_own_asset(session, principal)
        outcome = claim_satellite(session, partner, body.norad_id)
        handles = {p.id: _handle(p) for p in PartnerRepository(session).all()}
        return ClaimOutcomePublic(
            claim=_claim_public(outcome.claim, handles), contested=outcome.contested
        )


@router.delete("/assets/claims/{norad_id}", summary="Withdraw the caller's claim", status_code=204)
def delete_claim(request: Request, principal: CurrentPrincipal, norad_id: NoradIdPath) -> None:
    """Withdraw the caller's partner's claim on `norad_id`."""
    with store(request) as session:
        partner = _write_own_asset(session, principal)
        withdraw_claim(session, partner, norad_id)


def _station_public(row: GroundStationRow, handles: dict[int, str]) -> StationPublic:
    return StationPublic(
        station_id=row.station_id,
        partner=handles.get(row.partner_id, f"partner-{row.partner_id}"),
        name=row.name,
        kind=StationKind(row.kind),
        latitude_deg=row.latitude_deg,
        longitude_deg=row.longitude_deg,
        altitude_m=row.altitude_m,
        min_elevation_deg=row.min_elevation_deg,
        max_range_km=row.max_range_km,
        provider=row.provider,
        status=station_status(row),
        retired_at=row.retired_at,
    )


@router.get("/assets/stations", summary="Ground stations and sensors")
def list_stations(
    request: Request,
    principal: CurrentPrincipal,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
    station_status: Annotated[
        StationStatus | None,
        Query(alias="status", description="only active (or retired) stations"),
    ] = None,
) -> Page[StationPublic]:
    """Stations and sensors the caller may see, retired ones included, by station id."""
    with store(request, write=False) as session:
        owners = _visible_owners(session, principal, AdminResourceType.ASSET)
        rows = [
            r
            for r in AssetRepository(session).stations(status=station_status)
            if r.partner_id in owners
        ]
        rows.sort(key=lambda r: r.station_id)
        return paginate([_station_public(r, owners) for r in rows], offset, limit)


@router.post(
    "/assets/stations", summary="Register a station or sensor", status_code=status.HTTP_201_CREATED
)
def create_station(
    request: Request, principal: CurrentPrincipal, body: StationCreate
) -> StationPublic:
    """Register a ground station or sensor of the caller's partner; its id must start with
    the partner's handle and ':' (derived from the name when left out)."""
    with store(request) as session:
        partner = _write_own_asset(session, principal)
        row = register_station(session, partner, **body.model_dump())
        return _station_public(row, {partner.id: _handle(partner)})


def _own_station(session: Session, principal: Principal, station_id: str) -> Partner:
    """The caller's partner, when `station_id` is one of its stations and it may write its
    assets: 404 for an unknown id and another partner's alike, then 403 without the rule."""
    row = AssetRepository(session).station(station_id)
    if row is None or row.partner_id != principal.partner_id:
        raise NotFoundError(f"{principal.partner!r} has no station {station_id!r}")
    if not _may(session, principal, AccessAction.WRITE, AdminResourceType.ASSET, principal.partner):
        raise Forbidden(
            "changing stations needs a key with the write scope or an operator or admin user"
        )
    return PartnerRepository(session).get(principal.partner_id)


@router.patch(
    "/assets/stations/{station_id}",
    summary="Change a station or sensor",
    responses={403: {}, 404: {}, 422: {"description": "a field out of range, or unknown"}},
)
def patch_station(
    request: Request, principal: CurrentPrincipal, station_id: StationIdPath, body: StationUpdate
) -> StationPublic:
    """Change one of the caller's stations (position, limits, name, provider, status);
    logged `station.updated`, or `station.retired` for `status: retired`."""
    with store(request) as session:
        partner = _own_station(session, principal, station_id)
        update_station(session, partner, station_id, **body.model_dump(exclude_unset=True))
        row = AssetRepository(session).own_station(partner, station_id)
        return _station_public(row, {partner.id: _handle(partner)})


@router.delete(
    "/assets/stations/{station_id}",
    summary="Retire a station or sensor",
    status_code=204,
    responses={403: {}, 404: {}, 422: {"description": "already retired"}},
)
def delete_station(
    request: Request, principal: CurrentPrincipal, station_id: StationIdPath
) -> None:
    """Retire one of the caller's stations: it is kept, with `status: retired`, for the
    pools, tasks, agreements and audit entries that name it; its id is never reused.
    Logged `station.retired`."""
    with store(request) as session:
        partner = _own_station(session, principal, station_id)
        retire_station(session, partner, station_id)


# --- contacts -------------------------------------------------------------------------------


def _is_platform_admin(session: Session, principal: Principal) -> bool:
    """An admin of this deployment's `system` partner (as for admitting partners)."""
    caller = PartnerRepository(session).get(principal.partner_id)
    return caller.kind == PartnerKind.SYSTEM.value and _may(
        session, principal, AccessAction.ADMINISTER, AdminResourceType.PARTNER, _handle(caller)
    )


def _contacts_partner(session: Session, principal: Principal, handle: str) -> Partner:
    """The partner whose contacts the caller manages: itself (403 without the write rule)
    or, for a platform admin, any; 404 alike for an unknown handle and anyone else's."""
    partner = PartnerRepository(session).find_by_handle(handle)
    if partner is not None and partner.id == principal.partner_id:
        if not _may(session, principal, AccessAction.WRITE, AdminResourceType.ASSET, handle):
            raise Forbidden(
                f"the contacts of {handle!r} need a key with the write scope or an operator "
                "or admin user of the partner"
            )
        return partner
    if partner is None or not _is_platform_admin(session, principal):
        raise NotFoundError(f"no partner with handle {handle!r} whose contacts you manage")
    return partner


def _contact_public(contact: PartnerContact, handle: str) -> ContactPublic:
    return ContactPublic(
        id=contact.id,
        partner=handle,
        name=contact.name,
        email=contact.email,
        role=contact.role,
        created_at=contact.created_at,
    )


@router.get("/partners/{handle}/contacts", summary="A partner's contacts", responses={404: {}})
def list_contacts(
    request: Request,
    principal: CurrentPrincipal,
    handle: str,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> Page[ContactPublic]:
    """The partner's contacts, oldest first (the partner itself or a platform admin)."""
    with store(request, write=False) as session:
        partner = _contacts_partner(session, principal, handle)
        contacts = AssetRepository(session).contacts(partner)
        return paginate([_contact_public(c, handle) for c in contacts], offset, limit)


@router.post(
    "/partners/{handle}/contacts",
    summary="Add a contact",
    status_code=status.HTTP_201_CREATED,
    responses={404: {}, 422: {"description": "an invalid name, role or e-mail address"}},
)
def create_contact(
    request: Request, principal: CurrentPrincipal, handle: str, body: ContactCreate
) -> ContactPublic:
    """Add a contact who receives the partner's notices; logged `contact.added` with the
    partner, the contact's id and role only."""
    with store(request) as session:
        partner = _contacts_partner(session, principal, handle)
        by = PartnerRepository(session).get(principal.partner_id)
        contact = add_partner_contact(
            session, partner, name=body.name, email=body.email, role=body.role, by=by
        )
        return _contact_public(contact, handle)


@router.delete(
    "/partners/{handle}/contacts/{contact_id}",
    summary="Remove a contact",
    status_code=204,
    responses={404: {}},
)
def delete_contact(
    request: Request, principal: CurrentPrincipal, handle: str, contact_id: ContactIdPath
) -> None:
    """Remove a contact; notices queued for it and not yet sent are dropped. Logged
    `contact.removed`."""
    with store(request) as session:
        partner = _contacts_partner(session, principal, handle)
        if contact_id not in {c.id for c in AssetRepository(session).contacts(partner)}:
            raise NotFoundError(f"partner {handle!r} has no contact {contact_id}")
        by = PartnerRepository(session).get(principal.partner_id)
        remove_partner_contact(session, partner, contact_id, by=by)
