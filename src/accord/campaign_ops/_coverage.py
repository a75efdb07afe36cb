"""A plan's coverage map as a GeoJSON FeatureCollection (RFC 7946, WGS84 degrees).

Features, each with `properties.kind` (docs/campaigns.md, "Coverage map"):

- `area`: each request's area of interest (Polygon), with its request id, name, priority
  and the plan's coverage fraction;
- `footprint`: each active task's imaged strip over its acquisition interval (Polygon,
  `accord.campaigns.acquisition_footprint` from the satellite's current element set and its
  pooled swath);
- `ground_track`: the same satellite's sub-satellite track from `TRACK_MARGIN_S` before to
  `TRACK_MARGIN_S` after the acquisition (LineString, a MultiLineString where it crosses
  the antimeridian);
- `station`: each ground station pooled for downlinks (Point).

Declined and missed tasks are left out (they image nothing). Coordinates are rounded to
`COORDINATE_DECIMALS` decimal degrees (about 0.1 m), as RFC 7946 section 11.2 suggests.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from shapely.geometry import mapping
from sqlalchemy.orm import Session

from accord.campaign_ops._pool import pooled_stations
from accord.campaigns import AreaOfInterest, GroundTrack, acquisition_footprint
from accord.store import CampaignRequestRow, CatalogRepository, PoolSatelliteRow, TaskStatus

__all__ = ["COORDINATE_DECIMALS", "FOOTPRINT_STEP_S", "TRACK_MARGIN_S", "plan_coverage"]

#: Ground track drawn on each side of an acquisition (s): about 2,000 km of LEO track.
TRACK_MARGIN_S = 300.0
#: Sampling of ground tracks and of footprint edges (s).
TRACK_STEP_S = 10.0
FOOTPRINT_STEP_S = 1.0
COORDINATE_DECIMALS = 6
_INACTIVE = (TaskStatus.DECLINED.value, TaskStatus.MISSED.value)


def _rounded(geometry: Any) -> Any:
    if isinstance(geometry, float):
        return round(geometry, COORDINATE_DECIMALS)
    if isinstance(geometry, list | tuple):
        return [_rounded(item) for item in geometry]
    return geometry


def _geometry(shape: Any) -> dict[str, Any]:
    data = dict(mapping(shape))
    data["coordinates"] = _rounded(data["coordinates"])
    return data


def _line(longitude_deg: NDArray[np.float64], latitude_deg: NDArray[np.float64]) -> dict[str, Any]:
    """A LineString, split into a MultiLineString where a step jumps across +-180 deg."""
    cuts = np.flatnonzero(np.abs(np.diff(longitude_deg)) > 180.0) + 1
    parts = [
        _rounded(np.column_stack([lon, lat]).tolist())
        for lon, lat in zip(
            np.split(longitude_deg, cuts), np.split(latitude_deg, cuts), strict=True
        )
    ]
    parts = [part for part in parts if len(part) >= 2]
    if len(parts) == 1:
        return {"type": "LineString", "coordinates": parts[0]}
    return {"type": "MultiLineString", "coordinates": parts}


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def plan_coverage(session: Session, document: dict[str, Any]) -> dict[str, Any]:
    """The coverage map of a plan (`plan_document`'s data) as a GeoJSON FeatureCollection."""
    features: list[dict[str, Any]] = []
    for request in document["requests"]:
        row = session.get(CampaignRequestRow, request["request_id"])
        if row is None:
            continue
        area = AreaOfInterest.from_geojson(row.area_geojson, name=row.area_name)
        features.append(
            _feature(
                _geometry(area.polygon),
                kind="area",
                request_id=row.id,
                area_name=row.area_name,
                priority=row.priority,
                coverage_fraction=request["coverage_fraction"],
            )
        )
    tasks = [t for t in document["tasks"] if t["status"] not in _INACTIVE]
    norad_ids = sorted({t["norad_id"] for t in tasks})
    element_sets = {
        item.element_set.norad_id: item.element_set
        for item in CatalogRepository(session).latest(norad_ids=norad_ids).items
    }
    swaths = {
        row.norad_id: row.swath_km
        for row in session.scalars(
            sa.select(PoolSatelliteRow).where(
                PoolSatelliteRow.pool == document["pool"],
                PoolSatelliteRow.norad_id.in_(norad_ids or [-1]),
            )
        )
    }
    for task in tasks:
        element_set = element_sets.get(task["norad_id"])
        swath_km = swaths.get(task["norad_id"])
        if element_set is None or swath_km is None:
            continue  # no element set or no longer pooled: nothing to draw it from
        start = datetime.fromisoformat(task["acquisition_start"])
        end = datetime.fromisoformat(task["acquisition_end"])
        strip = GroundTrack(element_set, start, end, step_s=FOOTPRINT_STEP_S)
        common = {
            "task_id": task["task_id"],
            "request_id": task["request_id"],
            "norad_id": task["norad_id"],
            "owner": task["owner"],
            "status": task["status"],
        }
        features.append(
            _feature(
                _geometry(acquisition_footprint(strip, task["roll_deg"], swath_km)),
                kind="footprint",
                **common,
                acquisition_start=task["acquisition_start"],
                acquisition_end=task["acquisition_end"],
                roll_deg=task["roll_deg"],
                swath_km=swath_km,
            )
        )
        margin = timedelta(seconds=TRACK_MARGIN_S)
        track = GroundTrack(element_set, start - margin, end + margin, step_s=TRACK_STEP_S)
        features.append(
            _feature(
                _line(track.longitude_deg, track.latitude_deg),
                kind="ground_track",
                **common,
                start=(start - margin).isoformat(),
                end=(end + margin).isoformat(),
            )
        )
    for pool_row, station in pooled_stations(session, document["pool"]):
        features.append(
            _feature(
                {
                    "type": "Point",
                    "coordinates": [station.longitude_deg, station.latitude_deg],
                },
                kind="station",
                station_id=station.station_id,
                name=station.name,
                provider=station.provider,
                min_elevation_deg=pool_row.min_elevation_deg,
            )
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"plan_id": document["plan_id"], "pool": document["pool"]},
    }
