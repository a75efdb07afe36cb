"""Cases and disputes looked up for a caller, as the authorisation point decides.

Nothing is decided here: `accord.access.authorize_cases` / `authorize_disputes` answer (the
base rules of docs/access.md, "Coordination"); this module turns a denial into the right
answer. Not visible and absent alike are 404; visible but not allowed to act is 403, with
a message that says what acting takes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import HTTPException, Path
from sqlalchemy.orm import Session

from accord.access import NotFoundError, Principal, authorize_cases, authorize_disputes
from accord.agreements import AccessAction
from accord.coordination import CoordinationCase, CoordinationError, Dispute
from accord.coordination_ops import (
    PlanError,
    PlanTransitionError,
    UnknownCaseError,
    UnknownDisputeError,
    WorseConjunctionError,
    get_case,
    get_dispute,
)
from accord.service.api._common import Forbidden

__all__ = [
    "CaseIdPath",
    "acting_case",
    "acting_dispute",
    "conflict",
    "now_utc",
    "visible_case",
    "visible_dispute",
]

CaseIdPath = Annotated[str, Path(max_length=64, description="case id (`case-<event id>`)")]


def now_utc() -> datetime:
    return datetime.now(UTC)


def _forbidden(principal: Principal, parties: tuple[str, ...], what: str) -> Forbidden:
    """Why a caller who sees `what` may not act on it (the decision was the policy's)."""
    if principal.partner not in parties:
        return Forbidden(
            f"{principal.partner!r} is not a party of {what} (parties: {', '.join(parties)}); "
            "a partner acts only for itself"
        )
    return Forbidden(
        f"acting on {what} needs an API key with the `write` scope or a console operator or admin"
    )


def visible_case(session: Session, case_id: str, principal: Principal) -> CoordinationCase:
    """The case if the authorisation point lets `principal` read it; else NotFoundError."""
    try:
        case = get_case(session, case_id)
    except UnknownCaseError:
        raise NotFoundError(f"no coordination case {case_id!r} visible to you") from None
    if not authorize_cases(session, principal, [case], AccessAction.READ)[0]:
        raise NotFoundError(f"no coordination case {case_id!r} visible to you")
    return case


def acting_case(session: Session, case_id: str, principal: Principal) -> CoordinationCase:
    """The case if `principal` may act on it (`write`); Forbidden if it only sees it."""
    try:
        case = get_case(session, case_id)
    except UnknownCaseError:
        raise NotFoundError(f"no coordination case {case_id!r} visible to you") from None
    if authorize_cases(session, principal, [case], AccessAction.WRITE)[0]:
        return case
    if not authorize_cases(session, principal, [case], AccessAction.READ)[0]:
        raise NotFoundError(f"no coordination case {case_id!r} visible to you")
    raise _forbidden(principal, case.parties, f"case {case_id}")


def visible_dispute(session: Session, dispute_id: str, principal: Principal) -> Dispute:
    """The dispute if the authorisation point lets `principal` read it; else NotFoundError."""
    try:
        dispute = get_dispute(session, dispute_id)
    except UnknownDisputeError:
        raise NotFoundError(f"no dispute {dispute_id!r} visible to you") from None
    if not authorize_disputes(session, principal, [dispute], AccessAction.READ)[0]:
        raise NotFoundError(f"no dispute {dispute_id!r} visible to you")
    return dispute


def acting_dispute(session: Session, dispute_id: str, principal: Principal) -> Dispute:
    """The dispute if `principal` may take a step in it (`write`); Forbidden if it only
    sees it. Which step it may take now is the dispute's rule (409 when refused)."""
    try:
        dispute = get_dispute(session, dispute_id)
    except UnknownDisputeError:
        raise NotFoundError(f"no dispute {dispute_id!r} visible to you") from None
    if authorize_disputes(session, principal, [dispute], AccessAction.WRITE)[0]:
        return dispute
    if not authorize_disputes(session, principal, [dispute], AccessAction.READ)[0]:
        raise NotFoundError(f"no dispute {dispute_id!r} visible to you")
    raise _forbidden(principal, dispute.participants, f"dispute {dispute_id}")


def conflict(error: CoordinationError | PlanError) -> HTTPException:
    refused = (CoordinationError, WorseConjunctionError, PlanTransitionError)
    return HTTPException(409 if isinstance(error, refused) else 422, str(error))
