"""Read a CCSDS Orbit Ephemeris Message in KVN or XML, detected from the content."""

from __future__ import annotations

from accord.formats._errors import FormatError, RecordError
from accord.formats._oem_kvn import read_oem_kvn
from accord.formats._oem_model import OrbitEphemerisMessage
from accord.formats._oem_xml import read_oem_xml

__all__ = ["read_oem"]


def read_oem(data: str | bytes, *, source: str = "<oem>") -> OrbitEphemerisMessage:
    """Read one CCSDS 502.0-B-3 (or 2.0/1.0) OEM from KVN or XML text (UTF-8 bytes accepted).

    `<` as the first non-blank character means XML (an `<oem>` or an `<ndm>` holding one),
    anything else KVN. `source` names the input in error messages. Raises FormatError listing
    every problem with its line and keyword.
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise FormatError(
                [RecordError(source, None, None, None, f"not UTF-8 text: {error}", "UTF-8")]
            ) from error
    else:
        text = data
    if text.lstrip()[:1] == "<":
        return read_oem_xml(text.encode("utf-8"), source=source)
    return read_oem_kvn(text, source=source)
