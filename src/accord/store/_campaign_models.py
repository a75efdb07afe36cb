"""Tables of pooled Earth-observation assets, campaign requests, plans and tasks.

Migration 0008_campaigns creates them; these models must match it (a test compares the two).
Times are UTC (`UTCDateTime`); partners by row id. The workflow that changes them, with its
states and audit entries, is `accord.campaign_ops` (docs/campaigns.md, "Running a campaign").
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from accord.store._models import Base
from accord.store._types import UTCDateTime

__all__ = [
    "CampaignPlanRow",
    "CampaignRequestRow",
    "CampaignTaskRow",
    "PlanContributionRow",
    "PlanRequestRow",
    "PoolCommitmentRow",
    "PoolSatelliteRow",
    "PoolStationRow",
    "RequestStatus",
    "TaskStatus",
]


class RequestStatus(StrEnum):
    """Where a campaign request stands (docs/campaigns.md, "Running a campaign")."""

    SUBMITTED = "submitted"
    VALIDATED = "validated"
    PLANNED = "planned"
    TASKED = "tasked"
    ACQUIRED = "acquired"
    DELIVERED = "delivered"
    CLOSED = "closed"


class TaskStatus(StrEnum):
    """Where one planned acquisition stands, as its satellite's owner reports it."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ACQUIRED = "acquired"
    MISSED = "missed"
    DELIVERED = "delivered"


def _in_values(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class PoolSatelliteRow(Base):
    """A partner's Earth-observation satellite in a pool, with its sensor's limits."""

    __tablename__ = "pool_satellites"
    __table_args__ = (
        sa.CheckConstraint("sensor_kind IN ('optical', 'sar')", name="sensor_kind"),
        sa.CheckConstraint("swath_km > 0", name="swath"),
        sa.CheckConstraint("max_off_nadir_deg > 0 AND max_off_nadir_deg < 90", name="off_nadir"),
        sa.CheckConstraint("resolution_m > 0", name="resolution"),
        sa.UniqueConstraint("pool", "norad_id", name="uq_pool_satellites_pool_norad_id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    norad_id: Mapped[int] = mapped_column(sa.ForeignKey("space_objects.norad_id"))
    #: The pooled asset class, as agreements' `allocation_shares` name it.
    pool: Mapped[str] = mapped_column(sa.String(64))
    sensor_kind: Mapped[str] = mapped_column(sa.String(16))
    swath_km: Mapped[float] = mapped_column(sa.Double)
    #: The field of regard: how far from nadir the boresight may point.
    max_off_nadir_deg: Mapped[float] = mapped_column(sa.Double)
    resolution_m: Mapped[float] = mapped_column(sa.Double)
    min_sun_elevation_deg: Mapped[float] = mapped_column(sa.Double)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PoolStationRow(Base):
    """A registered ground station offered to a pool for downlinks, with its elevation mask."""

    __tablename__ = "pool_stations"
    __table_args__ = (
        sa.CheckConstraint("min_elevation_deg BETWEEN -90 AND 90", name="min_elevation"),
        sa.UniqueConstraint("pool", "station_row_id", name="uq_pool_stations_pool_station"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    station_row_id: Mapped[int] = mapped_column(sa.ForeignKey("ground_stations.id"))
    pool: Mapped[str] = mapped_column(sa.String(64))
    min_elevation_deg: Mapped[float] = mapped_column(sa.Double)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PoolCommitmentRow(Base):
    """A partner's committed share of a pool's capacity under an agreement."""

    __tablename__ = "pool_commitments"
    __table_args__ = (
        sa.CheckConstraint("share >= 0 AND share <= 1", name="share"),
        sa.UniqueConstraint(
            "partner_id", "pool", "agreement_id", name="uq_pool_commitments_partner_pool"
        ),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    pool: Mapped[str] = mapped_column(sa.String(64))
    share: Mapped[float] = mapped_column(sa.Double)
    agreement_id: Mapped[str] = mapped_column(sa.ForeignKey("agreements.agreement_id"))
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CampaignRequestRow(Base):
    """A partner's acquisition request: area, window, priority, product needs, deadline."""

    __tablename__ = "campaign_requests"
    __table_args__ = (
        sa.CheckConstraint(_in_values("status", RequestStatus), name="status"),
        sa.CheckConstraint("priority > 0", name="priority"),
        sa.CheckConstraint("window_end > window_start", name="window"),
        sa.Index("ix_campaign_requests_status", "status"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    pool: Mapped[str] = mapped_column(sa.String(64))
    area_name: Mapped[str] = mapped_column(sa.String(200))
    #: The GeoJSON as submitted (Polygon, or Point with `properties.radius_km`).
    area_geojson: Mapped[Any] = mapped_column(sa.JSON)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    delivery_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    priority: Mapped[float] = mapped_column(sa.Double)
    #: Space-separated sensor kinds that serve the product ("optical", "sar" or both).
    sensor_kinds: Mapped[str] = mapped_column(sa.String(32))
    max_resolution_m: Mapped[float | None] = mapped_column(sa.Double)
    max_off_nadir_deg: Mapped[float] = mapped_column(sa.Double)
    status: Mapped[str] = mapped_column(sa.String(16))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    validated_by_partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CampaignPlanRow(Base):
    """One planning run: solver facts, and the opportunities it chose among (for re-planning)."""

    __tablename__ = "campaign_plans"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    pool: Mapped[str] = mapped_column(sa.String(64))
    method: Mapped[str] = mapped_column(sa.String(16))
    solver_status: Mapped[str] = mapped_column(sa.String(64))
    #: HiGHS's relative gap to its dual bound; NULL for the heuristic.
    mip_gap: Mapped[float | None] = mapped_column(sa.Double)
    objective: Mapped[float] = mapped_column(sa.Double)
    upper_bound: Mapped[float | None] = mapped_column(sa.Double)
    solve_time_s: Mapped[float] = mapped_column(sa.Double)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The plan this one re-formed after a decline or a missed acquisition.
    replaces_plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaign_plans.id"))
    #: Committed shares used (partner row id as text -> share).
    shares: Mapped[Any] = mapped_column(sa.JSON)
    #: Coverage per request (request row id as text -> 0..1).
    coverage: Mapped[Any] = mapped_column(sa.JSON)
    #: The opportunities planned among, serialised (accord.campaign_ops._codec).
    opportunities: Mapped[Any] = mapped_column(sa.JSON)
    #: Opportunity keys left out (declined or missed), serialised.
    excluded: Mapped[Any] = mapped_column(sa.JSON)


class PlanRequestRow(Base):
    """The request set of a plan."""

    __tablename__ = "campaign_plan_requests"

    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_plans.id"), primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_requests.id"), primary_key=True)


class CampaignTaskRow(Base):
    """One acquisition a plan gives a satellite's owner: when, how, downlink, its status."""

    __tablename__ = "campaign_tasks"
    __table_args__ = (
        sa.CheckConstraint(_in_values("status", TaskStatus), name="status"),
        sa.Index("ix_campaign_tasks_norad_id_start", "norad_id", "acquisition_start"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_plans.id"), index=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_requests.id"), index=True)
    norad_id: Mapped[int] = mapped_column(sa.ForeignKey("space_objects.norad_id"))
    owner_partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    acquisition_start: Mapped[datetime] = mapped_column(UTCDateTime())
    acquisition_end: Mapped[datetime] = mapped_column(UTCDateTime())
    roll_deg: Mapped[float] = mapped_column(sa.Double)
    coverage_fraction: Mapped[float] = mapped_column(sa.Double)
    downlink_station: Mapped[str | None] = mapped_column(sa.String(200))
    downlink_rise: Mapped[datetime | None] = mapped_column(UTCDateTime())
    downlink_set: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the data reaches the ground (downlink set, or acquisition end without one).
    delivery: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PlanContributionRow(Base):
    """What one partner's satellites carry in a plan, against its committed share."""

    __tablename__ = "campaign_contributions"

    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_plans.id"), primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), primary_key=True)
    acquisitions: Mapped[int] = mapped_column(sa.Integer)
    share_of_acquisitions: Mapped[float] = mapped_column(sa.Double)
    committed_share: Mapped[float] = mapped_column(sa.Double)
    requests_served: Mapped[int] = mapped_column(sa.Integer)
