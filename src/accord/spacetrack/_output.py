"""Write a query result in the format the query asked for: json, csv, xml, tle, 3le, kvn.

json, csv and xml carry the projected fields (`predicates/`) with every value printed as
Space-Track prints it (strings, JSON null for NULL); tle, 3le and kvn write the element
sets of gp and gp_history rows whatever the projection.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from xml.sax.saxutils import escape

from accord.formats import format_omm_kvn
from accord.spacetrack._execute import QueryResult, Row
from accord.spacetrack._fields import REQUEST_CLASSES
from accord.spacetrack._gp_rows import element_set_from_gp_row
from accord.spacetrack._grammar import OutputFormat
from accord.spacetrack._values import comparable_value, printed_value

__all__ = ["NO_RESULTS_MESSAGE", "SpaceTrackResponse", "format_result"]

#: What Space-Track answers for an empty result when the query says `emptyresult/show`.
NO_RESULTS_MESSAGE = "NO RESULTS RETURNED"

_MEDIA_TYPES = {
    OutputFormat.JSON: "application/json",
    OutputFormat.CSV: "text/csv; charset=utf-8",
    OutputFormat.XML: "text/xml; charset=utf-8",
    OutputFormat.TLE: "text/plain; charset=utf-8",
    OutputFormat.THREE_LE: "text/plain; charset=utf-8",
    OutputFormat.KVN: "text/plain; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class SpaceTrackResponse:
    """A response body and its media type, for the HTTP layer to send with status 200.

    `omitted_rows` counts rows a tle/3le body could not carry (catalog numbers above
    339999 or values outside the TLE columns, which Space-Track leaves without TLE lines).
    """

    body: str
    media_type: str
    omitted_rows: int = 0


def format_result(result: QueryResult) -> SpaceTrackResponse:
    """The body of `result` in `result.query.format`."""
    query = result.query
    chosen = query.format
    media_type = _MEDIA_TYPES[chosen]
    if not result.rows and query.show_empty_result and chosen is not OutputFormat.JSON:
        return SpaceTrackResponse(NO_RESULTS_MESSAGE, "text/plain; charset=utf-8")
    if chosen is OutputFormat.JSON:
        return SpaceTrackResponse(_json(result), media_type)
    if chosen is OutputFormat.CSV:
        return SpaceTrackResponse(_csv(result), media_type)
    if chosen is OutputFormat.XML:
        return SpaceTrackResponse(_xml(result), media_type)
    if chosen is OutputFormat.KVN:
        return SpaceTrackResponse(_kvn(result.rows), media_type)
    body, omitted = _tle(result.rows, with_names=chosen is OutputFormat.THREE_LE)
    return SpaceTrackResponse(body, media_type, omitted)


def _printed_rows(result: QueryResult) -> list[dict[str, str | None]]:
    fields = result.query.fields
    return [
        {field.name: printed_value(field, row.get(field.name)) for field in fields}
        for row in result.rows
    ]


def _json(result: QueryResult) -> str:
    rows = _printed_rows(result)
    if not result.query.metadata:
        return json.dumps(rows, ensure_ascii=False)
    query = result.query
    metadata = {
        "Total": result.total,
        "Limit": query.limit,
        "LimitOffset": query.offset,
        "ReturnedRows": len(rows),
    }
    return json.dumps({"request_metadata": metadata, "data": rows}, ensure_ascii=False)


def _csv(result: QueryResult) -> str:
    buffer = io.StringIO()
    # Every value quoted, as Space-Track writes its CSV.
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(field.name for field in result.query.fields)
    for row in _printed_rows(result):
        writer.writerow("" if value is None else value for value in row.values())
    return buffer.getvalue()


def _xml(result: QueryResult) -> str:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<xml>']
    for row in _printed_rows(result):
        parts.append("<item>")
        for name, value in row.items():
            parts.append(f"<{name}>{escape(value or '')}</{name}>")
        parts.append("</item>")
    parts.append("</xml>\n")
    return "".join(parts)


def _tle(rows: list[Row], *, with_names: bool) -> tuple[str, int]:
    lines: list[str] = []
    omitted = 0
    for row in rows:
        line1, line2 = row.get("TLE_LINE1"), row.get("TLE_LINE2")
        if not (isinstance(line1, str) and line1 and isinstance(line2, str) and line2):
            omitted += 1
            continue
        if with_names:
            line0 = row.get("TLE_LINE0")
            if not (isinstance(line0, str) and line0):
                line0 = f"0 {row.get('OBJECT_NAME') or 'UNKNOWN'}"
            lines.append(line0)
        lines += [line1, line2]
    return ("\n".join(lines) + "\n" if lines else ""), omitted


_CREATION_DATE = REQUEST_CLASSES["gp"].field("CREATION_DATE")


def _kvn(rows: list[Row]) -> str:
    messages = []
    for row in rows:
        assert _CREATION_DATE is not None
        created = comparable_value(_CREATION_DATE, row.get("CREATION_DATE"))
        originator = row.get("ORIGINATOR")
        messages.append(
            format_omm_kvn(
                element_set_from_gp_row(row),
                originator=originator if isinstance(originator, str) and originator else "ACCORD",
                creation_date=created if not isinstance(created, int | float | str) else None,
            )
        )
    return "\n".join(messages)
