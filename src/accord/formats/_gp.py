"""Read GP data (OMM keywords as fields): CelesTrak/Space-Track CSV, JSON and flat XML.

The keywords and units are those of CCSDS 502.0-B-3 OMM with the SGP4 mean element theory
(sections 4.2.4 and Table 4-5): MEAN_MOTION rev/day, angles deg, BSTAR 1/Earth radii,
MEAN_MOTION_DOT rev/day**2, MEAN_MOTION_DDOT rev/day**3, EPOCH a UTC time. Space-Track
adds metadata columns (DECAY_DATE, TLE_LINE1, ...); those are not element set fields and are
ignored here. `element_set_from_omm_fields` also builds the element set of a CCSDS OMM
once its metadata has been checked.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element

from accord.formats._ccsds_time import EPOCH_EXPECTED, parse_ccsds_epoch
from accord.formats._elements import MAX_NORAD_ID, ElementSet
from accord.formats._errors import FormatError, RecordError
from accord.formats._reading import CatalogFormat, CatalogReading, ReadElementSet

__all__ = [
    "GP_REQUIRED_KEYWORDS",
    "element_set_from_omm_fields",
    "local_name",
    "read_gp_csv",
    "read_gp_json",
    "read_gp_xml",
]

#: Keywords every GP record must carry (the rest default as in a TLE).
GP_REQUIRED_KEYWORDS = (
    "NORAD_CAT_ID",
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "BSTAR",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
)
_SGP4_EPHEMERIS_TYPES = frozenset({0, 1, 2, 3})

#: (field, problem, expected) for one field of one record.
Problem = tuple[str, str, str]


def element_set_from_omm_fields(
    fields: Mapping[str, Any],
) -> tuple[ElementSet | None, list[Problem]]:
    """Build an element set from OMM keyword values (strings or JSON numbers).

    Missing or empty values of required keywords, unparseable numbers and values out of
    range are each reported as a Problem; the element set is None when there is any.
    """
    # Whole catalogs go through here: a lean path takes the records that are plainly
    # valid, and anything it does not accept is re-read field by field to explain why.
    try:
        element_set = _plainly_valid(fields)
    except (KeyError, TypeError, ValueError):
        element_set = None
    if element_set is not None:
        return element_set, []
    return _diagnosed(fields)


_FLOAT_KEYWORDS = (
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "BSTAR",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
)
_PLAIN_EPHEMERIS_TYPE: dict[object, int] = {None: 0, "": 0, "0": 0, 0: 0}
_INFINITY = float("inf")


def _plainly_valid(fields: Mapping[str, Any]) -> ElementSet | None:
    """The element set when every field is present, plain and in range; None otherwise."""
    raw = [fields[keyword] for keyword in _FLOAT_KEYWORDS]
    for value in raw:
        if type(value) is bool or (type(value) is str and "_" in value):
            return None
    n, e, i, raan, argp, m, bstar, ndot, nddot = map(float, raw)
    if not (
        0.0 < n < _INFINITY
        and 0.0 <= e < 1.0
        and 0.0 <= i <= 180.0
        and 0.0 <= raan < 360.0
        and 0.0 <= argp < 360.0
        and 0.0 <= m < 360.0
        and bstar - bstar == 0.0
        and ndot - ndot == 0.0
        and nddot - nddot == 0.0
    ):
        return None
    get = fields.get
    norad_id = _plain_whole(fields["NORAD_CAT_ID"])
    rev_at_epoch = _plain_whole(get("REV_AT_EPOCH") or 0)
    element_set_no = _plain_whole(get("ELEMENT_SET_NO") or 999)
    classification = get("CLASSIFICATION_TYPE") or "U"
    if (
        norad_id is None
        or rev_at_epoch is None
        or element_set_no is None
        or not 1 <= norad_id <= MAX_NORAD_ID
        or element_set_no > 9999
        or classification not in ("U", "C", "S")
    ):
        return None
    ephemeris_type = _PLAIN_EPHEMERIS_TYPE[get("EPHEMERIS_TYPE")]
    name = get("OBJECT_NAME")
    object_id = get("OBJECT_ID")
    return ElementSet(
        norad_id=norad_id,
        epoch=parse_ccsds_epoch(fields["EPOCH"]),
        mean_motion_rev_per_day=n,
        eccentricity=e,
        inclination_deg=i,
        raan_deg=raan,
        arg_of_pericenter_deg=argp,
        mean_anomaly_deg=m,
        bstar_per_earth_radius=bstar,
        mean_motion_dot_rev_per_day2=ndot,
        mean_motion_ddot_rev_per_day3=nddot,
        object_name=_text(name),
        object_id=_text(object_id),
        classification=classification,
        ephemeris_type=ephemeris_type,
        element_set_no=element_set_no,
        rev_at_epoch=rev_at_epoch,
    )


def _plain_whole(value: object) -> int | None:
    """A non-negative whole number given as plain digits or a JSON integer; None otherwise."""
    if type(value) is str:
        return int(value) if value.isdigit() and value.isascii() else None
    if type(value) is int and value >= 0:
        return value
    return None


def _diagnosed(fields: Mapping[str, Any]) -> tuple[ElementSet | None, list[Problem]]:
    """Read the fields one by one, reporting every problem."""
    problems: list[Problem] = []
    get = fields.get
    norad_id = _whole(get("NORAD_CAT_ID"), "NORAD_CAT_ID", 1, MAX_NORAD_ID, problems)
    epoch_value = get("EPOCH")
    epoch = None
    if _absent(epoch_value):
        problems.append(("EPOCH", "is missing", EPOCH_EXPECTED))
    else:
        try:
            epoch = parse_ccsds_epoch(str(epoch_value))
        except ValueError as exc:
            problems.append(("EPOCH", str(exc), EPOCH_EXPECTED))
    mean_motion = _real(get("MEAN_MOTION"), "MEAN_MOTION", problems)
    if mean_motion is not None and not mean_motion > 0.0:
        problems.append(("MEAN_MOTION", f"{mean_motion} is not positive", "rev/day > 0"))
        mean_motion = None
    eccentricity = _real(get("ECCENTRICITY"), "ECCENTRICITY", problems)
    if eccentricity is not None and not 0.0 <= eccentricity < 1.0:
        problems.append(("ECCENTRICITY", f"{eccentricity} is out of range", "0 <= e < 1"))
    inclination = _real(get("INCLINATION"), "INCLINATION", problems)
    if inclination is not None and not 0.0 <= inclination <= 180.0:
        problems.append(("INCLINATION", f"{inclination} is out of range", "deg in [0, 180]"))
    raan = _angle(get("RA_OF_ASC_NODE"), "RA_OF_ASC_NODE", problems)
    argp = _angle(get("ARG_OF_PERICENTER"), "ARG_OF_PERICENTER", problems)
    mean_anomaly = _angle(get("MEAN_ANOMALY"), "MEAN_ANOMALY", problems)
    bstar = _real(get("BSTAR"), "BSTAR", problems)
    ndot = _real(get("MEAN_MOTION_DOT"), "MEAN_MOTION_DOT", problems)
    nddot = _real(get("MEAN_MOTION_DDOT"), "MEAN_MOTION_DDOT", problems)
    ephemeris_type = _optional_whole(get("EPHEMERIS_TYPE"), "EPHEMERIS_TYPE", 0, 9, 0, problems)
    if ephemeris_type is not None and ephemeris_type not in _SGP4_EPHEMERIS_TYPES:
        problems.append(
            (
                "EPHEMERIS_TYPE",
                f"{ephemeris_type} is not an SGP4 ephemeris type (4 is SGP4-XP, which Accord "
                "does not propagate)",
                "0",
            )
        )
    set_no = _optional_whole(get("ELEMENT_SET_NO"), "ELEMENT_SET_NO", 0, 9999, 999, problems)
    rev = _optional_whole(get("REV_AT_EPOCH"), "REV_AT_EPOCH", 0, MAX_NORAD_ID, 0, problems)
    classification = _text(get("CLASSIFICATION_TYPE")) or "U"
    if classification not in ("U", "C", "S"):
        problems.append(("CLASSIFICATION_TYPE", f"{classification!r} is not valid", "U, C or S"))
    if problems:
        return None, problems
    assert norad_id is not None and epoch is not None and mean_motion is not None
    assert eccentricity is not None and inclination is not None and raan is not None
    assert argp is not None and mean_anomaly is not None and bstar is not None
    assert ndot is not None and nddot is not None and ephemeris_type is not None
    assert set_no is not None and rev is not None
    return (
        ElementSet(
            norad_id=norad_id,
            epoch=epoch,
            mean_motion_rev_per_day=mean_motion,
            eccentricity=eccentricity,
            inclination_deg=inclination,
            raan_deg=raan,
            arg_of_pericenter_deg=argp,
            mean_anomaly_deg=mean_anomaly,
            bstar_per_earth_radius=bstar,
            mean_motion_dot_rev_per_day2=ndot,
            mean_motion_ddot_rev_per_day3=nddot,
            object_name=_text(get("OBJECT_NAME")),
            object_id=_text(get("OBJECT_ID")),
            classification=classification,
            ephemeris_type=ephemeris_type,
            element_set_no=set_no,
            rev_at_epoch=rev,
        ),
        problems,
    )


def read_gp_csv(text: str, source: str) -> CatalogReading:
    """Read GP CSV: a header row of OMM keywords, then one element set per row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as exc:
        raise FormatError(
            [RecordError(source, None, 1, "header", f"is not CSV ({exc})", _HEADER_EXPECTED)]
        ) from exc
    missing = [keyword for keyword in GP_REQUIRED_KEYWORDS if keyword not in header]
    if missing:
        problem = "is missing" if not header else f"lacks the column(s) {', '.join(missing)}"
        raise FormatError([RecordError(source, None, 1, "header", problem, _HEADER_EXPECTED)])
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise FormatError(
            [
                RecordError(
                    source,
                    None,
                    1,
                    "header",
                    f"names the column(s) {', '.join(duplicated)} more than once",
                    "each OMM keyword at most once",
                )
            ]
        )
    reading = CatalogReading(source=source, format=CatalogFormat.GP_CSV)
    width = len(header)
    record = 0
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            record += 1
            if len(row) != width:
                reading.errors.append(
                    RecordError(
                        source,
                        record,
                        line,
                        None,
                        f"has {len(row)} columns",
                        f"{width} columns, as in the header",
                    )
                )
                continue
            element_set, problems = element_set_from_omm_fields(dict(zip(header, row, strict=True)))
            _collect(reading, record, line, element_set, problems)
    except csv.Error as exc:
        reading.errors.append(
            RecordError(source, record + 1, line + 1, None, f"is not valid CSV ({exc})", "CSV")
        )
    return reading


_HEADER_EXPECTED = "a first row naming the OMM keywords, at least " + ", ".join(
    GP_REQUIRED_KEYWORDS
)


def read_gp_json(text: str, source: str) -> CatalogReading:
    """Read GP JSON: an array of objects keyed by OMM keywords (values numbers or strings)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(
            [
                RecordError(
                    source,
                    None,
                    exc.lineno,
                    None,
                    f"is not valid JSON ({exc.msg} at column {exc.colno})",
                    "a JSON array of GP objects",
                )
            ]
        ) from exc
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list):
        raise FormatError(
            [
                RecordError(
                    source,
                    None,
                    None,
                    None,
                    f"holds a JSON {type(document).__name__}",
                    "a JSON array of GP objects keyed by OMM keywords",
                )
            ]
        )
    reading = CatalogReading(source=source, format=CatalogFormat.GP_JSON)
    for record, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            reading.errors.append(
                RecordError(
                    source,
                    record,
                    None,
                    None,
                    f"is a JSON {type(item).__name__}",
                    "a JSON object keyed by OMM keywords",
                )
            )
            continue
        element_set, problems = element_set_from_omm_fields(item)
        _collect(reading, record, None, element_set, problems)
    return reading


def read_gp_xml(root: Element, source: str) -> CatalogReading:
    """Read Space-Track's flat GP XML: <xml><item><NORAD_CAT_ID>..</NORAD_CAT_ID>..</item></xml>."""
    reading = CatalogReading(source=source, format=CatalogFormat.GP_XML)
    for record, item in enumerate(root, start=1):
        tag = local_name(item.tag)
        if tag != "item":
            reading.errors.append(
                RecordError(source, record, None, tag, "is not a GP record", "<item> elements")
            )
            continue
        fields = {local_name(child.tag): (child.text or "").strip() for child in item}
        element_set, problems = element_set_from_omm_fields(fields)
        _collect(reading, record, None, element_set, problems)
    return reading


def local_name(tag: str) -> str:
    """An XML tag without its namespace ('{ns}omm' -> 'omm')."""
    return tag.rpartition("}")[2]


def _collect(
    reading: CatalogReading,
    record: int,
    line: int | None,
    element_set: ElementSet | None,
    problems: list[Problem],
) -> None:
    if element_set is not None:
        reading.element_sets.append(ReadElementSet(record, line, element_set))
        return
    source = reading.source
    for field, problem, expected in problems:
        reading.errors.append(RecordError(source, record, line, field, problem, expected))


def _absent(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _real(value: object, keyword: str, problems: list[Problem]) -> float | None:
    if _absent(value):
        problems.append((keyword, "is missing", "a number"))
        return None
    try:
        if type(value) is bool or (type(value) is str and "_" in value):
            raise ValueError(keyword)
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        problems.append((keyword, f"{value!r} is not a number", "a decimal number"))
        return None
    if number - number != 0.0:  # NaN or infinite
        problems.append((keyword, f"{value!r} is not finite", "a finite decimal number"))
        return None
    return number


def _angle(value: object, keyword: str, problems: list[Problem]) -> float | None:
    angle = _real(value, keyword, problems)
    if angle is not None and not 0.0 <= angle < 360.0:
        problems.append((keyword, f"{angle} is out of range", "deg in [0, 360)"))
        return None
    return angle


def _whole(value: object, keyword: str, low: int, high: int, problems: list[Problem]) -> int | None:
    if _absent(value):
        problem = "is missing"
        if keyword == "NORAD_CAT_ID":
            problem += (
                "; the Accord catalog is keyed by NORAD catalog number, so an element set "
                "without one cannot enter it"
            )
        problems.append((keyword, problem, f"a whole number from {low} to {high:,}"))
        return None
    number: int | None = None
    if type(value) is int:
        number = value
    elif type(value) is str:
        text = value.strip()
        if text.isascii() and text.isdigit():
            number = int(text)
    elif type(value) is float and value.is_integer():
        number = int(value)
    if number is None or not low <= number <= high:
        problems.append(
            (keyword, f"{value!r} is not valid", f"a whole number from {low} to {high:,}")
        )
        return None
    return number


def _optional_whole(
    value: object, keyword: str, low: int, high: int, default: int, problems: list[Problem]
) -> int | None:
    if _absent(value):
        return default
    return _whole(value, keyword, low, high, problems)
