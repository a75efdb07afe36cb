"""Shared middle of the CDM readers and writers: raw keyword sections <-> dataclasses.

Each syntax (KVN, XML, JSON) only splits its text into `RawCdm` sections of
(keyword, value text, line) entries; this module checks them against 508.0-B-1 (mandatory
keywords, repeated or misplaced keywords, numbers, dates) and builds the dataclasses, and
turns dataclasses back into ordered (keyword, text, unit) rows for the writers.

Lenient where real files need it, and documented: an empty value (`<TCA/>`,
`nil="true"`) or CARA's `NaN` for an optional keyword means "absent"; the bracketed unit
is not checked, because real files mislabel it (CARA writes `[m]` on relative
velocities); values are always taken in the standard's units. ORBIT_CENTER, when absent,
stays None (the standard's default is the Earth).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from accord.formats._cdm_model import (
    ADDITIONAL_EXTENSIONS,
    ADDITIONAL_FIELDS,
    COVARIANCE_EXTENSIONS,
    COVARIANCE_RTN_KEYWORDS,
    HEADER_EXTENSIONS,
    HEADER_FIELDS,
    METADATA_EXTENSIONS,
    METADATA_FIELDS,
    OD_EXTENSIONS,
    OD_FIELDS,
    RELATIVE_EXTENSIONS,
    RELATIVE_FIELDS,
    SHARED_COVARIANCE_KEYWORDS,
    STATE_FIELDS,
    SUPPORTED_VERSIONS,
    XYZ_COVARIANCE_KEYWORDS,
    CdmAdditionalParameters,
    CdmHeader,
    CdmObject,
    CdmObjectMetadata,
    CdmOdParameters,
    CdmRelativeData,
    CdmRtnCovariance,
    CdmStateVector,
    ConjunctionDataMessage,
    FieldSpec,
    covariance_unit,
)
from accord.formats._errors import FormatError, RecordError

__all__ = [
    "NUMERIC_KEYWORDS",
    "OBJECT_SECTIONS",
    "READ_SECTIONS",
    "RawCdm",
    "RawEntry",
    "RawSection",
    "build_cdm",
    "cdm_rows",
]

#: Object sub-sections in the order the standard writes them; "covariance_extension" holds
#: CDM 2.0 alternate covariances and covariance metadata, kept apart from the RTN matrix.
OBJECT_SECTIONS = ("metadata", "od", "additional", "state", "covariance", "user")
READ_SECTIONS = (*OBJECT_SECTIONS, "covariance_extension")
_SPECS: dict[str, tuple[FieldSpec, ...]] = {
    "header": HEADER_FIELDS,
    "relative": RELATIVE_FIELDS,
    "metadata": METADATA_FIELDS,
    "od": OD_FIELDS,
    "additional": ADDITIONAL_FIELDS,
    "state": STATE_FIELDS,
}
_EXTENSIONS: dict[str, frozenset[str]] = {
    "header": HEADER_EXTENSIONS,
    "relative": RELATIVE_EXTENSIONS,
    "metadata": METADATA_EXTENSIONS,
    "od": OD_EXTENSIONS,
    "additional": ADDITIONAL_EXTENSIONS,
    "covariance": COVARIANCE_EXTENSIONS,
}
_OBJECT_KEYWORDS = {
    name: {s.keyword for s in _SPECS[name]} | _EXTENSIONS[name]
    for name in ("metadata", "od", "additional")
}
_OBJECT_KEYWORDS["state"] = {s.keyword for s in STATE_FIELDS}
_RTN_ONLY = frozenset(COVARIANCE_RTN_KEYWORDS) - SHARED_COVARIANCE_KEYWORDS
_XYZ_ONLY = XYZ_COVARIANCE_KEYWORDS - SHARED_COVARIANCE_KEYWORDS
HEADER_KEYWORDS = frozenset({"CCSDS_CDM_VERS"} | {s.keyword for s in HEADER_FIELDS})
HEADER_KEYWORDS |= HEADER_EXTENSIONS
RELATIVE_KEYWORDS = frozenset({s.keyword for s in RELATIVE_FIELDS} | RELATIVE_EXTENSIONS)

#: Keywords whose values are numbers (typed fields and the RTN covariance).
NUMERIC_KEYWORDS = frozenset(
    {s.keyword for specs in _SPECS.values() for s in specs if s.kind in ("float", "int")}
    | set(COVARIANCE_RTN_KEYWORDS)
)

_TIME = re.compile(r"^(\d{4})-(?:(\d{2})-(\d{2})|(\d{3}))T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z)?$")


@dataclass
class RawEntry:
    """One keyword = value as written, with its 1-based line (None where unknown)."""

    keyword: str
    value: str
    line: int | None


@dataclass
class RawSection:
    """The entries and comments of one section, in file order."""

    entries: list[RawEntry] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    line: int | None = None


@dataclass
class RawCdm:
    """A CDM split into sections, not yet checked."""

    source: str
    version: RawEntry | None = None
    header: RawSection = field(default_factory=RawSection)
    relative: RawSection = field(default_factory=RawSection)
    objects: list[dict[str, RawSection]] = field(default_factory=list)


def object_section_of(keyword: str, covariance_mode: str) -> tuple[str, str] | None:
    """(section, covariance mode) of a keyword inside an object, or None if not allowed.

    The covariance mode ("RTN" or "XYZ") resolves the six keywords (CDRG_DRG, ...) that
    the RTN and the CDM 2.0 XYZ covariance share: they follow the last block seen.
    """
    for name, keywords in _OBJECT_KEYWORDS.items():
        if keyword in keywords:
            return name, covariance_mode
    if keyword in _RTN_ONLY:
        return "covariance", "RTN"
    if keyword in _XYZ_ONLY:
        return "covariance_extension", "XYZ"
    if keyword in SHARED_COVARIANCE_KEYWORDS:
        return (
            "covariance" if covariance_mode == "RTN" else "covariance_extension"
        ), covariance_mode
    if keyword in COVARIANCE_EXTENSIONS:
        return "covariance_extension", covariance_mode
    if keyword.startswith("USER_DEFINED_"):
        return "user", covariance_mode
    return None


class _Checker:
    """Collects every problem of one message before raising them together."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[RecordError] = []

    def fail(self, line: int | None, keyword: str | None, problem: str, expected: str) -> None:
        self.errors.append(RecordError(self.source, None, line, keyword, problem, expected))

    def value(self, spec: FieldSpec, entry: RawEntry | None, section_line: int | None) -> Any:
        text = entry.value.strip() if entry is not None else ""
        absent = entry is None or text == "" or (spec.kind != "str" and text.upper() == "NAN")
        if absent:
            if spec.mandatory:
                line = entry.line if entry is not None else section_line
                state = "is empty" if entry is not None else "is missing"
                self.fail(line, spec.keyword, f"mandatory keyword {state}", _expected(spec))
            return None
        assert entry is not None
        try:
            return _convert(spec, text)
        except ValueError:
            self.fail(entry.line, spec.keyword, f"cannot read {text!r}", _expected(spec))
            return None


def _expected(spec: FieldSpec) -> str:
    return {
        "str": "a non-empty text value",
        "float": "a number" + (f" in {spec.unit}" if spec.unit else ""),
        "int": "a whole number",
        "time": "a UTC time such as 2010-03-13T22:37:52.618 or 2010-072T22:37:52.618",
    }[spec.kind]


def _convert(spec: FieldSpec, text: str) -> Any:
    if spec.kind == "str":
        return text
    if spec.kind == "float":
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(text)
        return number
    if spec.kind == "int":
        number = float(text)
        if not number.is_integer():
            raise ValueError(text)
        return int(number)
    return parse_time(text)


def parse_time(text: str) -> datetime:
    """A CCSDS ASCII time (calendar or day-of-year form), as UTC; sub-microseconds dropped."""
    match = _TIME.match(text)
    if match is None:
        raise ValueError(text)
    year, month, day, doy, hour, minute, second, fraction, _ = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    if doy is not None:
        start = datetime(int(year), 1, 1, tzinfo=UTC)
        days = int(doy) - 1
        if not 0 <= days < (366 if _leap(int(year)) else 365):
            raise ValueError(text)
        date = start + timedelta(days=days)
        month, day = str(date.month), str(date.day)
    return datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=UTC
    )


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def format_time(moment: datetime) -> str:
    """CCSDS calendar time in UTC with microseconds (naive datetimes are taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _section_values(
    check: _Checker, name: str, raw: RawSection, allowed_extra: frozenset[str]
) -> tuple[dict[str, Any], tuple[tuple[str, str], ...]]:
    specs = _SPECS[name]
    known = {s.keyword: s for s in specs}
    seen: dict[str, RawEntry] = {}
    extensions: list[tuple[str, str]] = []
    for entry in raw.entries:
        if entry.keyword in seen and entry.keyword in known:
            check.fail(entry.line, entry.keyword, "keyword repeated", "each keyword once")
        elif entry.keyword in known:
            seen[entry.keyword] = entry
        elif entry.keyword in allowed_extra:
            extensions.append((entry.keyword, entry.value.strip()))
        else:
            check.fail(
                entry.line, entry.keyword, f"keyword not allowed in the {name} section",
                "a CCSDS 508.0-B-1 keyword of this section",
            )  # fmt: skip
    values = {s.attribute: check.value(s, seen.get(s.keyword), raw.line) for s in specs}
    return values, tuple(extensions)


def _build_covariance(
    check: _Checker, raw: RawSection, extension: RawSection
) -> CdmRtnCovariance | None:
    found: dict[str, RawEntry] = {}
    extensions = [(e.keyword, e.value.strip()) for e in extension.entries]
    for entry in raw.entries:
        if entry.keyword in COVARIANCE_RTN_KEYWORDS and entry.keyword not in found:
            found[entry.keyword] = entry
        elif entry.keyword in COVARIANCE_RTN_KEYWORDS:
            check.fail(entry.line, entry.keyword, "keyword repeated", "each keyword once")
        else:
            extensions.append((entry.keyword, entry.value.strip()))

    # The 9x9 extension rows count only when they hold values: files write empty
    # elements (<CTHR_R/>) for rows they do not have.
    def has_value(keyword: str) -> bool:
        text = found[keyword].value.strip() if keyword in found else ""
        return text != "" and text.upper() != "NAN"

    count = 21
    for start, size in ((21, 28), (28, 36), (36, 45)):
        if any(has_value(k) for k in COVARIANCE_RTN_KEYWORDS[start:size]):
            count = size
    values: list[float] = []
    errors_before = len(check.errors)
    for keyword in COVARIANCE_RTN_KEYWORDS[:count]:
        spec = FieldSpec(keyword, keyword, "float", covariance_unit(keyword), True)
        value = check.value(spec, found.get(keyword), raw.line)
        values.append(0.0 if value is None else value)
    if len(check.errors) > errors_before:
        return None
    comments = tuple(raw.comments) + tuple(extension.comments)
    return CdmRtnCovariance(tuple(values), comments, tuple(extensions))


def _build_object(check: _Checker, number: int, raw: dict[str, RawSection]) -> CdmObject | None:
    def section(name: str) -> RawSection:
        return raw.get(name) or RawSection(line=raw["metadata"].line)

    meta, meta_ext = _section_values(check, "metadata", section("metadata"), METADATA_EXTENSIONS)
    od, od_ext = _section_values(check, "od", section("od"), OD_EXTENSIONS)
    extra, extra_ext = _section_values(
        check, "additional", section("additional"), ADDITIONAL_EXTENSIONS
    )
    state, _ = _section_values(check, "state", section("state"), frozenset())
    covariance = _build_covariance(check, section("covariance"), section("covariance_extension"))
    expected_name = f"OBJECT{number}"
    if meta["object"] is not None and meta["object"] != expected_name:
        line = next((e.line for e in section("metadata").entries if e.keyword == "OBJECT"), None)
        check.fail(line, "OBJECT", f"object {number} is named {meta['object']!r}", expected_name)
    if any(v is None for k, v in meta.items() if _mandatory("metadata", k)) or covariance is None:
        return None
    if any(v is None for v in state.values()):
        return None
    user = tuple((e.keyword, e.value.strip()) for e in section("user").entries)
    return CdmObject(
        metadata=CdmObjectMetadata(
            **meta, comments=tuple(section("metadata").comments), extensions=meta_ext
        ),
        state_vector=CdmStateVector(**state, comments=tuple(section("state").comments)),
        covariance=covariance,
        od_parameters=CdmOdParameters(
            **od, comments=tuple(section("od").comments), extensions=od_ext
        ),
        additional_parameters=CdmAdditionalParameters(
            **extra, comments=tuple(section("additional").comments), extensions=extra_ext
        ),
        user_defined=user,
    )


def _mandatory(section: str, attribute: str) -> bool:
    return any(s.attribute == attribute and s.mandatory for s in _SPECS[section])


def build_cdm(raw: RawCdm) -> ConjunctionDataMessage:
    """Check a raw CDM against 508.0-B-1 and build it; FormatError lists every problem."""
    check = _Checker(raw.source)
    version = raw.version.value.strip() if raw.version is not None else ""
    if raw.version is None:
        check.fail(1, "CCSDS_CDM_VERS", "mandatory keyword is missing", "CCSDS_CDM_VERS = 1.0")
    elif version not in SUPPORTED_VERSIONS:
        check.fail(
            raw.version.line, "CCSDS_CDM_VERS", f"unsupported version {version!r}",
            " or ".join(SUPPORTED_VERSIONS),
        )  # fmt: skip
    header, header_ext = _section_values(check, "header", raw.header, HEADER_EXTENSIONS)
    relative, relative_ext = _section_values(check, "relative", raw.relative, RELATIVE_EXTENSIONS)
    if len(raw.objects) != 2:
        found = f"found {len(raw.objects)} object sections"
        check.fail(None, "OBJECT", found, "exactly two (OBJECT1, OBJECT2)")
    objects = [_build_object(check, i + 1, o) for i, o in enumerate(raw.objects[:2])]
    if check.errors:
        raise FormatError(check.errors)
    assert objects[0] is not None and objects[1] is not None
    return ConjunctionDataMessage(
        header=CdmHeader(
            **header, version=version, comments=tuple(raw.header.comments), extensions=header_ext
        ),
        relative=CdmRelativeData(
            **relative, comments=tuple(raw.relative.comments), extensions=relative_ext
        ),
        object1=objects[0],
        object2=objects[1],
    )


# --- writing -------------------------------------------------------------------------------

Row = tuple[str, str, str | None]


@dataclass
class SectionRows:
    """What a writer emits for one section: comments first, then keyword rows."""

    comments: tuple[str, ...]
    rows: list[Row]


def format_number(value: float | int) -> str:
    """Shortest text that reads back to the same float (upper-case exponent)."""
    if isinstance(value, int):
        return str(value)
    return repr(float(value)).upper().replace("INF", "inf")


def _rows(section: str, instance: Any) -> list[Row]:
    rows: list[Row] = []
    for spec in _SPECS[section]:
        value = getattr(instance, spec.attribute)
        if value is None:
            continue
        if spec.kind == "time":
            text = format_time(value)
        elif spec.kind in ("float", "int"):
            if not math.isfinite(value):
                raise ValueError(f"{spec.keyword} must be finite to be written, got {value}")
            text = format_number(value)
        else:
            text = str(value)
        rows.append((spec.keyword, text, spec.unit))
    rows.extend((k, v, None) for k, v in getattr(instance, "extensions", ()))
    return rows


def cdm_rows(cdm: ConjunctionDataMessage) -> dict[str, Any]:
    """Ordered rows of every section: {"version", "header", "relative", "objects": [...]}."""
    for name, spec_section in (("header", "header"), ("relative", "relative")):
        instance = getattr(cdm, name)
        missing = [
            s.keyword for s in _SPECS[spec_section]
            if s.mandatory and getattr(instance, s.attribute) in (None, "")
        ]  # fmt: skip
        if missing:
            raise ValueError(f"cannot write a CDM without mandatory {', '.join(missing)}")
    objects = []
    for obj in cdm.objects:
        covariance = obj.covariance
        cov_rows: list[Row] = [
            (k, format_number(v), covariance_unit(k))
            for k, v in zip(COVARIANCE_RTN_KEYWORDS, covariance.lower_triangle, strict=False)
        ]
        cov_rows.extend((k, v, None) for k, v in covariance.extensions)
        objects.append(
            {
                "metadata": SectionRows(obj.metadata.comments, _rows("metadata", obj.metadata)),
                "od": SectionRows(obj.od_parameters.comments, _rows("od", obj.od_parameters)),
                "additional": SectionRows(
                    obj.additional_parameters.comments,
                    _rows("additional", obj.additional_parameters),
                ),
                "state": SectionRows(obj.state_vector.comments, _rows("state", obj.state_vector)),
                "covariance": SectionRows(covariance.comments, cov_rows),
                "user": SectionRows((), [(k, v, None) for k, v in obj.user_defined]),
            }
        )
    return {
        "version": cdm.header.version,
        "header": SectionRows(cdm.header.comments, _rows("header", cdm.header)),
        "relative": SectionRows(cdm.relative.comments, _rows("relative", cdm.relative)),
        "objects": objects,
    }
