"""The console's pages: dashboard, catalog search, object page and audit log.

Each signed-in page takes `MaybePrincipal` (anonymous visitors go to sign-in) and reads the
store in one transaction through `accord.web._views`, which asks the authorisation point.
An object the partner may not see answers the same 404 page as an absent one.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from accord.access import NotFoundError, Principal
from accord.audit import AuditLog, verify_opening
from accord.service.api.audit import MAX_SEQ, open_sealed_for
from accord.service.web._session import MaybePrincipal, sign_in_redirect
from accord.service.web._templates import render
from accord.service.web._views import (
    CATALOG_PAGE_SIZE,
    CatalogSearchPage,
    Dashboard,
    ObjectDetail,
    catalog_search,
    dashboard,
    object_detail,
    orbit_altitudes_km,
)
from accord.store import transaction

__all__ = ["router"]

router = APIRouter()
_MAX_QUERY = 100


def _read(request: Request, work: Any, *args: Any, write: bool = True) -> Any:
    # Releases of shared data append `data.released` entries: SQLite's write lock at BEGIN.
    with transaction(request.app.state.engine, write_lock=write) as session:
        return work(session, *args)


@router.get("/", response_class=HTMLResponse, response_model=None)
async def dashboard_page(
    request: Request, principal: MaybePrincipal
) -> HTMLResponse | RedirectResponse:
    """The signed-in partner's overview."""
    if principal is None:
        return sign_in_redirect(request)
    summary: Dashboard = await run_in_threadpool(_read, request, dashboard, principal, write=False)
    return render(request, "dashboard.html", {"principal": principal, "summary": summary})


@router.get("/catalog", response_class=HTMLResponse, response_model=None)
async def catalog_page(
    request: Request,
    principal: MaybePrincipal,
    q: Annotated[str | None, Query(max_length=_MAX_QUERY)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse | RedirectResponse:
    """Catalog search: NORAD id, name or COSPAR id; server-side pages of 50."""
    if principal is None:
        return sign_in_redirect(request)
    offset = (page - 1) * CATALOG_PAGE_SIZE

    def search(session: Any, who: Principal) -> CatalogSearchPage:
        return catalog_search(session, who, q, offset=offset)

    result: CatalogSearchPage = await run_in_threadpool(_read, request, search, principal)
    pages = max(1, -(-result.total // CATALOG_PAGE_SIZE))
    return render(
        request,
        "catalog.html",
        {"principal": principal, "result": result, "page": page, "pages": pages},
    )


@router.get("/objects/{norad_id}", response_class=HTMLResponse, response_model=None)
async def object_page(
    request: Request, principal: MaybePrincipal, norad_id: int
) -> HTMLResponse | RedirectResponse:
    """One object: elements, history chart, ground track, owner and provenance."""
    if principal is None:
        return sign_in_redirect(request)
    try:
        detail: ObjectDetail = await run_in_threadpool(
            _read, request, object_detail, principal, norad_id
        )
    except NotFoundError:
        return render(
            request,
            "not_found.html",
            {
                "principal": principal,
                "what": f"No object with NORAD id {norad_id}",
                "hint": "It is not in the catalog, or no agreement in force shares it with "
                "your organisation. Search the catalog for what you can see.",
            },
            status_code=404,
        )
    chart: dict[str, list[Any]] = {
        "epoch": [],
        "perigee_km": [],
        "apogee_km": [],
        "inclination_deg": [],
    }
    for item in reversed(detail.history):  # oldest first, as a time axis reads
        if item.element_set is None:
            continue
        perigee_km, apogee_km = orbit_altitudes_km(item.element_set)
        chart["epoch"].append(item.epoch.isoformat())
        chart["perigee_km"].append(round(perigee_km, 3))
        chart["apogee_km"].append(round(apogee_km, 3))
        chart["inclination_deg"].append(round(item.element_set.inclination_deg, 5))
    page_data = {"norad_id": norad_id, "history": chart, "ground_track": detail.ground_track}
    return render(
        request,
        "object.html",
        {"principal": principal, "detail": detail, "page_data": page_data},
    )


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    principal: MaybePrincipal,
    seq: Annotated[int | None, Query(ge=0, le=MAX_SEQ)] = None,
) -> HTMLResponse:
    """The latest signed checkpoint and in-browser verification of an inclusion proof.

    Public like `/audit/*`: the log holds no personal data and is meant to be verified.
    With `?seq=N`, a signed-in reader of entry N's sealed details (or a platform admin)
    also sees them, opened here after the same check as `GET /audit/entries/{seq}/sealed`
    and verified against the entry; anyone else sees the page without them.
    """

    def read(session: Any) -> tuple[Any, dict[str, Any] | None]:
        checkpoint = AuditLog(session).latest_checkpoint()
        if seq is None or principal is None:
            return checkpoint, None
        opening = open_sealed_for(session, principal, seq)
        data = AuditLog(session).entry(seq)
        if opening is None or data is None:
            return checkpoint, None
        return checkpoint, verify_opening(data, opening)

    checkpoint, sealed = await run_in_threadpool(_read, request, read, write=False)
    root_b64 = (
        base64.b64encode(checkpoint.checkpoint.root_hash).decode("ascii") if checkpoint else None
    )
    return render(
        request,
        "audit.html",
        {
            "principal": principal,
            "checkpoint": checkpoint,
            "root_b64": root_b64,
            "sealed_seq": seq if sealed is not None else None,
            "sealed": sealed,
        },
    )
