"""The result of reading a catalog file: the good records, and every bad one located."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from accord.formats._elements import ElementSet
from accord.formats._errors import RecordError

__all__ = ["CatalogFormat", "CatalogReading", "ReadElementSet"]


class CatalogFormat(StrEnum):
    """Catalog file formats Accord reads element sets from."""

    TLE = "tle"  # two-line or three-line ("0 NAME") element sets, Alpha-5 included
    GP_CSV = "gp-csv"  # CelesTrak / Space-Track GP query results, OMM keywords as columns
    GP_JSON = "gp-json"  # the same as a JSON array of objects
    GP_XML = "gp-xml"  # Space-Track's flat <xml><item>...</item></xml> GP results
    OMM_KVN = "omm-kvn"  # CCSDS 502.0-B-3 OMM, keyword = value notation
    OMM_XML = "omm-xml"  # CCSDS OMM XML (<omm> or an <ndm> of <omm>s, as CelesTrak serves)


@dataclass(frozen=True, slots=True)
class ReadElementSet:
    """An element set with where it came from in the input (1-based record and line)."""

    record: int
    line: int | None
    element_set: ElementSet


@dataclass(slots=True)
class CatalogReading:
    """Everything read from one input: valid element sets in input order, and all errors.

    A record is either in `element_sets` or described in `errors`, never silently dropped.
    """

    source: str
    format: CatalogFormat
    element_sets: list[ReadElementSet] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)

    @property
    def record_count(self) -> int:
        """Number of records seen, good and bad."""
        bad_records = {e.record for e in self.errors if e.record is not None}
        return len(self.element_sets) + len(bad_records)
