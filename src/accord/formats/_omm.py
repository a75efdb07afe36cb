"""Read CCSDS Orbit Mean-elements Messages (OMM) in keyword = value notation (KVN).

Reference: CCSDS 502.0-B-3 (Orbit Data Messages, 2023), section 4 (OMM content, Tables
4-1 to 4-6) and section 7 (KVN syntax). Accord propagates SGP4 mean elements only, so an
OMM must say MEAN_ELEMENT_THEORY = SGP4 (or SGP/SGP4, SGP, SDP4), REF_FRAME = TEME,
CENTER_NAME = EARTH and TIME_SYSTEM = UTC, and carry NORAD_CAT_ID (the catalog's key).
Several OMMs may follow each other in one file; each CCSDS_OMM_VERS line starts a record.
Unlike GP CSV/JSON, an unknown keyword here is an error: the standard defines them all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from accord.formats._elements import ElementSet
from accord.formats._errors import FormatError, RecordError
from accord.formats._gp import Problem, element_set_from_omm_fields
from accord.formats._reading import CatalogFormat, CatalogReading, ReadElementSet

__all__ = [
    "OMM_BLOCK_KEYWORDS",
    "WGS72_GM_KM3_PER_S2",
    "element_set_from_omm",
    "read_omm_kvn",
]

#: Earth's gravitational parameter of WGS-72, the constant SGP4 uses (Hoots & Roehrich 1980).
WGS72_GM_KM3_PER_S2 = 398_600.8

_COVARIANCE_KEYWORDS = frozenset(
    f"C{row}_{column}"
    for index, row in enumerate(("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT"))
    for column in ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")[: index + 1]
)
#: The keywords of each OMM block (CCSDS 502.0-B-3 Tables 4-1, 4-2 and 4-3), by the name
#: of the XML element that holds the block.
OMM_BLOCK_KEYWORDS: Mapping[str, frozenset[str]] = {
    "header": frozenset({"CLASSIFICATION", "CREATION_DATE", "ORIGINATOR", "MESSAGE_ID"}),
    "metadata": frozenset(
        {
            "OBJECT_NAME",
            "OBJECT_ID",
            "CENTER_NAME",
            "REF_FRAME",
            "REF_FRAME_EPOCH",
            "TIME_SYSTEM",
            "MEAN_ELEMENT_THEORY",
        }
    ),
    "meanElements": frozenset(
        {
            "EPOCH",
            "SEMI_MAJOR_AXIS",
            "MEAN_MOTION",
            "ECCENTRICITY",
            "INCLINATION",
            "RA_OF_ASC_NODE",
            "ARG_OF_PERICENTER",
            "MEAN_ANOMALY",
            "GM",
        }
    ),
    "spacecraftParameters": frozenset(
        {"MASS", "SOLAR_RAD_AREA", "SOLAR_RAD_COEFF", "DRAG_AREA", "DRAG_COEFF"}
    ),
    "tleParameters": frozenset(
        {
            "EPHEMERIS_TYPE",
            "CLASSIFICATION_TYPE",
            "NORAD_CAT_ID",
            "ELEMENT_SET_NO",
            "REV_AT_EPOCH",
            "BSTAR",
            "BTERM",
            "MEAN_MOTION_DOT",
            "MEAN_MOTION_DDOT",
            "AGOM",
        }
    ),
    "covarianceMatrix": frozenset({"COV_REF_FRAME"}) | _COVARIANCE_KEYWORDS,
}
_KVN_KEYWORDS = frozenset({"CCSDS_OMM_VERS"}).union(*OMM_BLOCK_KEYWORDS.values())
_VERSIONS = ("1.0", "2.0", "3.0")
_SGP4_THEORIES = frozenset({"SGP4", "SGP/SGP4", "SGP", "SDP4", "SGP4/SDP4"})
# Units (Table 4-5) of the keywords Accord reads; a value given in other units is refused
# rather than silently misread.
_UNITS = {
    "SEMI_MAJOR_AXIS": "km",
    "MEAN_MOTION": "rev/day",
    "INCLINATION": "deg",
    "RA_OF_ASC_NODE": "deg",
    "ARG_OF_PERICENTER": "deg",
    "MEAN_ANOMALY": "deg",
    "GM": "km**3/s**2",
    "BSTAR": "1/er",
    "MEAN_MOTION_DOT": "rev/day**2",
    "MEAN_MOTION_DDOT": "rev/day**3",
    "ECCENTRICITY": "n/a",
}
_SECONDS_PER_DAY = 86_400.0


def element_set_from_omm(
    values: Mapping[str, str], units: Mapping[str, str]
) -> tuple[ElementSet | None, list[Problem]]:
    """Check one OMM's header, metadata and units, then build its SGP4 element set.

    `values` maps keywords (CCSDS_OMM_VERS included) to their text, `units` maps keywords
    to the unit the message gave, if any.
    """
    problems: list[Problem] = []
    version = values.get("CCSDS_OMM_VERS", "").strip()
    if version not in _VERSIONS:
        problems.append(("CCSDS_OMM_VERS", f"{version!r} is not an OMM version", "1.0, 2.0 or 3.0"))
    for keyword in ("OBJECT_NAME", "OBJECT_ID"):
        if not values.get(keyword, "").strip():
            state = "is empty" if keyword in values else "is missing"
            what = "the object's name" if keyword == "OBJECT_NAME" else "its COSPAR id"
            problems.append(
                (keyword, f"{state} (mandatory OMM metadata)", f"{what}, such as 1998-067A")
            )
    for keyword, wanted, why in (
        ("CENTER_NAME", "EARTH", "SGP4 elements are Earth-centred"),
        ("REF_FRAME", "TEME", "SGP4 mean elements are in TEME"),
        ("TIME_SYSTEM", "UTC", "Accord reads SGP4 epochs in UTC"),
    ):
        given = values.get(keyword, "").strip()
        if given.upper() != wanted:
            shown = f"{given!r}" if given else "missing"
            problems.append((keyword, f"is {shown}; {why}", wanted))
    theory = values.get("MEAN_ELEMENT_THEORY", "").strip()
    if theory.upper() not in _SGP4_THEORIES:
        problems.append(
            (
                "MEAN_ELEMENT_THEORY",
                f"{theory or 'missing'!s} is not SGP4; Accord propagates SGP4 mean elements only",
                "SGP4 (or SGP/SGP4, SGP, SDP4)",
            )
        )
    for keyword, unit in units.items():
        wanted_unit = _UNITS.get(keyword)
        if wanted_unit is not None and unit.strip().lower() != wanted_unit:
            problems.append(
                (keyword, f"is given in [{unit}]", f"[{wanted_unit}] as CCSDS 502.0-B-3 defines")
            )
    fields: dict[str, str] = dict(values)
    if "SEMI_MAJOR_AXIS" in values:
        _mean_motion_from_semi_major_axis(values, fields, problems)
    element_set, field_problems = element_set_from_omm_fields(fields)
    problems.extend(field_problems)
    if problems:
        return None, problems
    return element_set, problems


def _mean_motion_from_semi_major_axis(
    values: Mapping[str, str], fields: dict[str, str], problems: list[Problem]
) -> None:
    """Convert SEMI_MAJOR_AXIS [km] to MEAN_MOTION [rev/day] by Kepler's third law.

    Uses the message's GM when given (the constant its producer converted with), otherwise
    the WGS-72 value SGP4 uses.
    """
    if "MEAN_MOTION" in values:
        problems.append(
            (
                "SEMI_MAJOR_AXIS",
                "is given together with MEAN_MOTION",
                "one of MEAN_MOTION (rev/day) or SEMI_MAJOR_AXIS (km), not both",
            )
        )
        return
    try:
        semi_major_axis_km = float(values["SEMI_MAJOR_AXIS"])
        gm_km3_per_s2 = float(values.get("GM") or WGS72_GM_KM3_PER_S2)
    except ValueError:
        problems.append(
            ("SEMI_MAJOR_AXIS", "or GM is not a number", "SEMI_MAJOR_AXIS in km, GM in km**3/s**2")
        )
        return
    if not (semi_major_axis_km > 0.0 and gm_km3_per_s2 > 0.0) or math.isinf(semi_major_axis_km):
        problems.append(
            ("SEMI_MAJOR_AXIS", f"{semi_major_axis_km} km is not usable", "a positive length")
        )
        return
    radians_per_second = math.sqrt(gm_km3_per_s2 / semi_major_axis_km**3)
    fields["MEAN_MOTION"] = repr(radians_per_second * _SECONDS_PER_DAY / (2.0 * math.pi))


def read_omm_kvn(text: str, source: str) -> CatalogReading:
    """Read one or more OMM KVN messages; each is one record."""
    messages: list[tuple[int, list[tuple[int, str, str]], list[tuple[int, Problem]]]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or (line.startswith("COMMENT") and (len(line) == 7 or line[7].isspace())):
            continue
        keyword, equals, value = line.partition("=")
        keyword = keyword.strip()
        if keyword == "CCSDS_OMM_VERS" and equals:
            messages.append((number, [], []))
        elif not messages:
            raise FormatError(
                [
                    RecordError(
                        source,
                        None,
                        number,
                        "CCSDS_OMM_VERS",
                        f"is missing: the first keyword line is {line[:40]!r}",
                        "an OMM KVN message starting with CCSDS_OMM_VERS = 3.0",
                    )
                ]
            )
        if not equals:
            messages[-1][2].append(
                (number, ("line", f"{line[:40]!r} is not KEYWORD = value", "KEYWORD = value"))
            )
            continue
        messages[-1][1].append((number, keyword, value.strip()))
    if not messages:
        raise FormatError(
            [
                RecordError(
                    source,
                    None,
                    None,
                    "CCSDS_OMM_VERS",
                    "is missing: the input has no OMM header",
                    "an OMM KVN message starting with CCSDS_OMM_VERS = 3.0",
                )
            ]
        )
    reading = CatalogReading(source=source, format=CatalogFormat.OMM_KVN)
    for record, (start_line, entries, syntax_problems) in enumerate(messages, start=1):
        values: dict[str, str] = {}
        units: dict[str, str] = {}
        lines: dict[str, int] = {}
        located = list(syntax_problems)
        for number, keyword, value in entries:
            if keyword not in _KVN_KEYWORDS and not keyword.startswith("USER_DEFINED_"):
                located.append(
                    (number, (keyword, "is not an OMM keyword", "a CCSDS 502.0-B-3 OMM keyword"))
                )
                continue
            if keyword in values:
                located.append(
                    (number, (keyword, f"repeats line {lines[keyword]}", "each keyword once"))
                )
                continue
            if value.endswith("]") and "[" in value:
                value, _, unit = value[:-1].rpartition("[")
                value = value.strip()
                units[keyword] = unit
            values[keyword] = value
            lines[keyword] = number
        if not located:
            element_set, problems = element_set_from_omm(values, units)
            if element_set is not None:
                reading.element_sets.append(ReadElementSet(record, start_line, element_set))
                continue
            located = [(lines.get(problem[0], start_line), problem) for problem in problems]
        for number, (field, problem, expected) in located:
            reading.errors.append(RecordError(source, record, number, field, problem, expected))
    return reading
