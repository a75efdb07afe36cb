"""The request classes Accord serves in Space-Track's grammar, their fields and modeldef.

Field names, and the column types reported by `modeldef`, follow Space-Track's published
models (https://www.space-track.org/documentation#/api, "Request Classes"); the gp and
gp_history classes carry the CCSDS 502.0-B-3 OMM keywords as columns. The `spacetrack`
client reads `modeldef/class/<class>` before every query to learn which predicates exist
and how to type the values (it maps the first word of `Type`: varchar -> str,
int -> int, decimal/double -> float, date, datetime, enum).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CONTROLLER",
    "REQUEST_CLASSES",
    "Field",
    "FieldKind",
    "RequestClass",
    "modeldef",
]

#: The only Space-Track request controller Accord serves.
CONTROLLER = "basicspacedata"


class FieldKind(StrEnum):
    """How a field's values compare and print."""

    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"


_KIND_OF_SQL_TYPE = {
    "int": FieldKind.INTEGER,
    "bigint": FieldKind.INTEGER,
    "smallint": FieldKind.INTEGER,
    "mediumint": FieldKind.INTEGER,
    "tinyint": FieldKind.INTEGER,
    "decimal": FieldKind.DECIMAL,
    "double": FieldKind.DECIMAL,
    "float": FieldKind.DECIMAL,
    "char": FieldKind.TEXT,
    "varchar": FieldKind.TEXT,
    "enum": FieldKind.TEXT,
    "text": FieldKind.TEXT,
    "date": FieldKind.DATE,
    "datetime": FieldKind.DATETIME,
}


@dataclass(frozen=True, slots=True)
class Field:
    """One column of a request class: its name, MySQL-style type and nullability.

    `sql_type` is what `modeldef` reports in `Type` ("decimal(13,8)", "datetime(6)");
    `kind` decides comparisons and printing; `fraction_digits` is the number of second
    decimals a DATETIME field prints (6 for "datetime(6)", else 0).
    """

    name: str
    sql_type: str
    nullable: bool = True
    primary_key: bool = False

    @property
    def kind(self) -> FieldKind:
        """The comparison kind named by the first word of `sql_type`."""
        word = self.sql_type.split("(", 1)[0].split(" ", 1)[0]
        return _KIND_OF_SQL_TYPE[word]

    @property
    def fraction_digits(self) -> int:
        """Decimals of seconds printed for a DATETIME field (0 for other kinds)."""
        if self.kind is FieldKind.DATETIME and self.sql_type.startswith("datetime("):
            return int(self.sql_type[len("datetime(") : -1])
        return 0


@dataclass(frozen=True, slots=True)
class RequestClass:
    """A Space-Track request class (`class/gp`): its fields in output order."""

    name: str
    fields: tuple[Field, ...]
    #: Whether rows are GP element sets, so that format/tle, 3le and kvn apply.
    has_element_sets: bool = False

    def field(self, name: str) -> Field | None:
        """The field called `name`, compared case-insensitively as Space-Track does."""
        return _FIELD_INDEX[self.name].get(name.upper())

    @property
    def field_names(self) -> tuple[str, ...]:
        """Field names in output order."""
        return tuple(field.name for field in self.fields)


def _fields(primary: str | None, spec: str) -> tuple[Field, ...]:
    """Fields from lines of 'NAME sql_type [NOT NULL]', the primary key named apart."""
    fields = []
    for line in spec.strip().splitlines():
        name, _, rest = line.strip().partition(" ")
        sql_type = rest.removesuffix(" NOT NULL").strip()
        nullable = not rest.endswith(" NOT NULL") and name != primary
        fields.append(Field(name, sql_type, nullable, primary_key=name == primary))
    return tuple(fields)


_GP_SPEC = """
CCSDS_OMM_VERS varchar(3) NOT NULL
COMMENT varchar(33) NOT NULL
CREATION_DATE datetime
ORIGINATOR varchar(7) NOT NULL
OBJECT_NAME varchar(25)
OBJECT_ID varchar(12)
CENTER_NAME varchar(5) NOT NULL
REF_FRAME varchar(4) NOT NULL
TIME_SYSTEM varchar(3) NOT NULL
MEAN_ELEMENT_THEORY varchar(4) NOT NULL
EPOCH datetime(6)
MEAN_MOTION decimal(13,8)
ECCENTRICITY decimal(13,8)
INCLINATION decimal(7,4)
RA_OF_ASC_NODE decimal(7,4)
ARG_OF_PERICENTER decimal(7,4)
MEAN_ANOMALY decimal(7,4)
EPHEMERIS_TYPE tinyint(4)
CLASSIFICATION_TYPE char(1)
NORAD_CAT_ID int(10) unsigned
ELEMENT_SET_NO smallint(5) unsigned
REV_AT_EPOCH mediumint(8) unsigned
BSTAR decimal(19,14)
MEAN_MOTION_DOT decimal(9,8)
MEAN_MOTION_DDOT decimal(22,13)
SEMIMAJOR_AXIS double(12,3)
PERIOD double(12,3)
APOAPSIS double(12,3)
PERIAPSIS double(12,3)
OBJECT_TYPE varchar(12)
RCS_SIZE char(6)
COUNTRY_CODE char(6)
LAUNCH_DATE date
SITE char(5)
DECAY_DATE date
FILE bigint(20) unsigned
GP_ID int(10) unsigned NOT NULL
TLE_LINE0 varchar(27)
TLE_LINE1 varchar(71)
TLE_LINE2 varchar(71)
"""

_SATCAT_SPEC = """
INTLDES varchar(12) NOT NULL
NORAD_CAT_ID int(10) unsigned
OBJECT_TYPE varchar(12)
SATNAME char(25) NOT NULL
COUNTRY char(6) NOT NULL
LAUNCH date
SITE char(5)
DECAY date
PERIOD decimal(12,2)
INCLINATION decimal(12,2)
APOGEE bigint(20)
PERIGEE bigint(20)
COMMENT char(32)
COMMENTCODE tinyint(3) unsigned
RCSVALUE int(1) NOT NULL
RCS_SIZE varchar(6)
FILE smallint(5) unsigned NOT NULL
LAUNCH_YEAR smallint(5) NOT NULL
LAUNCH_NUM smallint(5) NOT NULL
LAUNCH_PIECE varchar(3) NOT NULL
CURRENT enum('Y','N') NOT NULL
OBJECT_NAME char(25) NOT NULL
OBJECT_ID varchar(12) NOT NULL
OBJECT_NUMBER int(10) unsigned
"""

_CDM_PUBLIC_SPEC = """
CDM_ID int(10) unsigned
CREATED datetime(6)
EMERGENCY_REPORTABLE char(1)
TCA datetime(6)
MIN_RNG decimal(10,3)
PC double
SAT_1_ID int(10) unsigned
SAT_1_NAME varchar(25)
SAT1_OBJECT_TYPE varchar(12)
SAT1_RCS varchar(6)
SAT_1_EXCL_VOL varchar(8)
SAT_2_ID int(10) unsigned
SAT_2_NAME varchar(25)
SAT2_OBJECT_TYPE varchar(12)
SAT2_RCS varchar(6)
SAT_2_EXCL_VOL varchar(8)
"""

_DECAY_SPEC = """
NORAD_CAT_ID int(10) unsigned
OBJECT_NUMBER int(10) unsigned
OBJECT_NAME varchar(25) NOT NULL
INTLDES char(12) NOT NULL
OBJECT_ID varchar(12) NOT NULL
RCS int(1) NOT NULL
RCS_SIZE varchar(6)
COUNTRY char(6) NOT NULL
MSG_EPOCH datetime
DECAY_EPOCH datetime
SOURCE varchar(9) NOT NULL
MSG_TYPE varchar(10) NOT NULL
PRECEDENCE bigint(20) NOT NULL
"""

_BOXSCORE_SPEC = """
COUNTRY varchar(100)
SPADOC_CD varchar(10)
ORBITAL_TBA bigint(21) NOT NULL
ORBITAL_PAYLOAD_COUNT bigint(21) NOT NULL
ORBITAL_ROCKET_BODY_COUNT bigint(21) NOT NULL
ORBITAL_DEBRIS_COUNT bigint(21) NOT NULL
ORBITAL_TOTAL_COUNT bigint(21) NOT NULL
DECAYED_PAYLOAD_COUNT bigint(21) NOT NULL
DECAYED_ROCKET_BODY_COUNT bigint(21) NOT NULL
DECAYED_DEBRIS_COUNT bigint(21) NOT NULL
DECAYED_TOTAL_COUNT bigint(21) NOT NULL
COUNTRY_TOTAL bigint(21) NOT NULL
"""

#: Every request class Accord serves, by name.
REQUEST_CLASSES: dict[str, RequestClass] = {
    request_class.name: request_class
    for request_class in (
        RequestClass("gp", _fields("GP_ID", _GP_SPEC), has_element_sets=True),
        RequestClass("gp_history", _fields("GP_ID", _GP_SPEC), has_element_sets=True),
        RequestClass("satcat", _fields("NORAD_CAT_ID", _SATCAT_SPEC)),
        RequestClass("cdm_public", _fields("CDM_ID", _CDM_PUBLIC_SPEC)),
        RequestClass("decay", _fields(None, _DECAY_SPEC)),
        RequestClass("boxscore", _fields(None, _BOXSCORE_SPEC)),
    )
}

_FIELD_INDEX: dict[str, dict[str, Field]] = {
    name: {field.name: field for field in request_class.fields}
    for name, request_class in REQUEST_CLASSES.items()
}


def modeldef(request_class: RequestClass) -> dict[str, object]:
    """The body of `basicspacedata/modeldef/class/<class>`, shaped as Space-Track's.

    `{"controller": "basicspacedata", "data": [{"Field", "Type", "Null", "Key",
    "Default", "Extra"}, ...]}`; the `spacetrack` client reads `Field`, `Type`, `Null`
    ("YES"/"NO") and `Default` of each entry.
    """
    return {
        "controller": CONTROLLER,
        "data": [
            {
                "Field": field.name,
                "Type": field.sql_type,
                "Null": "YES" if field.nullable else "NO",
                "Key": "PRI" if field.primary_key else "",
                "Default": None,
                "Extra": "",
            }
            for field in request_class.fields
        ],
    }
