"""Check an OEM read from KVN or XML and build its dataclasses; errors name line and field.

Both syntaxes fill the same raw form (keyword, text, line) so that the checks of CCSDS
502.0-B-3 section 5 (Tables 5-2 to 5-4) live in one place: mandatory keywords, known
keywords in their section, numbers, times, interpolation, one time system per message,
ephemeris lines in time order inside START_TIME..STOP_TIME, and 21-term covariances.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accord.formats._ccsds_time import EPOCH_EXPECTED, parse_ccsds_epoch
from accord.formats._errors import FormatError, RecordError
from accord.formats._oem_model import (
    OemCovariance,
    OemHeader,
    OemMetadata,
    OemSegment,
    OrbitEphemerisMessage,
)

__all__ = [
    "HEADER_KEYWORDS",
    "METADATA_KEYWORDS",
    "RawCovariance",
    "RawEntry",
    "RawOem",
    "RawSegment",
    "build_oem",
    "epoch_ns",
]

HEADER_KEYWORDS = ("CLASSIFICATION", "CREATION_DATE", "ORIGINATOR", "MESSAGE_ID")
METADATA_KEYWORDS = (
    "OBJECT_NAME",
    "OBJECT_ID",
    "CENTER_NAME",
    "REF_FRAME",
    "REF_FRAME_EPOCH",
    "TIME_SYSTEM",
    "START_TIME",
    "USEABLE_START_TIME",
    "USEABLE_STOP_TIME",
    "STOP_TIME",
    "INTERPOLATION",
    "INTERPOLATION_DEGREE",
)
_MANDATORY_METADATA = (
    "OBJECT_NAME",
    "OBJECT_ID",
    "CENTER_NAME",
    "REF_FRAME",
    "TIME_SYSTEM",
    "START_TIME",
    "STOP_TIME",
)
_VERSIONS = ("1.0", "2.0", "3.0")
_INTERPOLATIONS = ("LAGRANGE", "HERMITE", "LINEAR")
#: Time systems of CCSDS 502.0-B-3 Annex A / SANA's time-system registry.
TIME_SYSTEMS = frozenset(
    {"GMST", "GPS", "MET", "MRT", "SCLK", "TAI", "TCB", "TCG", "TDB", "TT", "UT1", "UTC"}
)
_NS_PER_SECOND = 1_000_000_000


@dataclass
class RawEntry:
    keyword: str
    value: str
    line: int | None


@dataclass
class RawCovariance:
    line: int | None
    epoch: RawEntry | None = None
    ref_frame: RawEntry | None = None
    #: Rows of the lower triangle as read: (line, values); XML gives named terms instead.
    rows: list[tuple[int | None, list[str]]] = field(default_factory=list)
    terms: dict[str, RawEntry] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)


@dataclass
class RawSegment:
    line: int | None
    metadata: list[RawEntry] = field(default_factory=list)
    metadata_comments: list[str] = field(default_factory=list)
    data_comments: list[str] = field(default_factory=list)
    #: (line, epoch text, the 6 or 9 numbers as text)
    states: list[tuple[int | None, str, list[str]]] = field(default_factory=list)
    covariances: list[RawCovariance] = field(default_factory=list)


@dataclass
class RawOem:
    source: str
    version: RawEntry | None = None
    header: list[RawEntry] = field(default_factory=list)
    header_comments: list[str] = field(default_factory=list)
    segments: list[RawSegment] = field(default_factory=list)


def epoch_ns(text: str) -> int:
    """A CCSDS time (calendar or day-of-year) as integer nanoseconds since 1970, as written.

    Reuses `parse_ccsds_epoch` for the date and whole seconds and keeps up to nine fraction
    digits itself (OEM lines carry nanoseconds, e.g. Orekit's `43.121856000000`), rounding
    half up beyond that. Raises ValueError when the text is not a CCSDS time.
    """
    cleaned = text.strip()
    if cleaned.endswith("Z"):
        cleaned = cleaned[:-1]
    whole, dot, fraction = cleaned.partition(".")
    if dot and not fraction.isdigit():
        raise ValueError(f"{text!r} is not a CCSDS time")
    seconds = round(parse_ccsds_epoch(whole).timestamp())
    nanoseconds = 0
    if fraction:
        digits = len(fraction)
        nanoseconds = (int(fraction) * 2 * _NS_PER_SECOND + 10**digits) // (2 * 10**digits)
    return seconds * _NS_PER_SECOND + nanoseconds


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[RecordError] = []

    def fail(self, line: int | None, keyword: str | None, problem: str, expected: str) -> None:
        self.errors.append(RecordError(self.source, None, line, keyword, problem, expected))

    def time(self, entry: RawEntry) -> np.datetime64 | None:
        try:
            return np.datetime64(epoch_ns(entry.value), "ns")
        except ValueError as error:
            self.fail(
                entry.line, entry.keyword, f"{entry.value!r} is not a time: {error}", EPOCH_EXPECTED
            )
            return None

    def number(self, text: str, line: int | None, keyword: str) -> float:
        try:
            value = float(text)
        except ValueError:
            self.fail(line, keyword, f"{text!r} is not a number", "a decimal number like -1.04195")
            return float("nan")
        if not np.isfinite(value):
            self.fail(line, keyword, f"{text!r} is not finite", "a finite number")
        return value


def build_oem(raw: RawOem) -> OrbitEphemerisMessage:
    """Validate the raw message and build it; FormatError lists every problem found."""
    check = _Checker(raw.source)
    header = _header(raw, check)
    segments = []
    for raw_segment in raw.segments:
        segment = _segment(raw_segment, check)
        if segment is not None:
            segments.append(segment)
    if not raw.segments:
        check.fail(
            None,
            "META_START",
            "the message has no segment",
            "at least one META_START ... META_STOP segment with ephemeris lines",
        )
    systems = {s.metadata.time_system for s in segments}
    if len(systems) > 1:
        later = next(
            s
            for s in raw.segments[1:]
            if _value(s, "TIME_SYSTEM") not in (None, segments[0].metadata.time_system)
        )
        entry = next(e for e in later.metadata if e.keyword == "TIME_SYSTEM")
        check.fail(
            entry.line,
            "TIME_SYSTEM",
            f"is {entry.value!r}, but an earlier segment uses {segments[0].metadata.time_system!r}",
            "one TIME_SYSTEM for every segment of a message",
        )
    if check.errors or header is None:
        raise FormatError(check.errors)
    return OrbitEphemerisMessage(header, tuple(segments))


def _value(segment: RawSegment, keyword: str) -> str | None:
    for entry in segment.metadata:
        if entry.keyword == keyword:
            return entry.value.strip().upper()
    return None


def _header(raw: RawOem, check: _Checker) -> OemHeader | None:
    if raw.version is None:
        check.fail(1, "CCSDS_OEM_VERS", "is missing", "CCSDS_OEM_VERS = 3.0 as the first keyword")
        version = ""
    else:
        version = raw.version.value.strip()
        if version not in _VERSIONS:
            check.fail(
                raw.version.line,
                "CCSDS_OEM_VERS",
                f"{version!r} is not an OEM version",
                "1.0, 2.0 or 3.0",
            )
    values: dict[str, str] = {}
    for entry in raw.header:
        if entry.keyword not in HEADER_KEYWORDS:
            check.fail(
                entry.line,
                entry.keyword,
                "is not an OEM header keyword",
                ", ".join(HEADER_KEYWORDS),
            )
        elif entry.keyword in values:
            check.fail(entry.line, entry.keyword, "is repeated", "each header keyword once")
        else:
            values[entry.keyword] = entry.value.strip()
    first_line = raw.version.line if raw.version else 1
    for keyword in ("CREATION_DATE", "ORIGINATOR"):
        if not values.get(keyword):
            check.fail(
                first_line,
                keyword,
                "is missing or empty (mandatory header keyword)",
                f"{keyword} = ... in the header",
            )
    if "CREATION_DATE" in values:
        check.time(
            RawEntry(
                "CREATION_DATE", values["CREATION_DATE"], _line_of(raw.header, "CREATION_DATE")
            )
        )
    return OemHeader(
        version=version,
        creation_date=values.get("CREATION_DATE", ""),
        originator=values.get("ORIGINATOR", ""),
        message_id=values.get("MESSAGE_ID"),
        classification=values.get("CLASSIFICATION"),
        comments=tuple(raw.header_comments),
    )


def _line_of(entries: list[RawEntry], keyword: str) -> int | None:
    return next((e.line for e in entries if e.keyword == keyword), None)


def _segment(raw: RawSegment, check: _Checker) -> OemSegment | None:
    errors_before = len(check.errors)
    entries: dict[str, RawEntry] = {}
    for entry in raw.metadata:
        if entry.keyword not in METADATA_KEYWORDS:
            check.fail(
                entry.line,
                entry.keyword,
                "is not an OEM metadata keyword",
                "a CCSDS 502.0-B-3 Table 5-3 keyword",
            )
        elif entry.keyword in entries:
            check.fail(
                entry.line,
                entry.keyword,
                f"repeats line {entries[entry.keyword].line}",
                "each metadata keyword once per segment",
            )
        else:
            entries[entry.keyword] = entry
    for keyword in _MANDATORY_METADATA:
        if keyword not in entries or not entries[keyword].value.strip():
            check.fail(
                raw.line,
                keyword,
                "is missing (mandatory OEM metadata)",
                f"{keyword} = ... between META_START and META_STOP",
            )
    times: dict[str, np.datetime64 | None] = {
        k: check.time(entries[k])
        for k in ("START_TIME", "STOP_TIME", "USEABLE_START_TIME", "USEABLE_STOP_TIME")
        if k in entries
    }
    system = entries["TIME_SYSTEM"].value.strip().upper() if "TIME_SYSTEM" in entries else ""
    if system and system not in TIME_SYSTEMS:
        check.fail(
            entries["TIME_SYSTEM"].line,
            "TIME_SYSTEM",
            f"{system!r} is not a CCSDS time system",
            ", ".join(sorted(TIME_SYSTEMS)),
        )
    interpolation = None
    if "INTERPOLATION" in entries:
        interpolation = entries["INTERPOLATION"].value.strip().upper()
        if interpolation not in _INTERPOLATIONS:
            check.fail(
                entries["INTERPOLATION"].line,
                "INTERPOLATION",
                f"{interpolation!r} is not an interpolation method Accord applies",
                "LAGRANGE, HERMITE or LINEAR",
            )
    degree = None
    if "INTERPOLATION_DEGREE" in entries:
        text = entries["INTERPOLATION_DEGREE"].value.strip()
        if text.isdigit() and int(text) >= 1:
            degree = int(text)
        else:
            check.fail(
                entries["INTERPOLATION_DEGREE"].line,
                "INTERPOLATION_DEGREE",
                f"{text!r} is not a positive whole number",
                "a degree such as 7",
            )
    start, stop = times.get("START_TIME"), times.get("STOP_TIME")
    if start is not None and stop is not None and stop < start:
        check.fail(
            entries["STOP_TIME"].line,
            "STOP_TIME",
            "is before START_TIME",
            "STOP_TIME at or after START_TIME",
        )
    for keyword in ("USEABLE_START_TIME", "USEABLE_STOP_TIME"):
        moment = times.get(keyword)
        if (
            moment is not None
            and start is not None
            and stop is not None
            and not start <= moment <= stop
        ):
            check.fail(
                entries[keyword].line,
                keyword,
                "lies outside START_TIME..STOP_TIME",
                "a time inside the segment's span",
            )

    epochs, numbers, accelerations = _states(raw, check, start, stop)
    covariances = tuple(c for c in (_covariance(cov, check) for cov in raw.covariances) if c)
    if len(check.errors) > errors_before or start is None or stop is None:
        return None
    metadata = OemMetadata(
        object_name=entries["OBJECT_NAME"].value.strip(),
        object_id=entries["OBJECT_ID"].value.strip(),
        center_name=entries["CENTER_NAME"].value.strip().upper(),
        ref_frame=entries["REF_FRAME"].value.strip().upper(),
        time_system=system,
        start_time=start,
        stop_time=stop,
        ref_frame_epoch=entries["REF_FRAME_EPOCH"].value.strip()
        if "REF_FRAME_EPOCH" in entries
        else None,
        useable_start_time=times.get("USEABLE_START_TIME"),
        useable_stop_time=times.get("USEABLE_STOP_TIME"),
        interpolation=interpolation,
        interpolation_degree=degree,
        comments=tuple(raw.metadata_comments),
    )
    acceleration = None
    if any(a is not None for a in accelerations):
        acceleration = np.array([a if a is not None else [np.nan] * 3 for a in accelerations])
    return OemSegment(
        metadata=metadata,
        epochs=np.array(epochs, dtype="datetime64[ns]"),
        position_km=np.array(numbers, dtype=np.float64).reshape(-1, 6)[:, :3],
        velocity_km_s=np.array(numbers, dtype=np.float64).reshape(-1, 6)[:, 3:],
        acceleration_km_s2=acceleration,
        covariances=covariances,
        data_comments=tuple(raw.data_comments),
    )


def _states(
    raw: RawSegment, check: _Checker, start: np.datetime64 | None, stop: np.datetime64 | None
) -> tuple[list[int], list[list[float]], list[list[float] | None]]:
    epochs: list[int] = []
    numbers: list[list[float]] = []
    accelerations: list[list[float] | None] = []
    if not raw.states:
        check.fail(
            raw.line,
            "ephemeris data",
            "the segment has no ephemeris line",
            "lines of epoch x y z x_dot y_dot z_dot after META_STOP",
        )
    previous: int | None = None
    for line, epoch_text, values in raw.states:
        if len(values) not in (6, 9):
            check.fail(
                line,
                "ephemeris data",
                f"has {len(values)} numbers after the epoch",
                "6 (position km, velocity km/s) or 9 (with acceleration km/s**2)",
            )
            continue
        try:
            epoch = epoch_ns(epoch_text)
        except ValueError:
            check.fail(line, "EPOCH", f"{epoch_text!r} is not a time", EPOCH_EXPECTED)
            continue
        names = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT", "X_DDOT", "Y_DDOT", "Z_DDOT")
        parsed = [check.number(text, line, name) for text, name in zip(values, names, strict=False)]
        if previous is not None and epoch < previous:
            check.fail(
                line,
                "EPOCH",
                f"{epoch_text} is earlier than the line before",
                "ephemeris lines in increasing time order",
            )
        if (
            start is not None
            and stop is not None
            and not int(start.astype(np.int64)) <= epoch <= int(stop.astype(np.int64))
        ):
            check.fail(
                line,
                "EPOCH",
                f"{epoch_text} lies outside START_TIME..STOP_TIME",
                "ephemeris lines within the segment's span",
            )
        previous = epoch
        epochs.append(epoch)
        numbers.append(parsed[:6])
        accelerations.append(parsed[6:] if len(parsed) == 9 else None)
    return epochs, numbers, accelerations


def _covariance(raw: RawCovariance, check: _Checker) -> OemCovariance | None:
    errors_before = len(check.errors)
    if raw.epoch is None:
        check.fail(
            raw.line,
            "EPOCH",
            "is missing from a covariance block",
            "EPOCH = time as the first line of each covariance matrix",
        )
        epoch = None
    else:
        epoch = check.time(raw.epoch)
    values: list[float] = []
    if raw.terms:  # XML: named terms
        from accord.formats._oem_model import COVARIANCE_KEYWORDS

        for keyword in COVARIANCE_KEYWORDS:
            entry = raw.terms.get(keyword)
            if entry is None:
                check.fail(
                    raw.line,
                    keyword,
                    "is missing from the covariance matrix",
                    "all 21 lower-triangle terms CX_X ... CZ_DOT_Z_DOT",
                )
            else:
                values.append(check.number(entry.value, entry.line, keyword))
    else:
        for index, (line, row) in enumerate(raw.rows):
            if index >= 6:
                check.fail(
                    line,
                    "covariance",
                    f"has a row {index + 1}",
                    "exactly 6 rows (lower triangle of the 6x6 matrix)",
                )
                break
            if len(row) != index + 1:
                check.fail(
                    line,
                    "covariance",
                    f"row {index + 1} has {len(row)} columns",
                    f"{index + 1} values (row {index + 1} of the lower triangle)",
                )
                continue
            values.extend(check.number(text, line, f"covariance row {index + 1}") for text in row)
        if len(raw.rows) < 6:
            last = raw.rows[-1][0] if raw.rows else raw.line
            check.fail(
                last,
                "covariance",
                f"has {len(raw.rows)} rows",
                "6 rows (lower triangle of the 6x6 matrix)",
            )
    if len(check.errors) > errors_before or epoch is None:
        return None
    matrix = np.zeros((6, 6))
    rows, columns = np.tril_indices(6)
    matrix[rows, columns] = values
    matrix[columns, rows] = values
    frame = raw.ref_frame.value.strip().upper() if raw.ref_frame is not None else None
    return OemCovariance(epoch=epoch, ref_frame=frame, matrix=matrix, comments=tuple(raw.comments))
