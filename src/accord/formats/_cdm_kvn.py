"""CDM in Keyword = Value Notation (CCSDS 508.0-B-1 section 4): reader and writer.

KVN has no section markers: the header runs until the first relative keyword, the relative
section until the first `OBJECT =`, and each object until the next; inside an object the
keyword itself says which block (metadata, OD, additional, state, covariance) it belongs
to. Comments attach to the section of the keyword that follows them.
"""

from __future__ import annotations

import re

from accord.formats._cdm_build import (
    HEADER_KEYWORDS,
    OBJECT_SECTIONS,
    READ_SECTIONS,
    RELATIVE_KEYWORDS,
    RawCdm,
    RawEntry,
    RawSection,
    build_cdm,
    cdm_rows,
    object_section_of,
)
from accord.formats._cdm_model import ConjunctionDataMessage
from accord.formats._errors import FormatError, RecordError

__all__ = ["format_cdm_kvn", "read_cdm_kvn"]

_LINE = re.compile(r"^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*(?:\[([^\]]*)\]?)?\s*$")
_COMMENT = re.compile(r"^\s*COMMENT(?:\s+(.*?))?\s*$")


def read_cdm_kvn(text: str, *, source: str = "<cdm>") -> ConjunctionDataMessage:
    """Read one KVN CDM; FormatError names the line and keyword of every problem."""
    raw = RawCdm(source)
    errors: list[RecordError] = []
    phase = "header"
    pending: list[str] = []
    current: RawSection = raw.header
    covariance_mode = "RTN"

    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        comment = _COMMENT.match(line)
        if comment and not line.lstrip().startswith("COMMENT_"):
            pending.append(comment.group(1) or "")
            continue
        match = _LINE.match(line)
        if match is None:
            errors.append(
                RecordError(
                    source,
                    None,
                    number,
                    None,
                    f"cannot read line {line.strip()!r}",
                    "KEYWORD = value [unit] or COMMENT text",
                )  # fmt: skip
            )
            continue
        keyword, value = match.group(1), match.group(2)
        entry = RawEntry(keyword, value, number)
        target: RawSection | None = None
        if keyword == "CCSDS_CDM_VERS" and phase == "header" and raw.version is None:
            raw.version = entry
            raw.header.line = number
            raw.header.comments.extend(pending)
            pending = []
            continue
        if keyword == "OBJECT":
            phase = "object"
            covariance_mode = "RTN"
            raw.objects.append({name: RawSection(line=number) for name in READ_SECTIONS})
            target = raw.objects[-1]["metadata"]
        elif phase == "header" and keyword in HEADER_KEYWORDS:
            target = raw.header
        elif phase in ("header", "relative") and keyword in RELATIVE_KEYWORDS:
            if phase == "header":
                raw.relative.line = number
            phase = "relative"
            target = raw.relative
        elif phase == "object":
            found = object_section_of(keyword, covariance_mode)
            if found is not None:
                target = raw.objects[-1][found[0]]
                covariance_mode = found[1]
        if target is None:
            where = "object" if phase == "object" else phase
            errors.append(
                RecordError(
                    source,
                    None,
                    number,
                    keyword,
                    f"unknown keyword or not allowed in the {where} section",
                    "a CCSDS 508.0-B-1 keyword in its section's place",
                )  # fmt: skip
            )
            continue
        target.entries.append(entry)
        target.comments.extend(pending)
        pending = []
        current = target
    current.comments.extend(pending)
    if raw.relative.line is None:
        raw.relative.line = raw.header.entries[-1].line if raw.header.entries else 1
    if errors:
        try:
            build_cdm(raw)
        except FormatError as later:
            errors.extend(later.errors)
        raise FormatError(errors)
    return build_cdm(raw)


def format_cdm_kvn(cdm: ConjunctionDataMessage) -> str:
    """The CDM as KVN text, every mandatory keyword present, units in brackets."""
    rows = cdm_rows(cdm)
    lines = [f"{'CCSDS_CDM_VERS':<36} = {rows['version']}"]

    def emit(section: object) -> None:
        comments, entries = section.comments, section.rows  # type: ignore[attr-defined]
        lines.extend(f"COMMENT {c}".rstrip() for c in comments)
        for keyword, text, unit in entries:
            suffix = f" [{unit}]" if unit else ""
            lines.append(f"{keyword:<36} = {text}{suffix}")

    emit(rows["header"])
    emit(rows["relative"])
    for obj in rows["objects"]:
        for name in OBJECT_SECTIONS:
            emit(obj[name])
    return "\n".join(lines) + "\n"
