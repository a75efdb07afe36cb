"""The Conjunction Data Message (CCSDS 508.0-B-1) as plain dataclasses, with keyword tables.

Every field carries its CDM keyword's standard unit in its name (`miss_distance_m`,
`x_km`); times are timezone-aware UTC datetimes. Keywords that 508.0-B-1 does not define
but the CDM 2.0 draft (CCSDS 508.0-P-1.0.2) and real files use are kept verbatim, in order,
in each section's `extensions`, so that they survive a round trip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "COVARIANCE_RTN_KEYWORDS",
    "CdmAdditionalParameters",
    "CdmHeader",
    "CdmObject",
    "CdmObjectMetadata",
    "CdmOdParameters",
    "CdmRelativeData",
    "CdmRtnCovariance",
    "CdmStateVector",
    "ConjunctionDataMessage",
]

Kind = Literal["str", "float", "int", "time"]
Extensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One keyword of a section: its attribute, value kind, standard unit and obligation."""

    keyword: str
    attribute: str
    kind: Kind
    unit: str | None = None
    mandatory: bool = False


def _spec(keyword: str, kind: Kind = "str", unit: str | None = None, mandatory: bool = False,
          attribute: str | None = None) -> FieldSpec:  # fmt: skip
    suffix = unit.replace("**", "").replace("/", "_").replace("%", "percent") if unit else ""
    name = attribute or keyword.lower() + ("_" + suffix.lower() if unit else "")
    return FieldSpec(keyword, name, kind, unit, mandatory)


HEADER_FIELDS = (
    _spec("CREATION_DATE", "time", mandatory=True),
    _spec("ORIGINATOR", mandatory=True),
    _spec("MESSAGE_FOR"),
    _spec("MESSAGE_ID", mandatory=True),
)
RELATIVE_FIELDS = (
    _spec("TCA", "time", mandatory=True),
    _spec("MISS_DISTANCE", "float", "m", mandatory=True),
    _spec("RELATIVE_SPEED", "float", "m/s"),
    _spec("RELATIVE_POSITION_R", "float", "m"),
    _spec("RELATIVE_POSITION_T", "float", "m"),
    _spec("RELATIVE_POSITION_N", "float", "m"),
    _spec("RELATIVE_VELOCITY_R", "float", "m/s"),
    _spec("RELATIVE_VELOCITY_T", "float", "m/s"),
    _spec("RELATIVE_VELOCITY_N", "float", "m/s"),
    _spec("START_SCREEN_PERIOD", "time"),
    _spec("STOP_SCREEN_PERIOD", "time"),
    _spec("SCREEN_VOLUME_FRAME"),
    _spec("SCREEN_VOLUME_SHAPE"),
    _spec("SCREEN_VOLUME_X", "float", "m"),
    _spec("SCREEN_VOLUME_Y", "float", "m"),
    _spec("SCREEN_VOLUME_Z", "float", "m"),
    _spec("SCREEN_ENTRY_TIME", "time"),
    _spec("SCREEN_EXIT_TIME", "time"),
    _spec("COLLISION_PROBABILITY", "float"),
    _spec("COLLISION_PROBABILITY_METHOD"),
)
METADATA_FIELDS = (
    _spec("OBJECT", mandatory=True),
    _spec("OBJECT_DESIGNATOR", mandatory=True),
    _spec("CATALOG_NAME", mandatory=True),
    _spec("OBJECT_NAME", mandatory=True),
    _spec("INTERNATIONAL_DESIGNATOR", mandatory=True),
    _spec("OBJECT_TYPE"),
    _spec("OPERATOR_CONTACT_POSITION"),
    _spec("OPERATOR_ORGANIZATION"),
    _spec("OPERATOR_PHONE"),
    _spec("OPERATOR_EMAIL"),
    _spec("EPHEMERIS_NAME", mandatory=True),
    _spec("COVARIANCE_METHOD", mandatory=True),
    _spec("MANEUVERABLE", mandatory=True),
    _spec("ORBIT_CENTER"),
    _spec("REF_FRAME", mandatory=True),
    _spec("GRAVITY_MODEL"),
    _spec("ATMOSPHERIC_MODEL"),
    _spec("N_BODY_PERTURBATIONS"),
    _spec("SOLAR_RAD_PRESSURE"),
    _spec("EARTH_TIDES"),
    _spec("INTRACK_THRUST"),
)
OD_FIELDS = (
    _spec("TIME_LASTOB_START", "time"),
    _spec("TIME_LASTOB_END", "time"),
    _spec("RECOMMENDED_OD_SPAN", "float", "d"),
    _spec("ACTUAL_OD_SPAN", "float", "d"),
    _spec("OBS_AVAILABLE", "int"),
    _spec("OBS_USED", "int"),
    _spec("TRACKS_AVAILABLE", "int"),
    _spec("TRACKS_USED", "int"),
    _spec("RESIDUALS_ACCEPTED", "float", "%"),
    _spec("WEIGHTED_RMS", "float"),
)
ADDITIONAL_FIELDS = (
    _spec("AREA_PC", "float", "m**2"),
    _spec("AREA_DRG", "float", "m**2"),
    _spec("AREA_SRP", "float", "m**2"),
    _spec("MASS", "float", "kg"),
    _spec("CD_AREA_OVER_MASS", "float", "m**2/kg"),
    _spec("CR_AREA_OVER_MASS", "float", "m**2/kg"),
    _spec("THRUST_ACCELERATION", "float", "m/s**2"),
    _spec("SEDR", "float", "W/kg"),
)
STATE_FIELDS = tuple(
    _spec(k, "float", u, mandatory=True)
    for k, u in (("X", "km"), ("Y", "km"), ("Z", "km"))
    + (("X_DOT", "km/s"), ("Y_DOT", "km/s"), ("Z_DOT", "km/s"))
)

_AXES = ("R", "T", "N", "RDOT", "TDOT", "NDOT", "DRG", "SRP", "THR")
#: The RTN covariance lower triangle, row by row (508.0-B-1 table 3-5): 6x6 then rows 7-9.
COVARIANCE_RTN_KEYWORDS = tuple(
    f"C{_AXES[row]}_{_AXES[col]}" for row in range(9) for col in range(row + 1)
)
_AXIS_CLASS = {"R": "P", "T": "P", "N": "P", "RDOT": "V", "TDOT": "V", "NDOT": "V",
               "DRG": "D", "SRP": "D", "THR": "T"}  # fmt: skip
_COVARIANCE_UNITS = {
    ("P", "P"): "m**2", ("V", "P"): "m**2/s", ("V", "V"): "m**2/s**2",
    ("D", "P"): "m**3/kg", ("D", "V"): "m**3/(kg*s)", ("D", "D"): "m**4/kg**2",
    ("T", "P"): "m**2/s**2", ("T", "V"): "m**2/s**3", ("T", "D"): "m**3/(kg*s**2)",
    ("T", "T"): "m**2/s**4",
}  # fmt: skip


def covariance_unit(keyword: str) -> str:
    """Standard unit of one RTN covariance keyword (508.0-B-1 table 3-5)."""
    row, col = keyword[1:].split("_", 1)
    return _COVARIANCE_UNITS[(_AXIS_CLASS[row], _AXIS_CLASS[col])]


# Keywords outside 508.0-B-1 that are accepted and kept as extensions, per section
# (CDM 2.0 draft 508.0-P-1.0.2, as Orekit reads them).
HEADER_EXTENSIONS = frozenset({"CLASSIFICATION"})
RELATIVE_EXTENSIONS = frozenset(
    "CONJUNCTION_ID MAHALANOBIS_DISTANCE APPROACH_ANGLE SCREEN_TYPE SCREEN_PC_THRESHOLD "
    "COLLISION_PERCENTILE COLLISION_MAX_PROBABILITY COLLISION_MAX_PC_METHOD "
    "SEFI_COLLISION_PROBABILITY SEFI_COLLISION_PROBABILITY_METHOD SEFI_FRAGMENTATION_MODEL "
    "PREVIOUS_MESSAGE_ID PREVIOUS_MESSAGE_EPOCH NEXT_MESSAGE_EPOCH".split()
)
METADATA_EXTENSIONS = frozenset(
    "ODM_MSG_LINK ADM_MSG_LINK OBS_BEFORE_NEXT_MESSAGE COVARIANCE_SOURCE ALT_COV_TYPE "
    "ALT_COV_REF_FRAME".split()
)
OD_EXTENSIONS = frozenset({"OD_EPOCH"})
ADDITIONAL_EXTENSIONS = frozenset(
    "AREA_PC_MIN AREA_PC_MAX OEB_PARENT_FRAME OEB_PARENT_FRAME_EPOCH OEB_Q1 OEB_Q2 OEB_Q3 "
    "OEB_QC OEB_MAX OEB_INT OEB_MIN AREA_ALONG_OEB_MAX AREA_ALONG_OEB_INT AREA_ALONG_OEB_MIN "
    "RCS RCS_MIN RCS_MAX VM_ABSOLUTE VM_APPARENT_MIN VM_APPARENT VM_APPARENT_MAX REFLECTANCE "
    "HBR APOAPSIS_ALTITUDE PERIAPSIS_ALTITUDE INCLINATION COV_CONFIDENCE "
    "COV_CONFIDENCE_METHOD".split()
)
_XYZ = ("X", "Y", "Z", "XDOT", "YDOT", "ZDOT", "DRG", "SRP", "THR")
XYZ_COVARIANCE_KEYWORDS = frozenset(
    f"C{_XYZ[row]}_{_XYZ[col]}" for row in range(9) for col in range(row + 1)
)
COVARIANCE_EXTENSIONS = XYZ_COVARIANCE_KEYWORDS | frozenset(
    "CSIG3EIGVEC3 DENSITY_FORECAST_UNCERTAINTY CSCALE_FACTOR_MIN CSCALE_FACTOR "
    "CSCALE_FACTOR_MAX SCREENING_DATA_SOURCE DCP_SENSITIVITY_VECTOR_POSITION "
    "DCP_SENSITIVITY_VECTOR_VELOCITY".split()
)
#: Keywords named the same in the RTN and the XYZ 9x9 covariance (CDM 2.0).
SHARED_COVARIANCE_KEYWORDS = XYZ_COVARIANCE_KEYWORDS & frozenset(COVARIANCE_RTN_KEYWORDS)
SUPPORTED_VERSIONS = ("1.0", "2.0")


@dataclass(frozen=True, slots=True)
class CdmHeader:
    """Header (508.0-B-1 table 3-1). `version` is CCSDS_CDM_VERS."""

    creation_date: datetime
    originator: str
    message_id: str
    message_for: str | None = None
    version: str = "1.0"
    comments: tuple[str, ...] = ()
    extensions: Extensions = ()


@dataclass(frozen=True, slots=True)
class CdmRelativeData:
    """Relative metadata/data (table 3-2): TCA, miss, relative state in the primary's RTN."""

    tca: datetime
    miss_distance_m: float
    relative_speed_m_s: float | None = None
    relative_position_r_m: float | None = None
    relative_position_t_m: float | None = None
    relative_position_n_m: float | None = None
    relative_velocity_r_m_s: float | None = None
    relative_velocity_t_m_s: float | None = None
    relative_velocity_n_m_s: float | None = None
    start_screen_period: datetime | None = None
    stop_screen_period: datetime | None = None
    screen_volume_frame: str | None = None
    screen_volume_shape: str | None = None
    screen_volume_x_m: float | None = None
    screen_volume_y_m: float | None = None
    screen_volume_z_m: float | None = None
    screen_entry_time: datetime | None = None
    screen_exit_time: datetime | None = None
    collision_probability: float | None = None
    collision_probability_method: str | None = None
    comments: tuple[str, ...] = ()
    extensions: Extensions = ()


@dataclass(frozen=True, slots=True)
class CdmObjectMetadata:
    """Object metadata (table 3-3). `object` is "OBJECT1" or "OBJECT2"."""

    object: str
    object_designator: str
    catalog_name: str
    object_name: str
    international_designator: str
    ephemeris_name: str
    covariance_method: str
    maneuverable: str
    ref_frame: str
    object_type: str | None = None
    operator_contact_position: str | None = None
    operator_organization: str | None = None
    operator_phone: str | None = None
    operator_email: str | None = None
    orbit_center: str | None = None
    gravity_model: str | None = None
    atmospheric_model: str | None = None
    n_body_perturbations: str | None = None
    solar_rad_pressure: str | None = None
    earth_tides: str | None = None
    intrack_thrust: str | None = None
    comments: tuple[str, ...] = ()
    extensions: Extensions = ()


@dataclass(frozen=True, slots=True)
class CdmOdParameters:
    """Orbit-determination parameters (table 3-4, all optional)."""

    time_lastob_start: datetime | None = None
    time_lastob_end: datetime | None = None
    recommended_od_span_d: float | None = None
    actual_od_span_d: float | None = None
    obs_available: int | None = None
    obs_used: int | None = None
    tracks_available: int | None = None
    tracks_used: int | None = None
    residuals_accepted_percent: float | None = None
    weighted_rms: float | None = None
    comments: tuple[str, ...] = ()
    extensions: Extensions = ()


@dataclass(frozen=True, slots=True)
class CdmAdditionalParameters:
    """Additional parameters (table 3-4, all optional): areas, mass, ballistic terms."""

    area_pc_m2: float | None = None
    area_drg_m2: float | None = None
    area_srp_m2: float | None = None
    mass_kg: float | None = None
    cd_area_over_mass_m2_kg: float | None = None
    cr_area_over_mass_m2_kg: float | None = None
    thrust_acceleration_m_s2: float | None = None
    sedr_w_kg: float | None = None
    comments: tuple[str, ...] = ()
    extensions: Extensions = ()


@dataclass(frozen=True, slots=True)
class CdmStateVector:
    """State at TCA in the object's REF_FRAME: km and km/s."""

    x_km: float
    y_km: float
    z_km: float
    x_dot_km_s: float
    y_dot_km_s: float
    z_dot_km_s: float
    comments: tuple[str, ...] = ()

    @property
    def position_km(self) -> NDArray[np.float64]:
        """Position (3,), km."""
        return np.array([self.x_km, self.y_km, self.z_km])

    @property
    def velocity_km_s(self) -> NDArray[np.float64]:
        """Velocity (3,), km/s."""
        return np.array([self.x_dot_km_s, self.y_dot_km_s, self.z_dot_km_s])


@dataclass(frozen=True, slots=True)
class CdmRtnCovariance:
    """Covariance in the object's RTN frame: the lower triangle CR_R, CT_R, CT_T, ... by rows.

    21 values give the 6x6 position/velocity block (m^2, m^2/s, m^2/s^2); 28, 36 or 45 add
    the drag (CDRG_*), SRP (CSRP_*) and thrust (CTHR_*) rows of the 9x9 extension.
    `extensions` holds CDM 2.0 alternate covariances and covariance metadata verbatim.
    """

    lower_triangle: tuple[float, ...]
    comments: tuple[str, ...] = ()
    extensions: Extensions = ()

    def __post_init__(self) -> None:
        if len(self.lower_triangle) not in (21, 28, 36, 45):
            raise ValueError(
                f"RTN covariance needs 21, 28, 36 or 45 lower-triangle values "
                f"(6x6 to 9x9), got {len(self.lower_triangle)}"
            )

    @property
    def dimension(self) -> int:
        """6 to 9: the size of the square matrix the lower triangle fills."""
        return {21: 6, 28: 7, 36: 8, 45: 9}[len(self.lower_triangle)]

    def matrix(self) -> NDArray[np.float64]:
        """The symmetric covariance matrix, `dimension` x `dimension`, in CDM units."""
        n = self.dimension
        out = np.zeros((n, n))
        rows, cols = np.tril_indices(n)
        out[rows, cols] = self.lower_triangle
        out[cols, rows] = self.lower_triangle
        return out

    @property
    def position_m2(self) -> NDArray[np.float64]:
        """The 3x3 RTN position block, m^2."""
        return self.matrix()[:3, :3]


@dataclass(frozen=True, slots=True)
class CdmObject:
    """One object's section: metadata, OD and additional parameters, state and covariance."""

    metadata: CdmObjectMetadata
    state_vector: CdmStateVector
    covariance: CdmRtnCovariance
    od_parameters: CdmOdParameters = field(default_factory=CdmOdParameters)
    additional_parameters: CdmAdditionalParameters = field(default_factory=CdmAdditionalParameters)
    user_defined: Extensions = ()


@dataclass(frozen=True, slots=True)
class ConjunctionDataMessage:
    """A CCSDS 508.0-B-1 Conjunction Data Message: header, relative data, two objects."""

    header: CdmHeader
    relative: CdmRelativeData
    object1: CdmObject
    object2: CdmObject

    @property
    def objects(self) -> tuple[CdmObject, CdmObject]:
        """(object1, object2): the primary and the secondary."""
        return (self.object1, self.object2)
