"""The values an authorisation request and its decision are made of.

A request names a principal (a person or API key acting for a partner, with roles), an
action, a resource (shared data, an administrative object, or a coordination object from
`accord.agreements._coordination`) and the instant of the request. A decision says allowed
or not, which policies granted it (for the audit log's data-release entries) and the
conditions to apply to what goes out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from accord.agreements._coordination import CoordinationResource
from accord.agreements._document import Degradation
from accord.agreements._errors import AccessRequestError
from accord.agreements._vocabulary import (
    AccessAction,
    AdminResourceType,
    DataClass,
    PrincipalRole,
)

__all__ = [
    "AccessRequest",
    "ClauseRef",
    "Decision",
    "Principal",
    "ReleaseConditions",
    "Resource",
]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who asks: `partner` is the partner id it acts for, `name` a user or key id for logs."""

    partner: str
    roles: frozenset[PrincipalRole]
    name: str = ""


@dataclass(frozen=True, slots=True)
class Resource:
    """What is asked about: one data item or one administrative object.

    `owner` is the partner whose data or object it is (for data, the grantor a clause must
    name). `norad_id`/`station_id` tie data to an asset. The embargo clock starts at the
    later of `data_epoch` and `submitted_at` (UTC); an embargoed clause never grants an item
    that has neither. `parties` lists an agreement resource's parties.
    """

    kind: DataClass | AdminResourceType
    owner: str
    id: str = ""
    norad_id: int | None = None
    station_id: str | None = None
    data_epoch: datetime | None = None
    submitted_at: datetime | None = None
    parties: frozenset[str] = frozenset()

    @property
    def is_data(self) -> bool:
        """True for shared data (governed by clauses), False for administrative objects."""
        return isinstance(self.kind, DataClass)

    def embargo_start(self) -> datetime | None:
        """When an embargo on this item starts to run: the later of epoch and submission."""
        times = [t for t in (self.data_epoch, self.submitted_at) if t is not None]
        for t in times:
            if t.tzinfo is None or t.utcoffset() is None:
                raise AccessRequestError(
                    f"resource {self.kind}:{self.id or '?'} has a time without zone "
                    f"({t.isoformat()}); pass UTC datetimes"
                )
        return max(times, default=None)


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """One question to the authorisation point: may `principal` do `action` on `resource`."""

    principal: Principal
    action: AccessAction
    resource: Resource | CoordinationResource
    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise AccessRequestError(
                f"access request at {self.at.isoformat()} has no time zone; pass a UTC datetime"
            )


@dataclass(frozen=True, slots=True)
class ClauseRef:
    """A clause that granted a release: what the audit log's data-release entry cites."""

    agreement_id: str
    version: int
    clause_id: str

    @property
    def policy_id(self) -> str:
        """The Cedar policy id the clause compiles to: `<agreement>/v<version>/<clause>`."""
        return f"{self.agreement_id}/v{self.version}/{self.clause_id}"


@dataclass(frozen=True, slots=True)
class ReleaseConditions:
    """What to do to an allowed data item on the way out.

    `released_at` is when the applied clause's embargo ended (None when it has none);
    `redistribution_allowed` says whether the recipient may pass the data on.
    """

    degradation: Degradation = field(default_factory=Degradation)
    redistribution_allowed: bool = False
    released_at: datetime | None = None


#: Conditions of a release that no clause restricts (an owner's own data, administration).
UNRESTRICTED = ReleaseConditions(Degradation(), redistribution_allowed=True)


@dataclass(frozen=True, slots=True)
class Decision:
    """The authorisation point's answer.

    `policy_ids` are the Cedar policies that permitted the request (`base/...` for the
    fixed rules, `<agreement>/v<n>/<clause>` for clauses), `clauses` the clauses among
    them. `conditions` is None when denied; otherwise the conditions of the least
    restrictive granting clause (one clause's, never a mix of several).
    """

    allowed: bool
    policy_ids: tuple[str, ...] = ()
    clauses: tuple[ClauseRef, ...] = ()
    conditions: ReleaseConditions | None = None

    def __bool__(self) -> bool:
        return self.allowed
