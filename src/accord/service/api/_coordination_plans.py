"""Manoeuvre plans over HTTP: create, list, read, share and commit.

Who sees a plan is the authorisation point's answer (`accord.access.authorize_plans`):
`hypothetical` its owner, `candidate` also the case's parties, `committed` also whoever the
agreements grant the owner's `conjunction_data`; absent and not visible alike are 404, and
a case's plan list (paginated, `Page[PlanPublic]`) leaves the others out. A party makes
plans of its own object; only the owner's operators and admins move a plan forward
(`share_plan`, `commit_plan`, which ask `authorize_plans` for `write`; 403 when the caller
sees the plan but may not). The state machine's refusals (committed twice, committed
before it was shared) are 409, and so is a commit that would create a worse conjunction
than the one it avoids: the problem names it in `conjunction` (secondary NORAD id, TCA,
miss km, Pc).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from accord.access import NotFoundError, Principal, authorize_plans
from accord.coordination_ops import (
    PlanError,
    PlanNotAuthorisedError,
    PlanTransitionError,
    UnknownPlanError,
    WorseConjunctionError,
    commit_plan,
    get_case,
    plan_manoeuvre,
    share_plan,
)
from accord.service._auth import CurrentPrincipal
from accord.service._problems import problem_response
from accord.service.api._common import Forbidden, Page, PageLimit, PageOffset, store
from accord.service.api._coordination_access import (
    CaseIdPath,
    acting_case,
    conflict,
    now_utc,
    visible_case,
)
from accord.store import ManoeuvrePlanKind, ManoeuvrePlanRow, PlanCatalogEntryRow

__all__ = [
    "MAX_OEM_CHARS",
    "PlanCatalogEntryPublic",
    "PlanCommitCreate",
    "PlanCreate",
    "PlanIdPath",
    "PlanPublic",
    "PlanShareCreate",
    "case_plans",
    "commit",
    "create_plan",
    "plan_detail",
    "router",
    "share",
]

#: Included by `accord.service.api.coordination.router`, which adds the /api/v1 prefix.
router = APIRouter(tags=["coordination"])

PlanIdPath = Annotated[int, Path(ge=1, le=2**62, description="manoeuvre plan id")]
#: Largest OEM accepted in a plan (characters).
MAX_OEM_CHARS = 4 * 1024 * 1024


class PlanCreate(BaseModel):
    """A manoeuvre plan of the caller's object: a delta-v (RTN, m/s) at `burn_at`, or the
    post-manoeuvre trajectory as a CCSDS OEM (KVN text)."""

    kind: ManoeuvrePlanKind = ManoeuvrePlanKind.HYPOTHETICAL
    burn_at: datetime | None = None
    delta_v_rtn_m_s: tuple[float, float, float] | None = Field(
        default=None, description="radial, in-track, cross-track delta-v in m/s (each |x| <= 1000)"
    )
    oem: str | None = Field(default=None, max_length=MAX_OEM_CHARS)


class PlanCatalogEntryPublic(BaseModel):
    """The element set a committed plan added to the catalog: batch, epoch, fit residuals."""

    batch_id: int
    epoch: datetime
    fit_start: datetime
    fit_end: datetime
    fit_samples: int
    fit_rms_km: float
    fit_max_km: float


class PlanPublic(BaseModel):
    """A plan and its screening verdict (`acceptable` or `worse` than the avoided event)."""

    id: int
    case_id: str
    owner: str
    norad_id: int
    kind: ManoeuvrePlanKind
    burn_at: datetime | None
    delta_v_rtn_m_s: list[float] | None
    verdict: Literal["acceptable", "worse"]
    screening: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    catalog_entry: PlanCatalogEntryPublic | None = Field(
        default=None,
        description="committed plans: the fitted element set added to the catalog (absent "
        "when newer data already superseded the plan)",
    )


class PlanShareCreate(BaseModel):
    """The owner shares its hypothetical plan with the case's parties (no fields needed)."""


class PlanCommitCreate(BaseModel):
    """The owner commits its candidate plan (no fields needed)."""


def _plan_public(session: Session, row: ManoeuvrePlanRow) -> PlanPublic:
    dv = (row.delta_v_r_m_s, row.delta_v_t_m_s, row.delta_v_n_m_s)
    entry = session.get(PlanCatalogEntryRow, row.id)
    return PlanPublic(
        id=row.id,
        case_id=row.case_id,
        owner=row.owner,
        norad_id=row.norad_id,
        kind=ManoeuvrePlanKind(row.kind),
        burn_at=row.burn_at,
        delta_v_rtn_m_s=None if dv[0] is None else [float(x or 0.0) for x in dv],
        verdict="worse" if row.verdict == "worse" else "acceptable",
        screening=row.screening,
        created_at=row.created_at,
        updated_at=row.updated_at,
        catalog_entry=None
        if entry is None
        else PlanCatalogEntryPublic(
            batch_id=entry.batch_id,
            epoch=entry.epoch,
            fit_start=entry.fit_start,
            fit_end=entry.fit_end,
            fit_samples=entry.fit_samples,
            fit_rms_km=entry.fit_rms_km,
            fit_max_km=entry.fit_max_km,
        ),
    )


@router.post("/coordination/cases/{case_id}/plans", response_model=PlanPublic, status_code=201)
def create_plan(
    request: Request, principal: CurrentPrincipal, case_id: CaseIdPath, body: PlanCreate
) -> Any:
    """Screen a plan of the caller's object against the whole catalog and store it."""
    if body.delta_v_rtn_m_s is not None and any(abs(x) > 1000.0 for x in body.delta_v_rtn_m_s):
        raise HTTPException(422, "delta_v_rtn_m_s: each component must be within ±1000 m/s")
    if body.oem is None and (body.burn_at is None or body.delta_v_rtn_m_s is None):
        raise HTTPException(422, "give `burn_at` and `delta_v_rtn_m_s`, or `oem`")
    burn_at = body.burn_at
    if burn_at is not None and burn_at.tzinfo is None:
        raise HTTPException(422, "burn_at: give a time zone (e.g. 2026-03-01T22:00:00Z)")
    with store(request) as session:
        acting_case(session, case_id, principal)
        try:
            plan_id, _ = plan_manoeuvre(
                session,
                case_id,
                owner=principal.partner,
                at=now_utc(),
                kind=body.kind,
                burn_at=burn_at.astimezone(UTC) if burn_at else None,
                delta_v_rtn_m_s=body.delta_v_rtn_m_s,
                oem_text=body.oem,
            )
        except PlanError as error:
            raise conflict(error) from None
        row = session.get(ManoeuvrePlanRow, plan_id)
        assert row is not None
        return _plan_public(session, row)


@router.get("/coordination/cases/{case_id}/plans", response_model=Page[PlanPublic])
def case_plans(
    request: Request,
    principal: CurrentPrincipal,
    case_id: CaseIdPath,
    offset: PageOffset = 0,
    limit: PageLimit = 100,
) -> Page[PlanPublic]:
    """The plans of a case the caller may see, oldest first (by kind, then agreements)."""
    with store(request, write=False) as session:
        case = visible_case(session, case_id, principal)
        rows = session.scalars(
            sa.select(ManoeuvrePlanRow)
            .where(ManoeuvrePlanRow.case_id == case_id)
            .order_by(ManoeuvrePlanRow.id)
        ).all()
        # Decided before counting: the total counts only what the caller may see.
        allowed = authorize_plans(session, principal, [(row, case) for row in rows])
        shown = [row for row, ok in zip(rows, allowed, strict=True) if ok]
        return Page[PlanPublic](
            items=[_plan_public(session, row) for row in shown[offset : offset + limit]],
            total=len(shown),
            offset=offset,
            limit=limit,
        )


@router.get("/coordination/plans/{plan_id}", response_model=PlanPublic)
def plan_detail(request: Request, principal: CurrentPrincipal, plan_id: PlanIdPath) -> Any:
    """One plan and its screening verdict."""
    with store(request, write=False) as session:
        row = session.get(ManoeuvrePlanRow, plan_id)
        if (
            row is None
            or not authorize_plans(session, principal, [(row, get_case(session, row.case_id))])[0]
        ):
            raise NotFoundError(f"no manoeuvre plan {plan_id} visible to you")
        return _plan_public(session, row)


_PLAN_MOVE_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "the caller sees the plan but is not its owner's operator or admin"},
    404: {"description": "no such plan, or not visible to the caller"},
    409: {
        "description": "the state machine refuses the move (already committed, not yet "
        "shared), or the plan creates a worse conjunction (named in `conjunction`)"
    },
}


def _move_plan(
    request: Request, principal: Principal, plan_id: int, move: Callable[[Session], object]
) -> Any:
    """Apply `move` to the plan in one write transaction; errors as RFC 9457 problems."""
    try:
        with store(request) as session:
            try:
                move(session)
            except UnknownPlanError as error:
                raise NotFoundError(str(error)) from None
            except PlanNotAuthorisedError as error:
                raise Forbidden(str(error)) from None
            except PlanTransitionError as error:
                raise HTTPException(409, str(error)) from None
            row = session.get(ManoeuvrePlanRow, plan_id)
            assert row is not None
            return _plan_public(session, row)
    except WorseConjunctionError as error:
        # Outside the transaction: it rolled back, and the problem carries the conjunction.
        response: JSONResponse = problem_response(
            409, str(error), instance=request.url.path, conjunction=error.conjunction
        )
        return response


@router.post(
    "/coordination/plans/{plan_id}/share",
    response_model=PlanPublic,
    responses=_PLAN_MOVE_RESPONSES,
)
def share(
    request: Request, principal: CurrentPrincipal, plan_id: PlanIdPath, body: PlanShareCreate
) -> Any:
    """The owner shares a hypothetical plan with the case's parties: it becomes a candidate."""
    return _move_plan(
        request,
        principal,
        plan_id,
        lambda s: share_plan(s, plan_id, principal=principal, at=now_utc()),
    )


@router.post(
    "/coordination/plans/{plan_id}/commit",
    response_model=PlanPublic,
    responses=_PLAN_MOVE_RESPONSES,
)
def commit(
    request: Request, principal: CurrentPrincipal, plan_id: PlanIdPath, body: PlanCommitCreate
) -> Any:
    """The owner commits a candidate plan: screened again, then added to the catalog."""
    return _move_plan(
        request,
        principal,
        plan_id,
        lambda s: commit_plan(s, plan_id, principal=principal, at=now_utc()),
    )
