"""Space-Track compatibility: the query grammar, the executor and the output formats.

Pure and storage-independent: `parse_query` turns the path after
`/basicspacedata/query/` into a typed `Query`; the store supplies rows (plain mappings,
optionally pre-filtered by pushing the query's predicates down); `run_query` filters,
sorts and pages them; `format_result` writes json, csv, xml, tle, 3le or kvn. The HTTP
layer mounts this and turns `SpaceTrackQueryError.http_status` into the response status.
See docs/spacetrack.md.
"""

from accord.spacetrack._errors import (
    InvalidValueError,
    MalformedQueryError,
    QueryTooLargeError,
    SpaceTrackQueryError,
    UnknownFieldError,
    UnknownRequestClassError,
    UnsupportedFeatureError,
)
from accord.spacetrack._execute import QueryResult, Row, run_query
from accord.spacetrack._fields import (
    CONTROLLER,
    REQUEST_CLASSES,
    Field,
    FieldKind,
    RequestClass,
    modeldef,
)
from accord.spacetrack._gp_rows import element_set_from_gp_row, gp_row
from accord.spacetrack._grammar import (
    NowOffset,
    Operator,
    OrderBy,
    OutputFormat,
    Predicate,
    PredicateValue,
    Query,
    is_bounded_history,
    parse_modeldef,
    parse_query,
)
from accord.spacetrack._output import NO_RESULTS_MESSAGE, SpaceTrackResponse, format_result
from accord.spacetrack._values import comparable_value, printed_value

__all__ = [
    "CONTROLLER",
    "NO_RESULTS_MESSAGE",
    "REQUEST_CLASSES",
    "Field",
    "FieldKind",
    "InvalidValueError",
    "MalformedQueryError",
    "NowOffset",
    "Operator",
    "OrderBy",
    "OutputFormat",
    "Predicate",
    "PredicateValue",
    "Query",
    "QueryTooLargeError",
    "QueryResult",
    "RequestClass",
    "Row",
    "SpaceTrackQueryError",
    "SpaceTrackResponse",
    "UnknownFieldError",
    "UnknownRequestClassError",
    "UnsupportedFeatureError",
    "comparable_value",
    "element_set_from_gp_row",
    "format_result",
    "gp_row",
    "is_bounded_history",
    "modeldef",
    "parse_modeldef",
    "parse_query",
    "printed_value",
    "run_query",
]
