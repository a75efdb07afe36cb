"""Who sees and acts on coordination cases over HTTP: shared by the case and plan routes.

A case is seen by its parties and by whoever the agreements in force grant a party's
`conjunction_data` for that party's object (`accord.access.authorize`); absent and not
visible alike are 404. A partner acts only for itself, with a key that has the `write`
scope or a console role other than analyst/observer (403 otherwise).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import HTTPException, Path
from sqlalchemy.orm import Session

from accord.access import NotFoundError, Principal, authorize
from accord.agreements import AccessAction, DataClass, PrincipalRole, Resource
from accord.coordination import CoordinationCase, CoordinationError
from accord.coordination_ops import (
    PlanError,
    PlanTransitionError,
    UnknownCaseError,
    WorseConjunctionError,
    get_case,
)
from accord.service.api._common import Forbidden

__all__ = [
    "CaseIdPath",
    "case_visible",
    "conflict",
    "now_utc",
    "require_acting",
    "visible_case",
]

CaseIdPath = Annotated[str, Path(max_length=64, description="case id (`case-<event id>`)")]
_ACTING_ROLES = frozenset({PrincipalRole.ADMIN, PrincipalRole.OPERATOR})


def now_utc() -> datetime:
    return datetime.now(UTC)


def case_visible(session: Session, case: CoordinationCase, principal: Principal) -> bool:
    if principal.partner in case.parties:
        return True
    if not principal.may_ask(AccessAction.READ):
        return False
    for side in (case.encounter.primary, case.encounter.secondary):
        if side.operator is None:
            continue
        resource = Resource(
            DataClass.CONJUNCTION_DATA, owner=side.operator, id=case.id, norad_id=side.norad_id
        )
        if authorize(session, principal, AccessAction.READ, resource).allowed:
            return True
    return False


def visible_case(session: Session, case_id: str, principal: Principal) -> CoordinationCase:
    try:
        case = get_case(session, case_id)
    except UnknownCaseError:
        raise NotFoundError(f"no coordination case {case_id!r} visible to you") from None
    if not case_visible(session, case, principal):
        raise NotFoundError(f"no coordination case {case_id!r} visible to you")
    return case


def require_acting(principal: Principal, parties: tuple[str, ...], what: str) -> None:
    if principal.partner not in parties:
        raise Forbidden(
            f"{principal.partner!r} is not a party of {what} (parties: {', '.join(parties)}); "
            "a partner acts only for itself"
        )
    if not principal.may_ask(AccessAction.WRITE) or not principal.roles & _ACTING_ROLES:
        raise Forbidden(
            f"acting on {what} needs an API key with the `write` scope or a console operator "
            "or admin"
        )


def conflict(error: CoordinationError | PlanError) -> HTTPException:
    refused = (CoordinationError, WorseConjunctionError, PlanTransitionError)
    return HTTPException(409 if isinstance(error, refused) else 422, str(error))
