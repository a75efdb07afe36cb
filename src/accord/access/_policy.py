"""The compiled policy of the agreements in force, cached, and `authorize` over the store.

Compiling (schema checks, Cedar parsing) is the costly part, so it is cached in two steps:
the stored records by `AgreementRepository.fingerprint()` (one query tells whether any row
changed), and compiled policies by the set of (agreement id, version, content hash) in force
at the instant asked. A transition changes the fingerprint; a version starting or expiring
changes the set; either way the next request recompiles, and nothing needs invalidating by
hand (`PolicyCache.clear()` exists for tests and tools).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from accord.access._principal import Principal
from accord.access._records import AgreementRepository
from accord.agreements import (
    DENIED,
    AccessAction,
    AccessPolicy,
    AccessRequest,
    AgreementRecord,
    CoordinationResource,
    Decision,
    Resource,
    compile_policy,
)
from accord.agreements import authorize as core_authorize
from accord.agreements import authorize_batch as core_authorize_batch

__all__ = [
    "POLICY_CACHE_SIZE",
    "PolicyCache",
    "access_policy",
    "authorize",
    "authorize_each",
    "default_cache",
]

#: Compiled policies kept (distinct sets of versions in force).
POLICY_CACHE_SIZE = 32

_InForce = frozenset[tuple[str, int, str]]


class PolicyCache:
    """Stored records by fingerprint and compiled policies by the versions in force."""

    def __init__(self, size: int = POLICY_CACHE_SIZE) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._records: tuple[str, list[AgreementRecord]] | None = None
        self._policies: OrderedDict[_InForce, AccessPolicy] = OrderedDict()
        #: How many times a policy was compiled (tests check the cache works).
        self.compilations = 0

    def clear(self) -> None:
        """Forget everything (the next request reloads and recompiles)."""
        with self._lock:
            self._records = None
            self._policies.clear()

    def records(self, session: Session) -> list[AgreementRecord]:
        """Every stored agreement record, reparsed only when a row changed."""
        repository = AgreementRepository(session)
        fingerprint = repository.fingerprint()
        with self._lock:
            if self._records is not None and self._records[0] == fingerprint:
                return self._records[1]
        records = repository.all()
        with self._lock:
            self._records = (fingerprint, records)
        return records

    def policy(self, records: list[AgreementRecord], at: datetime) -> AccessPolicy:
        """The compiled policy of the versions of `records` in force at `at`."""
        in_force = [v for r in records if (v := r.version_in_force(at)) is not None]
        key: _InForce = frozenset((v.document.id, v.number, v.content_sha256) for v in in_force)
        with self._lock:
            policy = self._policies.get(key)
            if policy is not None:
                self._policies.move_to_end(key)
                return policy
        policy = compile_policy(tuple(sorted((v.document for v in in_force), key=lambda d: d.id)))
        with self._lock:
            self.compilations += 1
            self._policies[key] = policy
            while len(self._policies) > self.size:
                self._policies.popitem(last=False)
        return policy


_DEFAULT = PolicyCache()


def default_cache() -> PolicyCache:
    """The process-wide cache that `access_policy` uses unless given another."""
    return _DEFAULT


def access_policy(
    session: Session, at: datetime | None = None, *, cache: PolicyCache | None = None
) -> AccessPolicy:
    """The compiled Cedar policy of the agreements stored and in force at `at` (default now)."""
    chosen = cache or _DEFAULT
    return chosen.policy(chosen.records(session), at or datetime.now(UTC))


def authorize(
    session: Session,
    principal: Principal,
    action: AccessAction,
    resource: Resource | CoordinationResource,
    *,
    at: datetime | None = None,
    cache: PolicyCache | None = None,
) -> Decision:
    """Decide one request from the agreements in force (deny by default).

    A key whose scopes exclude `action` is denied before any policy is read. Deny on data
    means 404 to the caller (`get_visible_object` does this for catalog objects); deny on an
    administrative object the caller can see means 403.
    """
    if not principal.may_ask(action):
        return DENIED
    now = at or datetime.now(UTC)
    policy = access_policy(session, now, cache=cache)
    return core_authorize(AccessRequest(principal.core(), action, resource, now), policy)


def authorize_each(
    session: Session,
    principal: Principal,
    asks: Sequence[tuple[AccessAction, Resource | CoordinationResource]],
    *,
    at: datetime | None = None,
    cache: PolicyCache | None = None,
) -> list[Decision]:
    """Decide many (action, resource) requests in one Cedar batch, in their order.

    The batch form of `authorize` for listings: the same scope check per action, the same
    policy, one evaluation call whatever the number of requests.
    """
    now = at or datetime.now(UTC)
    allowed = [principal.may_ask(action) for action, _ in asks]
    if not any(allowed):
        return [DENIED] * len(asks)
    policy = access_policy(session, now, cache=cache)
    core = principal.core()
    asked = [
        AccessRequest(core, action, resource, now)
        for (action, resource), ok in zip(asks, allowed, strict=True)
        if ok
    ]
    decided = iter(core_authorize_batch(asked, policy))
    return [next(decided) if ok else DENIED for ok in allowed]
