"""Exception types raised by orbit computation when its inputs are unusable."""

from __future__ import annotations

__all__ = ["ElementSetError", "FrameMismatchError", "TimeInputError"]


class ElementSetError(ValueError):
    """An element set cannot be turned into an SGP4 satellite record."""


class TimeInputError(ValueError):
    """Propagation times are not in a form that says unambiguously which UTC instants they are."""


class FrameMismatchError(ValueError):
    """A frame conversion was given states expressed in another frame than the one it expects."""
