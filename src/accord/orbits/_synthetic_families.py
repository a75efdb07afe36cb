"""The families of the synthetic population: shells, imagers, clouds, GEO, GNSS, HEO.

Private to accord.orbits (see `accord.orbits._population`). Each generator takes a random
generator, a count and the epoch's angles and returns blocks of mean elements (km, deg).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from accord.orbits._synthetic_orbits import (
    EARTH_RADIUS_KM,
    GEO_RADIUS_KM,
    LEO_CEILING_KM,
    MU_KM3_S2,
    Block,
    EpochAngles,
    FloatArray,
    apogee_for_eccentricity,
    apportion,
    axis_and_eccentricity,
    fragments,
    from_mixture,
    from_quantiles,
    geo_drift_inclination,
    j2_rates_deg_per_day,
    lognormal,
    make_block,
    sun_synchronous_inclination_deg,
    uniform_deg,
    walker_shell,
)

# Tables are summaries of the 2024-11-01 CelesTrak catalog (docs/demo-data.md): shell
# altitudes and inclinations, (probability, value) quantile knots, and (centre, weight, sigma)
# inclination mixtures read off 2-5 degree histograms.

#: (altitude km, inclination deg, planes, per plane, phasing F/P, weight within the family)
_STARLINK_SHELLS = (
    (550.0, 53.0, 72, 22, 0.45, 0.18),
    (540.0, 53.2, 72, 22, 0.35, 0.23),
    (559.0, 43.0, 28, 72, 0.30, 0.28),
    (572.0, 70.0, 36, 20, 0.25, 0.06),
    (563.0, 97.6, 6, 58, 0.50, 0.04),
)
#: Share of Starlink-like objects climbing to or descending from their shell.
_STARLINK_TRANSIT_WEIGHT = 0.21


def _starlink_like(rng: np.random.Generator, count: int, _: EpochAngles) -> list[Block]:
    weights = [shell[-1] for shell in _STARLINK_SHELLS] + [_STARLINK_TRANSIT_WEIGHT]
    *shell_counts, transit = apportion(count, weights)
    blocks = [
        walker_shell(
            "STARLINK-LIKE",
            rng,
            shell_count,
            altitude_km=altitude,
            inclination_deg=inclination,
            planes=planes,
            per_plane=per_plane,
            phasing=phasing,
            bstar=(2.0e-4, 1.0, 2.0e-3),
        )
        for (altitude, inclination, planes, per_plane, phasing, _), shell_count in zip(
            _STARLINK_SHELLS, shell_counts, strict=True
        )
        if shell_count
    ]
    if transit:
        a_km = EARTH_RADIUS_KM + rng.uniform(340.0, 530.0, transit)
        inclination = np.where(rng.random(transit) < 0.7, 53.05, 43.0)
        blocks.append(
            make_block(
                "STARLINK-LIKE",
                rng,
                a_km,
                lognormal(rng, transit, 3.0e-4, 0.6, 3.0e-3),
                inclination + rng.normal(0.0, 0.02, transit),
                uniform_deg(rng, transit),
                lognormal(rng, transit, 4.0e-4, 1.0, 4.0e-3),
            )
        )
    return blocks


def _oneweb_like(rng: np.random.Generator, count: int, _: EpochAngles) -> list[Block]:
    shell = walker_shell(
        "ONEWEB-LIKE",
        rng,
        count,
        altitude_km=1200.0,
        inclination_deg=87.9,
        planes=18,
        per_plane=36,
        phasing=0.0,
        raan_span_deg=180.0,
        plane_altitude_spread_km=20.0,
        bstar=(1.0e-4, 0.8, 1.0e-3),
    )
    return [shell]


#: Ascending-node local times (hours) of imagers: 22:30 (10:30 descending), 13:30,
#: dawn-dusk 18:00 and 06:00; the last weight is for rideshare orbits at any time.
_SSO_LOCAL_TIMES = ((22.5, 0.40), (13.5, 0.15), (18.0, 0.15), (6.0, 0.05))
_SSO_ANY_TIME_WEIGHT = 0.25


def _sso_eo(rng: np.random.Generator, count: int, epoch: EpochAngles) -> list[Block]:
    altitude = from_quantiles(rng, count, ((0.0, 500.0), (0.5, 530.0), (0.75, 680.0), (1.0, 800.0)))
    a_km = EARTH_RADIUS_KM + altitude
    eccentricity = lognormal(rng, count, 1.0e-3, 0.8, 5.0e-3)
    inclination = sun_synchronous_inclination_deg(a_km, eccentricity)
    # Real imagers hold their plane to a few hundredths of a degree.
    inclination += np.clip(rng.normal(0.0, 0.01, count), -0.03, 0.03)
    hours = np.array([h for h, _ in _SSO_LOCAL_TIMES] + [-1.0])
    weights = np.array([w for _, w in _SSO_LOCAL_TIMES] + [_SSO_ANY_TIME_WEIGHT])
    local_time = hours[rng.choice(hours.size, size=count, p=weights / weights.sum())]
    local_time = np.where(local_time < 0.0, rng.uniform(0.0, 24.0, count), local_time)
    local_time += rng.normal(0.0, 0.25, count)
    # The node sits (local time - 12 h) east of the mean Sun.
    raan = epoch.sun_right_ascension_deg + 15.0 * (local_time - 12.0)
    bstar = lognormal(rng, count, 1.1e-3, 0.76, 1.0e-2)
    return [make_block("SSO-EO", rng, a_km, eccentricity, inclination, raan, bstar)]


_LEO_OTHER_ALTITUDE = (
    (0.0, 300.0), (0.05, 471.0), (0.1, 514.0), (0.25, 707.0), (0.5, 941.0),
    (0.75, 1337.0), (0.9, 1477.0), (0.95, 1502.0), (1.0, 1900.0),
)  # fmt: skip
_LEO_OTHER_ECCENTRICITY = (
    (0.0, 1.0e-4), (0.1, 4.0e-4), (0.25, 1.0e-3), (0.5, 2.4e-3), (0.75, 5.3e-3),
    (0.9, 1.75e-2), (0.95, 4.1e-2), (1.0, 0.1),
)  # fmt: skip
_LEO_OTHER_INCLINATION = (
    (82.5, 0.254, 0.4), (74.0, 0.18, 0.3), (98.3, 0.061, 0.6), (65.0, 0.108, 1.0),
    (90.0, 0.05, 1.0), (86.4, 0.046, 0.3), (51.6, 0.031, 0.2), (35.0, 0.045, 1.5),
    (71.0, 0.036, 1.0), (48.0, 0.05, 2.5), (28.5, 0.02, 1.0), (97.0, 0.02, 4.0),
)  # fmt: skip


def _leo_other(rng: np.random.Generator, count: int, _: EpochAngles) -> list[Block]:
    a_km = EARTH_RADIUS_KM + from_quantiles(rng, count, _LEO_OTHER_ALTITUDE)
    eccentricity = from_quantiles(rng, count, _LEO_OTHER_ECCENTRICITY)
    # Keep the perigee above 250 km and the apogee inside LEO.
    limit = np.minimum(
        (a_km - EARTH_RADIUS_KM - 250.0) / a_km,
        (EARTH_RADIUS_KM + LEO_CEILING_KM - 1.0 - a_km) / a_km,
    )
    eccentricity = np.minimum(eccentricity, limit)
    inclination = from_mixture(rng, count, _LEO_OTHER_INCLINATION)
    bstar = lognormal(rng, count, 3.3e-4, 1.0, 1.0e-2)
    return [
        make_block(
            "LEO-OTHER", rng, a_km, eccentricity, inclination, uniform_deg(rng, count), bstar
        )
    ]


#: (name, parent altitude km, inclination deg, breakup latitude deg, weight, age years,
#: median kick m/s). The first three echo real events: the Fengyun-1C ASAT test (2007, over
#: ~28 N) and the Cosmos 2251 / Iridium 33 collision (2009, over ~72 N); the others stand
#: for the many older breakups at those inclinations.
_DEBRIS_CLOUDS = (
    ("FENGYUN-1C-LIKE", 850.0, 98.8, 28.0, 0.215, 17.8, 80.0),
    ("COSMOS-2251-LIKE", 790.0, 74.0, 72.5, 0.075, 15.7, 100.0),
    ("IRIDIUM-33-LIKE", 780.0, 86.4, 72.5, 0.014, 15.7, 80.0),
    ("SSO-BREAKUP-A", 830.0, 98.7, -40.0, 0.15, 20.0, 50.0),
    ("SSO-BREAKUP-B", 760.0, 98.3, 10.0, 0.13, 8.0, 50.0),
    ("SSO-BREAKUP-C", 950.0, 99.4, 60.0, 0.08, 30.0, 50.0),
    ("POLAR-BREAKUP", 1000.0, 82.9, 45.0, 0.10, 35.0, 50.0),
    ("NEAR-POLAR-BREAKUP", 900.0, 89.5, -20.0, 0.07, 25.0, 50.0),
    ("MIDINC-BREAKUP-A", 1400.0, 65.8, 30.0, 0.05, 40.0, 50.0),
    ("MIDINC-BREAKUP-B", 850.0, 71.0, 0.0, 0.05, 30.0, 50.0),
    ("LOWINC-BREAKUP", 750.0, 30.0, 15.0, 0.02, 20.0, 50.0),
)
#: Fragments whose perigee fell below this have decayed in the real clouds.
_DEBRIS_MIN_PERIGEE_KM = 300.0


def _leo_debris(rng: np.random.Generator, count: int, _: EpochAngles) -> list[Block]:
    blocks = []
    cloud_counts = apportion(count, [cloud[4] for cloud in _DEBRIS_CLOUDS])
    for (name, altitude, inclination, latitude, _w, age_years, kick), wanted in zip(
        _DEBRIS_CLOUDS, cloud_counts, strict=True
    ):
        if not wanted:
            continue
        parts: list[tuple[FloatArray, ...]] = []
        have = 0
        while have < wanted:  # Rejects decayed or escaped fragments, about 1 in 10.
            elements = fragments(
                rng,
                max(64, int(1.3 * (wanted - have))),
                altitude_km=altitude,
                inclination_deg=inclination,
                latitude_deg=latitude,
                median_kick_m_s=kick,
            )
            a_km, ecc = elements[0], elements[1]
            keep = (a_km * (1.0 - ecc) - EARTH_RADIUS_KM >= _DEBRIS_MIN_PERIGEE_KM) & (
                a_km * (1.0 + ecc) - EARTH_RADIUS_KM < LEO_CEILING_KM
            )
            parts.append(tuple(column[keep][: wanted - have] for column in elements))
            have += int(parts[-1][0].size)
        a_km, ecc, inc, raan, argp = (np.concatenate(column) for column in zip(*parts, strict=True))
        # Years of differential J2 drift fan the cloud out in node and perigee.
        node_rate, perigee_rate = j2_rates_deg_per_day(a_km, ecc, inc)
        days = age_years * 365.25
        blocks.append(
            make_block(
                f"{name} DEB",
                rng,
                a_km,
                ecc,
                inc,
                rng.uniform(0.0, 360.0) + raan + node_rate * days,
                lognormal(rng, wanted, 3.3e-3, 1.07, 3.0e-2),
                arg_of_pericenter_deg=argp + perigee_rate * days,
            )
        )
    return blocks


def _leo_meo_elliptic(rng: np.random.Generator, count: int, _: EpochAngles) -> list[Block]:
    perigee = from_quantiles(
        rng, count,
        ((0.0, 250.0), (0.05, 350.0), (0.1, 435.0), (0.25, 619.0), (0.5, 908.0),
         (0.75, 1193.0), (0.9, 1505.0), (0.95, 1838.0), (1.0, 1990.0)),
    )  # fmt: skip
    apogee = from_quantiles(
        rng, count,
        ((0.0, 2005.0), (0.05, 2026.0), (0.1, 2052.0), (0.25, 2121.0), (0.5, 2342.0),
         (0.75, 3112.0), (0.9, 4076.0), (0.95, 4631.0), (1.0, 5946.0)),
    )  # fmt: skip
    # Below e = 0.25 so that these stay out of the HEO regime, as their real models do.
    apogee = np.minimum(apogee, apogee_for_eccentricity(perigee, 0.24))
    a_km, eccentricity = axis_and_eccentricity(perigee, apogee)
    inclination = from_mixture(
        rng, count,
        ((65.0, 0.36, 1.5), (50.0, 0.17, 2.5), (99.0, 0.19, 2.5), (83.0, 0.09, 2.0),
         (30.0, 0.07, 3.0), (60.0, 0.05, 2.0), (36.0, 0.05, 3.0), (70.0, 0.02, 2.0)),
    )  # fmt: skip
    bstar = lognormal(rng, count, 3.0e-4, 1.0, 5.0e-3)
    raan = uniform_deg(rng, count)
    return [make_block("LEO-MEO-ELLIPTIC", rng, a_km, eccentricity, inclination, raan, bstar)]


#: (label, altitude km, inclination deg, planes, per plane, phasing F/P, weight)
_GNSS_CONSTELLATIONS = (
    (20_180.0, 55.0, 6, 6, 0.0, 0.35),  # GPS-like
    (19_130.0, 64.8, 3, 8, 0.33, 0.30),  # GLONASS-like
    (23_222.0, 56.0, 3, 10, 0.33, 0.15),  # Galileo-like
    (21_528.0, 55.0, 3, 8, 0.33, 0.20),  # BeiDou-MEO-like
)


def _gnss_like(rng: np.random.Generator, count: int, _: EpochAngles) -> list[Block]:
    counts = apportion(count, [c[-1] for c in _GNSS_CONSTELLATIONS])
    return [
        walker_shell(
            "GNSS-LIKE",
            rng,
            n,
            altitude_km=altitude,
            inclination_deg=inclination,
            planes=planes,
            per_plane=per_plane,
            phasing=phasing,
            bstar=(1.0e-4, 1.0, 1.0e-3),
            median_eccentricity=4.0e-3,
        )
        for (altitude, inclination, planes, per_plane, phasing, _), n in zip(
            _GNSS_CONSTELLATIONS, counts, strict=True
        )
        if n
    ]


def _meo_other(rng: np.random.Generator, count: int, _: EpochAngles) -> list[Block]:
    o3b_like = rng.random(count) < 0.23
    altitude = np.where(
        o3b_like,
        8062.0,
        from_quantiles(
            rng, count, ((0.0, 2020.0), (0.2, 2250.0), (0.5, 2900.0), (0.8, 3700.0),
                         (0.95, 4300.0), (1.0, 10_000.0))
        ),
    )  # fmt: skip
    inclination = np.where(
        o3b_like,
        np.abs(rng.normal(0.0, 0.05, count)),
        from_mixture(
            rng, count, ((85.5, 0.30, 1.5), (89.5, 0.20, 1.0), (50.0, 0.12, 3.0),
                         (30.0, 0.07, 3.0), (65.0, 0.10, 5.0), (100.0, 0.06, 5.0),
                         (120.0, 0.05, 5.0))
        ),
    )  # fmt: skip
    a_km = EARTH_RADIUS_KM + altitude
    eccentricity = lognormal(rng, count, 2.0e-3, 1.0, 5.0e-2)
    bstar = lognormal(rng, count, 1.0e-4, 1.0, 1.0e-3)
    return [
        make_block(
            "MEO-OTHER", rng, a_km, eccentricity, inclination, uniform_deg(rng, count), bstar
        )
    ]


def _geo(rng: np.random.Generator, count: int, epoch: EpochAngles) -> list[Block]:
    controlled = rng.random(count) < 393 / 1491  # station-kept share (i < 1 deg) in the real belt
    drift_inclination, drift_node = geo_drift_inclination(rng, count)
    inclination = np.where(
        controlled, np.minimum(rng.exponential(0.03, count), 0.1), drift_inclination
    )
    graveyard = rng.random(count) < 0.35
    offset = np.where(
        graveyard,
        rng.uniform(200.0, 500.0, count),
        np.clip(rng.normal(0.0, 60.0, count), -150.0, 150.0),
    )
    a_km = GEO_RADIUS_KM + np.where(controlled, rng.normal(0.0, 1.0, count), offset)
    eccentricity = np.where(
        controlled,
        lognormal(rng, count, 2.0e-4, 0.6, 1.0e-3),
        lognormal(rng, count, 6.0e-4, 1.0, 9.0e-3),
    )
    raan = np.where(controlled, uniform_deg(rng, count), drift_node)
    argp = uniform_deg(rng, count)
    # A station-kept satellite's mean longitude (inertial) is its slot plus sidereal time.
    slot_longitude = rng.uniform(-180.0, 180.0, count)
    mean_anomaly = np.where(
        controlled, slot_longitude + epoch.gmst_deg - raan - argp, uniform_deg(rng, count)
    )
    return [
        Block("GEO", a_km, eccentricity, inclination, raan, argp, mean_anomaly, np.zeros(count))
    ]


def _near_geo(rng: np.random.Generator, count: int, _: EpochAngles) -> list[Block]:
    a_km = GEO_RADIUS_KM + from_quantiles(
        rng, count,
        ((0.0, -4000.0), (0.05, -3980.0), (0.1, -2270.0), (0.25, -1126.0), (0.5, 0.0),
         (0.75, 1088.0), (0.9, 2230.0), (0.95, 3220.0), (1.0, 4000.0)),
    )  # fmt: skip
    # At least 0.011 so that none falls in the GEO box (e < 0.01), as in the real catalog.
    eccentricity = from_quantiles(
        rng, count,
        ((0.0, 0.011), (0.25, 0.0113), (0.5, 0.022), (0.75, 0.0556), (0.9, 0.1055),
         (0.95, 0.134), (1.0, 0.19)),
    )  # fmt: skip
    drift_inclination, drift_node = geo_drift_inclination(rng, count)
    steep = rng.random(count) < 0.1
    inclination = np.where(steep, rng.uniform(15.0, 60.0, count), drift_inclination)
    raan = np.where(steep, uniform_deg(rng, count), drift_node)
    return [make_block("NEAR-GEO", rng, a_km, eccentricity, inclination, raan, np.zeros(count))]


def _molniya_like(rng: np.random.Generator, count: int, _: EpochAngles) -> list[Block]:
    # Half a sidereal day; 63.4 deg freezes the perigee, argp ~270 deg puts apogee north.
    mean_motion_rad_s = 2.0 * 2.0 * math.pi / 86_164.0905
    a_km = np.full(count, (MU_KM3_S2 / mean_motion_rad_s**2) ** (1.0 / 3.0))
    eccentricity = from_quantiles(
        rng, count, ((0.0, 0.64), (0.25, 0.673), (0.5, 0.699), (0.75, 0.721), (1.0, 0.74))
    )
    inclination = 63.4 + rng.normal(0.0, 0.8, count)
    argp = 270.0 + rng.normal(0.0, 8.0, count)
    bstar = lognormal(rng, count, 2.0e-4, 1.0, 3.0e-3)
    raan = uniform_deg(rng, count)
    return [
        make_block(
            "MOLNIYA-LIKE",
            rng,
            a_km,
            eccentricity,
            inclination,
            raan,
            bstar,
            arg_of_pericenter_deg=argp,
        )  # fmt: skip
    ]


_GTO_INCLINATION = (
    (6.0, 0.19, 2.0), (10.0, 0.11, 2.0), (15.0, 0.065, 2.0), (20.0, 0.16, 2.0),
    (25.0, 0.135, 1.5), (28.5, 0.053, 1.0), (50.0, 0.115, 2.5), (65.0, 0.075, 1.5),
    (70.0, 0.043, 2.0),
)  # fmt: skip


def _gto_like(rng: np.random.Generator, count: int, _: EpochAngles) -> list[Block]:
    perigee = from_quantiles(
        rng, count,
        ((0.0, 250.0), (0.05, 255.0), (0.1, 261.0), (0.25, 355.0), (0.5, 599.0),
         (0.75, 3216.0), (0.9, 8338.0), (0.95, 9019.0), (1.0, 12_000.0)),
    )  # fmt: skip
    apogee = from_quantiles(
        rng, count,
        ((0.0, 10_000.0), (0.05, 10_844.0), (0.1, 14_462.0), (0.25, 21_016.0),
         (0.5, 33_520.0), (0.75, 35_649.0), (0.9, 37_811.0), (0.95, 42_905.0),
         (1.0, 60_000.0)),
    )  # fmt: skip
    # At least e = 0.26: the real family is defined by e >= 0.25.
    apogee = np.maximum(apogee, apogee_for_eccentricity(perigee, 0.26))
    a_km, eccentricity = axis_and_eccentricity(perigee, apogee)
    inclination = from_mixture(rng, count, _GTO_INCLINATION)
    bstar = lognormal(rng, count, 5.0e-4, 1.0, 5.0e-3)
    raan = uniform_deg(rng, count)
    return [make_block("GTO-LIKE", rng, a_km, eccentricity, inclination, raan, bstar)]


Generator = Callable[[np.random.Generator, int, EpochAngles], list[Block]]
#: The generator of each family of `SYNTHETIC_FAMILIES`, by family name.
GENERATORS: dict[str, Generator] = {
    "STARLINK-LIKE": _starlink_like,
    "ONEWEB-LIKE": _oneweb_like,
    "SSO-EO": _sso_eo,
    "LEO-OTHER": _leo_other,
    "LEO-DEBRIS": _leo_debris,
    "LEO-MEO-ELLIPTIC": _leo_meo_elliptic,
    "GNSS-LIKE": _gnss_like,
    "MEO-OTHER": _meo_other,
    "GEO": _geo,
    "NEAR-GEO": _near_geo,
    "MOLNIYA-LIKE": _molniya_like,
    "GTO-LIKE": _gto_like,
}
