"""Who owns a submitted data item, and which clauses can reach it (docs/access.md, "Ownership").

1. A data item (an element set, an ephemeris, ...) submitted by a member partner belongs to
   that partner, always: the submitter sees what it submitted, and nobody's claim changes
   that.
2. One submitted by a `data_provider` or the `system` partner is public, claimed object or
   not: it was public before Accord had it, and a claim cannot hide it.
3. Claims say which satellites a partner operates. For sharing they decide one thing: the
   reach of a clause whose assets are `all_claimed`. Such a clause of grantor G covers G's
   own items about objects G claims and about objects nobody claims (data tied to no
   asset); it does not cover G's items about an object that only other partners claim,
   which only a clause listing that NORAD id covers. Listed NORAD ids cover G's items about
   those objects whatever the claims.

Rule 3 is applied without a second kind of Cedar rule: an item *beyond* its owner's claims
is decided against the same agreements with their `all_claimed` clauses left out
(`listed_only`), so the same compiled clauses, ids and release conditions apply.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections.abc import Mapping

from accord.agreements import AccessPolicy, DataSharingClause, compile_policy
from accord.store import Partner, PartnerKind

__all__ = ["PUBLIC_SUBMITTER_KINDS", "beyond_claims", "listed_only", "owner_of_submission"]

#: Kinds of partner whose submissions are public (docs/access.md, "Ownership", rule 2).
PUBLIC_SUBMITTER_KINDS = frozenset({PartnerKind.DATA_PROVIDER.value, PartnerKind.SYSTEM.value})

_LISTED_ONLY: weakref.WeakKeyDictionary[AccessPolicy, AccessPolicy] = weakref.WeakKeyDictionary()
_LISTED_ONLY_LOCK = threading.Lock()


def owner_of_submission(submitter: Partner | None) -> Partner | None:
    """The owner of an item `submitter` submitted: the submitter when a member, else None
    (public). An unknown submitter (None) makes the item public as before: only data
    providers' imports name a source with no partner row."""
    if submitter is None or submitter.kind in PUBLIC_SUBMITTER_KINDS:
        return None
    return submitter


def beyond_claims(
    owner_id: int, norad_id: int | None, claimants: Mapping[int, frozenset[int]]
) -> bool:
    """Whether an item of `owner_id` about `norad_id` is beyond its owner's claims: other
    partners actively claim the object and the owner does not."""
    claimed_by = claimants.get(norad_id) if norad_id is not None else None
    return bool(claimed_by) and owner_id not in claimed_by  # type: ignore[operator]


def listed_only(policy: AccessPolicy) -> AccessPolicy:
    """`policy` without its `all_claimed` data-sharing clauses (cached per policy).

    Deciding an item beyond its owner's claims against it applies rule 3: only clauses
    that list NORAD ids (or station ids) can grant it. Clause ids are unchanged, so the
    decision names the same policies as the full policy would.
    """
    with _LISTED_ONLY_LOCK:
        found = _LISTED_ONLY.get(policy)
    if found is not None:
        return found

    def keep(clause: object) -> bool:
        return not (isinstance(clause, DataSharingClause) and clause.assets.all_claimed)

    narrowed = compile_policy(
        dataclasses.replace(agreement, clauses=tuple(c for c in agreement.clauses if keep(c)))
        for agreement in policy.agreements
    )
    with _LISTED_ONLY_LOCK:
        _LISTED_ONLY[policy] = narrowed
    return narrowed
