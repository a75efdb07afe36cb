"""Operator ephemerides submitted: parsed, checked, stored and logged in one transaction.

An operator submits the CCSDS OEM (KVN or XML) of a satellite it operates. Checks, in order,
before anything is written (docs/oem.md, "Submitting and reading ephemerides"):

1. the file reads as an OEM (`FormatError` listing each problem with its line and keyword);
2. every segment names one object (OBJECT_ID), and its time system converts to UTC (UTC,
   TAI, TT, GPS), which the stored usable span and the embargo clock need;
3. the object is resolved to a NORAD id: the one given, else OBJECT_ID when it is the
   catalog number written as digits, else the international designator among the objects
   the submitter claims (never the whole catalog: no oracle for objects it cannot see);
4. the submitter is a member partner that actively claims the object (claimed or contested).
   A non-claimant may not submit: operator ephemerides are, by the data class's name and by
   the agreements that grant them, the operator's own predictions of its own satellite, and
   coordination and compliance read them as such. Tracking someone else's satellite is
   shared as element sets or observation products, which carry no such claim. The refusal
   reads the same whether the object exists or not;
5. the same bytes from the same partner are one submission (`DuplicateEphemerisError`);
6. a signature, when given, verifies over the `ephemeris` submission statement with the
   SHA-256 of the exact bytes (`accord.audit.verified_partner_submission`).

Then the row (bytes as submitted, parsed summary) and its `ephemeris.accepted` entry
(`content_sha256` the file SHA-256, the verified signature in `submission`) are written in
the caller's transaction, so they commit together.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy.orm import Session

from accord.access._agreement_workflows import PartnerSignature
from accord.access._ownership import owner_of_submission
from accord.audit import (
    Actor,
    AuditAction,
    AuditEvent,
    AuditLog,
    SubjectRef,
    verified_partner_submission,
)
from accord.formats import OrbitEphemerisMessage, read_oem
from accord.orbits import EphemerisError, ephemeris_epochs_utc
from accord.store import EphemerisRepository, EphemerisRow, Partner, SourceKind

__all__ = [
    "MAX_OEM_BYTES",
    "DuplicateEphemerisError",
    "EphemerisSubmissionError",
    "submit_ephemeris",
]

#: Largest OEM accepted in one submission (bytes); NASA's 15-day ISS file is 2.9 MB.
MAX_OEM_BYTES = 32 * 1024 * 1024
# An international designator as OEMs write it: 1998-067A, or NASA's 1998-067-A.
_COSPAR = re.compile(r"^(\d{4})-(\d{3})-?([A-Z]{1,3})$")


class EphemerisSubmissionError(ValueError):
    """An ephemeris cannot be accepted (object, claim or time system); nothing was stored."""


class DuplicateEphemerisError(EphemerisSubmissionError):
    """The partner already submitted exactly these bytes (`ephemeris_id` names the row)."""

    def __init__(self, message: str, ephemeris_id: int) -> None:
        super().__init__(message)
        self.ephemeris_id = ephemeris_id


@dataclass(frozen=True, slots=True)
class _Span:
    usable_start: datetime
    usable_stop: datetime
    state_count: int


def _utc(value: np.datetime64, time_system: str) -> datetime:
    utc = ephemeris_epochs_utc(np.array([value], dtype="datetime64[ns]"), time_system)[0]
    # Microseconds: what the store's timestamps hold (the OEM keeps the nanoseconds).
    moment: datetime = utc.astype("datetime64[us]").item()
    return moment.replace(tzinfo=UTC)


def _usable_span(oem: OrbitEphemerisMessage, source: str) -> _Span:
    """The union of the segments' usable spans (cut to their lines), in UTC."""
    starts, stops, count = [], [], 0
    for segment in oem.segments:
        meta = segment.metadata
        if len(segment) == 0:
            continue
        count += len(segment)
        start = meta.useable_start_time or meta.start_time
        stop = meta.useable_stop_time or meta.stop_time
        try:
            starts.append(_utc(max(start, segment.epochs[0]), meta.time_system))
            stops.append(_utc(min(stop, segment.epochs[-1]), meta.time_system))
        except EphemerisError as exc:
            raise EphemerisSubmissionError(
                f"{source}: TIME_SYSTEM {meta.time_system!r}: {exc}; Accord stores ephemerides "
                "whose times convert to UTC (UTC, TAI, TT, GPS); nothing was stored"
            ) from None
    if count == 0:
        raise EphemerisSubmissionError(
            f"{source}: the OEM holds no ephemeris lines; submit at least one state vector; "
            "nothing was stored"
        )
    return _Span(min(starts), max(stops), count)


def _object_id(oem: OrbitEphemerisMessage, source: str) -> str:
    ids = [segment.metadata.object_id.strip() for segment in oem.segments]
    if len(set(ids)) != 1:
        raise EphemerisSubmissionError(
            f"{source}: the segments name {len(set(ids))} objects (OBJECT_ID "
            f"{', '.join(sorted(set(ids)))}); submit one object's ephemeris per file; "
            "nothing was stored"
        )
    return ids[0]


def _resolve_norad_id(
    repository: EphemerisRepository, partner: Partner, object_id: str, source: str
) -> int:
    if object_id.isdigit() and 1 <= int(object_id) <= 999_999_999:
        return int(object_id)
    match = _COSPAR.match(object_id.upper())
    if match is not None:
        designator = f"{match[1]}-{match[2]}{match[3]}"
        found = repository.claimed_object_ids(partner.id, designator)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise EphemerisSubmissionError(
                f"{source}: OBJECT_ID {object_id!r} matches {len(found)} objects partner "
                f"{partner.name!r} claims (NORAD ids {', '.join(map(str, found))}); name the "
                "object with its NORAD id (--norad, `norad_id`); nothing was stored"
            )
    raise EphemerisSubmissionError(
        f"{source}: OBJECT_ID {object_id!r} names no object that partner {partner.name!r} "
        "claims; give the NORAD id (--norad, `norad_id`), or claim the object first "
        "(`accord partner claim`); nothing was stored"
    )


def submit_ephemeris(
    session: Session,
    partner: Partner,
    oem_bytes: bytes,
    *,
    source: str,
    signature: PartnerSignature | None = None,
    norad_id: int | None = None,
    source_kind: SourceKind = SourceKind.API,
    at: datetime | None = None,
) -> EphemerisRow:
    """Accept `partner`'s OEM of an object it claims: store it and log `ephemeris.accepted`.

    `source` names the file in messages and provenance; `norad_id` names the object when
    OBJECT_ID does not resolve it (module notes). Raises `FormatError` (bad OEM),
    `EphemerisSubmissionError` / `DuplicateEphemerisError` (refused) or
    `SubmissionSignatureError` (a signature that does not verify) before writing anything.
    Runs in the caller's transaction; returns the stored row.
    """
    now = at or datetime.now(UTC)
    if len(oem_bytes) > MAX_OEM_BYTES:
        raise EphemerisSubmissionError(
            f"{source}: {len(oem_bytes)} bytes; ephemerides are limited to {MAX_OEM_BYTES} "
            "bytes per submission; split the span over several files; nothing was stored"
        )
    file_sha256 = hashlib.sha256(oem_bytes).hexdigest()
    oem = read_oem(oem_bytes, source=source)
    object_id = _object_id(oem, source)
    span = _usable_span(oem, source)
    repository = EphemerisRepository(session)
    if owner_of_submission(partner) is None:
        raise EphemerisSubmissionError(
            f"{source}: partner {partner.name!r} is a {partner.kind}; operator ephemerides "
            "are submitted by the member partner that operates the satellite; nothing was stored"
        )
    if norad_id is None:
        norad_id = _resolve_norad_id(repository, partner, object_id, source)
    if not repository.claims_object(partner.id, norad_id):
        raise EphemerisSubmissionError(
            f"{source}: partner {partner.name!r} does not claim NORAD id {norad_id}; operators "
            "submit ephemerides of their own satellites: claim it first (`accord partner "
            "claim`, POST /api/v1/assets/claims); nothing was stored"
        )
    existing = repository.find_by_file(partner.id, file_sha256)
    if existing is not None:
        raise DuplicateEphemerisError(
            f"{source}: partner {partner.name!r} already submitted this file (SHA-256 "
            f"{file_sha256}) as ephemeris {existing.id}; submit a new prediction as a new "
            "file; nothing was stored",
            existing.id,
        )
    submission = None
    if signature is not None:
        submission = verified_partner_submission(
            session,
            partner,
            AuditAction.EPHEMERIS_ACCEPTED,
            file_sha256,
            signature.signature,
            key_sha256=signature.key_sha256,
            what=f"{source}: ephemeris",
        )
    first = oem.segments[0].metadata
    row = repository.add(
        EphemerisRow(
            partner_id=partner.id,
            norad_id=norad_id,
            submitted_at=now,
            source_name=source[:2000],
            source_kind=SourceKind(source_kind).value,
            format="xml" if oem_bytes.lstrip()[:1] == b"<" else "kvn",
            file_sha256=file_sha256,
            oem=oem_bytes,
            object_name=first.object_name[:200],
            object_id=object_id[:64],
            center_name=first.center_name[:64],
            ref_frame=first.ref_frame[:32],
            time_system=first.time_system.upper()[:16],
            usable_start=span.usable_start,
            usable_stop=span.usable_stop,
            segment_count=len(oem.segments),
            state_count=span.state_count,
            has_covariance=any(segment.covariances for segment in oem.segments),
            signature=None if submission is None else submission.signature,
            signature_key_sha256=None if submission is None else submission.key_sha256,
        )
    )
    AuditLog(session).append(
        [
            AuditEvent(
                AuditAction.EPHEMERIS_ACCEPTED,
                Actor.partner(str(partner.id)),
                # Which satellite an operator predicts is a coalition-wide fact (its claim is
                # logged in clear); the states themselves stay in the store.
                subjects=(
                    SubjectRef("ephemeris", str(row.id)),
                    SubjectRef("object", str(norad_id)),
                ),
                content_sha256=file_sha256,
                submission=submission,
                details={
                    "format": row.format,
                    "segments": row.segment_count,
                    "states": row.state_count,
                    "has_covariance": row.has_covariance,
                },
                time=now,
            )
        ]
    )
    return row
