"""Errors raised when conjunction inputs cannot give a meaningful collision probability."""

from __future__ import annotations

__all__ = ["CovarianceError", "EncounterGeometryError"]


class CovarianceError(ValueError):
    """A covariance is not usable: non-finite, wrong shape, or not positive semi-definite.

    `which` names the covariance (`"primary"`, `"secondary"` or `"combined"`), `indices`
    the batch positions affected, and the message says why and what to do about it.
    """

    def __init__(self, which: str, indices: list[int], problem: str, fix: str) -> None:
        self.which = which
        self.indices = indices
        shown = ", ".join(str(i) for i in indices[:5]) + (" ..." if len(indices) > 5 else "")
        super().__init__(f"{which} covariance at batch index {shown}: {problem}; {fix}")


class EncounterGeometryError(ValueError):
    """The encounter has no defined encounter plane (for example zero relative velocity)."""
