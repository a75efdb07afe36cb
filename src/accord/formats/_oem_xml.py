"""OEM in XML (CCSDS 505.0-B NDM/XML, OEM schema): reader.

`<oem>` as the root, or an `<ndm>` holding exactly one `<oem>` (NASA's ISS trajectory files).
Each `<segment>` has `<metadata>` and `<data>`: `<stateVector>` elements (EPOCH, X ... Z_DOT,
optional X_DDOT ... Z_DDOT) and `<covarianceMatrix>` elements (EPOCH, COV_REF_FRAME, CX_X
... CZ_DOT_Z_DOT). Parsed with defusedxml; line numbers come from the parser as each
element opens (the CDM reader's line-tracking tree builder), so errors point at the line.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defusedxml.ElementTree import DefusedXMLParser, ParseError

from accord.formats._cdm_xml import _LineTreeBuilder, _local
from accord.formats._errors import FormatError, RecordError
from accord.formats._oem_build import RawCovariance, RawEntry, RawOem, RawSegment, build_oem
from accord.formats._oem_model import OrbitEphemerisMessage

__all__ = ["read_oem_xml"]

_STATE_FIELDS = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT", "X_DDOT", "Y_DDOT", "Z_DDOT")
_UNITS = {
    "X": "km",
    "Y": "km",
    "Z": "km",
    "X_DOT": "km/s",
    "Y_DOT": "km/s",
    "Z_DOT": "km/s",
    "X_DDOT": "km/s**2",
    "Y_DDOT": "km/s**2",
    "Z_DDOT": "km/s**2",
}


def read_oem_xml(data: bytes, *, source: str = "<oem>") -> OrbitEphemerisMessage:
    """Read one XML OEM; FormatError names the line and element of every problem."""
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except ParseError as error:
        line = getattr(error, "position", (None, None))[0]
        raise FormatError(
            [RecordError(source, None, line, None, f"not well-formed XML: {error}", "XML")]
        ) from error

    def line_of(element: Element) -> int | None:
        return builder.lines.get(id(element))

    errors: list[RecordError] = []

    def fail(element: Element, problem: str, expected: str) -> None:
        errors.append(
            RecordError(source, None, line_of(element), _local(element.tag), problem, expected)
        )

    if _local(root.tag) == "ndm":
        messages = [child for child in root if _local(child.tag) == "oem"]
        if len(messages) != 1:
            raise FormatError(
                [
                    RecordError(
                        source,
                        None,
                        line_of(root),
                        "ndm",
                        f"holds {len(messages)} <oem> messages",
                        "exactly one <oem> in the <ndm>",
                    )
                ]
            )
        root = messages[0]
    if _local(root.tag) != "oem":
        raise FormatError(
            [
                RecordError(
                    source,
                    None,
                    line_of(root),
                    _local(root.tag),
                    "root element is not <oem>",
                    '<oem id="CCSDS_OEM_VERS" version="3.0">',
                )
            ]
        )

    def entry(element: Element) -> RawEntry:
        return RawEntry(_local(element.tag), (element.text or "").strip(), line_of(element))

    raw = RawOem(source)
    if root.get("version") is not None:
        raw.version = RawEntry("CCSDS_OEM_VERS", root.get("version") or "", line_of(root))
    for part in root:
        name = _local(part.tag)
        if name == "header":
            for child in part:
                if _local(child.tag) == "COMMENT":
                    raw.header_comments.append((child.text or "").strip())
                else:
                    raw.header.append(entry(child))
        elif name == "body":
            for segment_element in part:
                if _local(segment_element.tag) != "segment":
                    fail(segment_element, "unexpected element", "<segment>")
                    continue
                raw.segments.append(_segment(segment_element, line_of, entry, fail))
        else:
            fail(part, "unexpected element", "<header> or <body>")
    if errors:
        try:
            build_oem(raw)
        except FormatError as later:
            errors.extend(later.errors)
        raise FormatError(errors)
    return build_oem(raw)


def _segment(element: Element, line_of, entry, fail) -> RawSegment:
    segment = RawSegment(line_of(element))
    for part in element:
        name = _local(part.tag)
        if name == "metadata":
            for child in part:
                if _local(child.tag) == "COMMENT":
                    segment.metadata_comments.append((child.text or "").strip())
                else:
                    segment.metadata.append(entry(child))
        elif name == "data":
            for block in part:
                block_name = _local(block.tag)
                if block_name == "COMMENT":
                    segment.data_comments.append((block.text or "").strip())
                elif block_name == "stateVector":
                    _state(block, segment, line_of, fail)
                elif block_name == "covarianceMatrix":
                    segment.covariances.append(_covariance(block, line_of, entry))
                else:
                    fail(block, "unexpected element", "<stateVector> or <covarianceMatrix>")
        else:
            fail(part, "unexpected element", "<metadata> or <data>")
    return segment


def _state(block: Element, segment: RawSegment, line_of, fail) -> None:
    values: dict[str, str] = {}
    epoch = ""
    for child in block:
        name = _local(child.tag)
        if name == "EPOCH":
            epoch = (child.text or "").strip()
        elif name in _STATE_FIELDS:
            units = child.get("units")
            if units is not None and units.strip().lower() != _UNITS[name]:
                fail(
                    child, f"is given in {units!r}", f'units="{_UNITS[name]}" as 502.0-B-3 defines'
                )
            values[name] = (child.text or "").strip()
        elif name != "COMMENT":
            fail(
                child,
                "unexpected element in <stateVector>",
                "EPOCH, X ... Z_DOT, X_DDOT ... Z_DDOT",
            )
    count = 9 if "X_DDOT" in values else 6
    missing = [name for name in _STATE_FIELDS[:count] if name not in values]
    if missing or not epoch:
        fail(
            block,
            f"lacks {', '.join(missing) or 'EPOCH'}",
            "EPOCH and X, Y, Z, X_DOT, Y_DOT, Z_DOT",
        )
        return
    segment.states.append((line_of(block), epoch, [values[n] for n in _STATE_FIELDS[:count]]))


def _covariance(block: Element, line_of, entry) -> RawCovariance:
    covariance = RawCovariance(line_of(block))
    for child in block:
        name = _local(child.tag)
        if name == "EPOCH":
            covariance.epoch = entry(child)
        elif name == "COV_REF_FRAME":
            covariance.ref_frame = entry(child)
        elif name == "COMMENT":
            covariance.comments.append((child.text or "").strip())
        else:
            covariance.terms[name] = entry(child)
    return covariance
