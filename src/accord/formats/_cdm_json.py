"""CDM as JSON with the same keys as the KVN/XML keywords and the XML block names.

Layout (no JSON CDM standard exists; this mirrors the NDM/XML structure):
`{"CCSDS_CDM_VERS": "1.0", "header": {...}, "relativeMetadataData": {...},
"segment": [{"metadata": {...}, "data": {"odParameters": {...}, "additionalParameters":
{...}, "stateVector": {...}, "covarianceMatrix": {...}, "additionalCovarianceMatrix":
{...}, "userDefinedParameters": {...}}}, ...]}`; the CDM 2.0 alternate covariance and
covariance metadata go in "additionalCovarianceMatrix" because some of their keywords
repeat RTN ones. Numbers are JSON numbers, times and names strings, `COMMENT` a list of strings.
CDM 2.0 extension keywords sit in their block, as strings. JSON has no line numbers for
keys, so errors name the keyword and the block instead.
"""

from __future__ import annotations

import json
from typing import Any

from accord.formats._cdm_build import (
    NUMERIC_KEYWORDS,
    READ_SECTIONS,
    RawCdm,
    RawEntry,
    RawSection,
    SectionRows,
    build_cdm,
    cdm_rows,
    object_section_of,
)
from accord.formats._cdm_model import ConjunctionDataMessage
from accord.formats._errors import FormatError, RecordError

__all__ = ["format_cdm_json", "read_cdm_json"]

_BLOCKS = {
    "odParameters": "od",
    "additionalParameters": "additional",
    "stateVector": "state",
    "covarianceMatrix": "covariance",
    "userDefinedParameters": "user",
}
_EXTENSION_BLOCK = "additionalCovarianceMatrix"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "YES" if value else "NO"
    return value if isinstance(value, str) else json.dumps(value)


def read_cdm_json(text: str | bytes, *, source: str = "<cdm>") -> ConjunctionDataMessage:
    """Read one JSON CDM; FormatError names the keyword and block of every problem."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(
            [RecordError(source, None, error.lineno, None, f"not valid JSON: {error.msg}", "JSON")]
        ) from error
    if not isinstance(document, dict):
        raise FormatError([RecordError(source, None, 1, None, "not a JSON object", "{...}")])
    raw = RawCdm(source)
    if "CCSDS_CDM_VERS" in document:
        raw.version = RawEntry("CCSDS_CDM_VERS", _text(document["CCSDS_CDM_VERS"]), None)

    def collect(section: RawSection, block: Any) -> None:
        for key, value in (block or {}).items():
            if key == "COMMENT":
                section.comments.extend(str(c) for c in value)
            elif isinstance(value, dict):
                collect(section, value)
            else:
                section.entries.append(RawEntry(key, _text(value), None))

    collect(raw.header, document.get("header"))
    collect(raw.relative, document.get("relativeMetadataData"))
    errors: list[RecordError] = []
    for segment in document.get("segment", []):
        sections = {name: RawSection() for name in READ_SECTIONS}
        collect(sections["metadata"], segment.get("metadata"))
        for block_name, block in (segment.get("data") or {}).items():
            if block_name == "COMMENT":
                sections["od"].comments.extend(block)
                continue
            # The extension block holds CDM 2.0 alternate covariances, whose keywords may
            # repeat RTN ones (CDRG_DRG ...), so it is a JSON object of its own.
            mode = "XYZ" if block_name == _EXTENSION_BLOCK else "RTN"
            for key, value in (block or {}).items():
                found = object_section_of(key, mode) if key != "COMMENT" else None
                if key == "COMMENT":
                    target = _BLOCKS.get(block_name, "od")
                    sections[target].comments.extend(str(c) for c in value)
                elif found is None:
                    errors.append(
                        RecordError(
                            source,
                            None,
                            None,
                            key,
                            f"unknown keyword in {block_name}",
                            "a CCSDS 508.0-B-1 keyword of this block",
                        )  # fmt: skip
                    )
                else:
                    mode = found[1]
                    target = found[0]
                    if block_name == _EXTENSION_BLOCK and target == "covariance":
                        target = "covariance_extension"
                    sections[target].entries.append(RawEntry(key, _text(value), None))
        raw.objects.append(sections)
    if errors:
        raise FormatError(errors)
    return build_cdm(raw)


def format_cdm_json(cdm: ConjunctionDataMessage, *, indent: int | None = 2) -> str:
    """The CDM as JSON text with the CDM keywords as keys (see the module docstring)."""
    rows = cdm_rows(cdm)

    def block(section: SectionRows) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if section.comments:
            out["COMMENT"] = list(section.comments)
        for keyword, text, _unit in section.rows:
            out[keyword] = _json_value(keyword, text)
        return out

    segments = []
    for obj in rows["objects"]:
        data = {name: block(obj[key]) for name, key in _BLOCKS.items()}
        covariance: SectionRows = obj["covariance"]
        rtn = [row for row in covariance.rows if row[2] is not None]
        extension = [row for row in covariance.rows if row[2] is None]
        data["covarianceMatrix"] = block(SectionRows(covariance.comments, rtn))
        if extension:
            data[_EXTENSION_BLOCK] = block(SectionRows((), extension))
        segments.append({"metadata": block(obj["metadata"]), "data": data})
    document = {
        "CCSDS_CDM_VERS": rows["version"],
        "header": block(rows["header"]),
        "relativeMetadataData": block(rows["relative"]),
        "segment": segments,
    }
    return json.dumps(document, indent=indent, ensure_ascii=False) + "\n"


def _json_value(keyword: str, text: str) -> Any:
    # Typed numeric keywords become JSON numbers; extensions stay the strings they were read as.
    if keyword not in NUMERIC_KEYWORDS:
        return text
    number = float(text)
    return int(text) if text.lstrip("-").isdigit() else number
