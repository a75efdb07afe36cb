"""Readers and writers for the formats the field already uses: TLE/3LE, OMM, OEM, CDM.

Pure functions over text and bytes; no database, no web framework, no I/O policy.
"""

from accord.formats._catalog import decode_catalog_text, detect_catalog_format, read_catalog
from accord.formats._ccsds_time import parse_ccsds_epoch
from accord.formats._cdm import read_cdm
from accord.formats._cdm_json import format_cdm_json
from accord.formats._cdm_kvn import format_cdm_kvn
from accord.formats._cdm_model import (
    CdmAdditionalParameters,
    CdmHeader,
    CdmObject,
    CdmObjectMetadata,
    CdmOdParameters,
    CdmRelativeData,
    CdmRtnCovariance,
    CdmStateVector,
    ConjunctionDataMessage,
)
from accord.formats._cdm_xml import format_cdm_xml
from accord.formats._elements import MAX_NORAD_ID, MAX_TLE_NORAD_ID, ElementSet
from accord.formats._errors import FormatError, RecordError
from accord.formats._oem import read_oem
from accord.formats._oem_kvn import format_oem_kvn
from accord.formats._oem_model import (
    OemCovariance,
    OemHeader,
    OemMetadata,
    OemSegment,
    OrbitEphemerisMessage,
)
from accord.formats._omm import WGS72_GM_KM3_PER_S2
from accord.formats._omm_writer import format_omm_kvn
from accord.formats._reading import CatalogFormat, CatalogReading, ReadElementSet
from accord.formats._tle import alpha5_to_norad_id, norad_id_to_alpha5, parse_tle, tle_checksum
from accord.formats._tle_writer import format_3le, format_tle

__all__ = [
    "CdmAdditionalParameters",
    "CdmHeader",
    "CdmObject",
    "CdmObjectMetadata",
    "CdmOdParameters",
    "CdmRelativeData",
    "CdmRtnCovariance",
    "CdmStateVector",
    "ConjunctionDataMessage",
    "format_cdm_json",
    "format_cdm_kvn",
    "format_cdm_xml",
    "read_cdm",
    "OemCovariance",
    "OemHeader",
    "OemMetadata",
    "OemSegment",
    "OrbitEphemerisMessage",
    "format_oem_kvn",
    "read_oem",
    "MAX_NORAD_ID",
    "MAX_TLE_NORAD_ID",
    "WGS72_GM_KM3_PER_S2",
    "CatalogFormat",
    "CatalogReading",
    "ElementSet",
    "FormatError",
    "ReadElementSet",
    "RecordError",
    "alpha5_to_norad_id",
    "decode_catalog_text",
    "detect_catalog_format",
    "format_3le",
    "format_omm_kvn",
    "format_tle",
    "norad_id_to_alpha5",
    "parse_ccsds_epoch",
    "parse_tle",
    "read_catalog",
    "tle_checksum",
]
