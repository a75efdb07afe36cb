"""Read CCSDS OMM XML: a single <omm>, or an <ndm> combining several messages.

Reference: CCSDS 505.0-B-2/-3 (NDM/XML) for the element structure, CCSDS 502.0-B-3 for the
keywords. Element structure: omm > header, body > segment > metadata, data > meanElements,
spacecraftParameters?, tleParameters?, covarianceMatrix?, userDefinedParameters?. In an
<ndm>, each child message is a record; messages other than <omm> (OPM, OEM, OCM) carry no
mean elements and are reported, not skipped.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from accord.formats._errors import RecordError
from accord.formats._gp import Problem, local_name
from accord.formats._omm import OMM_BLOCK_KEYWORDS, element_set_from_omm
from accord.formats._reading import CatalogFormat, CatalogReading, ReadElementSet

__all__ = ["read_omm_xml"]

_DATA_BLOCKS = (
    "meanElements",
    "spacecraftParameters",
    "tleParameters",
    "covarianceMatrix",
    "userDefinedParameters",
)


def read_omm_xml(root: Element, source: str) -> CatalogReading:
    """Read the OMMs of a parsed <omm> or <ndm> document; each message is one record."""
    reading = CatalogReading(source=source, format=CatalogFormat.OMM_XML)
    if local_name(root.tag) == "omm":
        messages = [root]
    else:
        messages = [child for child in root if local_name(child.tag) != "COMMENT"]
    for record, message in enumerate(messages, start=1):
        tag = local_name(message.tag)
        if tag != "omm":
            reading.errors.append(
                RecordError(
                    source,
                    record,
                    None,
                    tag,
                    f"<{tag}> is not an OMM, so it has no mean elements for the catalog",
                    "<omm> messages (convert other messages to OMM first)",
                )
            )
            continue
        values, units, problems = _flatten(message)
        if not problems:
            element_set, problems = element_set_from_omm(values, units)
            if element_set is not None:
                reading.element_sets.append(ReadElementSet(record, None, element_set))
                continue
        for field, problem, expected in problems:
            reading.errors.append(RecordError(source, record, None, field, problem, expected))
    return reading


def _flatten(omm: Element) -> tuple[dict[str, str], dict[str, str], list[Problem]]:
    """Collect an <omm>'s keywords and units, checking its element structure."""
    values: dict[str, str] = {"CCSDS_OMM_VERS": omm.get("version", "")}
    units: dict[str, str] = {}
    problems: list[Problem] = []
    header, body = _children(omm, ("header", "body"), ("header", "body"), problems)
    if header is not None:
        _keywords(header, "header", values, units, problems)
    if body is None:
        return values, units, problems
    (segment,) = _children(body, ("segment",), ("segment",), problems)
    if segment is None:
        return values, units, problems
    metadata, data = _children(segment, ("metadata", "data"), ("metadata", "data"), problems)
    if metadata is not None:
        _keywords(metadata, "metadata", values, units, problems)
    if data is None:
        return values, units, problems
    blocks = _children(data, _DATA_BLOCKS, ("meanElements",), problems)
    for name, block in zip(_DATA_BLOCKS, blocks, strict=True):
        if block is not None and name != "userDefinedParameters":
            _keywords(block, name, values, units, problems)
    return values, units, problems


def _children(
    parent: Element,
    allowed: tuple[str, ...],
    required: tuple[str, ...],
    problems: list[Problem],
) -> list[Element | None]:
    """The parent's child elements named in `allowed` (each at most once), in that order."""
    found: dict[str, Element] = {}
    parent_tag = local_name(parent.tag)
    for child in parent:
        tag = local_name(child.tag)
        if tag == "COMMENT":
            continue
        if tag not in allowed:
            problems.append(
                (tag, f"is not allowed in <{parent_tag}>", f"only {', '.join(allowed)}")
            )
        elif tag in found:
            problems.append(
                (tag, f"appears more than once in <{parent_tag}>", f"one <{tag}> per OMM")
            )
        else:
            found[tag] = child
    for tag in required:
        if tag not in found:
            problems.append((tag, f"is missing from <{parent_tag}>", f"one <{tag}>"))
    return [found.get(tag) for tag in allowed]


def _keywords(
    block: Element,
    block_name: str,
    values: dict[str, str],
    units: dict[str, str],
    problems: list[Problem],
) -> None:
    known = OMM_BLOCK_KEYWORDS[block_name]
    for element in block:
        keyword = local_name(element.tag)
        if keyword == "COMMENT":
            continue
        if keyword not in known:
            problems.append(
                (keyword, f"is not an OMM keyword of <{block_name}>", ", ".join(sorted(known)))
            )
            continue
        if keyword in values:
            problems.append((keyword, "appears more than once", "each keyword once"))
            continue
        values[keyword] = (element.text or "").strip()
        unit = element.get("units")
        if unit is not None:
            units[keyword] = unit
