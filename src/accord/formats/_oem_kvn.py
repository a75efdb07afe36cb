"""OEM in Keyword = Value Notation (CCSDS 502.0-B-3 sections 5.2 and 7): reader and writer.

Layout: header keywords; then per segment META_START ... META_STOP, COMMENT lines, one
ephemeris line per state ("epoch x y z x_dot y_dot z_dot [x_ddot y_ddot z_ddot]"), and
optionally COVARIANCE_START, blocks of EPOCH, COV_REF_FRAME and six lower-triangle rows,
COVARIANCE_STOP. A keyword line among ephemeris or covariance rows is an error.
"""

from __future__ import annotations

import numpy as np

from accord.formats._errors import FormatError, RecordError
from accord.formats._oem_build import (
    RawCovariance,
    RawEntry,
    RawOem,
    RawSegment,
    build_oem,
)
from accord.formats._oem_model import OemSegment, OrbitEphemerisMessage

__all__ = ["format_oem_kvn", "read_oem_kvn"]


def _is_comment(line: str) -> bool:
    return line.startswith("COMMENT") and (len(line) == 7 or line[7].isspace())


def read_oem_kvn(text: str, *, source: str = "<oem>") -> OrbitEphemerisMessage:
    """Read one KVN OEM; FormatError names the line and field of every problem."""
    raw = RawOem(source)
    errors: list[RecordError] = []
    state = "header"  # header, metadata, data, covariance
    segment: RawSegment | None = None
    covariance: RawCovariance | None = None

    def fail(number: int, field: str | None, problem: str, expected: str) -> None:
        errors.append(RecordError(source, None, number, field, problem, expected))

    for number, full in enumerate(text.splitlines(), start=1):
        line = full.strip()
        if not line:
            continue
        if _is_comment(line):
            comment = line[7:].strip()
            if state == "header":
                raw.header_comments.append(comment)
            elif state == "metadata" and segment is not None:
                segment.metadata_comments.append(comment)
            elif state == "covariance" and covariance is not None:
                covariance.comments.append(comment)
            elif segment is not None and not segment.states:
                segment.data_comments.append(comment)
            else:
                fail(
                    number,
                    "COMMENT",
                    "comes after the first ephemeris line",
                    "COMMENT lines only at the start of the ephemeris data",
                )
            continue
        if line in ("META_START", "META_STOP", "COVARIANCE_START", "COVARIANCE_STOP"):
            expected_state = {
                "META_START": ("header", "data", "after-covariance"),
                "META_STOP": ("metadata",),
                "COVARIANCE_START": ("data",),
                "COVARIANCE_STOP": ("covariance",),
            }[line]
            if state not in expected_state:
                fail(
                    number,
                    line,
                    f"is not expected here (inside the {state} section)",
                    "META_START, META_STOP, then ephemeris lines, then optional "
                    "COVARIANCE_START ... COVARIANCE_STOP",
                )
            if line == "META_START":
                segment = RawSegment(number)
                raw.segments.append(segment)
                state = "metadata"
            elif line == "META_STOP":
                state = "data"
            elif line == "COVARIANCE_START":
                state = "covariance"
            else:
                state = "after-covariance"
            covariance = None
            continue
        keyword, equals, value = line.partition("=")
        keyword = keyword.strip()
        is_keyword = bool(equals) and keyword.replace("_", "").isalnum() and " " not in keyword
        if state == "header":
            if not is_keyword:
                fail(
                    number,
                    None,
                    f"{line[:40]!r} is not KEYWORD = value",
                    "header keywords, then META_START",
                )
            elif keyword == "CCSDS_OEM_VERS" and raw.version is None:
                raw.version = RawEntry(keyword, value.strip(), number)
            else:
                if raw.version is None:
                    fail(
                        number,
                        "CCSDS_OEM_VERS",
                        f"is missing: the first keyword is {keyword}",
                        "CCSDS_OEM_VERS = 3.0 as the first keyword",
                    )
                    raise FormatError(errors)
                raw.header.append(RawEntry(keyword, value.strip(), number))
        elif state == "metadata":
            assert segment is not None
            if not is_keyword:
                fail(
                    number,
                    None,
                    f"{line[:40]!r} is not KEYWORD = value",
                    "metadata keywords until META_STOP",
                )
            else:
                segment.metadata.append(RawEntry(keyword, value.strip(), number))
        elif state == "data":
            assert segment is not None
            if is_keyword:
                fail(
                    number,
                    keyword,
                    "is a keyword among the ephemeris lines",
                    "only ephemeris lines (epoch and 6 or 9 numbers) between META_STOP and "
                    "COVARIANCE_START or the next META_START",
                )
                continue
            fields = line.split()
            segment.states.append((number, fields[0], fields[1:]))
        elif state == "covariance":
            assert segment is not None
            if is_keyword and keyword == "EPOCH":
                covariance = RawCovariance(number, epoch=RawEntry(keyword, value.strip(), number))
                segment.covariances.append(covariance)
            elif is_keyword and keyword == "COV_REF_FRAME" and covariance is not None:
                covariance.ref_frame = RawEntry(keyword, value.strip(), number)
            elif is_keyword:
                fail(
                    number,
                    keyword,
                    "is not allowed in a covariance block",
                    "EPOCH, COV_REF_FRAME, then 6 rows of the lower triangle",
                )
            elif covariance is None:
                fail(
                    number,
                    "EPOCH",
                    "covariance rows come before any EPOCH",
                    "EPOCH = time before each covariance matrix",
                )
            else:
                covariance.rows.append((number, line.split()))
        else:  # after COVARIANCE_STOP
            fail(
                number,
                keyword if is_keyword else None,
                "follows COVARIANCE_STOP",
                "META_START of the next segment, or the end of the message",
            )
    if raw.version is None:
        fail(
            1,
            "CCSDS_OEM_VERS",
            "is missing: the input has no OEM header",
            "an OEM KVN message starting with CCSDS_OEM_VERS = 3.0",
        )
    if state in ("metadata", "covariance"):
        closer = "META_STOP" if state == "metadata" else "COVARIANCE_STOP"
        fail(
            len(text.splitlines()),
            closer,
            "is missing at the end of the message",
            f"{closer} to close the open section",
        )
    if errors:
        try:
            build_oem(raw)
        except FormatError as later:
            errors.extend(later.errors)
        raise FormatError(sorted(errors, key=lambda e: e.line or 0))
    return build_oem(raw)


def _time(value: np.datetime64) -> str:
    # Nanoseconds, trailing zeros trimmed to milliseconds at least (CCSDS calendar form).
    text = str(np.asarray(value).astype("datetime64[ns]"))
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    return whole + "." + fraction.ljust(3, "0")


def _number(value: float) -> str:
    return repr(float(value))  # shortest text that reads back to the same double


def format_oem_kvn(oem: OrbitEphemerisMessage) -> str:
    """The OEM as KVN text (CCSDS 502.0-B-3); numbers round-trip exactly, times to the ns."""
    header = oem.header
    lines = [f"CCSDS_OEM_VERS = {header.version}"]
    lines += [f"COMMENT {c}".rstrip() for c in header.comments]
    if header.classification is not None:
        lines.append(f"CLASSIFICATION = {header.classification}")
    lines += [f"CREATION_DATE = {header.creation_date}", f"ORIGINATOR = {header.originator}"]
    if header.message_id is not None:
        lines.append(f"MESSAGE_ID = {header.message_id}")
    for segment in oem.segments:
        lines += ["", *_segment_lines(segment)]
    return "\n".join(lines) + "\n"


def _segment_lines(segment: OemSegment) -> list[str]:
    meta = segment.metadata
    lines = ["META_START", *(f"COMMENT {c}".rstrip() for c in meta.comments)]
    rows: list[tuple[str, object]] = [
        ("OBJECT_NAME", meta.object_name),
        ("OBJECT_ID", meta.object_id),
        ("CENTER_NAME", meta.center_name),
        ("REF_FRAME", meta.ref_frame),
        ("REF_FRAME_EPOCH", meta.ref_frame_epoch),
        ("TIME_SYSTEM", meta.time_system),
        ("START_TIME", _time(meta.start_time)),
        ("USEABLE_START_TIME", meta.useable_start_time and _time(meta.useable_start_time)),
        ("USEABLE_STOP_TIME", meta.useable_stop_time and _time(meta.useable_stop_time)),
        ("STOP_TIME", _time(meta.stop_time)),
        ("INTERPOLATION", meta.interpolation),
        ("INTERPOLATION_DEGREE", meta.interpolation_degree),
    ]
    lines += [f"{keyword:<20} = {value}" for keyword, value in rows if value is not None]
    lines.append("META_STOP")
    lines += [f"COMMENT {c}".rstrip() for c in segment.data_comments]
    accel = segment.acceleration_km_s2
    for index, epoch in enumerate(segment.epochs):
        numbers = [*segment.position_km[index], *segment.velocity_km_s[index]]
        if accel is not None and not np.isnan(accel[index]).any():
            numbers += list(accel[index])
        lines.append(" ".join([_time(epoch), *(_number(v) for v in numbers)]))
    if segment.covariances:
        lines.append("COVARIANCE_START")
        for block in segment.covariances:
            lines += [f"COMMENT {c}".rstrip() for c in block.comments]
            lines.append(f"EPOCH = {_time(block.epoch)}")
            if block.ref_frame is not None:
                lines.append(f"COV_REF_FRAME = {block.ref_frame}")
            for row in range(6):
                lines.append(" ".join(_number(block.matrix[row, col]) for col in range(row + 1)))
        lines.append("COVARIANCE_STOP")
    return lines
