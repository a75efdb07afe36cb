"""Pooled assets: satellites and stations offered to a pool, and shares committed to it.

Membership of a pool comes from agreements: a partner is a member of pool P while an
agreement in force names it in an `allocation_shares` clause for P (docs/agreements.md).
Every change is authorised by `accord.access.authorize` (deny by default) and appends its
audit entry in the caller's transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.access import AgreementRepository, Principal, authorize
from accord.agreements import (
    AccessAction,
    AdminResourceType,
    AllocationSharesClause,
    Resource,
)
from accord.audit import Actor, AuditAction, AuditEvent, AuditLog, SubjectRef
from accord.campaign_ops._errors import CampaignAccessDenied, CampaignError, UnknownCampaignItem
from accord.campaigns import EoSensor
from accord.store import (
    AssetRepository,
    GroundStationRow,
    PartnerRepository,
    PoolCommitmentRow,
    PoolSatelliteRow,
    PoolStationRow,
)

__all__ = [
    "DEFAULT_POOL",
    "SHARE_TOLERANCE",
    "add_pool_satellite",
    "add_pool_station",
    "commit_share",
    "committed_shares",
    "pool_members",
]

#: The pool campaigns use unless told otherwise (an `allocation_shares` asset class).
DEFAULT_POOL = "eo_imaging"
#: How far a committed share may differ from the agreement's (decimal fractions are inexact).
SHARE_TOLERANCE = 1e-9


def _now(at: datetime | None) -> datetime:
    return at or datetime.now(UTC)


def pool_members(session: Session, pool: str, at: datetime) -> dict[str, dict[str, float]]:
    """Partner handle -> {agreement id: share}: agreements in force at `at` that name `pool`."""
    members: dict[str, dict[str, float]] = {}
    for record in AgreementRepository(session).all():
        version = record.version_in_force(at)
        if version is None:
            continue
        for clause in version.document.clauses:
            if not isinstance(clause, AllocationSharesClause):
                continue
            for allocation in clause.pools:
                if allocation.asset_class == pool:
                    for handle, share in allocation.shares:
                        members.setdefault(handle, {})[record.agreement_id] = share
    return members


def require_member(session: Session, principal: Principal, pool: str, at: datetime) -> None:
    """Refuse a principal whose partner is not in `pool` under an agreement in force."""
    if principal.partner not in pool_members(session, pool, at):
        raise CampaignAccessDenied(
            f"partner {principal.partner!r} is not a member of pool {pool!r} at "
            f"{at.isoformat()}: no agreement in force gives it a share there; sign one with an "
            f"allocation_shares clause for {pool!r} (docs/agreements.md)"
        )


def require_asset_write(
    session: Session, principal: Principal, at: datetime, *, norad_id: int | None = None
) -> None:
    """Refuse unless the principal may write its partner's assets (operator or admin)."""
    resource = Resource(AdminResourceType.ASSET, principal.partner, norad_id=norad_id)
    if not authorize(session, principal, AccessAction.WRITE, resource, at=at):
        raise CampaignAccessDenied(
            f"{principal.name or 'caller'} of {principal.partner!r} may not change the "
            "partner's assets: it takes an operator or admin role"
        )


def _event(principal: Principal, action: AuditAction, *subjects: SubjectRef, **details: object):
    return AuditEvent(
        action,
        Actor.partner(str(principal.partner_id)),
        subjects=subjects,
        details={k: v for k, v in details.items() if v is not None} or None,
    )


def add_pool_satellite(
    session: Session,
    principal: Principal,
    norad_id: int,
    sensor: EoSensor,
    *,
    pool: str = DEFAULT_POOL,
    at: datetime | None = None,
) -> PoolSatelliteRow:
    """Offer the principal's partner's satellite (an active claim of it) to `pool`."""
    now = _now(at)
    require_asset_write(session, principal, now, norad_id=norad_id)
    owner = AssetRepository(session).owners([norad_id]).get(norad_id)
    if owner != principal.partner_id:
        raise CampaignAccessDenied(
            f"NORAD id {norad_id} is not a satellite of {principal.partner!r}: claim it first "
            f"(`accord partner claim {principal.partner} {norad_id}`)"
        )
    exists = session.scalars(
        sa.select(PoolSatelliteRow).where(
            PoolSatelliteRow.pool == pool, PoolSatelliteRow.norad_id == norad_id
        )
    ).first()
    if exists is not None:
        raise CampaignError(f"NORAD id {norad_id} is already in pool {pool!r}")
    row = PoolSatelliteRow(
        partner_id=principal.partner_id,
        norad_id=norad_id,
        pool=pool,
        sensor_kind=sensor.kind,
        swath_km=sensor.swath_km,
        max_off_nadir_deg=sensor.max_off_nadir_deg,
        resolution_m=sensor.resolution_m,
        min_sun_elevation_deg=sensor.min_sun_elevation_deg,
        added_at=now,
    )
    session.add(row)
    session.flush()
    AuditLog(session).append(
        [
            _event(
                principal,
                AuditAction.POOL_ASSET_ADDED,
                SubjectRef("object", str(norad_id)),
                pool=pool,
                sensor_kind=sensor.kind,
            )
        ]
    )
    return row


def add_pool_station(
    session: Session,
    principal: Principal,
    station_id: str,
    *,
    pool: str = DEFAULT_POOL,
    min_elevation_deg: float | None = None,
    at: datetime | None = None,
) -> PoolStationRow:
    """Offer one of the partner's registered ground stations to `pool` for downlinks.

    `min_elevation_deg` defaults to the station's registered mask.
    """
    now = _now(at)
    require_asset_write(session, principal, now)
    station = AssetRepository(session).station(station_id)
    if station is None or station.partner_id != principal.partner_id:
        raise UnknownCampaignItem(
            f"station {station_id!r} is not a registered station of {principal.partner!r}; "
            "register it first (`accord partner station import`)"
        )
    if station.retired_at is not None:
        raise CampaignError(
            f"station {station_id!r} was retired on {station.retired_at:%Y-%m-%d}; a retired "
            "station takes no downlinks: reactivate it first (PATCH "
            "/api/v1/assets/stations/{id} with status active, or `accord partner station update`)"
        )
    mask = station.min_elevation_deg if min_elevation_deg is None else min_elevation_deg
    if not -90.0 <= mask <= 90.0:
        raise CampaignError(f"station {station_id!r}: min elevation {mask} deg is not in -90..90")
    row = PoolStationRow(station_row_id=station.id, pool=pool, min_elevation_deg=mask, added_at=now)
    session.add(row)
    session.flush()
    AuditLog(session).append(
        [
            _event(
                principal,
                AuditAction.POOL_ASSET_ADDED,
                SubjectRef("station", station.station_id),
                pool=pool,
            )
        ]
    )
    return row


def commit_share(
    session: Session,
    principal: Principal,
    agreement_id: str,
    *,
    pool: str = DEFAULT_POOL,
    share: float | None = None,
    at: datetime | None = None,
) -> PoolCommitmentRow:
    """Commit the partner's share of `pool` as the agreement in force allocates it.

    `share` defaults to the agreement's; a different one is refused (the agreement is
    what the parties signed).
    """
    now = _now(at)
    require_asset_write(session, principal, now)
    agreed = pool_members(session, pool, now).get(principal.partner, {})
    if agreement_id not in agreed:
        raise CampaignAccessDenied(
            f"agreement {agreement_id!r} is not in force at {now.isoformat()} or gives "
            f"{principal.partner!r} no share of pool {pool!r}; check `accord agreement show "
            f"{agreement_id}`"
        )
    if share is not None and abs(share - agreed[agreement_id]) > SHARE_TOLERANCE:
        raise CampaignError(
            f"share {share} of {principal.partner!r} in pool {pool!r} differs from the "
            f"{agreed[agreement_id]} that agreement {agreement_id!r} allocates; omit --share "
            "or amend the agreement"
        )
    row = PoolCommitmentRow(
        partner_id=principal.partner_id,
        pool=pool,
        share=agreed[agreement_id],
        agreement_id=agreement_id,
        committed_at=now,
    )
    session.add(row)
    session.flush()
    AuditLog(session).append(
        [
            _event(
                principal,
                AuditAction.POOL_SHARE_COMMITTED,
                SubjectRef("agreement", agreement_id),
                pool=pool,
                share=repr(row.share),
            )
        ]
    )
    return row


def committed_shares(session: Session, pool: str, at: datetime) -> dict[str, float]:
    """Partner handle -> committed share of `pool`, from commitments under agreements in force.

    A partner's latest commitment whose agreement is in force at `at` counts.
    """
    members = pool_members(session, pool, at)
    partners = PartnerRepository(session)
    shares: dict[str, float] = {}
    rows = session.scalars(
        sa.select(PoolCommitmentRow)
        .where(PoolCommitmentRow.pool == pool)
        .order_by(PoolCommitmentRow.committed_at, PoolCommitmentRow.id)
    )
    for row in rows:
        handle = partners.get(row.partner_id).handle or ""
        if row.agreement_id in members.get(handle, {}):
            shares[handle] = row.share
    return shares


def pooled_stations(
    session: Session, pool: str, *, include_retired: bool = False
) -> list[tuple[PoolStationRow, GroundStationRow]]:
    """The pool's stations with their registered rows, by station id.

    A retired station stays in the pool's history but takes no downlinks: planning and
    coverage see active stations only, unless `include_retired`.
    """
    query = (
        sa.select(PoolStationRow, GroundStationRow)
        .join(GroundStationRow, GroundStationRow.id == PoolStationRow.station_row_id)
        .where(PoolStationRow.pool == pool)
        .order_by(GroundStationRow.station_id)
    )
    if not include_retired:
        query = query.where(GroundStationRow.retired_at.is_(None))
    rows = session.execute(query)
    return [(pool_row, station) for pool_row, station in rows]
