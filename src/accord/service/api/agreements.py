"""Agreements over HTTP: list, detail, versions, the JSON Schema, and their lifecycle.

An agreement is visible to its parties only (`base/parties-read-agreement`): anyone else
gets 404, as for data. Proposing, signing, amending, suspending, resuming and terminating
need `administer` on the agreement (an admin of a party: `base/admin-administers-own`); a
party that may see it but not do that gets 403. Documents arrive as YAML or JSON text and
are validated against the published schema; a 422 problem lists every problem found.
Every change may carry the party's signature (`X-Accord-Signature`, see `_signatures`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from accord.access import (
    AgreementRepository,
    NotFoundError,
    PartnerSignature,
    Principal,
    amend_agreement,
    authorize,
    edit_agreement_draft,
    propose_agreement,
    resume_agreement,
    sign_agreement,
    suspend_agreement,
    terminate_agreement,
)
from accord.agreements import (
    AccessAction,
    AdminResourceType,
    Agreement,
    AgreementRecord,
    AgreementStatus,
    AgreementVersion,
    InvalidTransitionError,
    Resource,
    agreement_schema,
    load_agreement,
)
from accord.service._auth import CurrentPrincipal
from accord.service.api._common import Forbidden, Page, PageLimit, PageOffset, paginate, store
from accord.service.api._signatures import SubmittedSignature, refused_as_422
from accord.store import PartnerRepository

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/agreements", tags=["agreements"])

#: Largest agreement document accepted (bytes).
MAX_DOCUMENT_BYTES = 256 * 1024

_DOCUMENT_BODY = {
    "requestBody": {
        "required": True,
        "description": "an accord.agreement/v1 document (GET /api/v1/agreements/schema)",
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


class SignaturePublic(BaseModel):
    """One party's signature of one version (it covers `content_sha256`)."""

    party: str
    signed_at: datetime
    content_sha256: str
    signer: str | None


class AgreementVersionPublic(BaseModel):
    """One version: its document as submitted, its hash and its signatures."""

    number: int
    content_sha256: str
    proposed_by: str
    proposed_at: datetime
    fully_signed_at: datetime | None
    awaiting: list[str]
    departing: list[str] = Field(
        description="parties of the amended or in-force version that this one drops: they "
        "sign it too (docs/agreements.md)"
    )
    signatures: list[SignaturePublic]
    document: dict[str, Any]


class AgreementPublic(BaseModel):
    """An agreement's summary now: status, parties, latest and in-force versions."""

    id: str
    title: str
    status: AgreementStatus
    parties: list[str]
    signatories: list[str]
    effective_from: datetime
    effective_until: datetime | None
    latest_version: int
    version_in_force: int | None
    awaiting_signatures: list[str]


class SignCreate(BaseModel):
    """A signature of the latest version; `version` and `content_sha256` (optional) guard
    against signing something other than what the signer read."""

    version: int | None = Field(default=None, ge=1)
    content_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    signer: str | None = Field(default=None, max_length=200)


class LifecycleCreate(BaseModel):
    """A suspension, resumption or termination, with the reason (kept in the store only)."""

    reason: str = Field(min_length=1, max_length=2000)


def _public(record: AgreementRecord, at: datetime) -> AgreementPublic:
    latest = record.latest
    document = latest.document
    in_force = record.version_in_force(at)
    return AgreementPublic(
        id=record.agreement_id,
        title=document.title,
        status=record.status_at(at),
        parties=sorted(document.party_ids),
        signatories=sorted(document.signatory_ids),
        effective_from=document.effective_from,
        effective_until=document.effective_until,
        latest_version=latest.number,
        version_in_force=None if in_force is None else in_force.number,
        awaiting_signatures=sorted(latest.awaiting),
    )


def _version_public(version: AgreementVersion) -> AgreementVersionPublic:
    return AgreementVersionPublic(
        number=version.number,
        content_sha256=version.content_sha256,
        proposed_by=version.proposed_by,
        proposed_at=version.proposed_at,
        fully_signed_at=version.fully_signed_at,
        awaiting=sorted(version.awaiting),
        departing=sorted(version.departing),
        signatures=[
            SignaturePublic(
                party=s.party,
                signed_at=s.signed_at,
                content_sha256=s.content_sha256,
                signer=s.signer,
            )
            for s in version.signatures
        ],
        document=dict(version.document.raw),
    )


def _resource(agreement_id: str, parties: frozenset[str], owner: str) -> Resource:
    return Resource(AdminResourceType.AGREEMENT, owner, id=agreement_id, parties=parties)


def _record_resource(record: AgreementRecord) -> Resource:
    parties = frozenset().union(*(v.document.party_ids for v in record.versions))
    return _resource(record.agreement_id, parties, record.versions[0].proposed_by)


def _visible_record(session: Session, principal: Principal, agreement_id: str) -> AgreementRecord:
    record = AgreementRepository(session).find(agreement_id)
    if record is None or not authorize(
        session, principal, AccessAction.READ, _record_resource(record)
    ):
        raise NotFoundError(f"no agreement {agreement_id!r}")
    return record


def _administered(session: Session, principal: Principal, agreement_id: str) -> AgreementRecord:
    record = _visible_record(session, principal, agreement_id)
    if not authorize(session, principal, AccessAction.ADMINISTER, _record_resource(record)):
        raise Forbidden(
            f"agreement {agreement_id!r}: signing and lifecycle changes need an admin of a "
            "party (an admin console user or a key with the admin scope)"
        )
    return record


async def _document(request: Request, source: str) -> Agreement:
    body = await request.body()
    if len(body) > MAX_DOCUMENT_BYTES:
        raise HTTPException(413, f"agreement documents are limited to {MAX_DOCUMENT_BYTES} bytes")
    # JSON is YAML: one loader reads both, and lists every problem it finds.
    return load_agreement(body.decode("utf-8", "replace"), source=source)


@router.get("/schema", summary="The agreement JSON Schema (accord.agreement/v1)")
def schema(principal: CurrentPrincipal) -> dict[str, Any]:
    """The JSON Schema every agreement document is validated against (docs/agreements.md)."""
    return agreement_schema()


@router.get("", summary="Agreements the caller is party to")
def list_agreements(
    request: Request, principal: CurrentPrincipal, limit: PageLimit = 100, offset: PageOffset = 0
) -> Page[AgreementPublic]:
    """Every agreement the caller may see (those its partner is party to), by id."""
    now = datetime.now(UTC)
    with store(request, write=False) as session:
        records = AgreementRepository(session).all()
        visible = [
            _public(r, now)
            for r in records
            if authorize(session, principal, AccessAction.LIST, _record_resource(r))
        ]
    return paginate(visible, offset, limit)


@router.get("/{agreement_id}", summary="One agreement", responses={404: {}})
def get_agreement(
    request: Request, principal: CurrentPrincipal, agreement_id: str
) -> AgreementPublic:
    """An agreement's status now (404 unless the caller's partner is a party)."""
    with store(request, write=False) as session:
        return _public(_visible_record(session, principal, agreement_id), datetime.now(UTC))


@router.get("/{agreement_id}/versions", summary="Every version of an agreement")
def list_versions(
    request: Request,
    principal: CurrentPrincipal,
    agreement_id: str,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> Page[AgreementVersionPublic]:
    """Every version, oldest first, with documents and signatures (kept forever)."""
    with store(request, write=False) as session:
        record = _visible_record(session, principal, agreement_id)
    return paginate([_version_public(v) for v in record.versions], offset, limit)


@router.post(
    "",
    summary="Propose an agreement (version 1)",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_DOCUMENT_BODY,
    responses={422: {"description": "invalid document; `errors` lists every problem"}},
)
async def propose(
    request: Request, principal: CurrentPrincipal, signature: SubmittedSignature
) -> AgreementPublic:
    """Store a new agreement proposed by the caller's partner (an admin of a signatory)."""
    document = await _document(request, "api: POST /api/v1/agreements")

    def run() -> AgreementPublic:
        with refused_as_422(), store(request) as session:
            resource = _resource(document.id, document.party_ids, principal.partner)
            if not authorize(session, principal, AccessAction.ADMINISTER, resource):
                raise Forbidden(
                    "proposing an agreement needs an admin of a party (an admin console user "
                    "or a key with the admin scope)"
                )
            by = PartnerRepository(session).get(principal.partner_id)
            record = propose_agreement(session, document, by=by, signature=signature)
            return _public(record, datetime.now(UTC))

    return await run_in_threadpool(run)


@router.post(
    "/{agreement_id}/versions",
    summary="Amend an agreement (the next version)",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_DOCUMENT_BODY,
    responses={404: {}, 409: {}, 422: {}},
)
async def amend(
    request: Request, principal: CurrentPrincipal, agreement_id: str, signature: SubmittedSignature
) -> AgreementPublic:
    """Store the next version of a signed agreement; every required signer signs it again."""
    document = await _document(request, f"api: POST /api/v1/agreements/{agreement_id}/versions")

    def run() -> AgreementPublic:
        with refused_as_422(), store(request) as session:
            _administered(session, principal, agreement_id)
            if document.id != agreement_id:
                raise HTTPException(
                    422,
                    f"the document's id {document.id!r} is not {agreement_id!r}; amend an "
                    "agreement with a document of the same id",
                )
            by = PartnerRepository(session).get(principal.partner_id)
            record = amend_agreement(session, document, by=by, signature=signature)
            return _public(record, datetime.now(UTC))

    return await run_in_threadpool(run)


@router.put(
    "/{agreement_id}/versions/{number}",
    summary="Edit an unsigned version",
    openapi_extra=_DOCUMENT_BODY,
    responses={403: {}, 404: {}, 409: {}, 422: {}},
)
async def edit(
    request: Request,
    principal: CurrentPrincipal,
    agreement_id: str,
    number: Annotated[int, PathParam(ge=1, le=1_000_000)],
    signature: SubmittedSignature,
) -> AgreementPublic:
    """Replace the text of the latest version while no party has signed it (logged).

    Only a signatory of that version may edit it; the document keeps the agreement's id and
    the version's number. Once anyone has signed, 409: amend it with the next version.
    """
    source = f"api: PUT /api/v1/agreements/{agreement_id}/versions/{number}"
    document = await _document(request, source)

    def run() -> AgreementPublic:
        with refused_as_422(), store(request) as session:
            record = _administered(session, principal, agreement_id)
            if (document.id, document.version) != (agreement_id, number):
                raise HTTPException(
                    422,
                    f"the document says {document.id!r} version {document.version}; send "
                    f"{agreement_id!r} version {number} to edit that version",
                )
            if number != record.latest.number:
                raise InvalidTransitionError(
                    agreement_id,
                    "edit",
                    f"version {number} is not the latest (version {record.latest.number}); "
                    "only the latest version can be edited, and only before anyone signs it",
                )
            by = PartnerRepository(session).get(principal.partner_id)
            record = edit_agreement_draft(session, document, by=by, signature=signature)
            return _public(record, datetime.now(UTC))

    return await run_in_threadpool(run)


@router.post(
    "/{agreement_id}/sign", summary="Sign the latest version", responses={404: {}, 409: {}}
)
def sign(
    request: Request,
    principal: CurrentPrincipal,
    agreement_id: str,
    body: SignCreate,
    signature: SubmittedSignature,
) -> AgreementPublic:
    """Record the caller's partner's signature of the latest version."""
    with refused_as_422(), store(request) as session:
        _administered(session, principal, agreement_id)
        by = PartnerRepository(session).get(principal.partner_id)
        record = sign_agreement(
            session,
            agreement_id,
            by=by,
            version=body.version,
            content_sha256=body.content_sha256,
            signer=body.signer,
            signature=signature,
        )
        return _public(record, datetime.now(UTC))


def _lifecycle(
    request: Request,
    principal: Principal,
    agreement_id: str,
    reason: str,
    how: Callable[..., AgreementRecord],
    signature: PartnerSignature | None,
) -> AgreementPublic:
    with refused_as_422(), store(request) as session:
        _administered(session, principal, agreement_id)
        by = PartnerRepository(session).get(principal.partner_id)
        record = how(session, agreement_id, by=by, reason=reason, signature=signature)
        return _public(record, datetime.now(UTC))


@router.post("/{agreement_id}/suspend", summary="Suspend", responses={404: {}, 409: {}})
def suspend(
    request: Request,
    principal: CurrentPrincipal,
    agreement_id: str,
    body: LifecycleCreate,
    signature: SubmittedSignature,
) -> AgreementPublic:
    """Suspend the agreement now: its clauses grant nothing until resumed."""
    return _lifecycle(request, principal, agreement_id, body.reason, suspend_agreement, signature)


@router.post("/{agreement_id}/resume", summary="Resume", responses={404: {}, 409: {}})
def resume(
    request: Request,
    principal: CurrentPrincipal,
    agreement_id: str,
    body: LifecycleCreate,
    signature: SubmittedSignature,
) -> AgreementPublic:
    """End a suspension."""
    return _lifecycle(request, principal, agreement_id, body.reason, resume_agreement, signature)


@router.post("/{agreement_id}/terminate", summary="Terminate", responses={404: {}, 409: {}})
def terminate(
    request: Request,
    principal: CurrentPrincipal,
    agreement_id: str,
    body: LifecycleCreate,
    signature: SubmittedSignature,
) -> AgreementPublic:
    """Terminate the agreement for good."""
    return _lifecycle(request, principal, agreement_id, body.reason, terminate_agreement, signature)
