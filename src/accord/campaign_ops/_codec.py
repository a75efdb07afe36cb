"""Opportunities to and from JSON, so a stored plan can be re-formed without recomputing access.

A plan row keeps the opportunities it chose among; re-planning after a decline uses the
same ones (the same element sets and passes), so kept tasks stay exactly as accepted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accord.campaigns import AccessWindow, EoSensor, Opportunity
from accord.orbits import GroundStation, Pass

__all__ = ["decode_keys", "decode_opportunities", "encode_keys", "encode_opportunities"]

Key = tuple[str, int, datetime]


def _station(station: GroundStation) -> dict[str, Any]:
    return {
        "name": station.name,
        "latitude_deg": station.latitude_deg,
        "longitude_deg": station.longitude_deg,
        "altitude_m": station.altitude_m,
        "min_elevation_deg": station.min_elevation_deg,
        "provider": station.provider,
    }


def _pass(downlink: Pass | None) -> dict[str, Any] | None:
    if downlink is None:
        return None
    return {
        "station": _station(downlink.station),
        "rise": downlink.rise.isoformat(),
        "culmination": downlink.culmination.isoformat(),
        "set": downlink.set.isoformat(),
        "max_elevation_deg": downlink.max_elevation_deg,
        "min_elevation_deg": downlink.min_elevation_deg,
        "rise_in_window": downlink.rise_in_window,
        "set_in_window": downlink.set_in_window,
    }


def encode_opportunities(opportunities: list[Opportunity]) -> list[dict[str, Any]]:
    """Plain JSON objects, one per opportunity (times ISO 8601 UTC, microseconds kept)."""
    encoded = []
    for o in opportunities:
        w = o.window
        encoded.append(
            {
                "request_id": o.request_id,
                "owner": o.owner,
                "value": o.value,
                "delivery": o.delivery.isoformat(),
                "earliness": o.earliness,
                "window": {
                    "norad_id": w.norad_id,
                    "area_name": w.area_name,
                    "sensor": {
                        "kind": w.sensor.kind,
                        "max_off_nadir_deg": w.sensor.max_off_nadir_deg,
                        "swath_km": w.sensor.swath_km,
                        "resolution_m": w.sensor.resolution_m,
                        "min_sun_elevation_deg": w.sensor.min_sun_elevation_deg,
                    },
                    **{
                        name: getattr(w, name).isoformat()
                        for name in (
                            "start",
                            "end",
                            "closest_approach",
                            "acquisition_start",
                            "acquisition_end",
                        )
                    },
                    **{
                        name: getattr(w, name)
                        for name in (
                            "min_off_nadir_deg",
                            "roll_deg",
                            "accessible_fraction",
                            "coverable_fraction",
                            "sun_elevation_deg",
                        )
                    },
                    "downlink": _pass(w.downlink),
                },
            }
        )
    return encoded


def _decode_pass(norad_id: int, data: dict[str, Any] | None) -> Pass | None:
    if data is None:
        return None
    return Pass(
        norad_id=norad_id,
        station=GroundStation(**data["station"]),
        rise=datetime.fromisoformat(data["rise"]),
        culmination=datetime.fromisoformat(data["culmination"]),
        set=datetime.fromisoformat(data["set"]),
        max_elevation_deg=data["max_elevation_deg"],
        min_elevation_deg=data["min_elevation_deg"],
        rise_in_window=data["rise_in_window"],
        set_in_window=data["set_in_window"],
    )


def decode_opportunities(encoded: list[dict[str, Any]]) -> list[Opportunity]:
    """The opportunities `encode_opportunities` wrote."""
    opportunities = []
    for item in encoded:
        w = item["window"]
        window = AccessWindow(
            norad_id=int(w["norad_id"]),
            area_name=w["area_name"],
            sensor=EoSensor(**w["sensor"]),
            start=datetime.fromisoformat(w["start"]),
            end=datetime.fromisoformat(w["end"]),
            closest_approach=datetime.fromisoformat(w["closest_approach"]),
            acquisition_start=datetime.fromisoformat(w["acquisition_start"]),
            acquisition_end=datetime.fromisoformat(w["acquisition_end"]),
            min_off_nadir_deg=w["min_off_nadir_deg"],
            roll_deg=w["roll_deg"],
            accessible_fraction=w["accessible_fraction"],
            coverable_fraction=w["coverable_fraction"],
            sun_elevation_deg=w["sun_elevation_deg"],
            downlink=_decode_pass(int(w["norad_id"]), w["downlink"]),
        )
        opportunities.append(
            Opportunity(
                request_id=item["request_id"],
                owner=item["owner"],
                window=window,
                value=item["value"],
                delivery=datetime.fromisoformat(item["delivery"]),
                earliness=item["earliness"],
            )
        )
    return opportunities


def encode_keys(keys: frozenset[Key] | set[Key]) -> list[list[Any]]:
    """Opportunity keys as sorted JSON lists [request id, NORAD id, ISO time]."""
    return sorted([request_id, norad_id, at.isoformat()] for request_id, norad_id, at in keys)


def decode_keys(encoded: list[list[Any]]) -> frozenset[Key]:
    """The keys `encode_keys` wrote."""
    return frozenset((str(r), int(n), datetime.fromisoformat(t)) for r, n, t in encoded)
