"""Read a CDM in any of its syntaxes (KVN, XML, JSON), detected from the content."""

from __future__ import annotations

from accord.formats._cdm_json import read_cdm_json
from accord.formats._cdm_kvn import read_cdm_kvn
from accord.formats._cdm_model import ConjunctionDataMessage
from accord.formats._cdm_xml import read_cdm_xml
from accord.formats._errors import FormatError, RecordError

__all__ = ["read_cdm"]


def read_cdm(data: str | bytes, *, source: str = "<cdm>") -> ConjunctionDataMessage:
    """Read one CCSDS 508.0-B-1 CDM from KVN, XML or JSON text (UTF-8 bytes accepted).

    The syntax is detected from the first non-blank character: `<` XML, `{` JSON,
    anything else KVN. `source` names the input in error messages. Raises FormatError
    listing every problem with its line (where the syntax has lines) and keyword.
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
    start = text.lstrip()[:1]
    if start == "<":
        return read_cdm_xml(text.encode("utf-8"), source=source)
    if start == "{":
        return read_cdm_json(text, source=source)
    return read_cdm_kvn(text, source=source)
