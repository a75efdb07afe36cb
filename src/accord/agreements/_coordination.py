"""Coordination objects as the authorisation point sees them: cases, plans, disputes, reports.

They are neither shared data (no clause grants them) nor a partner's administrative objects:
each names the partners it concerns, and the base rules of `_cedar.py` decide from those
names (docs/access.md, "Coordination"). `platform` is the deployment's own partners (kind
`system`), whose admins oversee coordination: they read, they never act for a party.
Partner ids are handles, as in agreement documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "CaseResource",
    "ComplianceReportResource",
    "CoordinationResource",
    "DisputeResource",
    "PlanResource",
]


@dataclass(frozen=True, slots=True)
class CaseResource:
    """A coordination case; `parties` are the operators of its two objects."""

    cedar_type: ClassVar[str] = "CoordinationCase"
    is_data: ClassVar[bool] = False

    id: str
    parties: frozenset[str]
    platform: frozenset[str] = frozenset()

    def partners(self) -> frozenset[str]:
        """Every partner the resource names (Cedar needs an entity for each)."""
        return self.parties | self.platform


@dataclass(frozen=True, slots=True)
class PlanResource:
    """A manoeuvre plan of `owner`'s object `norad_id` in a case between `case_parties`.

    `kind` is the plan's stage: `hypothetical`, `candidate` or `committed`.
    """

    cedar_type: ClassVar[str] = "ManoeuvrePlan"
    is_data: ClassVar[bool] = False

    id: str
    owner: str
    kind: str
    norad_id: int
    case_parties: frozenset[str]
    platform: frozenset[str] = frozenset()

    def partners(self) -> frozenset[str]:
        """Every partner the resource names (Cedar needs an entity for each)."""
        return self.case_parties | self.platform | {self.owner}


@dataclass(frozen=True, slots=True)
class DisputeResource:
    """A dispute between `parties`; `mediators` are those of the steps it has reached."""

    cedar_type: ClassVar[str] = "Dispute"
    is_data: ClassVar[bool] = False

    id: str
    parties: frozenset[str]
    mediators: frozenset[str] = frozenset()
    platform: frozenset[str] = frozenset()

    def partners(self) -> frozenset[str]:
        """Every partner the resource names (Cedar needs an entity for each)."""
        return self.parties | self.mediators | self.platform


@dataclass(frozen=True, slots=True)
class ComplianceReportResource:
    """A compliance report on `obligor`'s commitments, owed to `beneficiaries`."""

    cedar_type: ClassVar[str] = "ComplianceReport"
    is_data: ClassVar[bool] = False

    id: str
    obligor: str
    beneficiaries: frozenset[str]
    platform: frozenset[str] = frozenset()

    def partners(self) -> frozenset[str]:
        """Every partner the resource names (Cedar needs an entity for each)."""
        return self.beneficiaries | self.platform | {self.obligor}


#: Any coordination object the authorisation point decides.
CoordinationResource = CaseResource | PlanResource | DisputeResource | ComplianceReportResource
