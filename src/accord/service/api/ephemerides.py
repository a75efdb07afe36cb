"""Operator ephemerides over HTTP: submit an OEM, list and read what the agreements grant.

Submitting is the caller's partner's write (an operator or admin, a key with the write
scope) of an object it claims; reading is decided by `accord.access` for the data class
`operator_ephemerides`: the submitter sees its own, a grantee what a clause in force grants
after its embargo, degraded as the clause says; anything else is absent (404, not counted).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from accord.access import (
    MAX_OEM_BYTES,
    DuplicateEphemerisError,
    EphemerisItem,
    EphemerisSubmissionError,
    authorize,
    get_visible_ephemeris,
    release_oem,
    submit_ephemeris,
    visible_ephemerides,
)
from accord.agreements import AccessAction, DataClass, Resource
from accord.service._auth import CurrentPrincipal
from accord.service.api._common import (
    MAX_NORAD_ID,
    Forbidden,
    Page,
    PageLimit,
    PageOffset,
    store,
)
from accord.service.api._signatures import SubmittedSignature, refused_as_422
from accord.store import PartnerRepository, SourceKind

__all__ = ["REDISTRIBUTION_HEADER", "router"]

router = APIRouter(prefix="/api/v1/ephemerides", tags=["ephemerides"])

#: Response header of an OEM download: whether the caller may pass it on.
REDISTRIBUTION_HEADER = "X-Accord-Redistribution-Allowed"

EphemerisIdPath = Annotated[int, Path(ge=1, le=2**62, description="stored ephemeris id")]


class EphemerisReleasePublic(BaseModel):
    """Why the caller sees the ephemeris and what is applied to its OEM on the way out."""

    policy_ids: list[str]
    clauses: list[str]
    position_precision_km: float | None
    covariance_withheld: bool
    released_at: datetime | None
    redistribution_allowed: bool


class EphemerisPublic(BaseModel):
    """A stored ephemeris's summary as released to the caller (times UTC).

    `has_covariance` says whether the OEM the caller gets carries covariance; `current`
    marks the submitter's newest usable span of this object.
    """

    id: int
    norad_id: int
    object_name: str
    object_id: str
    owner: str | None
    submitter: str
    submitted_at: datetime
    source_name: str
    format: str
    file_sha256: str
    center_name: str
    ref_frame: str
    time_system: str
    usable_start: datetime
    usable_stop: datetime
    segment_count: int
    state_count: int
    has_covariance: bool
    signed: bool
    current: bool
    release: EphemerisReleasePublic


def _public(item: EphemerisItem) -> EphemerisPublic:
    conditions = item.conditions
    return EphemerisPublic(
        id=item.ephemeris_id,
        norad_id=item.norad_id,
        object_name=item.object_name,
        object_id=item.object_id,
        owner=item.owner,
        submitter=item.submitter,
        submitted_at=item.submitted_at,
        source_name=item.source_name,
        format=item.format,
        file_sha256=item.file_sha256,
        center_name=item.center_name,
        ref_frame=item.ref_frame,
        time_system=item.time_system,
        usable_start=item.usable_start,
        usable_stop=item.usable_stop,
        segment_count=item.segment_count,
        state_count=item.state_count,
        has_covariance=item.has_covariance,
        signed=item.signed,
        current=item.current,
        release=EphemerisReleasePublic(
            policy_ids=list(item.policy_ids),
            clauses=[ref.policy_id for ref in item.clauses],
            position_precision_km=conditions.degradation.position_precision_km,
            covariance_withheld=conditions.degradation.covariance_withheld,
            released_at=conditions.released_at,
            redistribution_allowed=conditions.redistribution_allowed,
        ),
    )


_OEM_BODY = {
    "requestBody": {
        "required": True,
        "description": "one CCSDS OEM (502.0-B-3, 2.0 or 1.0), KVN or XML, of a claimed object",
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "text/plain": {"schema": {"type": "string"}},
            "application/xml": {"schema": {"type": "string"}},
        },
    }
}


@router.post(
    "",
    summary="Submit an operator ephemeris (OEM)",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_OEM_BODY,
    responses={
        409: {"description": "the partner already submitted exactly this file"},
        422: {
            "description": "OEM invalid (`errors` lists each), object not claimed, or bad "
            "signature; nothing was stored"
        },
    },
)
async def submit(
    request: Request,
    principal: CurrentPrincipal,
    signature: SubmittedSignature,
    source_name: Annotated[str, Query(min_length=1, max_length=200)] = "api-upload",
    norad_id: Annotated[
        int | None,
        Query(ge=1, le=MAX_NORAD_ID, description="the object, when OBJECT_ID does not name it"),
    ] = None,
) -> EphemerisPublic:
    """Store an OEM of a satellite the caller's partner claims, logged `ephemeris.accepted`."""
    data = await request.body()
    if not data:
        raise HTTPException(422, "the request body is empty; send the OEM file as the body")
    if len(data) > MAX_OEM_BYTES:
        raise HTTPException(413, f"ephemerides are limited to {MAX_OEM_BYTES} bytes")

    def run() -> EphemerisPublic:
        with refused_as_422(), store(request) as session:
            resource = Resource(DataClass.OPERATOR_EPHEMERIDES, principal.partner, id="submission")
            if not authorize(session, principal, AccessAction.WRITE, resource):
                raise Forbidden(
                    "submitting ephemerides needs a key with the write scope (or an operator "
                    "or admin console user)"
                )
            partner = PartnerRepository(session).get(principal.partner_id)
            try:
                row = submit_ephemeris(
                    session,
                    partner,
                    data,
                    source=source_name,
                    signature=signature,
                    norad_id=norad_id,
                    source_kind=SourceKind.API,
                )
            except DuplicateEphemerisError as exc:
                raise HTTPException(409, str(exc)) from None
            except EphemerisSubmissionError as exc:
                raise HTTPException(422, str(exc)) from None
            item = get_visible_ephemeris(session, principal, row.id, at=row.submitted_at)
            return _public(item)

    return await run_in_threadpool(run)


@router.get("", summary="Visible operator ephemerides")
def list_ephemerides(
    request: Request,
    principal: CurrentPrincipal,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
    norad_id: Annotated[
        int | None, Query(ge=1, le=MAX_NORAD_ID, description="only this object's")
    ] = None,
) -> Page[EphemerisPublic]:
    """Every ephemeris the caller may see (of one object), newest submission first."""
    with store(request, write=False) as session:
        page = visible_ephemerides(
            session, principal, norad_id=norad_id, offset=offset, limit=limit
        )
    return Page[EphemerisPublic](
        items=[_public(item) for item in page.items],
        total=page.total,
        offset=page.offset,
        limit=page.limit,
    )


@router.get(
    "/{ephemeris_id}",
    summary="One ephemeris's summary",
    responses={404: {"description": "no such ephemeris, or not granted to the caller"}},
)
def get_ephemeris(
    request: Request, principal: CurrentPrincipal, ephemeris_id: EphemerisIdPath
) -> EphemerisPublic:
    """The summary of one ephemeris the caller may see (404 otherwise)."""
    with store(request, write=False) as session:
        return _public(get_visible_ephemeris(session, principal, ephemeris_id))


@router.get(
    "/{ephemeris_id}/oem",
    summary="The OEM as released to the caller (KVN)",
    response_class=PlainTextResponse,
    responses={
        200: {
            "description": "the OEM in KVN, degraded as the granting clause says",
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "headers": {
                REDISTRIBUTION_HEADER: {
                    "description": "`true` when the caller may pass the data on",
                    "schema": {"type": "string", "enum": ["true", "false"]},
                }
            },
        },
        404: {"description": "no such ephemeris, or not granted to the caller"},
    },
)
def get_oem(
    request: Request, principal: CurrentPrincipal, ephemeris_id: EphemerisIdPath
) -> PlainTextResponse:
    """The OEM (KVN): positions coarsened and covariance withheld as the clause says; a
    release under a clause is logged as `data.released`."""
    with store(request) as session:
        released = release_oem(session, principal, ephemeris_id)
    allowed = released.item.conditions.redistribution_allowed
    return PlainTextResponse(
        released.kvn,
        media_type="text/plain; charset=utf-8",
        headers={REDISTRIBUTION_HEADER: "true" if allowed else "false"},
    )
