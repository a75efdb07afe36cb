"""Campaigns: the request form with its area drawn on a map, the plan on a map and a timeline.

Pages read and write through the campaign API's own functions (`accord.service.api.
campaigns`: `visible_requests`, `visible_request`, `visible_plan`, `create_request`,
`queue_plan`, `visible_plan_job`), which ask `accord.access` and `accord.campaign_ops`:
a partner sees here exactly the requests, plans and jobs the API gives it, and anything else
answers the same 404 page as what does not exist. Forms post with the session's CSRF token,
checked by `current_principal` like any API write (docs/console.md, "Campaigns").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from accord.access import NotFoundError, Principal
from accord.campaign_ops import (
    DEFAULT_POOL,
    DUTY_ROLES,
    UnknownCampaignItem,
    plan_coverage,
    satellite_timeline,
    validate_request,
)
from accord.service.api._campaign_schemas import PlanCreate, RequestCreate
from accord.service.api._common import Forbidden, store
from accord.service.api.campaigns import (
    _campaign_errors,
    create_request,
    decide_task,
    plan_job_public,
    queue_plan,
    visible_plan,
    visible_plan_job,
    visible_request,
    visible_requests,
)
from accord.service.web._session import console_principal, sign_in_redirect
from accord.service.web._templates import render
from accord.store import CampaignPlanRow, PlanRequestRow

__all__ = ["FORM_FIELDS", "TASK_DECISIONS", "router"]

router = APIRouter()
_PREFIX = "/console/campaigns"
#: The request form's fields (names as posted); errors are shown next to these.
FORM_FIELDS = (
    "area_mode",
    "area_geojson",
    "center_latitude_deg",
    "center_longitude_deg",
    "radius_km",
    "area_name",
    "window_start",
    "window_end",
    "delivery_deadline",
    "priority",
    "sensor_kinds",
    "max_resolution_m",
    "max_off_nadir_deg",
)
#: The decisions an owner takes on a proposed task from the request page (the API's
#: `POST /api/v1/campaigns/tasks/{id}/{decision}` also takes acquired, missed, delivered).
TASK_DECISIONS = ("accept", "decline")
ConsoleTaskDecision = Literal["accept", "decline"]
_EXPIRED = (
    "This form has expired or was not sent by this console (its security token is missing "
    "or stale). Reload the page and submit it again."
)


async def _principal_for_form(request: Request) -> Principal | None:
    """The signed-in principal of a form post; raises HTTPException 403 for a bad CSRF token."""
    return await console_principal(request)


def _refused(request: Request, principal: Principal | None, detail: str, status: int) -> Response:
    return render(
        request,
        "campaign_refused.html",
        {"principal": principal, "active": "campaigns", "detail": detail},
        status_code=status,
    )


def _not_found(request: Request, principal: Principal, what: str) -> HTMLResponse:
    return render(
        request,
        "not_found.html",
        {
            "principal": principal,
            "what": what,
            "hint": "It does not exist, or you are not a member of its pool and no agreement "
            "in force shares it with your organisation. The campaigns page lists every "
            "request you can see.",
        },
        status_code=404,
    )


def _read(request: Request, work: Any, *args: Any) -> Any:
    with store(request, write=False) as session:
        return work(session, *args)


# --- list -----------------------------------------------------------------------------------


@router.get("/campaigns", response_class=HTMLResponse, response_model=None)
async def campaigns_page(request: Request) -> Response:
    """The requests the partner may see with their workflow state, newest first."""
    principal = await console_principal(request)
    if principal is None:
        return sign_in_redirect(request)

    def work(session: Any) -> Any:
        return list(reversed(visible_requests(session, principal)))

    requests = await run_in_threadpool(_read, request, work)
    return render(
        request,
        "campaigns.html",
        {
            "principal": principal,
            "active": "campaigns",
            "requests": requests,
            "validated": sum(1 for r in requests if r.status == "validated"),
            "pool": DEFAULT_POOL,
        },
    )


# --- the request form -----------------------------------------------------------------------


def _utc_input(value: datetime) -> str:
    """A `datetime-local` value (UTC, minutes)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def _form_defaults() -> dict[str, str]:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {
        "area_mode": "polygon",
        "area_geojson": "",
        "center_latitude_deg": "",
        "center_longitude_deg": "",
        "radius_km": "50",
        "area_name": "",
        "window_start": _utc_input(start),
        "window_end": _utc_input(start + timedelta(days=2)),
        "delivery_deadline": _utc_input(start + timedelta(days=2, hours=12)),
        "priority": "1",
        "max_resolution_m": "",
        "max_off_nadir_deg": "45",
    }


def _form_page(
    request: Request,
    principal: Principal,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "campaign_new.html",
        {
            "principal": principal,
            "active": "campaigns",
            "values": values,
            "errors": errors or {},
            "message": message,
        },
        status_code=status_code,
    )


@router.get("/campaigns/new", response_class=HTMLResponse, response_model=None)
async def new_request_page(request: Request) -> Response:
    """The request form: the area drawn on a map (or typed), window, priority, needs."""
    principal = await console_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    values: dict[str, Any] = _form_defaults() | {"sensor_kinds": ["optical", "sar"]}
    return _form_page(request, principal, values)


class _FormError(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _number(values: dict[str, Any], field: str, errors: dict[str, str]) -> float | None:
    text = str(values.get(field) or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        errors[field] = f"{text!r} is not a number"
        return None


def _utc_datetime(text: str) -> str:
    """A `datetime-local` value read as UTC (ISO 8601 with its offset)."""
    text = text.strip()
    return f"{text}:00+00:00" if len(text) == 16 else f"{text}+00:00" if text else text


def request_body_from_form(values: dict[str, Any]) -> RequestCreate:
    """The API's `RequestCreate` from the form's fields; `_FormError` names the fields.

    Polygon mode reads `area_geojson` (a Polygon, or a Point with `radius_km`, as the API
    takes it); circle mode builds a Point from the centre fields and `radius_km`.
    """
    errors: dict[str, str] = {}
    body: dict[str, Any] = {"pool": DEFAULT_POOL}
    if values.get("area_mode") == "circle":
        latitude = _number(values, "center_latitude_deg", errors)
        longitude = _number(values, "center_longitude_deg", errors)
        for field, value in (
            ("center_latitude_deg", latitude),
            ("center_longitude_deg", longitude),
        ):
            if value is None and field not in errors:
                errors[field] = "click the map or type the centre's latitude and longitude"
        body["area"] = {"type": "Point", "coordinates": [longitude, latitude]}
        body["radius_km"] = _number(values, "radius_km", errors)
        if body["radius_km"] is None and "radius_km" not in errors:
            errors["radius_km"] = "give the circle's radius in km"
    else:
        text = str(values.get("area_geojson") or "").strip()
        try:
            area = json.loads(text) if text else None
        except json.JSONDecodeError as error:
            area = None
            errors["area_geojson"] = (
                f"not JSON ({error.msg} at line {error.lineno}, column {error.colno})"
            )
        if area is None and "area_geojson" not in errors:
            errors["area_geojson"] = (
                "click at least three points on the map, or type a GeoJSON Polygon here"
            )
        body["area"] = area if isinstance(area, dict) else {}
    if values.get("area_name"):
        body["area_name"] = str(values["area_name"]).strip()
    for field in ("window_start", "window_end", "delivery_deadline"):
        body[field] = _utc_datetime(str(values.get(field) or ""))
    for field in ("priority", "max_resolution_m", "max_off_nadir_deg"):
        number = _number(values, field, errors)
        if number is not None:
            body[field] = number
    body["sensor_kinds"] = list(values.get("sensor_kinds") or [])
    if errors:
        raise _FormError(errors)
    try:
        return RequestCreate.model_validate(body)
    except ValidationError as error:
        raise _FormError(_field_errors(error.errors(), values)) from None


def _field_errors(problems: Any, values: dict[str, Any]) -> dict[str, str]:
    """Pydantic/FastAPI error locations mapped onto the form's fields."""
    errors: dict[str, str] = {}
    circle = values.get("area_mode") == "circle"
    for problem in problems:
        location = [str(part) for part in problem.get("loc", ()) if part != "body"]
        field = location[0] if location else "area"
        if field == "area":
            field = "center_latitude_deg" if circle else "area_geojson"
        if field not in FORM_FIELDS:
            field = "area_geojson"
        message = str(problem.get("msg", "invalid")).removeprefix("Value error, ")
        errors.setdefault(field, message)
    return errors


@router.post("/campaigns/new", response_class=HTMLResponse, response_model=None)
async def submit_request_form(request: Request) -> Response:
    """Check the form, then record the request through the API's own operation."""
    try:
        principal = await _principal_for_form(request)
    except HTTPException as refused:
        return _refused(request, None, _EXPIRED, refused.status_code)
    if principal is None:
        return sign_in_redirect(request)
    form = await request.form()
    values: dict[str, Any] = {field: str(form.get(field) or "") for field in FORM_FIELDS}
    values["sensor_kinds"] = [str(kind) for kind in form.getlist("sensor_kinds")]
    try:
        body = request_body_from_form(values)
        created = await run_in_threadpool(create_request, request, principal, body)
    except _FormError as error:
        return _form_page(request, principal, values, error.errors, status_code=422)
    except RequestValidationError as error:
        errors = _field_errors(error.errors(), values)
        return _form_page(request, principal, values, errors, status_code=422)
    except Forbidden as error:  # the workflow's refusal of this principal
        return _form_page(request, principal, values, message=str(error), status_code=403)
    except HTTPException as error:  # the workflow's other refusals: 409, 422
        return _form_page(
            request, principal, values, message=str(error.detail), status_code=error.status_code
        )
    return RedirectResponse(f"{_PREFIX}/{created.request_id}", status_code=303)


# --- one request and its plan ---------------------------------------------------------------


def _latest_plan_id(session: Any, request_id: int) -> int | None:
    return session.scalar(
        sa.select(sa.func.max(PlanRequestRow.plan_id)).where(
            PlanRequestRow.request_id == request_id
        )
    )


def _decidable_task_ids(principal: Principal, document: dict[str, Any]) -> set[int]:
    """Tasks the principal may accept or decline: proposed, on its partner's satellites, and
    it holds an operator or admin role (what `update_task` authorises; analysts get none)."""
    if not principal.roles & DUTY_ROLES:
        return set()
    return {
        int(task["task_id"])
        for task in document["tasks"]
        if task["owner"] == principal.partner and task["status"] == "proposed"
    }


def _request_view(session: Any, principal: Principal, request_id: int) -> dict[str, Any]:
    view: dict[str, Any] = {"campaign_request": visible_request(session, principal, request_id)}
    plan_id = _latest_plan_id(session, request_id)
    view["plan"] = None
    view["decidable_task_ids"] = set()
    if plan_id is not None:
        try:
            document = visible_plan(session, principal, plan_id)
        except NotFoundError:
            view["plan_hidden"] = True
            return view
        timeline = satellite_timeline(document)
        view["plan"] = document
        view["decidable_task_ids"] = _decidable_task_ids(principal, document)
        view["page_data"] = {
            "request_id": request_id,
            "plan_id": plan_id,
            "coverage": plan_coverage(session, document),
            "timeline": [
                {
                    "norad_id": norad_id,
                    "entries": [
                        {
                            "kind": entry.kind,
                            "start": entry.start.isoformat(),
                            "end": entry.end.isoformat(),
                            "task_id": entry.task_id,
                            "area_name": entry.area_name,
                            "status": entry.status,
                            "station": entry.station,
                        }
                        for entry in entries
                    ],
                }
                for norad_id, entries in timeline.items()
            ],
        }
    return view


@router.get("/campaigns/{request_id}", response_class=HTMLResponse, response_model=None)
async def request_page(request: Request, request_id: int) -> Response:
    """A request, its latest plan on a map and a timeline, tasks, contributions, downloads."""
    principal = await console_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    try:
        view = await run_in_threadpool(_read, request, _request_view, principal, request_id)
    except NotFoundError:
        return _not_found(request, principal, f"No campaign request {request_id}")
    return render(
        request,
        "campaign.html",
        {
            "principal": principal,
            "active": "campaigns",
            "decision": _decision_notice(request),
            **view,
        },
    )


def _decision_notice(request: Request) -> dict[str, Any] | None:
    """What the redirect after a task decision says was done (`?task=&decided=&replanned=`).

    Only well-formed values are shown (ids as integers, a known decision): the notice
    repeats the redirect's facts and nothing typed elsewhere.
    """
    query = request.query_params
    decided, task, replanned = query.get("decided"), query.get("task", ""), query.get("replanned")
    if decided not in TASK_DECISIONS or not task.isdigit():
        return None
    return {
        "task_id": int(task),
        "decided": decided,
        "replanned_plan_id": int(replanned) if replanned and replanned.isdigit() else None,
    }


@router.post("/campaigns/{request_id}/validate", response_model=None)
async def validate_request_form(request: Request, request_id: int) -> Response:
    """The duty officer's validation, from the request page."""
    try:
        principal = await _principal_for_form(request)
    except HTTPException as refused:
        return _refused(request, None, _EXPIRED, refused.status_code)
    if principal is None:
        return sign_in_redirect(request)

    def work() -> None:
        with store(request) as session, _campaign_errors():
            visible_request(session, principal, request_id)
            validate_request(session, principal, request_id)

    try:
        await run_in_threadpool(work)
    except NotFoundError:
        return _not_found(request, principal, f"No campaign request {request_id}")
    except Forbidden as error:
        return _refused(request, principal, str(error), 403)
    except HTTPException as error:
        return _refused(request, principal, str(error.detail), error.status_code)
    return RedirectResponse(f"{_PREFIX}/{request_id}", status_code=303)


@router.post("/campaigns/{request_id}/tasks/{task_id}/{decision}", response_model=None)
async def task_decision_form(
    request: Request, request_id: int, task_id: int, decision: ConsoleTaskDecision
) -> Response:
    """The satellite owner's accept or decline, through the API's own `decide_task`.

    A decline re-forms the plan there, as over the API; the request page then shows the
    latest plan with a notice naming the task, the decision and the new plan.
    """
    try:
        principal = await _principal_for_form(request)
    except HTTPException as refused:
        return _refused(request, None, _EXPIRED, refused.status_code)
    if principal is None:
        return sign_in_redirect(request)
    try:
        decided = await run_in_threadpool(decide_task, request, principal, task_id, decision)
    except NotFoundError:
        return _not_found(request, principal, f"No campaign task {task_id}")
    except Forbidden as error:
        return _refused(request, principal, str(error), 403)
    except HTTPException as error:  # 409: the task is no longer proposed
        return _refused(request, principal, str(error.detail), error.status_code)
    target = f"{_PREFIX}/{request_id}?task={task_id}&decided={decision}"
    if decided.replanned_plan_id is not None:
        target += f"&replanned={decided.replanned_plan_id}"
    return RedirectResponse(target, status_code=303)


# --- planning jobs --------------------------------------------------------------------------


@router.post("/campaigns/plan", response_model=None)
async def plan_form(request: Request) -> Response:
    """Queue the planning of the pool's validated requests; go to the job's page."""
    try:
        principal = await _principal_for_form(request)
    except HTTPException as refused:
        return _refused(request, None, _EXPIRED, refused.status_code)
    if principal is None:
        return sign_in_redirect(request)
    form = await request.form()
    method = str(form.get("method") or "milp")
    try:
        body = PlanCreate(pool=DEFAULT_POOL, method=method)  # type: ignore[arg-type]
        job = await run_in_threadpool(queue_plan, request, principal, body)
    except ValidationError:
        return _refused(request, principal, f"unknown planning method {method!r}", 422)
    except NotFoundError:
        return _refused(request, principal, f"You are not a member of pool {DEFAULT_POOL!r}.", 404)
    except HTTPException as error:
        return _refused(request, principal, str(error.detail), error.status_code)
    return RedirectResponse(f"{_PREFIX}/jobs/{job.job_id}", status_code=303)


@router.get("/campaigns/jobs/{job_id}", response_class=HTMLResponse, response_model=None)
async def job_page(request: Request, job_id: int) -> Response:
    """A planning job's status and progress (the page follows it while it runs)."""
    principal = await console_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    try:
        job = await run_in_threadpool(visible_plan_job, request, principal, job_id)
    except NotFoundError:
        return _not_found(request, principal, f"No planning job {job_id}")
    return render(
        request,
        "campaign_job.html",
        {"principal": principal, "active": "campaigns", "job": plan_job_public(job)},
    )


@router.get("/campaigns/plans/{plan_id}", response_model=None)
async def plan_page(request: Request, plan_id: int) -> Response:
    """A plan: its first request's page, which shows the plan."""
    principal = await console_principal(request)
    if principal is None:
        return sign_in_redirect(request)

    def first_request(session: Any) -> int:
        document = visible_plan(session, principal, plan_id)
        if not document["requests"] or session.get(CampaignPlanRow, plan_id) is None:
            raise UnknownCampaignItem(f"campaign plan {plan_id} has no request")
        return int(document["requests"][0]["request_id"])

    try:
        request_id = await run_in_threadpool(_read, request, first_request)
    except (NotFoundError, UnknownCampaignItem):
        return _not_found(request, principal, f"No campaign plan {plan_id}")
    return RedirectResponse(f"{_PREFIX}/{request_id}", status_code=303)
