"""Readers and writers for the formats the field already uses: TLE/3LE, OMM, OEM, CDM.

Pure functions over text and bytes; no database, no web framework, no I/O policy.
"""

from accord.formats._elements import MAX_NORAD_ID, MAX_TLE_NORAD_ID, ElementSet
from accord.formats._errors import FormatError, RecordError
from accord.formats._reading import CatalogFormat, CatalogReading, ReadElementSet

__all__ = [
    "MAX_NORAD_ID",
    "MAX_TLE_NORAD_ID",
    "CatalogFormat",
    "CatalogReading",
    "ElementSet",
    "FormatError",
    "ReadElementSet",
    "RecordError",
]
