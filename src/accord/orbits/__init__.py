"""Orbit computation: SGP4/SDP4 propagation of element sets and reference-frame conversions.

Pure computation over arrays and dataclasses, units in names: kilometres, km/s, degrees,
UTC times. No database and no web framework here.
"""

from accord.orbits._population import (
    SYNTHETIC_DEFAULT_EPOCH,
    SYNTHETIC_FAMILIES,
    SYNTHETIC_NORAD_ID_BASE,
    SyntheticFamily,
    synthetic_population,
)

__all__ = [
    "SYNTHETIC_DEFAULT_EPOCH",
    "SYNTHETIC_FAMILIES",
    "SYNTHETIC_NORAD_ID_BASE",
    "SyntheticFamily",
    "synthetic_population",
]
