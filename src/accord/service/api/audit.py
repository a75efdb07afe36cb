"""Public verification endpoints of the audit log: checkpoint, key, entries, proofs.

Anyone may verify, so these routes need no credentials (the log holds no personal data and
is meant to be public to the coalition's observers, partners' public keys included).
Hashes, keys and entry bytes are standard base64, as in the checkpoint itself.
The one exception is `GET /audit/entries/{seq}/sealed`, the opening of an entry's
confidential details: it needs a principal that is one of the entry's readers or a platform
admin, and answers everyone else the same 404 as an entry that seals nothing.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord.access import Principal, authorize
from accord.agreements import AccessAction, AdminResourceType, Resource
from accord.audit import (
    AuditLog,
    LogIntegrityError,
    MissingSubtreeError,
    NoteSigner,
    SealedOpening,
    SignedCheckpoint,
    open_log_signer,
    parse_entry,
    partner_key_records,
)
from accord.service._auth import CurrentPrincipal
from accord.settings import Settings
from accord.store import PartnerKind, PartnerRepository, transaction

__all__ = ["checkpoint_signing", "open_sealed_for", "router", "sign_periodically"]

router = APIRouter(prefix="/audit", tags=["audit"])
_log = logging.getLogger(__name__)

#: Most entries one page of GET /audit/entries returns.
MAX_PAGE = 1000
#: Largest seq or tree size accepted: beyond SQL's 64-bit integers a query would fail (500).
MAX_SEQ = 2**62
_TEXT = "text/plain; charset=utf-8"


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


class CheckpointPublic(BaseModel):
    """The latest signed checkpoint (c2sp.org/tlog-checkpoint in a c2sp.org/signed-note)."""

    origin: str
    tree_size: int
    root_hash: str
    note: str
    signed_at: datetime


class EntryPublic(BaseModel):
    """An entry's canonical bytes (base64) and the leaf hash the store holds for it."""

    seq: int
    entry: str
    leaf_hash: str | None


class EntryProofPublic(EntryPublic):
    """An entry, read as JSON too (null if unreadable), with its RFC 9162 inclusion proof in
    the tree of `tree_size` entries."""

    entry_json: dict[str, Any] | None
    tree_size: int
    inclusion_proof: list[str]


class EntriesPage(BaseModel):
    """A page of entries in seq order; ask again from `next_start` until it is null."""

    entries: list[EntryPublic]
    next_start: int | None
    tree_size: int


class ConsistencyPublic(BaseModel):
    """RFC 9162 consistency proof that the tree of `second` entries extends that of `first`."""

    first: int
    second: int
    proof: list[str]


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _latest(request: Request) -> SignedCheckpoint:
    with transaction(_engine(request)) as session:
        latest = AuditLog(session).latest_checkpoint()
    if latest is None:
        raise HTTPException(503, "the log has no signed checkpoint yet; try again shortly")
    return latest


@router.get(
    "/checkpoint",
    summary="Latest signed checkpoint",
    response_model=CheckpointPublic,
    responses={200: {"content": {"text/plain": {}}}},
)
def checkpoint(request: Request) -> Response:
    """The signed note as text/plain (what transparency-log tools read), or JSON when the
    client asks for `application/json` first."""
    latest = _latest(request)
    accept = request.headers.get("accept", "")
    if accept.startswith("application/json"):
        body = CheckpointPublic(
            origin=latest.checkpoint.origin,
            tree_size=latest.checkpoint.tree_size,
            root_hash=_b64(latest.checkpoint.root_hash),
            note=latest.note,
            signed_at=latest.signed_at,
        )
        return Response(body.model_dump_json(), media_type="application/json")
    return PlainTextResponse(latest.note, media_type=_TEXT)


@router.get("/public-key", summary="The log's verifier key", response_class=PlainTextResponse)
def public_key(request: Request) -> PlainTextResponse:
    """The signed-note verifier key `<origin>+<key id>+<base64 key>` to pin once."""
    signer: NoteSigner = request.app.state.audit_signer
    return PlainTextResponse(signer.verifier.vkey + "\n", media_type=_TEXT)


class PartnerKeyPublic(BaseModel):
    """A partner's submission-signing key: the raw Ed25519 key (standard base64), its id
    (`key_sha256`, as entries name it) and the seq of the `key.created` entry that
    registered it (null when the log has none)."""

    partner: str | None
    partner_id: int
    key_sha256: str
    public_key: str
    created_at: datetime
    revoked_at: datetime | None
    registered_seq: int | None


@router.get("/partner-keys", summary="Partners' submission-signing keys")
def partner_keys(request: Request) -> list[PartnerKeyPublic]:
    """Every partner's Ed25519 signing key, revoked ones included, by partner name.

    Public keys, for observers: a verifier need not trust this list, since every key is in
    its `key.created` entry (`details.public_key`) and `accord audit verify` checks the
    signatures against the log itself; compare the two to catch a server that lies here.
    """
    with transaction(_engine(request)) as session:
        records = partner_key_records(session)
    return [
        PartnerKeyPublic(
            partner=record.partner_handle,
            partner_id=record.partner_id,
            key_sha256=record.key_sha256,
            public_key=_b64(record.public_key),
            created_at=record.created_at,
            revoked_at=record.revoked_at,
            registered_seq=record.registered_seq,
        )
        for record in records
    ]


def _entry_json(data: bytes) -> dict[str, Any] | None:
    try:
        return parse_entry(data).to_json()
    except ValueError:
        return None  # the bytes are what they are; a verifier will say what is wrong


@router.get("/entries/{seq}", summary="An entry with its inclusion proof")
def entry(
    request: Request,
    seq: Annotated[int, Path(le=MAX_SEQ)],
    tree_size: Annotated[
        int | None, Query(ge=1, le=MAX_SEQ, description="default: latest checkpoint")
    ] = None,
) -> EntryProofPublic:
    """Entry `seq` and its audit path in the tree of `tree_size` entries (by default the
    latest checkpoint's, so that the proof verifies against its signed root)."""
    if seq < 0:
        raise HTTPException(404, f"entry {seq} does not exist; seqs start at 0")
    size = tree_size if tree_size is not None else _latest(request).checkpoint.tree_size
    with transaction(_engine(request)) as session:
        log = AuditLog(session)
        current = log.tree_size
        if size > current:
            raise HTTPException(404, f"tree_size {size} is larger than the log ({current} entries)")
        if seq >= size:
            raise HTTPException(
                404,
                f"entry {seq} is not in the tree of size {size}; ask with a larger tree_size "
                f"(at most {current}) or wait for the next checkpoint",
            )
        data = log.entry(seq)
        if data is None:
            raise HTTPException(404, f"entry {seq} is missing from the store")
        stored_leaf = log.repository.subtree_hashes([(0, seq)]).get((0, seq))
        try:
            proof = log.inclusion_proof(seq, size)
        except MissingSubtreeError as error:
            raise HTTPException(500, f"the stored tree is damaged: {error}") from None
    return EntryProofPublic(
        seq=seq,
        entry=_b64(data),
        leaf_hash=None if stored_leaf is None else _b64(stored_leaf),
        entry_json=_entry_json(data),
        tree_size=size,
        inclusion_proof=[_b64(element) for element in proof],
    )


@router.get("/entries", summary="A page of entries (export)")
def entries(
    request: Request,
    start: Annotated[int, Query(ge=0, le=MAX_SEQ, description="first seq of the page")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="entries per page")] = 100,
) -> EntriesPage:
    """Entries from seq `start` on, with their stored leaf hashes; page with `next_start`."""
    with transaction(_engine(request)) as session:
        log = AuditLog(session)
        stored = log.entries(start, limit)
        size = log.tree_size
    return EntriesPage(
        entries=[
            EntryPublic(
                seq=item.seq,
                entry=_b64(item.entry),
                leaf_hash=None if item.leaf_hash is None else _b64(item.leaf_hash),
            )
            for item in stored
        ],
        next_start=stored[-1].seq + 1 if len(stored) == limit else None,
        tree_size=size,
    )


class SealedOpeningPublic(BaseModel):
    """The opening of an entry's confidential details: check it with
    `accord.audit.verify_opening` against the entry's `details.sealed_sha256`."""

    seq: int
    salt: str
    details: dict[str, Any]


def _is_platform_admin(session: Session, principal: Principal) -> bool:
    """An admin of this deployment's `system` partner (as for admitting partners)."""
    caller = PartnerRepository(session).get(principal.partner_id)
    if caller.kind != PartnerKind.SYSTEM.value or caller.handle is None:
        return False
    resource = Resource(
        AdminResourceType.PARTNER, caller.handle, id=f"{AdminResourceType.PARTNER}:{caller.handle}"
    )
    return bool(authorize(session, principal, AccessAction.ADMINISTER, resource))


def open_sealed_for(session: Session, principal: Principal, seq: int) -> SealedOpening | None:
    """The opening of entry `seq` when `principal` may read it, else None.

    A reader is a partner the entry names in its readers (checked first: no policy read), or
    a platform admin. None alike for an entry that seals nothing, that does not exist, or
    that the caller may not open: nothing tells them apart. The key's read scope is needed.
    """
    if not principal.may_ask(AccessAction.READ):
        return None
    log = AuditLog(session)
    stored = log.sealed(seq)
    if stored is None:
        return None
    if principal.partner_id not in stored.readers and not _is_platform_admin(session, principal):
        return None
    return log.opening(seq)


@router.get(
    "/entries/{seq}/sealed",
    summary="The opening of an entry's confidential details (readers only)",
    responses={404: {"description": "nothing sealed that the caller may read"}},
)
def sealed(
    request: Request, principal: CurrentPrincipal, seq: Annotated[int, Path(le=MAX_SEQ)]
) -> SealedOpeningPublic:
    """Salt and details of entry `seq` for one of its readers or a platform admin; the
    same 404 to everyone else as for an entry that seals nothing."""
    with transaction(_engine(request)) as session:
        opening = open_sealed_for(session, principal, seq)
    if opening is None:
        raise HTTPException(404, f"entry {seq} has no sealed details that you may read")
    return SealedOpeningPublic(**opening.to_json())


@router.get(
    "/consistency",
    summary="A consistency proof between two tree sizes",
    responses={
        400: {"description": "`first` is larger than `second`"},
        404: {"description": "`second` is larger than the log"},
    },
)
def consistency(
    request: Request,
    first: Annotated[int, Query(ge=1, le=MAX_SEQ, description="the smaller (earlier) tree size")],
    second: Annotated[
        int | None, Query(ge=1, le=MAX_SEQ, description="default: latest checkpoint")
    ] = None,
) -> ConsistencyPublic:
    """RFC 9162 section 2.1.4 proof that the tree of `second` entries extends that of `first`."""
    size = second if second is not None else _latest(request).checkpoint.tree_size
    if first > size:
        raise HTTPException(
            400, f"first ({first}) must not exceed second ({size}): proofs go from old to new"
        )
    with transaction(_engine(request)) as session:
        log = AuditLog(session)
        current = log.tree_size
        if size > current:
            raise HTTPException(404, f"tree size {size} is larger than the log ({current})")
        try:
            proof = log.consistency_proof(first, size)
        except MissingSubtreeError as error:
            raise HTTPException(500, f"the stored tree is damaged: {error}") from None
    return ConsistencyPublic(first=first, second=size, proof=[_b64(p) for p in proof])


def _sign(engine: Engine, signer: NoteSigner) -> SignedCheckpoint:
    with transaction(engine, write_lock=True) as session:
        return AuditLog(session).sign_checkpoint(signer)


async def sign_periodically(
    engine: Engine,
    signer: NoteSigner,
    interval_s: float,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """Sign a checkpoint every `interval_s` seconds (if the log grew) until cancelled.

    A failed round is logged and the next one tried. `sleep` is how the loop waits; tests
    pass one that drives the rounds without waiting.
    """
    while True:
        await sleep(interval_s)
        try:
            await asyncio.to_thread(_sign, engine, signer)
        except Exception:  # noqa: BLE001 - a failed round must not stop the next one
            _log.exception("audit: signing a checkpoint failed; retrying in %s s", interval_s)


@asynccontextmanager
async def checkpoint_signing(app: FastAPI) -> AsyncIterator[None]:
    """Lifespan part of the audit log: open (or create) the signing key, sign a checkpoint
    now, and every `audit_checkpoint_interval_s` seconds while the service runs."""
    settings: Settings = app.state.settings
    engine: Engine = app.state.engine
    signer = open_log_signer(engine, settings)
    app.state.audit_signer = signer
    try:
        _sign(engine, signer)
    except LogIntegrityError:
        # Keep serving: the existing checkpoints and entries are what verifiers need to see.
        _log.exception("audit: the stored log was changed outside Accord; not signing it")
    task = None
    if settings.audit_checkpoint_interval_s > 0:
        task = asyncio.create_task(
            sign_periodically(engine, signer, settings.audit_checkpoint_interval_s)
        )
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
