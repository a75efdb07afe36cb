"""Orbit-building blocks for the synthetic population: sampling, shells, fragmentation.

Private to accord.orbits; see `accord.orbits._population` for the public entry point.
Constants are WGS-72, those of SGP4 (Vallado et al. 2006, AIAA 2006-6753, "wgs72").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# WGS-72, the constants of SGP4 (Vallado et al. 2006, AIAA 2006-6753, "wgs72").
MU_KM3_S2 = 398_600.8
EARTH_RADIUS_KM = 6378.135
J2 = 0.001082616
SECONDS_PER_DAY = 86_400.0
GEO_RADIUS_KM = 42_164.17
#: The mean Sun moves 360 deg per tropical year; a sun-synchronous node must match it.
SUN_NODE_RATE_DEG_PER_DAY = 360.0 / 365.2422
#: Apogee altitude below which an orbit counts as LEO (the usual 2,000 km convention).
LEO_CEILING_KM = 2000.0


@dataclass(frozen=True, slots=True)
class Block:
    """Mean elements of a group of objects sharing one name stem (degrees, km)."""

    label: str
    semi_major_axis_km: FloatArray
    eccentricity: FloatArray
    inclination_deg: FloatArray
    raan_deg: FloatArray
    arg_of_pericenter_deg: FloatArray
    mean_anomaly_deg: FloatArray
    bstar_per_earth_radius: FloatArray


J2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class EpochAngles:
    """Earth rotation angle and the Sun's right ascension at the population epoch (deg)."""

    gmst_deg: float
    sun_right_ascension_deg: float

    @classmethod
    def at(cls, epoch: datetime) -> EpochAngles:
        # Low-precision formulas (IAU 1982 GMST; the Astronomical Almanac's solar position,
        # good to ~0.01 deg): slot longitudes and local times need nothing finer.
        days = (epoch - J2000).total_seconds() / SECONDS_PER_DAY
        gmst = 280.46061837 + 360.98564736629 * days
        mean_longitude = 280.460 + 0.9856474 * days
        anomaly = math.radians(357.528 + 0.9856003 * days)
        longitude = math.radians(
            mean_longitude + 1.915 * math.sin(anomaly) + 0.020 * math.sin(2.0 * anomaly)
        )
        obliquity = math.radians(23.439 - 4.0e-7 * days)
        right_ascension = math.atan2(math.cos(obliquity) * math.sin(longitude), math.cos(longitude))
        return cls(gmst % 360.0, math.degrees(right_ascension) % 360.0)


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), summing exactly."""
    share = np.asarray(weights, dtype=float)
    exact = total * share / share.sum()
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - int(counts.sum())]] += 1
    return [int(c) for c in counts]


def from_quantiles(
    rng: np.random.Generator, count: int, table: Sequence[tuple[float, float]]
) -> FloatArray:
    """Draw from a piecewise-linear inverse CDF given as (probability, value) knots."""
    levels, values = zip(*table, strict=True)
    return np.interp(rng.random(count), levels, values)


def from_mixture(
    rng: np.random.Generator, count: int, components: Sequence[tuple[float, float, float]]
) -> FloatArray:
    """Draw angles (deg) from a mixture of normals given as (centre, weight, sigma)."""
    centre, weight, sigma = (np.array(column) for column in zip(*components, strict=True))
    pick = rng.choice(len(components), size=count, p=weight / weight.sum())
    return np.clip(centre[pick] + sigma[pick] * rng.standard_normal(count), 0.0, 180.0)


def lognormal(
    rng: np.random.Generator, count: int, median: float, sigma: float, cap: float
) -> FloatArray:
    """Positive values around `median` with log-standard deviation `sigma`, capped."""
    return np.minimum(median * np.exp(sigma * rng.standard_normal(count)), cap)


def uniform_deg(rng: np.random.Generator, count: int) -> FloatArray:
    return rng.uniform(0.0, 360.0, count)


def mean_motion_rad_s(a_km: FloatArray) -> FloatArray:
    return np.sqrt(MU_KM3_S2 / a_km**3)


def j2_rates_deg_per_day(
    a_km: FloatArray, eccentricity: FloatArray, inclination_deg: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Secular J2 drift of the node and of the perigee (deg/day); Vallado 4th ed. eq. 9-41."""
    n_deg_day = np.degrees(mean_motion_rad_s(a_km)) * SECONDS_PER_DAY
    factor = n_deg_day * J2 * (EARTH_RADIUS_KM / (a_km * (1.0 - eccentricity**2))) ** 2
    cos_i = np.cos(np.radians(inclination_deg))
    return -1.5 * factor * cos_i, 0.75 * factor * (5.0 * cos_i**2 - 1.0)


def sun_synchronous_inclination_deg(a_km: FloatArray, eccentricity: FloatArray) -> FloatArray:
    """Inclination whose J2 nodal drift equals the mean Sun's 360 deg per tropical year."""
    n_deg_day = np.degrees(mean_motion_rad_s(a_km)) * SECONDS_PER_DAY
    factor = n_deg_day * J2 * (EARTH_RADIUS_KM / (a_km * (1.0 - eccentricity**2))) ** 2
    return np.degrees(np.arccos(-SUN_NODE_RATE_DEG_PER_DAY / (1.5 * factor)))


def axis_and_eccentricity(
    perigee_altitude_km: FloatArray, apogee_altitude_km: FloatArray
) -> tuple[FloatArray, FloatArray]:
    perigee = perigee_altitude_km + EARTH_RADIUS_KM
    apogee = apogee_altitude_km + EARTH_RADIUS_KM
    return (perigee + apogee) / 2.0, (apogee - perigee) / (apogee + perigee)


def apogee_for_eccentricity(perigee_altitude_km: FloatArray, eccentricity: float) -> FloatArray:
    perigee = perigee_altitude_km + EARTH_RADIUS_KM
    return perigee * (1.0 + eccentricity) / (1.0 - eccentricity) - EARTH_RADIUS_KM


def make_block(
    label: str,
    rng: np.random.Generator,
    a_km: FloatArray,
    eccentricity: FloatArray,
    inclination_deg: FloatArray,
    raan_deg: FloatArray,
    bstar: FloatArray,
    *,
    arg_of_latitude_deg: FloatArray | None = None,
    arg_of_pericenter_deg: FloatArray | None = None,
) -> Block:
    """A block with random perigee direction; `arg_of_latitude_deg` fixes the phase if given."""
    count = a_km.size
    argp = uniform_deg(rng, count) if arg_of_pericenter_deg is None else arg_of_pericenter_deg
    if arg_of_latitude_deg is None:
        mean_anomaly = uniform_deg(rng, count)
    else:
        # Near-circular: mean anomaly ~ true anomaly = argument of latitude - perigee.
        mean_anomaly = arg_of_latitude_deg - argp
    return Block(label, a_km, eccentricity, inclination_deg, raan_deg, argp, mean_anomaly, bstar)


def walker_shell(
    label: str,
    rng: np.random.Generator,
    count: int,
    *,
    altitude_km: float,
    inclination_deg: float,
    planes: int,
    per_plane: int,
    phasing: float,
    raan_span_deg: float = 360.0,
    plane_altitude_spread_km: float = 0.0,
    bstar: tuple[float, float, float],
    median_eccentricity: float = 1.5e-4,
) -> Block:
    """A Walker constellation shell i:T/P/F, scaled to `count` keeping the planes:slots ratio.

    `phasing` is F as a fraction of P; `raan_span_deg` is 360 for a Walker delta and 180 for
    a polar Walker star. Adjacent planes may sit at staggered altitudes (OneWeb does this).
    """
    scale = math.sqrt(count / (planes * per_plane))
    plane_count = max(1, round(planes * scale))
    slots = math.ceil(count / plane_count)
    total = plane_count * slots
    index = np.arange(count)
    plane = index % plane_count
    slot = index // plane_count
    raan = rng.uniform(0.0, 360.0) + raan_span_deg * plane / plane_count
    f = round(phasing * plane_count)
    arg_of_latitude = (
        360.0 * slot / slots + 360.0 * f * plane / total + rng.normal(0.0, 0.02, count)
    )
    stagger = plane_altitude_spread_km * (2.0 * (plane % 5) / 4.0 - 1.0)
    a_km = EARTH_RADIUS_KM + altitude_km + stagger + rng.normal(0.0, 0.3, count)
    return make_block(
        label,
        rng,
        a_km,
        lognormal(rng, count, median_eccentricity, 0.5, 10 * median_eccentricity),
        inclination_deg + rng.normal(0.0, 0.01, count),
        raan,
        lognormal(rng, count, *bstar),
        arg_of_latitude_deg=arg_of_latitude,
    )


def elements_from_state(
    position_km: FloatArray, velocity_km_s: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Osculating a (km), e, i, node, perigee, mean anomaly (deg) from (N, 3) states."""
    radius = np.linalg.norm(position_km, axis=1)
    speed2 = np.einsum("ij,ij->i", velocity_km_s, velocity_km_s)
    radial_speed = np.einsum("ij,ij->i", position_km, velocity_km_s)
    momentum = np.cross(position_km, velocity_km_s)
    momentum_norm = np.linalg.norm(momentum, axis=1)
    ecc_vector = (
        (speed2 - MU_KM3_S2 / radius)[:, None] * position_km - radial_speed[:, None] * velocity_km_s
    ) / MU_KM3_S2
    eccentricity = np.linalg.norm(ecc_vector, axis=1)
    a_km = 1.0 / (2.0 / radius - speed2 / MU_KM3_S2)
    inclination = np.arccos(momentum[:, 2] / momentum_norm)
    node = np.stack([-momentum[:, 1], momentum[:, 0], np.zeros_like(radius)], axis=1)
    raan = np.arctan2(node[:, 1], node[:, 0])
    unit_h = momentum / momentum_norm[:, None]

    def angle(from_vec: FloatArray, to_vec: FloatArray) -> FloatArray:
        sine = np.einsum("ij,ij->i", np.cross(from_vec, to_vec), unit_h)
        return np.arctan2(sine, np.einsum("ij,ij->i", from_vec, to_vec))

    argp = angle(node, ecc_vector)
    true_anomaly = angle(ecc_vector, position_km)
    eccentric_anomaly = np.arctan2(
        np.sqrt(1.0 - eccentricity**2) * np.sin(true_anomaly), eccentricity + np.cos(true_anomaly)
    )
    mean_anomaly = eccentric_anomaly - eccentricity * np.sin(eccentric_anomaly)
    return (
        a_km,
        eccentricity,
        np.degrees(inclination),
        np.degrees(raan),
        np.degrees(argp),
        np.degrees(mean_anomaly),
    )


def fragments(
    rng: np.random.Generator,
    count: int,
    *,
    altitude_km: float,
    inclination_deg: float,
    latitude_deg: float,
    median_kick_m_s: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Osculating a, e, i, node, perigee of fragments of a circular parent (km, deg).

    The parent breaks up as it ascends through `latitude_deg`; each fragment gets an
    isotropic kick of log-normal size (median `median_kick_m_s`, log-sigma 0.6). Where
    the breakup happens matters: kicks change the plane most at the equator crossing and
    least over the orbit's highest latitude.
    """
    radius = EARTH_RADIUS_KM + altitude_km
    speed = math.sqrt(MU_KM3_S2 / radius)
    inc = math.radians(inclination_deg)
    arg_of_latitude = math.asin(
        max(-1.0, min(1.0, math.sin(math.radians(latitude_deg)) / math.sin(inc)))
    )
    # Parent state with its node on the x axis; callers turn the node afterwards.
    cos_u, sin_u = math.cos(arg_of_latitude), math.sin(arg_of_latitude)
    position = np.array([cos_u, sin_u * math.cos(inc), sin_u * math.sin(inc)]) * radius
    velocity = np.array([-sin_u, cos_u * math.cos(inc), cos_u * math.sin(inc)]) * speed
    direction = rng.standard_normal((count, 3))
    direction /= np.linalg.norm(direction, axis=1)[:, None]
    kick_m_s = lognormal(rng, count, median_kick_m_s, 0.6, 8.0 * median_kick_m_s)
    a_km, ecc, inclination, raan, argp, _ = elements_from_state(
        np.broadcast_to(position, (count, 3)), velocity + kick_m_s[:, None] * direction / 1000.0
    )
    return a_km, ecc, inclination, raan, argp


def geo_drift_inclination(rng: np.random.Generator, count: int) -> tuple[FloatArray, FloatArray]:
    """Inclination and node (deg) of uncontrolled GEO objects after 0-50 years of drift.

    Luni-solar perturbations turn the orbit pole around the Laplace pole (tilted ~7.4 deg)
    in ~53 years, so the inclination vector runs along a circle through the origin reaching
    15 deg with the node near 0 deg.
    """
    tilt = 7.4
    phase = math.pi + 2.0 * math.pi * rng.uniform(0.0, 50.0, count) / 53.0
    x = tilt * (1.0 + np.cos(phase))
    y = tilt * np.sin(phase)
    return np.hypot(x, y) + 1.0e-3, np.degrees(np.arctan2(y, x))
