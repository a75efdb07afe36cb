"""Errors of the Space-Track query grammar, each with the HTTP status Space-Track answers."""

from __future__ import annotations

__all__ = [
    "InvalidValueError",
    "MalformedQueryError",
    "QueryTooLargeError",
    "SpaceTrackQueryError",
    "UnknownFieldError",
    "UnknownRequestClassError",
    "UnsupportedFeatureError",
]


class SpaceTrackQueryError(ValueError):
    """A Space-Track-style query that cannot be answered.

    `http_status` is the status the HTTP layer should answer with; `error_body()` is the
    JSON body Space-Track sends (`{"error": "..."}`), which the `spacetrack` client reads
    into its exception message.
    """

    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def error_body(self) -> dict[str, str]:
        """The JSON body of the error response, as Space-Track shapes it."""
        return {"error": self.message}


class UnknownRequestClassError(SpaceTrackQueryError):
    """The query names a request class Accord does not serve (answered 404)."""

    http_status = 404


class UnknownFieldError(SpaceTrackQueryError):
    """A predicate, `orderby` or `predicates/` names a field the request class lacks."""


class InvalidValueError(SpaceTrackQueryError):
    """A predicate value that does not parse for its field's type, or a bad operator."""


class MalformedQueryError(SpaceTrackQueryError):
    """The path itself is malformed: missing class, a field without a value, bad limit."""


class UnsupportedFeatureError(SpaceTrackQueryError):
    """A Space-Track feature Accord does not offer (favorites, format/html, tle of satcat)."""


class QueryTooLargeError(SpaceTrackQueryError):
    """An unbounded query whose answer would be too large: gp_history without a NORAD_CAT_ID
    or EPOCH bound over more element sets than the server answers at once."""
