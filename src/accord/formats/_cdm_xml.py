"""CDM in XML (CCSDS 505.0-B NDM/XML schema for the CDM): reader and writer.

Parsed with defusedxml (no entity expansion, no external fetches). Line numbers come
from the expat parser as each element opens, so errors point at the offending line.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, SubElement, TreeBuilder, indent, tostring

from defusedxml.ElementTree import DefusedXMLParser, ParseError

from accord.formats._cdm_build import (
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

__all__ = ["format_cdm_xml", "read_cdm_xml"]

_OBJECT_BLOCKS = {
    "odParameters": "od",
    "additionalParameters": "additional",
    "stateVector": "state",
    "covarianceMatrix": "covariance",
    "userDefinedParameters": "user",
}


class _LineTreeBuilder(TreeBuilder):
    """A TreeBuilder that remembers the line where each element starts."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[int, int] = {}
        self.parser: Any = None

    def start(self, tag: Any, attrs: Any) -> Element:
        element = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[id(element)] = self.parser.parser.CurrentLineNumber
        return element


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_cdm_xml(text: str | bytes, *, source: str = "<cdm>") -> ConjunctionDataMessage:
    """Read one XML CDM; FormatError names the line and keyword of every problem."""
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder)
    builder.parser = parser
    try:
        parser.feed(text)
        root = parser.close()
    except ParseError as error:
        line = getattr(error, "position", (None, None))[0]
        raise FormatError(
            [RecordError(source, None, line, None, f"not well-formed XML: {error}", "XML")]
        ) from error
    lines = builder.lines

    def line_of(element: Element) -> int | None:
        return lines.get(id(element))

    def fail(element: Element, problem: str, expected: str) -> RecordError:
        return RecordError(source, None, line_of(element), _local(element.tag), problem, expected)

    errors: list[RecordError] = []
    raw = RawCdm(source)
    if _local(root.tag) != "cdm":
        raise FormatError([fail(root, "root element is not <cdm>", "<cdm ...> as the root")])
    if root.get("version") is not None:
        raw.version = RawEntry("CCSDS_CDM_VERS", root.get("version") or "", line_of(root))

    def entry(element: Element) -> RawEntry:
        value = "" if element.get("nil") == "true" else (element.text or "")
        return RawEntry(_local(element.tag), value, line_of(element))

    def collect(section: RawSection, parent: Element) -> None:
        section.line = section.line or line_of(parent)
        for child in parent:
            name = _local(child.tag)
            if name == "COMMENT":
                section.comments.append((child.text or "").strip())
            elif len(child):
                collect(section, child)  # relativeStateVector and similar groupings
            else:
                section.entries.append(entry(child))

    for part in root:
        name = _local(part.tag)
        if name == "header":
            collect(raw.header, part)
        elif name == "body":
            for block in part:
                block_name = _local(block.tag)
                if block_name == "relativeMetadataData":
                    collect(raw.relative, block)
                elif block_name == "segment":
                    raw.objects.append(_read_segment(block, line_of, entry, errors, fail))
                else:
                    errors.append(
                        fail(block, "unexpected element", "relativeMetadataData or segment")
                    )
        else:
            errors.append(fail(part, "unexpected element", "<header> or <body>"))
    if errors:
        try:
            build_cdm(raw)
        except FormatError as later:
            errors.extend(later.errors)
        raise FormatError(errors)
    return build_cdm(raw)


def _read_segment(segment: Element, line_of: Any, entry: Any, errors: list[RecordError],
                  fail: Any) -> dict[str, RawSection]:  # fmt: skip
    sections = {name: RawSection(line=line_of(segment)) for name in READ_SECTIONS}
    for part in segment:
        name = _local(part.tag)
        blocks: list[tuple[Element, str | None]] = []
        if name == "metadata":
            blocks = [(part, None)]
        elif name == "data":
            blocks = [(block, _OBJECT_BLOCKS.get(_local(block.tag))) for block in part]
        else:
            errors.append(fail(part, "unexpected element", "<metadata> or <data>"))
        for block, _ in blocks:
            if _local(block.tag) == "COMMENT":
                sections["metadata" if name == "metadata" else "od"].comments.append(
                    (block.text or "").strip()
                )
                continue
            mode = "RTN"
            for child in block:
                keyword = _local(child.tag)
                found = object_section_of(keyword, mode)
                if keyword == "COMMENT":
                    continue
                if found is None:
                    errors.append(
                        fail(
                            child,
                            "unknown keyword or not allowed in an object segment",
                            "a CCSDS 508.0-B-1 keyword of this block",
                        )  # fmt: skip
                    )
                    continue
                mode = found[1]
                sections[found[0]].entries.append(entry(child))
            comments = [(c.text or "").strip() for c in block if _local(c.tag) == "COMMENT"]
            target = _OBJECT_BLOCKS.get(_local(block.tag), "metadata")
            if target == "covariance" and mode == "XYZ":
                target = "covariance_extension"
            sections[target].comments.extend(comments)
    return sections


def format_cdm_xml(cdm: ConjunctionDataMessage) -> str:
    """The CDM as NDM/XML text (UTF-8 declaration, units in `units` attributes)."""
    rows = cdm_rows(cdm)
    root = Element("cdm", {"id": "CCSDS_CDM_VERS", "version": rows["version"]})

    def fill(parent: Element, section: SectionRows) -> None:
        for comment in section.comments:
            SubElement(parent, "COMMENT").text = comment
        for keyword, text, unit in section.rows:
            child = SubElement(parent, keyword, {"units": unit} if unit else {})
            child.text = text

    fill(SubElement(root, "header"), rows["header"])
    body = SubElement(root, "body")
    fill(SubElement(body, "relativeMetadataData"), rows["relative"])
    for obj in rows["objects"]:
        segment = SubElement(body, "segment")
        fill(SubElement(segment, "metadata"), obj["metadata"])
        data = SubElement(segment, "data")
        for element_name, key in _OBJECT_BLOCKS.items():
            section: SectionRows = obj[key]
            if key == "covariance":
                rtn = [r for r in section.rows if r[2] is not None]
                extra = [r for r in section.rows if r[2] is None]
                fill(SubElement(data, element_name), SectionRows(section.comments, rtn))
                if extra:
                    fill(SubElement(data, element_name), SectionRows((), extra))
            elif section.rows or section.comments:
                fill(SubElement(data, element_name), section)
    indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"
