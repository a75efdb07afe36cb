"""Typed dataclasses of a parsed agreement document (format `accord.agreement/v1`).

The document is what the parties sign: content only. Its lifecycle (signatures,
suspension, termination) lives in `AgreementRecord` (see _versions.py), never in the text.
Times are tz-aware UTC datetimes; durations carry their unit in the field name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from accord.agreements._vocabulary import (
    CommitmentMetric,
    Comparison,
    DataClass,
    DisputeStepKind,
    PartyRole,
)

__all__ = [
    "AGREEMENT_FORMAT",
    "Agreement",
    "AllocationPool",
    "AllocationSharesClause",
    "AssetSelection",
    "Clause",
    "DataSharingClause",
    "Degradation",
    "DisputeResolutionClause",
    "DisputeStep",
    "Mediator",
    "Party",
    "ReciprocalCommitmentClause",
]

#: The value of a document's `format` field; bumped only on an incompatible schema change.
AGREEMENT_FORMAT = "accord.agreement/v1"


@dataclass(frozen=True, slots=True)
class Party:
    """A partner taking part in the agreement; `partner` is its Accord partner id."""

    partner: str
    name: str
    role: PartyRole = PartyRole.SIGNATORY


@dataclass(frozen=True, slots=True)
class AssetSelection:
    """Which of the grantor's assets a data-sharing clause covers.

    `all_claimed` covers every asset the grantor claims (and data tied to no asset);
    otherwise only the listed NORAD catalog numbers and ground-station/sensor ids.
    """

    all_claimed: bool
    norad_ids: frozenset[int] = frozenset()
    station_ids: frozenset[str] = frozenset()

    def covers(self, *, norad_id: int | None, station_id: str | None) -> bool:
        """Whether a data item about this satellite or station falls under the selection."""
        if self.all_claimed:
            return True
        return (norad_id is not None and norad_id in self.norad_ids) or (
            station_id is not None and station_id in self.station_ids
        )


@dataclass(frozen=True, slots=True)
class Degradation:
    """What is removed on the way out: position precision coarsened, covariance withheld.

    `position_precision_km` None means positions leave at full precision.
    """

    position_precision_km: float | None = None
    covariance_withheld: bool = False

    @property
    def is_none(self) -> bool:
        """True when nothing is degraded."""
        return self.position_precision_km is None and not self.covariance_withheld


@dataclass(frozen=True, slots=True)
class DataSharingClause:
    """The grantor lets each grantee read the listed data classes about the selected assets."""

    id: str
    grantor: str
    grantees: tuple[str, ...]
    data_classes: frozenset[DataClass]
    assets: AssetSelection
    degradation: Degradation = field(default_factory=Degradation)
    embargo_hours: float = 0.0
    redistribution_allowed: bool = False


@dataclass(frozen=True, slots=True)
class ReciprocalCommitmentClause:
    """A measurable obligation of one party: `metric` compared with `threshold` per period."""

    id: str
    party: str
    metric: CommitmentMetric
    comparison: Comparison
    threshold: float
    period_days: int

    def is_met(self, measured: float) -> bool:
        """Whether a value measured over one period satisfies the commitment."""
        if self.comparison is Comparison.AT_MOST:
            return measured <= self.threshold
        return measured >= self.threshold


@dataclass(frozen=True, slots=True)
class Mediator:
    """Who mediates: a partner id, with a name when the mediator is not a party."""

    partner: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class DisputeStep:
    """One step of dispute resolution, to be completed within `deadline_days` of starting."""

    kind: DisputeStepKind
    deadline_days: int
    mediator: Mediator | None = None
    body: str | None = None


@dataclass(frozen=True, slots=True)
class DisputeResolutionClause:
    """Ordered steps: each starts when the previous one's deadline passes unresolved."""

    id: str
    steps: tuple[DisputeStep, ...]


@dataclass(frozen=True, slots=True)
class AllocationPool:
    """Utilisation shares of one pooled asset class; shares sum to 1."""

    asset_class: str
    shares: tuple[tuple[str, float], ...]

    def share_of(self, partner: str) -> float:
        """The partner's share of the pool (0 when it has none)."""
        return dict(self.shares).get(partner, 0.0)


@dataclass(frozen=True, slots=True)
class AllocationSharesClause:
    """Shares of pooled assets, in the way the ISS partners share utilisation rights."""

    id: str
    pools: tuple[AllocationPool, ...]


Clause = (
    DataSharingClause
    | ReciprocalCommitmentClause
    | DisputeResolutionClause
    | AllocationSharesClause
)


@dataclass(frozen=True, slots=True)
class Agreement:
    """One version of an agreement document, validated and typed.

    `effective_until` None means open-ended. `raw` is the document as read (plain JSON
    types), kept so the exact signed content can be hashed (`content_sha256`).
    """

    id: str
    version: int
    title: str
    parties: tuple[Party, ...]
    effective_from: datetime
    effective_until: datetime | None
    clauses: tuple[Clause, ...]
    raw: dict[str, object] = field(compare=False, repr=False, default_factory=dict)

    @property
    def party_ids(self) -> frozenset[str]:
        """Every party's partner id, observers included."""
        return frozenset(p.partner for p in self.parties)

    @property
    def signatory_ids(self) -> frozenset[str]:
        """The partner ids that must sign each version."""
        return frozenset(p.partner for p in self.parties if p.role is PartyRole.SIGNATORY)

    @property
    def data_sharing(self) -> tuple[DataSharingClause, ...]:
        """The data-sharing clauses, in document order."""
        return tuple(c for c in self.clauses if isinstance(c, DataSharingClause))

    def is_effective(self, at: datetime) -> bool:
        """Whether `at` lies in [effective_from, effective_until)."""
        return self.effective_from <= at and (
            self.effective_until is None or at < self.effective_until
        )
