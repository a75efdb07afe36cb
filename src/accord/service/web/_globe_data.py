"""What the globe draws: Earth-fixed positions of the visible catalog, and one encounter.

Positions are computed on the server, never in the browser: the catalog items
`accord.access.visible_element_sets` releases to the partner are propagated with SGP4 in one
vectorised batch (`accord.orbits.Sgp4Propagator`: heyoka for near-Earth objects) and rotated
TEME -> ITRS (`accord.orbits.teme_to_itrs`), which is the Earth-fixed frame CesiumJS draws
in (its `Cartesian3` is WGS84 Earth-centred Earth-fixed; polar motion, ~10 m, is ignored
on both sides). An item released as a coarsened state vector (an agreement's degradation
clause) is never propagated: it is drawn where the release puts it, at its own epoch,
rounded again to the clause's precision in ITRS, so that nothing finer than the clause
allows ever reaches the browser.

An encounter is drawn from the latest CDM the event page may show (degraded as released):
both objects' states at TCA are propagated over about one orbit either side with a
two-body + J2 model (scipy's DOP853 integrator), which is enough to draw the geometry; the
screening itself used SGP4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp
from sqlalchemy.orm import Session

from accord.access import (
    CatalogItem,
    Principal,
    get_visible_cdm,
    get_visible_event,
    record_catalog_release,
    record_conjunction_release,
    visible_element_sets,
)
from accord.formats import ConjunctionDataMessage
from accord.orbits import (
    SGP4_ERROR_MESSAGES,
    Sgp4Propagator,
    TemeStates,
    gcrs_to_teme_rotation,
    teme_to_itrs,
)

__all__ = [
    "ENCOUNTER_SAMPLES",
    "EncounterGeometryUnavailable",
    "EncounterTrack",
    "GlobeEncounter",
    "GlobePoints",
    "catalog_globe",
    "encounter_tracks",
    "event_globe",
    "globe_points",
    "parse_globe_time",
]

FloatArray = NDArray[np.float64]

#: Samples of each trajectory over [-1, +1] orbit around TCA (odd: TCA itself is one).
ENCOUNTER_SAMPLES = 361
#: Earth's gravitational parameter, km^3/s^2, equatorial radius, km, and J2 (EGM-96 values,
#: as used by two-body + J2 propagators; display accuracy only).
_MU_KM3_S2 = 398600.4418
_EARTH_RADIUS_KM = 6378.137
_J2 = 1.08262668e-3
#: Longest trajectory drawn either side of TCA (a geostationary orbit is one day).
_MAX_HALF_SPAN_S = 86400.0
#: Inertial frames a CDM state can be given in and drawn from. EME2000 differs from the
#: GCRS by the frame bias (~23 mas, < 1 m at LEO): not visible on a globe, so taken as is.
_GCRS_LIKE = frozenset({"GCRF", "ICRF", "EME2000", "J2000"})


@dataclass(frozen=True, slots=True)
class GlobePoints:
    """The visible catalog on the globe at `at` (UTC).

    `position_km` is (n, 3), ITRS (Earth-fixed), km, one row per drawn object, in the order
    of `norad_ids`. `coarse_precision_km[i]` is None for an object propagated to `at`, or the
    precision (km) of a coarsened release shown at its own epoch `coarse_epoch[i]`.
    `not_drawn` lists (NORAD id, reason) for visible objects SGP4 could not place at `at`;
    `newest_epoch` is the newest epoch among all the items given (drawn or not).
    """

    at: datetime
    norad_ids: list[int]
    names: list[str | None]
    position_km: FloatArray
    coarse_precision_km: list[float | None]
    coarse_epoch: list[datetime | None]
    not_drawn: list[tuple[int, str]]
    newest_epoch: datetime | None

    @property
    def count(self) -> int:
        """Objects drawn."""
        return len(self.norad_ids)

    def as_json(self) -> dict[str, Any]:
        """The compact form the page fetches: flat positions in km to 10 m (x, y, z, ...)."""
        coarse = [
            {
                "index": index,
                "precision_km": precision,
                "epoch": _iso(self.coarse_epoch[index]),
            }
            for index, precision in enumerate(self.coarse_precision_km)
            if precision is not None
        ]
        return {
            "at": _iso(self.at),
            "count": self.count,
            "norad_ids": self.norad_ids,
            "names": self.names,
            "position_km": [round(float(v), 2) for v in self.position_km.ravel()],
            "coarse": coarse,
            "not_drawn": [{"norad_id": n, "reason": r} for n, r in self.not_drawn],
            "newest_epoch": _iso(self.newest_epoch),
        }


@dataclass(frozen=True, slots=True)
class EncounterTrack:
    """One object's trajectory around TCA: ITRS positions (n, 3), km, at `offsets_s`
    seconds from TCA, and its position at TCA (3,), km."""

    norad_id: int
    name: str | None
    offsets_s: FloatArray
    track_km: FloatArray
    tca_position_km: FloatArray


@dataclass(frozen=True, slots=True)
class GlobeEncounter:
    """An event as the globe draws it: two tracks, or none and a `note` saying why."""

    event_id: int
    primary_norad_id: int
    secondary_norad_id: int
    tca: datetime
    miss_km: float
    position_precision_km: float | None
    tracks: list[EncounterTrack]
    note: str | None

    def as_json(self) -> dict[str, Any]:
        """Tracks as flat km lists (x, y, z, ...), to 1 m."""
        return {
            "event_id": self.event_id,
            "tca": _iso(self.tca),
            "miss_km": self.miss_km,
            "position_precision_km": self.position_precision_km,
            "note": self.note,
            "tracks": [
                {
                    "norad_id": track.norad_id,
                    "name": track.name,
                    "offsets_s": [round(float(s), 1) for s in track.offsets_s],
                    "track_km": [round(float(v), 3) for v in track.track_km.ravel()],
                    "tca_position_km": [round(float(v), 3) for v in track.tca_position_km],
                }
                for track in self.tracks
            ],
        }


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _datetime64(moments: Sequence[datetime]) -> NDArray[np.datetime64]:
    return np.array([m.astimezone(UTC).replace(tzinfo=None) for m in moments], "datetime64[ns]")


def _teme_to_itrs_km(
    position_km: FloatArray, velocity_km_s: FloatArray, times: NDArray[np.datetime64]
) -> FloatArray:
    """(objects, times, 3) TEME positions -> ITRS positions, km."""
    n_objects, n_times = position_km.shape[:2]
    states = TemeStates(
        norad_ids=np.zeros(n_objects, dtype=np.int64),
        times=times,
        position_km=position_km,
        velocity_km_s=velocity_km_s,
        error_code=np.zeros((n_objects, n_times), dtype=np.int8),
    )
    return np.asarray(teme_to_itrs(states).position_km)


def globe_points(items: Sequence[CatalogItem], at: datetime) -> GlobePoints:
    """Earth-fixed positions of released catalog items at `at` (UTC, tz-aware).

    Mean element sets: SGP4 to `at` in one batch, then TEME -> ITRS. Coarsened states: at
    their epoch, TEME -> ITRS, rounded to the clause's precision (never propagated).
    """
    if at.tzinfo is None:
        raise ValueError(f"at must be timezone-aware (UTC), got {at!r}")
    with_elements = [item for item in items if item.element_set is not None]
    coarse = [item for item in items if item.element_set is None and item.state is not None]
    norad_ids: list[int] = []
    names: list[str | None] = []
    blocks: list[FloatArray] = []
    precision: list[float | None] = []
    epochs: list[datetime | None] = []
    not_drawn: list[tuple[int, str]] = []
    if with_elements:
        propagator = Sgp4Propagator([i.element_set for i in with_elements if i.element_set])
        teme = propagator.propagate([at])
        itrs_km = teme_to_itrs(teme).position_km[:, 0, :]
        codes = teme.error_code[:, 0]
        placed = codes == 0
        for item, code in zip(with_elements, codes, strict=True):
            if code != 0:
                reason = SGP4_ERROR_MESSAGES.get(int(code), f"SGP4 error {int(code)}")
                not_drawn.append((item.norad_id, reason))
        kept = [item for item, ok in zip(with_elements, placed, strict=True) if ok]
        norad_ids += [item.norad_id for item in kept]
        names += [item.object_name for item in kept]
        blocks.append(np.asarray(itrs_km[placed]))
        precision += [None] * len(kept)
        epochs += [None] * len(kept)
    if coarse:
        # One rotation per epoch: the coarse items have their own epochs, so each is its own
        # (1 object, 1 time) conversion; they are few (only degradation clauses make them).
        for item in coarse:
            state = item.state
            assert state is not None
            itrs_km = _teme_to_itrs_km(
                np.array([[state.position_km]], dtype=np.float64),
                np.array([[state.velocity_km_s]], dtype=np.float64),
                _datetime64([state.epoch]),
            )[0, 0]
            step = state.position_precision_km
            blocks.append((np.round(itrs_km / step) * step)[np.newaxis, :])
            norad_ids.append(item.norad_id)
            names.append(item.object_name)
            precision.append(step)
            epochs.append(state.epoch)
    position_km = np.concatenate(blocks) if blocks else np.empty((0, 3))
    newest = max((item.epoch for item in items), default=None)
    return GlobePoints(at, norad_ids, names, position_km, precision, epochs, not_drawn, newest)


def catalog_globe(
    session: Session, principal: Principal, at: datetime, *, now: datetime | None = None
) -> GlobePoints:
    """The catalog `principal` may see now, placed at `at`; releases under a clause are
    logged (`data.released`), as for the API. Runs in the caller's write transaction."""
    decided_at = now or datetime.now(UTC)
    items = visible_element_sets(session, principal, at=decided_at)
    points = globe_points(items, at)
    drawn = set(points.norad_ids)
    record_catalog_release(
        session, principal, [i for i in items if i.norad_id in drawn], at=decided_at
    )
    return points


def _two_body_j2(_t: float, state: FloatArray) -> FloatArray:
    """d/dt of (position km, velocity km/s) under two-body gravity plus J2, inertial axes
    with z along the Earth's pole (Vallado, Fundamentals of Astrodynamics, eq. 8-30)."""
    x, y, z = state[:3]
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    factor = 1.5 * _J2 * _MU_KM3_S2 * _EARTH_RADIUS_KM**2 / r**5
    z2_r2 = 5.0 * z * z / r2
    acceleration = -_MU_KM3_S2 / r**3 * state[:3]
    acceleration[0] += factor * x * (z2_r2 - 1.0)
    acceleration[1] += factor * y * (z2_r2 - 1.0)
    acceleration[2] += factor * z * (z2_r2 - 3.0)
    return np.concatenate([state[3:], acceleration])


class EncounterGeometryUnavailable(ValueError):
    """A CDM state cannot be drawn: a frame not handled here, or not a bound orbit."""


def _gcrs_state(
    frame: str, tca: datetime, position_km: FloatArray, velocity_km_s: FloatArray
) -> tuple[FloatArray, FloatArray]:
    if frame.upper() in _GCRS_LIKE:
        return position_km, velocity_km_s
    if frame.upper() == "TEME":
        rotation = gcrs_to_teme_rotation(_datetime64([tca]))[0]
        return rotation.T @ position_km, rotation.T @ velocity_km_s
    raise EncounterGeometryUnavailable(
        f"the CDM states REF_FRAME {frame!r}; the globe draws encounters from GCRF, EME2000 "
        "or TEME states (Accord's own CDMs are GCRF)"
    )


def encounter_tracks(
    message: ConjunctionDataMessage,
    norad_ids: tuple[int, int],
    *,
    samples: int = ENCOUNTER_SAMPLES,
) -> list[EncounterTrack]:
    """Both objects' ITRS trajectories over one orbital period either side of TCA.

    Each state at TCA (the CDM's REF_FRAME, km, km/s) is taken to the GCRS, integrated with
    two-body + J2 (DOP853, rtol 1e-10) to `samples` instants, rotated to TEME (skyfield's
    rotation at each instant) and to ITRS. Raises EncounterGeometryUnavailable.
    """
    tca = message.relative.tca
    tracks = []
    for cdm_object, norad_id in zip(message.objects, norad_ids, strict=True):
        vector = cdm_object.state_vector
        position, velocity = _gcrs_state(
            cdm_object.metadata.ref_frame, tca, vector.position_km, vector.velocity_km_s
        )
        radius_km = float(np.linalg.norm(position))
        speed_km_s = float(np.linalg.norm(velocity))
        inverse_a = 2.0 / radius_km - speed_km_s**2 / _MU_KM3_S2
        if not (radius_km > 0.0 and inverse_a > 0.0):
            raise EncounterGeometryUnavailable(
                f"object {norad_id}'s state at TCA is not on a bound orbit (|r| = "
                f"{radius_km:.1f} km, |v| = {speed_km_s:.3f} km/s)"
            )
        period_s = 2.0 * math.pi * math.sqrt(inverse_a**-3 / _MU_KM3_S2)
        half_span_s = min(period_s, _MAX_HALF_SPAN_S)
        offsets_s = np.linspace(-half_span_s, half_span_s, samples)
        middle = samples // 2
        start = np.concatenate([position, velocity])
        options = {"method": "DOP853", "rtol": 1e-10, "atol": 1e-9}
        after = solve_ivp(
            _two_body_j2, (0.0, half_span_s), start, t_eval=offsets_s[middle:], **options
        )
        before = solve_ivp(
            _two_body_j2, (0.0, -half_span_s), start, t_eval=offsets_s[middle::-1], **options
        )
        states = np.concatenate([before.y[:, ::-1], after.y[:, 1:]], axis=1).T  # (samples, 6)
        times = _datetime64([tca]) + (offsets_s * 1e9).astype("timedelta64[ns]")
        rotation = gcrs_to_teme_rotation(times)
        teme_position = np.einsum("nij,nj->ni", rotation, states[:, :3])
        teme_velocity = np.einsum("nij,nj->ni", rotation, states[:, 3:])
        itrs_km = _teme_to_itrs_km(teme_position[np.newaxis], teme_velocity[np.newaxis], times)[0]
        name = cdm_object.metadata.object_name or None
        tracks.append(EncounterTrack(norad_id, name, offsets_s, itrs_km, itrs_km[middle]))
    return tracks


def event_globe(session: Session, principal: Principal, event_id: int) -> GlobeEncounter:
    """One event for the globe, from the CDM its event page shows (the latest visible one,
    degraded as released); `accord.access.NotFoundError` when absent or not granted."""
    event = get_visible_event(session, principal, event_id)
    latest = max(event.history, key=lambda c: c.cdm_created_at)
    record_conjunction_release(session, principal, [latest])
    released = get_visible_cdm(session, principal, latest.cdm_id, record_release=False)
    norad_ids = (event.primary_norad_id, event.secondary_norad_id)
    note = None
    try:
        tracks = encounter_tracks(released.message, norad_ids)
    except EncounterGeometryUnavailable as error:
        tracks, note = [], f"No trajectories: {error}."
    return GlobeEncounter(
        event_id=event.event_id,
        primary_norad_id=event.primary_norad_id,
        secondary_norad_id=event.secondary_norad_id,
        tca=latest.tca,
        miss_km=latest.miss_km,
        position_precision_km=latest.conditions.degradation.position_precision_km,
        tracks=tracks,
        note=note,
    )


def parse_globe_time(text: str | None, *, now: datetime | None = None) -> datetime:
    """A UTC instant from the page's `at` (ISO 8601; no zone means UTC); now when empty.

    Raises ValueError naming the input and the form expected.
    """
    if text is None or not text.strip():
        return now or datetime.now(UTC)
    cleaned = text.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(
            f"at={text!r} is not a time; give ISO 8601 UTC, e.g. 2026-03-01T12:00 or "
            "2026-03-01T12:00:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
