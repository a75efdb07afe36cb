"""The shared catalog over HTTP: visible objects, one object with its history, batch upload.

Every answer is what `accord.access` releases to the caller: objects nobody granted are
absent from lists and counts and answer 404 on detail (the same 404 as an object that does
not exist); under a coarsening clause an object goes out as a coarsened TEME state vector
instead of mean elements; embargoed element sets are not released before their time.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request, status
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from accord.access import (
    MAX_HISTORY,
    CatalogItem,
    authorize,
    get_visible_object,
    visible_catalog,
    visible_history,
)
from accord.agreements import AccessAction, DataClass, Resource
from accord.catalog import import_catalog
from accord.formats import CatalogFormat
from accord.service._auth import CurrentPrincipal
from accord.service.api._common import (
    MAX_NORAD_ID,
    Forbidden,
    NoradIdPath,
    Page,
    PageLimit,
    PageOffset,
    store,
)
from accord.store import IngestMode, PartnerRepository, SourceKind

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])

#: Largest batch file accepted in one request (bytes).
MAX_BATCH_BYTES = 64 * 1024 * 1024


class MeanElementsPublic(BaseModel):
    """SGP4 mean elements (TEME, Kozai/Brouwer as in the GP data), released in full."""

    epoch: datetime
    mean_motion_rev_per_day: float
    eccentricity: float
    inclination_deg: float
    raan_deg: float
    arg_of_pericenter_deg: float
    mean_anomaly_deg: float
    bstar_per_earth_radius: float
    mean_motion_dot_rev_per_day2: float
    mean_motion_ddot_rev_per_day3: float
    classification: str
    ephemeris_type: int
    element_set_no: int
    rev_at_epoch: int
    tle_line1: str | None
    tle_line2: str | None


class StatePublic(BaseModel):
    """A degraded release: the SGP4 state at the element set's epoch, coarsened (TEME)."""

    frame: Literal["TEME"] = "TEME"
    epoch: datetime
    position_km: tuple[float, float, float]
    velocity_km_s: tuple[float, float, float]
    position_precision_km: float


class ReleasePublic(BaseModel):
    """Why the caller sees the item and what was applied on the way out."""

    policy_ids: list[str]
    clauses: list[str]
    position_precision_km: float | None
    covariance_withheld: bool
    released_at: datetime | None
    redistribution_allowed: bool


class CatalogObjectPublic(BaseModel):
    """One object's element set as released to the caller: exactly one of `mean_elements`
    and `state` is set. `owner` is the owning partner's handle, null for public data."""

    norad_id: int
    object_name: str | None
    object_id: str | None
    epoch: datetime
    owner: str | None
    submitter: str
    submitted_at: datetime
    source_kind: str
    is_synthetic: bool
    mean_elements: MeanElementsPublic | None
    state: StatePublic | None
    release: ReleasePublic


class CatalogObjectDetailPublic(CatalogObjectPublic):
    """The current element set and the visible history (newest first, current included)."""

    history: list[CatalogObjectPublic]


class BatchRejectionPublic(BaseModel):
    """A record that was not stored, and where it is in the file."""

    source: str
    record: int | None
    line: int | None
    field: str | None
    problem: str
    expected: str | None


class BatchPublic(BaseModel):
    """What became of an uploaded catalog file."""

    batch_id: int
    source_name: str
    format: str | None
    file_sha256: str | None
    mode: IngestMode
    record_count: int
    accepted_count: int
    rejected_count: int
    duplicate_count: int
    rejected: list[BatchRejectionPublic]


def _public(item: CatalogItem) -> CatalogObjectPublic:
    elements = item.element_set
    state = item.state
    conditions = item.conditions
    return CatalogObjectPublic(
        norad_id=item.norad_id,
        object_name=item.object_name,
        object_id=item.object_id,
        epoch=item.epoch,
        owner=item.owner,
        submitter=item.submitter,
        submitted_at=item.submitted_at,
        source_kind=item.source_kind,
        is_synthetic=item.is_synthetic,
        mean_elements=None
        if elements is None
        else MeanElementsPublic(
            epoch=elements.epoch,
            mean_motion_rev_per_day=elements.mean_motion_rev_per_day,
            eccentricity=elements.eccentricity,
            inclination_deg=elements.inclination_deg,
            raan_deg=elements.raan_deg,
            arg_of_pericenter_deg=elements.arg_of_pericenter_deg,
            mean_anomaly_deg=elements.mean_anomaly_deg,
            bstar_per_earth_radius=elements.bstar_per_earth_radius,
            mean_motion_dot_rev_per_day2=elements.mean_motion_dot_rev_per_day2,
            mean_motion_ddot_rev_per_day3=elements.mean_motion_ddot_rev_per_day3,
            classification=elements.classification,
            ephemeris_type=elements.ephemeris_type,
            element_set_no=elements.element_set_no,
            rev_at_epoch=elements.rev_at_epoch,
            tle_line1=elements.tle_line1,
            tle_line2=elements.tle_line2,
        ),
        state=None
        if state is None
        else StatePublic(
            epoch=state.epoch,
            position_km=state.position_km,
            velocity_km_s=state.velocity_km_s,
            position_precision_km=state.position_precision_km,
        ),
        release=ReleasePublic(
            policy_ids=list(item.policy_ids),
            clauses=[ref.policy_id for ref in item.clauses],
            position_precision_km=conditions.degradation.position_precision_km,
            covariance_withheld=conditions.degradation.covariance_withheld,
            released_at=conditions.released_at,
            redistribution_allowed=conditions.redistribution_allowed,
        ),
    )


@router.get("", summary="Visible catalog objects")
def list_objects(
    request: Request,
    principal: CurrentPrincipal,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
    norad_id: Annotated[
        list[Annotated[int, Query(ge=1, le=MAX_NORAD_ID)]] | None,
        Query(description="only these NORAD ids (repeat the parameter)", max_length=1000),
    ] = None,
) -> Page[CatalogObjectPublic]:
    """The current element set of every object the caller may see, by NORAD id."""
    with store(request) as session:
        page = visible_catalog(session, principal, offset=offset, limit=limit, norad_ids=norad_id)
    return Page[CatalogObjectPublic](
        items=[_public(item) for item in page.items],
        total=page.total,
        offset=page.offset,
        limit=page.limit,
    )


@router.get(
    "/{norad_id}",
    summary="One object with its history",
    responses={404: {"description": "no such object, or not granted to the caller"}},
)
def get_object(
    request: Request,
    principal: CurrentPrincipal,
    norad_id: NoradIdPath,
    history_limit: Annotated[int, Query(ge=1, le=MAX_HISTORY)] = 100,
) -> CatalogObjectDetailPublic:
    """The current element set of `norad_id` and its visible history (404 if invisible)."""
    with store(request) as session:
        current = get_visible_object(session, principal, norad_id)
        history = visible_history(
            session, principal, norad_id, limit=history_limit, record_release=False
        )
    public = _public(current)
    return CatalogObjectDetailPublic(
        **public.model_dump(), history=[_public(item) for item in history]
    )


_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "description": "the catalog file: TLE/3LE, GP CSV/JSON/XML, OMM KVN/XML",
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


@router.post(
    "/batches",
    summary="Submit a catalog file",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_BATCH_BODY,
    responses={422: {"description": "file or records invalid; `errors` lists each"}},
)
async def submit_batch(
    request: Request,
    principal: CurrentPrincipal,
    source_name: Annotated[str, Query(min_length=1, max_length=200)] = "api-upload",
    mode: IngestMode = IngestMode.REJECT_BATCH,
    format: CatalogFormat | None = None,
    signature: Annotated[
        str | None,
        Header(
            alias="X-Accord-Signature",
            description="base64 Ed25519 signature of the submission statement (docs/audit.md)",
        ),
    ] = None,
) -> BatchPublic:
    """Store a catalog file as a batch submitted by the caller's partner (write scope)."""
    data = await request.body()
    if not data:
        raise HTTPException(422, "the request body is empty; send the catalog file as the body")
    if len(data) > MAX_BATCH_BYTES:
        raise HTTPException(413, f"catalog files are limited to {MAX_BATCH_BYTES} bytes")
    raw_signature = None
    if signature is not None:
        try:
            raw_signature = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raise HTTPException(
                422, "X-Accord-Signature is not standard base64 of the 64-byte signature"
            ) from None

    def store_batch() -> BatchPublic:
        with store(request) as session:
            decision = authorize(
                session,
                principal,
                AccessAction.WRITE,
                Resource(DataClass.CATALOG_ELEMENT_SETS, principal.partner, id="batch"),
            )
            if not decision:
                raise Forbidden(
                    "submitting catalog data needs a key with the write scope (or an operator "
                    "or admin console user)"
                )
            partner = PartnerRepository(session).get(principal.partner_id)
            report = import_catalog(
                session,
                data,
                source_name=source_name,
                partner=partner.name,
                source_kind=SourceKind.API,
                mode=mode,
                format=format,
                signature=raw_signature,
            )
        return BatchPublic(
            batch_id=report.batch_id,
            source_name=report.source_name,
            format=None if report.format is None else report.format.value,
            file_sha256=report.file_sha256,
            mode=report.mode,
            record_count=report.record_count,
            accepted_count=report.accepted_count,
            rejected_count=report.rejected_count,
            duplicate_count=len(report.duplicates),
            rejected=[
                BatchRejectionPublic(
                    source=e.source,
                    record=e.record,
                    line=e.line,
                    field=e.field,
                    problem=e.problem,
                    expected=e.expected,
                )
                for e in report.rejected
            ],
        )

    return await run_in_threadpool(store_batch)
