"""A synthetic, clearly labelled space-object population with the shape of the real catalog.

Families (constellation shells, sun-synchronous imagers, fragmentation clouds, the GEO belt,
GNSS, Molniya and GTO orbits, ...) and their shares are calibrated on the CelesTrak on-orbit
catalog of 2024-11-01 (26,834 objects); docs/demo-data.md says what was matched and how.

Element sets are SGP4 mean elements (TEME, degrees, rev/day). Semi-major axes become mean
motions through Kepler's third law with the WGS-72 constants SGP4 itself uses; SGP4's
Kozai/Brouwer distinction moves a LEO semi-major axis by a few km, well inside the spreads
drawn here. Every object is named "SYNTHETIC ...", numbered from `SYNTHETIC_NORAD_ID_BASE`
(800,000,000 and up, a range only 9-digit OMM ids can carry) and given an OBJECT_ID "SYN-..."
that cannot parse as a COSPAR designator ("YYYY-NNNP").
"""

from __future__ import annotations

import gc
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat

import numpy as np
from numpy.typing import NDArray

from accord.formats import MAX_NORAD_ID, ElementSet
from accord.orbits._synthetic_families import GENERATORS
from accord.orbits._synthetic_orbits import (
    MU_KM3_S2,
    SECONDS_PER_DAY,
    Block,
    EpochAngles,
    FloatArray,
    apportion,
)

__all__ = [
    "SYNTHETIC_DEFAULT_EPOCH",
    "SYNTHETIC_FAMILIES",
    "SYNTHETIC_NORAD_ID_BASE",
    "SyntheticElements",
    "SyntheticFamily",
    "synthetic_elements",
    "synthetic_population",
]

#: First NORAD id given to a synthetic object; real catalog numbers stay far below it.
SYNTHETIC_NORAD_ID_BASE = 800_000_000
#: Epoch used when none is given: the date of the catalog the shares were calibrated on.
SYNTHETIC_DEFAULT_EPOCH = datetime(2024, 11, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SyntheticFamily:
    """One family of the synthetic population and the real objects it stands for.

    `real_count` is the number of objects of this kind in the CelesTrak on-orbit catalog
    of 2024-11-01 (selection rules in docs/demo-data.md); `fraction` is its share.
    """

    name: str
    real_count: int
    description: str

    @property
    def fraction(self) -> float:
        """Share of the population, from the real catalog's 26,834 objects."""
        return self.real_count / _REAL_CATALOG_SIZE


_REAL_CATALOG_SIZE = 26_834

#: The families in generation order; their real counts add up to the real catalog size.
SYNTHETIC_FAMILIES: tuple[SyntheticFamily, ...] = (
    SyntheticFamily("STARLINK-LIKE", 6492, "Walker shells 540-572 km at 43/53/70/97.6 deg"),
    SyntheticFamily("ONEWEB-LIKE", 654, "18-plane polar shell near 1,200 km at 87.9 deg"),
    SyntheticFamily("SSO-EO", 2302, "sun-synchronous imagers 500-800 km at set local times"),
    SyntheticFamily("LEO-OTHER", 3370, "other LEO payloads and rocket bodies"),
    SyntheticFamily("LEO-DEBRIS", 9364, "fragmentation clouds (Fengyun-1C-, Cosmos-2251-like)"),
    SyntheticFamily("LEO-MEO-ELLIPTIC", 462, "LEO perigee, apogee 2,000-6,000 km"),
    SyntheticFamily("GNSS-LIKE", 394, "GPS-, GLONASS-, Galileo-, BeiDou-like MEO planes"),
    SyntheticFamily("MEO-OTHER", 132, "circular MEO 2,000-8,000 km (O3b-like and polar)"),
    SyntheticFamily("GEO", 1491, "geostationary belt, station-kept and drifting inclined"),
    SyntheticFamily("NEAR-GEO", 229, "eccentric or off-band orbits near GEO"),
    SyntheticFamily("MOLNIYA-LIKE", 156, "12-hour orbits at 63.4 deg, apogee in the north"),
    SyntheticFamily("GTO-LIKE", 1788, "transfer orbits and their upper stages"),
)


@dataclass(frozen=True, slots=True)
class SyntheticElements:
    """A synthetic population as arrays, one entry per object, before any ElementSet exists.

    Angles in degrees, mean motion in rev/day, `bstar_per_earth_radius` in 1/Earth radii,
    all SGP4 mean elements at the single UTC `epoch`. `label_runs` holds (name stem, count)
    runs in object order; `to_element_sets()` turns them into "SYNTHETIC <stem> <n>" names.
    Conjunction benchmarks at 10^6 objects can feed these arrays to a propagator directly.
    """

    epoch: datetime
    norad_id: NDArray[np.int64]
    mean_motion_rev_per_day: FloatArray
    eccentricity: FloatArray
    inclination_deg: FloatArray
    raan_deg: FloatArray
    arg_of_pericenter_deg: FloatArray
    mean_anomaly_deg: FloatArray
    bstar_per_earth_radius: FloatArray
    label_runs: tuple[tuple[str, int], ...]

    def __len__(self) -> int:
        return int(self.norad_id.size)

    def object_names(self) -> list[str]:
        """Names "SYNTHETIC <stem> <n>", numbered from 1 within each stem."""
        names: list[str] = []
        serials: dict[str, int] = {}
        for label, size in self.label_runs:
            # Serials run on across the runs of one stem (the shells of a constellation).
            first = serials.get(label, 0) + 1
            names.extend(f"SYNTHETIC {label} {k}" for k in range(first, first + size))
            serials[label] = first + size - 1
        return names

    def object_ids(self) -> list[str]:
        """OBJECT_IDs "SYN-" and nine digits: a COSPAR id starts with a four-digit year."""
        return [f"SYN-{k - SYNTHETIC_NORAD_ID_BASE:09d}" for k in self.norad_id.tolist()]

    def to_element_sets(self) -> list[ElementSet]:
        """One ElementSet per object (about 3-6 s per million, all in ElementSet.__init__)."""
        # ElementSets hold no reference cycles, yet the cyclic collector would rescan the
        # growing heap many times while a million of them are made (~30 % of the time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._build_element_sets()
        finally:
            if collecting:
                gc.enable()

    def _build_element_sets(self) -> list[ElementSet]:
        # Positional construction through map() is the cheapest way to build many of them.
        return list(
            map(
                ElementSet,
                self.norad_id.tolist(),
                repeat(self.epoch),
                self.mean_motion_rev_per_day.tolist(),
                self.eccentricity.tolist(),
                self.inclination_deg.tolist(),
                self.raan_deg.tolist(),
                self.arg_of_pericenter_deg.tolist(),
                self.mean_anomaly_deg.tolist(),
                self.bstar_per_earth_radius.tolist(),
                repeat(0.0),
                repeat(0.0),
                self.object_names(),
                self.object_ids(),
            )
        )


def synthetic_population(
    count: int, *, seed: int = 0, epoch: datetime | None = None
) -> list[ElementSet]:
    """Generate `count` synthetic element sets shaped like the real on-orbit catalog.

    Deterministic for a given (`count`, `seed`, `epoch`). Objects come grouped by family
    (the order of `SYNTHETIC_FAMILIES`) with NORAD ids rising from `SYNTHETIC_NORAD_ID_BASE`.
    Every perigee is at least 250 km, so SGP4 propagates them for weeks without decay.
    `epoch` must be timezone-aware (UTC); it defaults to `SYNTHETIC_DEFAULT_EPOCH`.
    `synthetic_elements` gives the same population as arrays, without building ElementSets.
    """
    return synthetic_elements(count, seed=seed, epoch=epoch).to_element_sets()


def synthetic_elements(
    count: int, *, seed: int = 0, epoch: datetime | None = None
) -> SyntheticElements:
    """The population of `synthetic_population(count, seed=..., epoch=...)` as arrays."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"synthetic population: count must be an integer >= 0, got {count!r}")
    capacity = MAX_NORAD_ID - SYNTHETIC_NORAD_ID_BASE + 1
    if count > capacity:
        raise ValueError(
            f"synthetic population: count={count:,} exceeds the {capacity:,} synthetic NORAD "
            f"ids from {SYNTHETIC_NORAD_ID_BASE:,}; generate fewer objects"
        )
    if epoch is None:
        epoch = SYNTHETIC_DEFAULT_EPOCH
    elif epoch.utcoffset() is None:
        raise ValueError(
            f"synthetic population: epoch {epoch.isoformat()} is naive; pass a timezone-aware "
            "UTC datetime, e.g. datetime(2024, 11, 1, tzinfo=UTC)"
        )
    epoch = epoch.astimezone(UTC)
    rng = np.random.default_rng(seed)
    family_counts = apportion(count, [family.fraction for family in SYNTHETIC_FAMILIES])
    context = EpochAngles.at(epoch)
    blocks: list[Block] = []
    for family, family_count in zip(SYNTHETIC_FAMILIES, family_counts, strict=True):
        if family_count:
            blocks.extend(GENERATORS[family.name](rng, family_count, context))
    return _assemble(blocks, epoch)


def _assemble(blocks: Sequence[Block], epoch: datetime) -> SyntheticElements:
    def column(field: str) -> FloatArray:
        if not blocks:
            return np.zeros(0)
        return np.concatenate([getattr(block, field) for block in blocks]).astype(np.float64)

    a_km = column("semi_major_axis_km")
    return SyntheticElements(
        epoch=epoch,
        norad_id=SYNTHETIC_NORAD_ID_BASE + np.arange(a_km.size, dtype=np.int64),
        mean_motion_rev_per_day=np.sqrt(MU_KM3_S2 / a_km**3) * SECONDS_PER_DAY / (2.0 * math.pi),
        eccentricity=column("eccentricity"),
        inclination_deg=column("inclination_deg"),
        raan_deg=np.mod(column("raan_deg"), 360.0),
        arg_of_pericenter_deg=np.mod(column("arg_of_pericenter_deg"), 360.0),
        mean_anomaly_deg=np.mod(column("mean_anomaly_deg"), 360.0),
        bstar_per_earth_radius=column("bstar_per_earth_radius"),
        label_runs=tuple((b.label, int(b.semi_major_axis_km.size)) for b in blocks),
    )
