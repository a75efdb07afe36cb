"""State changes of the partner directory: partners' descriptions and their stations.

Each function works inside the caller's transaction and appends its audit entry there, so
the change and its entry commit or roll back together; who may make the change is decided
by the caller through `accord.access.authorize` (the API) or is the local operator (the
CLI). Entries name partners by row id and stations by station id; the values that changed
are listed by field name, with the new value only where it is a public code (kind, country,
status), never free text.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from accord.audit import Actor, AuditAction, AuditEvent, AuditLog, SubjectRef
from accord.orbits import read_ground_stations
from accord.store import (
    AssetError,
    AssetRepository,
    GroundStationRow,
    Partner,
    PartnerKind,
    PartnerRepository,
    StationKind,
    StationStatus,
    station_id_for,
)

__all__ = [
    "import_stations",
    "register_station",
    "retire_station",
    "update_partner",
    "update_station",
]

#: Changed fields whose new value goes into the entry's details (codes, not free text).
_LOGGED_VALUES = frozenset({"kind", "country_code", "status"})


def _actor(partner: Partner) -> Actor:
    return Actor.partner(str(partner.id))


def _changes(changed: dict[str, tuple[object, object]]) -> dict[str, object]:
    details: dict[str, object] = {"changed": sorted(changed)}
    for field in sorted(_LOGGED_VALUES & set(changed)):
        details[field] = changed[field][1]
    return details


def update_partner(
    session: Session,
    partner: Partner,
    *,
    by: Partner | None = None,
    name: str | None = None,
    kind: PartnerKind | None = None,
    country_code: str | None = None,
    clear_country_code: bool = False,
) -> list[str]:
    """Change a partner's name, kind or country code and log `partner.updated`.

    `by` is the acting partner when it is not `partner` itself (a platform admin). Returns
    the fields that changed; nothing changed writes no entry. The handle never changes.
    Raises `accord.store.PartnerError` naming the field and the fix (`PartnerRepository.
    update` says which values are accepted).
    """
    changed = PartnerRepository(session).update(
        partner,
        name=name,
        kind=kind,
        country_code=country_code,
        clear_country_code=clear_country_code,
    )
    if changed:
        AuditLog(session).append(
            [
                AuditEvent(
                    AuditAction.PARTNER_UPDATED,
                    _actor(by or partner),
                    subjects=(SubjectRef("partner", str(partner.id)),),
                    details=_changes(dict(changed)),
                )
            ]
        )
    return sorted(changed)


def _registered_event(partner: Partner, station: GroundStationRow) -> AuditEvent:
    return AuditEvent(
        AuditAction.ASSET_REGISTERED,
        _actor(partner),
        subjects=(SubjectRef("station", station.station_id),),
        details={"kind": station.kind},
    )


def register_station(session: Session, partner: Partner, **fields: object) -> GroundStationRow:
    """Register one ground station or sensor (`AssetRepository.add_station` fields).

    The station id must start with `<partner handle>:`, or be absent to be derived from
    the name; `accord.store.AssetError` names the field and the fix otherwise.
    """
    station = AssetRepository(session).add_station(partner, **fields)  # type: ignore[arg-type]
    AuditLog(session).append([_registered_event(partner, station)])
    return station


def import_stations(
    session: Session,
    partner: Partner,
    data: bytes | str,
    *,
    source: str,
    max_range_km: float | None = None,
) -> list[GroundStationRow]:
    """Register every Point of a GeoJSON FeatureCollection as `partner`'s stations.

    Ids are `<handle>:<name in lower case>` (`accord.store.station_id_for`), or a
    feature's `station_id` property when it has one, which must carry the same prefix;
    features with `sensor_type` (Vallado's SSN sensor tables) are sensors, others ground
    stations; elevation masks as `accord.orbits.read_ground_stations` reads them. All or
    nothing, one audit entry each.
    """
    stations = read_ground_stations(data, source=source)
    features = json.loads(data).get("features", [])
    assets = AssetRepository(session)
    rows = []
    for index, (station, feature) in enumerate(zip(stations, features, strict=True)):
        properties = feature.get("properties") or {}
        kind = StationKind.SENSOR if "sensor_type" in properties else StationKind.GROUND_STATION
        given = properties.get("station_id")
        try:
            if given is not None and not isinstance(given, str):
                raise AssetError(f"station_id {given!r} is not a string")
            rows.append(
                assets.add_station(
                    partner,
                    station_id=given or station_id_for(partner, station.name),
                    name=station.name,
                    latitude_deg=station.latitude_deg,
                    longitude_deg=station.longitude_deg,
                    altitude_m=station.altitude_m,
                    min_elevation_deg=station.min_elevation_deg,
                    max_range_km=max_range_km,
                    kind=kind,
                    provider=station.provider,
                )
            )
        except AssetError as exc:
            raise AssetError(f"{source}: feature {index}: {exc}") from None
    AuditLog(session).append([_registered_event(partner, row) for row in rows])
    return rows


def update_station(
    session: Session, partner: Partner, station_id: str, **changes: object
) -> list[str]:
    """Change `partner`'s station and log `station.updated` (or `station.retired` when the
    change retires it); returns the fields that changed, none writing no entry.

    `changes` as `AssetRepository.update_station` takes them; `status: active` reactivates
    a retired station. Raises `accord.store.AssetError` naming the field and the fix.
    """
    assets = AssetRepository(session)
    changed = assets.update_station(partner, station_id, **changes)
    if changed:
        details = _changes(changed)
        action = AuditAction.STATION_UPDATED
        if details.get("status") == StationStatus.RETIRED.value:
            action = AuditAction.STATION_RETIRED
            details["pools"] = assets.station_pools(assets.own_station(partner, station_id))
        AuditLog(session).append(
            [
                AuditEvent(
                    action,
                    _actor(partner),
                    subjects=(SubjectRef("station", station_id),),
                    details=details,
                )
            ]
        )
    return sorted(changed)


def retire_station(
    session: Session, partner: Partner, station_id: str, *, at: datetime | None = None
) -> GroundStationRow:
    """Retire `partner`'s station and log `station.retired`; the row is kept.

    A retired station keeps its id (never reused), its pool memberships and every task and
    audit entry that names it; it can be reactivated (`update_station(..., status=
    "active")`). The entry lists the pools it was offered to. Raises
    `accord.store.AssetError` for a station that is not the partner's or already retired.
    """
    assets = AssetRepository(session)
    row = assets.retire_station(partner, station_id, at=at)
    AuditLog(session).append(
        [
            AuditEvent(
                AuditAction.STATION_RETIRED,
                _actor(partner),
                subjects=(SubjectRef("station", station_id),),
                details={"kind": row.kind, "pools": assets.station_pools(row)},
            )
        ]
    )
    return row
