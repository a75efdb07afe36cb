"""Conjunction assessment: collision probability from states, covariances or CDMs.

Pure computation over numpy arrays and plain dataclasses; units are in the names.
"""

from accord.conjunctions._cdm_builder import (
    CDM_REF_FRAME,
    DEFAULT_HARD_BODY_RADIUS_M,
    CdmScreeningContext,
    conjunction_to_cdm,
    conjunctions_to_cdms,
)
from accord.conjunctions._cdm_probability import cdm_hard_body_radius_m, cdm_pc
from accord.conjunctions._encounter import (
    encounter_plane_projection,
    rtn_covariance_to_inertial,
    rtn_rotation,
)
from accord.conjunctions._ephemeris_screening import (
    OEM_COVARIANCE_PC_METHOD,
    nearest_covariance,
    screen_ephemeris,
)
from accord.conjunctions._errors import CovarianceError, EncounterGeometryError
from accord.conjunctions._no_covariance import (
    ALFANO_2005_MAX,
    DEFAULT_COVARIANCE,
    SOCRATES_ASPECT_RATIO,
    AssumedRtnSigmas,
    MaximumCollisionProbability,
    default_covariance_pc,
    maximum_pc,
)
from accord.conjunctions._probability import (
    CLIP_FRACTION_OF_HBR,
    FOSTER_1992,
    CollisionProbability,
    foster_pc,
    pc_in_encounter_plane,
)
from accord.conjunctions._rtn import rtn_axes, to_rtn
from accord.conjunctions._screening import (
    FORMATION_CLOSE_FRACTION,
    GEO_SCREENING_VOLUME,
    NASA_LEO_SCREENING_VOLUME,
    CoLocation,
    Conjunction,
    PropagationFailure,
    ScreeningResult,
    ScreeningVolume,
    screen_against,
    screen_catalog,
)

__all__ = [
    "FORMATION_CLOSE_FRACTION",
    "CDM_REF_FRAME",
    "DEFAULT_HARD_BODY_RADIUS_M",
    "CdmScreeningContext",
    "conjunction_to_cdm",
    "conjunctions_to_cdms",
    "GEO_SCREENING_VOLUME",
    "NASA_LEO_SCREENING_VOLUME",
    "CoLocation",
    "Conjunction",
    "PropagationFailure",
    "ScreeningResult",
    "ScreeningVolume",
    "rtn_axes",
    "screen_against",
    "screen_ephemeris",
    "nearest_covariance",
    "OEM_COVARIANCE_PC_METHOD",
    "screen_catalog",
    "to_rtn",
    "ALFANO_2005_MAX",
    "CLIP_FRACTION_OF_HBR",
    "DEFAULT_COVARIANCE",
    "FOSTER_1992",
    "SOCRATES_ASPECT_RATIO",
    "AssumedRtnSigmas",
    "CollisionProbability",
    "CovarianceError",
    "EncounterGeometryError",
    "MaximumCollisionProbability",
    "cdm_hard_body_radius_m",
    "cdm_pc",
    "default_covariance_pc",
    "encounter_plane_projection",
    "foster_pc",
    "maximum_pc",
    "pc_in_encounter_plane",
    "rtn_covariance_to_inertial",
    "rtn_rotation",
]
