"""Orbit computation: SGP4/SDP4 propagation of element sets and reference-frame conversions.

Pure computation over arrays and dataclasses, units in names: kilometres, km/s, degrees,
UTC times. No database and no web framework here.
"""

from accord.orbits._earth_fixed import EarthFixedSampler
from accord.orbits._ephemeris import (
    EphemerisError,
    EphemerisInterpolator,
    OutsideEphemerisError,
    ephemeris_epochs_utc,
)
from accord.orbits._ephemeris_frames import ephemeris_to_teme, gcrs_to_teme_rotation
from accord.orbits._errors import ElementSetError, FrameMismatchError, TimeInputError
from accord.orbits._frames import (
    GeodeticPoints,
    itrs_to_geodetic,
    skyfield_times,
    teme_to_gcrs,
    teme_to_itrs,
)
from accord.orbits._passes import Pass, predict_passes
from accord.orbits._population import (
    SYNTHETIC_DEFAULT_EPOCH,
    SYNTHETIC_FAMILIES,
    SYNTHETIC_NORAD_ID_BASE,
    SyntheticElements,
    SyntheticFamily,
    synthetic_elements,
    synthetic_population,
)
from accord.orbits._propagation import Sgp4Engine, Sgp4Propagator, TemeSamples
from accord.orbits._satrec import DEEP_SPACE_PERIOD_MIN, satrec_from_element_set
from accord.orbits._states import (
    SGP4_ERROR_MESSAGES,
    CartesianStates,
    Sgp4ErrorCode,
    TemeStates,
)
from accord.orbits._stations import GroundStation, GroundStationError, read_ground_stations
from accord.orbits._times import JulianDates, utc_julian_dates

__all__ = [
    "DEEP_SPACE_PERIOD_MIN",
    "SGP4_ERROR_MESSAGES",
    "SYNTHETIC_DEFAULT_EPOCH",
    "SYNTHETIC_FAMILIES",
    "SYNTHETIC_NORAD_ID_BASE",
    "CartesianStates",
    "ElementSetError",
    "EphemerisError",
    "EphemerisInterpolator",
    "OutsideEphemerisError",
    "ephemeris_epochs_utc",
    "ephemeris_to_teme",
    "gcrs_to_teme_rotation",
    "FrameMismatchError",
    "GeodeticPoints",
    "JulianDates",
    "Sgp4Engine",
    "Sgp4ErrorCode",
    "Sgp4Propagator",
    "SyntheticElements",
    "SyntheticFamily",
    "TemeSamples",
    "TemeStates",
    "TimeInputError",
    "itrs_to_geodetic",
    "satrec_from_element_set",
    "skyfield_times",
    "synthetic_elements",
    "synthetic_population",
    "teme_to_gcrs",
    "teme_to_itrs",
    "utc_julian_dates",
    # Passes over ground stations (docs/campaigns.md).
    "EarthFixedSampler",
    "GroundStation",
    "GroundStationError",
    "Pass",
    "predict_passes",
    "read_ground_stations",
]
