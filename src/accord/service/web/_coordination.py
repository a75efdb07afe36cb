"""Coordination cases and disputes as threads with their steps and deadlines.

The pages call the `/api/v1` coordination handlers themselves (`accord.service.api.
coordination`), so who sees a case, a plan or a dispute, who may act, which transitions
are refused, and the audit entries each step appends are decided in one place: a partner
sees in the console exactly what the API gives it, and a case it may not see answers the
same 404 page as an absent id. Forms post the session's CSRF token (`csrf_token`), checked
by `current_principal` like any API write; a successful step redirects back to its thread
(post/redirect/get), a refused one shows the API's reason on the thread. A plan's owner
shares or commits it from its case page through the API's plan handlers (`share`,
`commit`); a commit refused for a worse conjunction shows the API's problem detail, which
names that conjunction. Whether a page shows a form is asked of the authorisation point too
(`authorize_cases`, `authorize_plans`, `authorize_disputes` for `write`), so a form is
offered exactly when the API would take the step.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from accord.access import (
    MAX_PAGE_SIZE,
    NotFoundError,
    Principal,
    authorize_cases,
    authorize_disputes,
    authorize_plans,
)
from accord.agreements import AccessAction
from accord.coordination import Manoeuvre
from accord.coordination_ops import get_case, get_dispute
from accord.service._auth import current_principal
from accord.service.api import _coordination_plans as plans_api
from accord.service.api import coordination as coordination_api
from accord.service.api._common import Forbidden, store
from accord.service.web._session import MaybePrincipal, sign_in_redirect
from accord.service.web._templates import render
from accord.service.web._views import time_left
from accord.store import ManoeuvrePlanRow

__all__ = [
    "CASES_PAGE_SIZE",
    "DISPUTES_PAGE_SIZE",
    "STEP_WORDS",
    "router",
]

router = APIRouter()
CASES_PAGE_SIZE = 20
DISPUTES_PAGE_SIZE = 20
_MAX_FORM_BYTES = 64 * 1024

#: Case and dispute events in words, for the threads.
STEP_WORDS = {
    "case.opened": "Case opened",
    "case.proposed": "Proposed by the rules of the road",
    "case.accepted": "Accepted",
    "case.agreed": "Agreed by every party",
    "case.counter_proposed": "Counter-proposal",
    "case.handed_over": "Handed over",
    "case.refused": "Refused to coordinate",
    "case.deadline_missed": "Deadline missed",
    "case.closed": "Case closed",
}
MANOEUVRE_WORDS = {
    Manoeuvre.PRIMARY.value: "object 1 manoeuvres",
    Manoeuvre.SECONDARY.value: "object 2 manoeuvres",
    Manoeuvre.BOTH_COORDINATE.value: "both operators coordinate who acts",
    Manoeuvre.NEITHER.value: "neither object can manoeuvre",
}
Action = Literal["accept", "counter", "hand-over", "refuse"]


def _case_rights(
    request: Request, principal: Principal, case_id: str, plan_ids: list[int]
) -> tuple[bool, dict[int, bool]]:
    """Whether `principal` may act on the case, and move each of its plans (`write`)."""
    with store(request, write=False) as session:
        case = get_case(session, case_id)
        acting = authorize_cases(session, principal, [case], AccessAction.WRITE)[0]
        rows = [session.get(ManoeuvrePlanRow, plan_id) for plan_id in plan_ids]
        pairs = [(row, case) for row in rows if row is not None]
        movable = authorize_plans(session, principal, pairs, AccessAction.WRITE)
        return acting, {row.id: ok for (row, _), ok in zip(pairs, movable, strict=True)}


def _may_take_step(request: Request, principal: Principal, dispute_id: str) -> bool:
    """Whether `principal` may take a step in the dispute (`write`)."""
    with store(request, write=False) as session:
        dispute = get_dispute(session, dispute_id)
        return authorize_disputes(session, principal, [dispute], AccessAction.WRITE)[0]


def _call(request: Request, handler: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return run_in_threadpool(handler, request, *args, **kwargs)


def _not_found(request: Request, principal: Principal, what: str) -> HTMLResponse:
    return render(
        request,
        "not_found.html",
        {
            "principal": principal,
            "what": what,
            "hint": "It does not exist, or your organisation is not a party to it and no "
            "agreement in force shares it with you. The coordination page lists every case "
            "and dispute you can see.",
        },
        status_code=404,
    )


async def _form(request: Request) -> dict[str, list[str]]:
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        raise HTTPException(413, f"forms are limited to {_MAX_FORM_BYTES} bytes")
    return parse_qs(body.decode("utf-8", "replace"))


async def _poster(request: Request) -> Principal | Response:
    """The principal of a form post (session and CSRF token checked as for the API), or
    the page that says why not: sign-in when the session is gone, 403 without the token."""
    try:
        return await current_principal(request)
    except HTTPException as refused:
        if refused.status_code == 401:
            return sign_in_redirect(request)
        if refused.status_code != 403:
            raise
        return render(
            request,
            "not_found.html",
            {
                "what": "This form was not accepted",
                "hint": "It did not carry this session's security token (it has expired, or "
                "it was not sent by this console). Go back, reload the page and send it again.",
            },
            status_code=403,
        )


# --- the list ---------------------------------------------------------------------------------


@router.get("/coordination", response_class=HTMLResponse, response_model=None)
async def coordination_page(
    request: Request,
    principal: MaybePrincipal,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    dpage: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse | RedirectResponse:
    """Cases and disputes the partner may see, each with its state and next deadline."""
    if principal is None:
        return sign_in_redirect(request)
    cases = await _call(
        request,
        coordination_api.list_visible_cases,
        principal,
        offset=(page - 1) * CASES_PAGE_SIZE,
        limit=CASES_PAGE_SIZE,
        open_only=False,
    )
    disputes = await _call(
        request,
        coordination_api.disputes,
        principal,
        offset=(dpage - 1) * DISPUTES_PAGE_SIZE,
        limit=DISPUTES_PAGE_SIZE,
    )
    now = datetime.now(UTC)
    return render(
        request,
        "coordination.html",
        {
            "principal": principal,
            "cases": cases,
            "disputes": disputes,
            "page": page,
            "dpage": dpage,
            "pages": max(1, -(-cases.total // CASES_PAGE_SIZE)),
            "dpages": max(1, -(-disputes.total // DISPUTES_PAGE_SIZE)),
            "left": {c.id: time_left(c.next_deadline, now) for c in cases.items},
            "dispute_left": {d.id: time_left(d.deadline, now) for d in disputes.items},
            "manoeuvre_words": MANOEUVRE_WORDS,
        },
    )


# --- one case ---------------------------------------------------------------------------------


async def _case_page(
    request: Request,
    principal: Principal,
    case_id: str,
    *,
    error: str | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        case = await _call(request, coordination_api.case_detail, principal, case_id)
    except NotFoundError:
        return _not_found(request, principal, f"No coordination case {case_id}")
    plans_page = await _call(
        request, coordination_api.case_plans, principal, case_id, offset=0, limit=MAX_PAGE_SIZE
    )
    plans = plans_page.items
    acting, movable = await run_in_threadpool(
        _case_rights, request, principal, case_id, [plan.id for plan in plans]
    )
    now = datetime.now(UTC)
    proposal = case.proposal
    deadlines = []
    if proposal is not None:
        for party, deadline in sorted(proposal.deadlines.items()):
            words, passed = time_left(deadline, now)
            answered = party in proposal.accepted_by
            deadlines.append(
                {
                    "party": party,
                    "deadline": deadline,
                    "left": words,
                    "overdue": passed and party in case.awaiting,
                    "answered": answered,
                }
            )
    open_case = case.state.value in ("opened", "proposed")
    return render(
        request,
        "case.html",
        {
            "principal": principal,
            "case": case,
            "plans": plans,
            "deadlines": deadlines,
            "tca_left": time_left(case.tca, now),
            "is_party": principal.partner in case.parties,
            "acting": acting and open_case,
            "may_accept": acting and principal.partner in case.awaiting,
            "may_hand_over": acting
            and proposal is not None
            and principal.partner in proposal.acting_operators,
            "plan_moves": _plan_moves(plans, movable),
            "counter_choices": [
                m for m in MANOEUVRE_WORDS if proposal is None or m != proposal.manoeuvre.value
            ],
            "step_words": STEP_WORDS,
            "manoeuvre_words": MANOEUVRE_WORDS,
            "error": error,
            "done": done,
        },
        status_code=status_code,
    )


@router.get("/coordination/cases/{case_id}", response_class=HTMLResponse, response_model=None)
async def case_page(
    request: Request,
    principal: MaybePrincipal,
    case_id: coordination_api.CaseIdPath,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse | RedirectResponse:
    """One case as a thread: proposal and rule, deadlines, steps, plans, and the forms."""
    if principal is None:
        return sign_in_redirect(request)
    return await _case_page(request, principal, case_id, done=done)


def _case_body(action: Action, form: dict[str, list[str]]) -> Any:
    text = (form.get("rationale") or form.get("reason") or [""])[0].strip()
    if action == "accept":
        return coordination_api.AcceptCreate()
    if action == "counter":
        manoeuvre = (form.get("manoeuvre") or [""])[0]
        return coordination_api.CounterCreate(manoeuvre=manoeuvre, rationale=text)  # type: ignore[arg-type]
    if action == "hand-over":
        return coordination_api.HandOverCreate(rationale=text)
    return coordination_api.RefuseCreate(reason=text)


_CASE_HANDLERS: dict[str, Callable[..., Any]] = {
    "accept": coordination_api.accept,
    "counter": coordination_api.counter,
    "hand-over": coordination_api.hand_over,
    "refuse": coordination_api.refuse,
}
_DONE_WORDS = {
    "accept": "accepted",
    "counter": "counter-proposed",
    "hand-over": "handed-over",
    "refuse": "refused",
    "message": "message-sent",
    "share": "plan-shared",
    "commit": "plan-committed",
    "decision": "decided",
}


def _validation_words(error: ValidationError) -> str:
    fields = ", ".join(str(e["loc"][-1]) for e in error.errors() if e.get("loc"))
    return f"Fill in {fields or 'every field'}: it is required and has a length limit."


@router.post("/coordination/cases/{case_id}/{action}", response_model=None)
async def act_on_case(
    request: Request,
    case_id: coordination_api.CaseIdPath,
    action: Action,
) -> Response:
    """Accept, counter-propose, hand over or refuse, through the API's own handler."""
    poster = await _poster(request)
    if isinstance(poster, Response):
        return poster
    form = await _form(request)
    try:
        body = _case_body(action, form)
        # A console form carries no partner signature: partners sign decisions with their own
        # key through the API (X-Accord-Signature) or the CLI (docs/audit.md).
        await _call(request, _CASE_HANDLERS[action], poster, case_id, body, signature=None)
    except NotFoundError:
        return _not_found(request, poster, f"No coordination case {case_id}")
    except ValidationError as invalid:
        return await _case_page(
            request, poster, case_id, error=_validation_words(invalid), status_code=422
        )
    except Forbidden as refused:
        return await _case_page(request, poster, case_id, error=str(refused), status_code=403)
    except HTTPException as refused:
        return await _case_page(
            request, poster, case_id, error=str(refused.detail), status_code=refused.status_code
        )
    target = f"/console/coordination/cases/{quote(case_id)}?done={_DONE_WORDS[action]}"
    return RedirectResponse(target, status_code=303)


# --- a plan's next step ----------------------------------------------------------------------

#: The form each plan kind offers its owner: the next step of the plan state machine.
_PLAN_MOVES = {"hypothetical": "share", "candidate": "commit"}
_PLAN_HANDLERS: dict[str, tuple[Callable[..., Any], Callable[[], Any]]] = {
    "share": (plans_api.share, plans_api.PlanShareCreate),
    "commit": (plans_api.commit, plans_api.PlanCommitCreate),
}


def _plan_moves(plans: list[Any], movable: dict[int, bool]) -> dict[int, str]:
    """Plan id -> the step the caller may take next (no entry: no form); `movable` is the
    authorisation point's answer for `write` on each plan."""
    return {
        plan.id: _PLAN_MOVES[plan.kind.value]
        for plan in plans
        if plan.kind.value in _PLAN_MOVES and movable.get(plan.id, False)
    }


@router.post("/coordination/plans/{plan_id}/{action}", response_model=None)
async def move_plan(
    request: Request, plan_id: plans_api.PlanIdPath, action: Literal["share", "commit"]
) -> Response:
    """Share or commit a plan through the API's own handler; refusals said on its case page."""
    poster = await _poster(request)
    if isinstance(poster, Response):
        return poster
    await _form(request)  # read (size-limited) for the token only: the step has no fields
    try:
        plan = await _call(request, plans_api.plan_detail, poster, plan_id)
    except NotFoundError:
        return _not_found(request, poster, f"No manoeuvre plan {plan_id}")
    handler, body = _PLAN_HANDLERS[action]
    try:
        moved = await _call(request, handler, poster, plan_id, body())
    except NotFoundError:
        return _not_found(request, poster, f"No manoeuvre plan {plan_id}")
    except Forbidden as refused:
        return await _case_page(request, poster, plan.case_id, error=str(refused), status_code=403)
    except HTTPException as refused:
        return await _case_page(
            request,
            poster,
            plan.case_id,
            error=str(refused.detail),
            status_code=refused.status_code,
        )
    if isinstance(moved, JSONResponse):
        # The API answers a worse conjunction with its problem document (it carries the
        # conjunction); its detail names that conjunction, which is what the owner needs.
        problem = json.loads(bytes(moved.body))
        return await _case_page(
            request, poster, plan.case_id, error=problem["detail"], status_code=moved.status_code
        )
    target = f"/console/coordination/cases/{quote(plan.case_id)}?done={_DONE_WORDS[action]}"
    return RedirectResponse(f"{target}#plan-{plan_id}", status_code=303)


# --- one dispute ------------------------------------------------------------------------------


async def _dispute_page(
    request: Request,
    principal: Principal,
    dispute_id: str,
    *,
    error: str | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        dispute = await _call(request, coordination_api.dispute_detail, principal, dispute_id)
    except NotFoundError:
        return _not_found(request, principal, f"No dispute {dispute_id}")
    may_step = await run_in_threadpool(_may_take_step, request, principal, dispute_id)
    now = datetime.now(UTC)
    reached = dispute.steps.index(dispute.step)
    return render(
        request,
        "dispute.html",
        {
            "principal": principal,
            "dispute": dispute,
            "reached": reached,
            "deadline_left": time_left(dispute.deadline, now),
            # Allowed to take steps, and one of who may write in the current step.
            "may_write": may_step
            and principal.partner in dispute.participants
            and dispute.state.value not in ("resolved", "withdrawn", "exhausted"),
            "error": error,
            "done": done,
        },
        status_code=status_code,
    )


@router.get("/coordination/disputes/{dispute_id}", response_class=HTMLResponse, response_model=None)
async def dispute_page(
    request: Request,
    principal: MaybePrincipal,
    dispute_id: coordination_api.DisputeIdPath,
    done: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse | RedirectResponse:
    """One dispute as a thread: the clause's steps and deadline, messages, evidence, decision."""
    if principal is None:
        return sign_in_redirect(request)
    return await _dispute_page(request, principal, dispute_id, done=done)


@router.post("/coordination/disputes/{dispute_id}/{action}", response_model=None)
async def act_on_dispute(
    request: Request,
    dispute_id: coordination_api.DisputeIdPath,
    action: Literal["message", "decision"],
) -> Response:
    """Write to the other participants or record the decision, through the API's handlers."""
    poster = await _poster(request)
    if isinstance(poster, Response):
        return poster
    form = await _form(request)
    try:
        if action == "message":
            text = (form.get("text") or [""])[0].strip()
            body: Any = coordination_api.DisputeMessageCreate(text=text)
            handler: Callable[..., Any] = coordination_api.dispute_message
        else:
            reasons = [
                line.strip()
                for line in (form.get("reasons") or [""])[0].splitlines()
                if line.strip()
            ]
            body = coordination_api.DecisionCreate(
                outcome=(form.get("outcome") or [""])[0].strip(),
                reasons=reasons,
                agreed_by=form.get("agreed_by") or [],
            )
            handler = coordination_api.dispute_decision
        await _call(request, handler, poster, dispute_id, body, signature=None)
    except NotFoundError:
        return _not_found(request, poster, f"No dispute {dispute_id}")
    except ValidationError as invalid:
        return await _dispute_page(
            request, poster, dispute_id, error=_validation_words(invalid), status_code=422
        )
    except Forbidden as refused:
        return await _dispute_page(request, poster, dispute_id, error=str(refused), status_code=403)
    except HTTPException as refused:
        return await _dispute_page(
            request, poster, dispute_id, error=str(refused.detail), status_code=refused.status_code
        )
    target = f"/console/coordination/disputes/{quote(dispute_id)}?done={_DONE_WORDS[action]}"
    return RedirectResponse(target, status_code=303)
