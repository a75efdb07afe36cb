"""Read a catalog file of any supported format, detecting the format from its content."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree

from accord.formats._errors import FormatError, RecordError
from accord.formats._gp import local_name, read_gp_csv, read_gp_json, read_gp_xml
from accord.formats._omm import read_omm_kvn
from accord.formats._omm_xml import read_omm_xml
from accord.formats._reading import CatalogFormat, CatalogReading
from accord.formats._tle import read_tle

__all__ = ["decode_catalog_text", "detect_catalog_format", "read_catalog"]

_DETECTABLE = (
    "TLE/3LE lines, GP CSV with an OMM keyword header (NORAD_CAT_ID, EPOCH, ...), a GP JSON "
    "array, Space-Track GP XML (<xml><item>), CCSDS OMM KVN (CCSDS_OMM_VERS = ...) or "
    "CCSDS OMM XML (<omm> or <ndm>)"
)


def read_catalog(
    data: bytes | str, *, source: str, format: CatalogFormat | None = None
) -> CatalogReading:
    """Read every element set in `data`, detecting its format unless `format` is given.

    `source` names the input in every error (a file name, a URL). Text is UTF-8, with or
    without a byte-order mark, with LF or CRLF line ends. Raise FormatError when the input
    as a whole is unreadable (unknown format, malformed XML or JSON, a CSV without a usable
    header, a KVN without its header); problems in single records are listed in the
    result's `errors` instead, and those records are left out of `element_sets`.
    """
    text = decode_catalog_text(data, source)
    chosen = format if format is not None else detect_catalog_format(text, source)
    if chosen is CatalogFormat.TLE:
        return read_tle(text, source)
    if chosen is CatalogFormat.GP_CSV:
        return read_gp_csv(text, source)
    if chosen is CatalogFormat.GP_JSON:
        return read_gp_json(text, source)
    if chosen is CatalogFormat.OMM_KVN:
        return read_omm_kvn(text, source)
    root = _parse_xml(text, source)
    root_tag = local_name(root.tag)
    wanted = ("xml",) if chosen is CatalogFormat.GP_XML else ("omm", "ndm")
    if root_tag not in wanted:
        raise FormatError(
            [
                RecordError(
                    source,
                    None,
                    None,
                    root_tag,
                    f"is the root element, not one {chosen.value} has",
                    " or ".join(f"<{tag}>" for tag in wanted),
                )
            ]
        )
    if chosen is CatalogFormat.GP_XML:
        return read_gp_xml(root, source)
    return read_omm_xml(root, source)


def decode_catalog_text(data: bytes | str, source: str) -> str:
    """Decode UTF-8 (dropping a byte-order mark); raise FormatError naming the bad byte."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormatError(
                [
                    RecordError(
                        source,
                        None,
                        data.count(b"\n", 0, exc.start) + 1,
                        None,
                        f"is not UTF-8: byte {exc.start} is 0x{data[exc.start]:02x}",
                        "UTF-8 text (re-save the file as UTF-8)",
                    )
                ]
            ) from exc
    else:
        text = data
    return text[1:] if text.startswith("\ufeff") else text


def detect_catalog_format(text: str, source: str) -> CatalogFormat:
    """Tell the catalog format from the first lines of decoded text; FormatError if none fits."""
    head = text.lstrip()
    if head.startswith("<"):
        root_tag = local_name(_parse_xml(text, source).tag)
        if root_tag == "xml":
            return CatalogFormat.GP_XML
        if root_tag in ("omm", "ndm"):
            return CatalogFormat.OMM_XML
        raise _undetected(source, f"is XML with root element <{root_tag}>")
    if head.startswith(("[", "{")):
        return CatalogFormat.GP_JSON
    first_lines = [line.strip() for line in head[:4000].split("\n")[:4]]
    first = first_lines[0] if first_lines else ""
    # A GP CSV header may itself start with the CCSDS_OMM_VERS column (Space-Track's order),
    # so the CSV test comes first: a KVN line is `KEYWORD = value`, never comma-separated.
    if "," in first and "NORAD_CAT_ID" in first:
        return CatalogFormat.GP_CSV
    if first.partition("=")[0].strip() == "CCSDS_OMM_VERS" or any(
        line.startswith("CCSDS_OMM_VERS") and "=" in line for line in first_lines
    ):
        return CatalogFormat.OMM_KVN
    if any(line.startswith("1 ") for line in first_lines[:3]):
        return CatalogFormat.TLE
    if not head:
        raise _undetected(source, "is empty")
    raise _undetected(source, f"starts with {first[:40]!r}, which no catalog format starts with")


def _undetected(source: str, problem: str) -> FormatError:
    return FormatError([RecordError(source, None, None, None, problem, _DETECTABLE)])


def _parse_xml(text: str, source: str) -> Element:
    """Parse XML refusing DTDs and entities (no entity-expansion or external-entity attacks)."""
    try:
        root: Element = defusedxml.ElementTree.fromstring(text, forbid_dtd=True)
    except ParseError as exc:
        line, column = exc.position
        raise FormatError(
            [
                RecordError(
                    source,
                    None,
                    line,
                    None,
                    f"is not well-formed XML ({exc}; column {column})",
                    "well-formed XML",
                )
            ]
        ) from exc
    except defusedxml.DefusedXmlException as exc:
        raise FormatError(
            [
                RecordError(
                    source,
                    None,
                    None,
                    None,
                    f"declares a DTD or entities ({type(exc).__name__}), refused as a defence "
                    "against entity-expansion and external-entity attacks",
                    "XML without <!DOCTYPE> or <!ENTITY> declarations",
                )
            ]
        ) from exc
    return root
