"""The 200-satellite Earth-observation fleet and ground network shared by campaign benchmarks.

Real near-Earth satellites of CelesTrak's "resource" group (2026-05-30) first, topped up with
synthetic sun-synchronous imagers (accord.orbits' SSO-EO family, clearly labelled), spread
over five synthetic partners; sensors alternate optical and SAR with varied agility.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from accord.campaigns import EoSensor
from accord.formats import ElementSet, read_catalog
from accord.orbits import GroundStation, read_ground_stations, synthetic_population
from benchmarks._common import shared_data

RESOURCE_TLE = "catalogs/celestrak-groups-2026-05-30/resource.tle"
PARTNERS = ("ASI-like", "CNES-like", "DLR-like", "ESA-like", "JAXA-like")
SHARES = {"ASI-like": 0.15, "CNES-like": 0.2, "DLR-like": 0.2, "ESA-like": 0.3, "JAXA-like": 0.15}


def fleet(count: int = 200) -> tuple[list[ElementSet], datetime]:
    """`count` LEO imagers: real resource-group satellites, then synthetic SSO ones."""
    path = shared_data(RESOURCE_TLE)
    reading = read_catalog(path.read_bytes(), source=path.name)
    real = [
        r.element_set
        for r in reading.element_sets
        if r.element_set.mean_motion_rev_per_day > 13.0 and r.element_set.eccentricity < 0.01
    ]
    epoch = max(es.epoch for es in real)
    synthetic: list[ElementSet] = []
    seed = 0
    while len(real) + len(synthetic) < count:
        synthetic += [
            es
            for es in synthetic_population(2000, seed=seed, epoch=epoch)
            if "SSO-EO" in (es.object_name or "")
        ]
        seed += 1
    return (real + synthetic)[:count], epoch


def sensors_and_owners(
    satellites: list[ElementSet],
) -> tuple[dict[int, EoSensor], dict[int, str]]:
    """A sensor and an owning partner per satellite (deterministic)."""
    rng = np.random.default_rng(7)
    sensors, owners = {}, {}
    for index, satellite in enumerate(satellites):
        optical = index % 3 != 2
        sensors[satellite.norad_id] = EoSensor(
            kind="optical" if optical else "sar",
            max_off_nadir_deg=float(rng.choice([20.0, 30.0, 45.0])),
            swath_km=float(rng.choice([20.0, 60.0, 180.0])),
            resolution_m=float(rng.choice([0.5, 3.0, 10.0, 30.0])),
            min_sun_elevation_deg=10.0,
        )
        owners[satellite.norad_id] = PARTNERS[index % len(PARTNERS)]
    return sensors, owners


def ground_network(count: int = 8) -> list[GroundStation]:
    """The first `count` KSAT stations (polar and high-latitude downlink sites)."""
    path = shared_data("ground-stations/ksat.geojson")
    return read_ground_stations(path.read_bytes(), source=path.name)[:count]


#: How the congested instance's satellites are owned (probabilities in PARTNERS' order):
#: skewed against SHARES, so that ASI-like and JAXA-like cannot carry their committed 15 %
#: and the fairness term has to trade.
CONGESTED_OWNERSHIP = (0.05, 0.2, 0.25, 0.4, 0.1)


def congested_fleet(
    satellites: list[ElementSet], count: int = 60, seed: int = 11
) -> tuple[list[ElementSet], dict[int, str]]:
    """`count` satellites drawn from `satellites`, owned per CONGESTED_OWNERSHIP (deterministic).

    Too few for 50 clustered requests: the congested planning instance's fleet. Sensors stay
    those of `sensors_and_owners` for the full fleet.
    """
    rng = np.random.default_rng(seed)
    chosen = [satellites[i] for i in np.sort(rng.choice(len(satellites), count, replace=False))]
    owners = {
        satellite.norad_id: PARTNERS[int(rng.choice(len(PARTNERS), p=CONGESTED_OWNERSHIP))]
        for satellite in chosen
    }
    return chosen, owners
