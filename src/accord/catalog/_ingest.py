"""Import catalog batches into the store: parse, validate, then store in one transaction.

A batch is all or nothing by default (`IngestMode.REJECT_BATCH`): one bad record and
`CatalogImportRejected` lists every bad record while nothing is written. With
`IngestMode.STORE_VALID` the good records are stored and every bad one is reported (and
kept with the batch). Either way a batch is one transaction, and no record is dropped
without a word: each is accepted, rejected with its location, or reported as a duplicate.
"""

from __future__ import annotations

import hashlib
import math
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord.audit import (
    Actor,
    AuditAction,
    AuditEvent,
    AuditLog,
    SubjectRef,
    SubmissionSignature,
    SubmissionSignatureError,
    verified_partner_submission,
)
from accord.formats import (
    MAX_NORAD_ID,
    CatalogFormat,
    CatalogReading,
    ElementSet,
    FormatError,
    ReadElementSet,
    RecordError,
    read_catalog,
)
from accord.store import (
    CatalogRepository,
    DuplicateElementSet,
    IngestMode,
    Partner,
    PartnerRepository,
    SourceKind,
    transaction,
)

__all__ = [
    "CatalogImportRejected",
    "CatalogSignatureError",
    "ImportProgress",
    "IngestReport",
    "import_catalog",
    "import_element_sets",
    "import_reading",
]

#: Called as the import advances: `(stage, completed, total)`, stage one of "parsing"
#: (bytes), "validating" (records) and "storing" (records; completed = total once the batch
#: and its audit entry are committed, or written into the caller's session).
ImportProgress = Callable[[str, int, int], None]
#: Records validated between two progress calls.
_PROGRESS_EVERY = 2_000

#: Key of the PostgreSQL advisory lock that serialises catalog batches: each batch
#: recomputes objects' current element sets, which must see every committed batch.
_CATALOG_LOCK_KEY = 0x4143434F5244  # "ACCORD"


class CatalogImportRejected(FormatError):
    """A batch was refused whole (reject-batch mode): `errors` lists every bad record."""

    def __init__(self, errors: list[RecordError], *, source_name: str, record_count: int) -> None:
        super().__init__(errors)
        self.source_name = source_name
        self.record_count = record_count
        bad = len({e.record for e in errors if e.record is not None}) or len(errors)
        self.args = (
            f"{source_name}: catalog batch rejected, nothing stored: {bad} of {record_count} "
            f"records invalid. First: {errors[0]}. Fix the records listed in `errors`, or "
            "import with mode 'store-valid' to store the valid records and report the rest",
        )


class CatalogSignatureError(SubmissionSignatureError):
    """A signed batch's signature does not verify with any active key of its partner.

    Raised before anything is written: the batch is refused whole and no entry is logged.
    """


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What became of a batch: stored, rejected (with locations) or recognised duplicates."""

    batch_id: int
    source_name: str
    format: CatalogFormat | None
    #: SHA-256 (hex) of the exact bytes submitted; None for element sets handed over in code.
    file_sha256: str | None
    mode: IngestMode
    record_count: int
    accepted_count: int
    rejected: list[RecordError] = field(default_factory=list)
    duplicates: list[DuplicateElementSet] = field(default_factory=list)

    @property
    def rejected_count(self) -> int:
        """Number of bad records (a record with several problems counts once)."""
        located = {e.record for e in self.rejected if e.record is not None}
        return len(located) + sum(1 for e in self.rejected if e.record is None)


def import_catalog(
    target: Engine | Session,
    data: bytes,
    *,
    source_name: str,
    partner: str,
    source_kind: SourceKind = SourceKind.FILE,
    mode: IngestMode = IngestMode.REJECT_BATCH,
    format: CatalogFormat | None = None,
    submitted_at: datetime | None = None,
    signature: bytes | None = None,
    progress: ImportProgress | None = None,
) -> IngestReport:
    """Read a catalog file (any `CatalogFormat`, detected when `format` is None) and store it.

    `partner` is the name of a registered partner, the submitter recorded as provenance.
    With an engine the batch is its own transaction; with a session it joins the caller's
    transaction (inside a SAVEPOINT) and the caller commits. A file-level problem raises
    `FormatError`; bad records in reject-batch mode raise `CatalogImportRejected`.

    `signature`, when given, is the partner's raw 64-byte Ed25519 signature over the
    submission statement for `catalog.batch`, its id and the SHA-256 of `data`
    (`accord.audit.submission_statement`). It is verified against the partner's active keys
    before anything is written (`CatalogSignatureError` if it fails) and kept in the audit
    entry. Unsigned batches are accepted too. `progress`, when given, is called as parsing,
    validation and storing advance (`ImportProgress`).
    """
    file_sha256 = hashlib.sha256(data).hexdigest()
    if progress is not None:
        progress("parsing", 0, len(data))
    reading = read_catalog(data, source=source_name, format=format)
    if progress is not None:
        progress("parsing", len(data), len(data))
    return import_reading(
        target,
        reading,
        partner=partner,
        source_kind=source_kind,
        mode=mode,
        file_sha256=file_sha256,
        submitted_at=submitted_at,
        signature=signature,
        progress=progress,
    )


def import_element_sets(
    target: Engine | Session,
    element_sets: Iterable[ElementSet],
    *,
    source_name: str,
    partner: str,
    source_kind: SourceKind = SourceKind.SYNTHETIC,
    submitted_at: datetime | None = None,
) -> IngestReport:
    """Store element sets made in code (e.g. the generated demo population) as one batch.

    `source_kind` defaults to synthetic: generated data is labelled so wherever it shows.
    Record numbers are positions in `element_sets` (1-based). Any unstorable element set
    rejects the batch (`CatalogImportRejected`).
    """
    reading = CatalogReading(
        source=source_name,
        format=CatalogFormat.GP_JSON,  # placeholder: the batch records no format
        element_sets=[
            ReadElementSet(record=number, line=None, element_set=element_set)
            for number, element_set in enumerate(element_sets, start=1)
        ],
    )
    return _import(
        target,
        reading,
        batch_format=None,
        partner=partner,
        source_kind=source_kind,
        mode=IngestMode.REJECT_BATCH,
        file_sha256=None,
        submitted_at=submitted_at,
        signature=None,
        progress=None,
    )


def import_reading(
    target: Engine | Session,
    reading: CatalogReading,
    *,
    partner: str,
    source_kind: SourceKind,
    mode: IngestMode = IngestMode.REJECT_BATCH,
    file_sha256: str | None = None,
    submitted_at: datetime | None = None,
    signature: bytes | None = None,
    progress: ImportProgress | None = None,
) -> IngestReport:
    """Validate an already-read catalog for storage and store it as one batch.

    Same transaction, mode, signature and progress rules as `import_catalog`; `file_sha256`
    is that of the bytes `reading` came from (required with a `signature`, which covers it).
    """
    return _import(
        target,
        reading,
        batch_format=reading.format,
        partner=partner,
        source_kind=source_kind,
        mode=mode,
        file_sha256=file_sha256,
        submitted_at=submitted_at,
        signature=signature,
        progress=progress,
    )


def _import(
    target: Engine | Session,
    reading: CatalogReading,
    *,
    batch_format: CatalogFormat | None,
    partner: str,
    source_kind: SourceKind,
    mode: IngestMode,
    file_sha256: str | None,
    submitted_at: datetime | None,
    signature: bytes | None,
    progress: ImportProgress | None,
) -> IngestReport:
    mode = IngestMode(mode)
    source_kind = SourceKind(source_kind)
    good, storage_errors = _storable(reading.source, reading.element_sets, progress)
    errors = sorted(
        [*reading.errors, *storage_errors], key=lambda e: (e.record is None, e.record or 0)
    )
    if not good and not errors:
        raise FormatError(
            [
                RecordError(
                    source=reading.source,
                    record=None,
                    line=None,
                    field=None,
                    problem="the input holds no element sets",
                    expected="at least one record",
                )
            ]
        )
    if errors and mode is IngestMode.REJECT_BATCH:
        raise CatalogImportRejected(
            errors, source_name=reading.source, record_count=reading.record_count
        )
    store = _BatchToStore(
        source_name=reading.source,
        format=batch_format,
        file_sha256=file_sha256,
        partner=partner,
        source_kind=source_kind,
        mode=mode,
        record_count=reading.record_count,
        element_sets=good,
        errors=errors,
        submitted_at=submitted_at,
        signature=signature,
    )
    if progress is not None:
        progress("storing", 0, len(good))
    if isinstance(target, Session):
        # A SAVEPOINT: a failure undoes this batch only, and the caller's session stays usable.
        with target.begin_nested():
            report = _store_batch(target, store)
    else:
        with transaction(target, write_lock=True) as session:
            report = _store_batch(session, store)
    if progress is not None:
        progress("storing", len(good), len(good))
    return report


@dataclass(frozen=True, slots=True)
class _BatchToStore:
    source_name: str
    format: CatalogFormat | None
    file_sha256: str | None
    partner: str
    source_kind: SourceKind
    mode: IngestMode
    record_count: int
    element_sets: list[ReadElementSet]
    errors: list[RecordError]
    submitted_at: datetime | None
    signature: bytes | None


def _store_batch(session: Session, batch: _BatchToStore) -> IngestReport:
    """Everything a batch writes, in the caller's transaction.

    This is the one place where a batch becomes durable, so the audit-log entry
    `catalog.batch.accepted` (the partner, the file's SHA-256, the batch and its counts) is
    appended here, in the same transaction: the batch and its entry commit together.
    """
    partner = PartnerRepository(session).get_by_name(batch.partner)
    submission = None if batch.signature is None else _verified_submission(session, partner, batch)
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql(f"SELECT pg_advisory_xact_lock({_CATALOG_LOCK_KEY})")
    stored = CatalogRepository(session).add_batch(
        partner_id=partner.id,
        source_kind=batch.source_kind,
        source_name=batch.source_name,
        format=batch.format.value if batch.format else None,
        file_sha256=batch.file_sha256,
        mode=batch.mode,
        record_count=batch.record_count,
        element_sets=batch.element_sets,
        rejections=batch.errors,
        submitted_at=batch.submitted_at,
    )
    AuditLog(session).append(
        [
            AuditEvent(
                AuditAction.CATALOG_BATCH_ACCEPTED,
                Actor.partner(str(partner.id)),
                subjects=(SubjectRef("catalog_batch", str(stored.batch_id)),),
                content_sha256=batch.file_sha256,
                submission=submission,
                details={
                    "source_kind": batch.source_kind.value,
                    "format": batch.format.value if batch.format else None,
                    "mode": batch.mode.value,
                    "records": batch.record_count,
                    "accepted": stored.accepted_count,
                    "rejected": len({e.record for e in batch.errors} - {None})
                    + sum(1 for e in batch.errors if e.record is None),
                    "duplicates": len(stored.duplicates),
                },
            )
        ]
    )
    return IngestReport(
        batch_id=stored.batch_id,
        source_name=batch.source_name,
        format=batch.format,
        file_sha256=batch.file_sha256,
        mode=batch.mode,
        record_count=batch.record_count,
        accepted_count=stored.accepted_count,
        rejected=batch.errors,
        duplicates=stored.duplicates,
    )


def _verified_submission(
    session: Session, partner: Partner, batch: _BatchToStore
) -> SubmissionSignature:
    """The batch's signature, checked against the partner's keys (reads only).

    `accord.audit.verified_partner_submission` does the work for every kind of submission;
    its refusal is re-raised as CatalogSignatureError, which callers of the import catch.
    """
    assert batch.signature is not None
    what = f"{batch.source_name}: catalog batch"
    if batch.file_sha256 is None:
        raise CatalogSignatureError(
            f"{what} from partner {partner.name!r} (id {partner.id}) has no file SHA-256 to "
            "check the signature over; pass the exact bytes (import_catalog) or their "
            "`file_sha256` with the reading"
        )
    try:
        return verified_partner_submission(
            session,
            partner,
            AuditAction.CATALOG_BATCH_ACCEPTED,
            batch.file_sha256,
            batch.signature,
            what=what,
        )
    except CatalogSignatureError:
        raise
    except SubmissionSignatureError as exc:
        raise CatalogSignatureError(str(exc)) from None


def _storable(
    source: str, element_sets: Sequence[ReadElementSet], progress: ImportProgress | None = None
) -> tuple[list[ReadElementSet], list[RecordError]]:
    """Split element sets into those the store accepts and errors for the others.

    The readers check their formats; these are the store's own invariants (also enforced
    by CHECK constraints), checked here so that a bad record is reported, not a crash.
    Field names are the OMM keywords (CCSDS 502.0-B-3).
    """
    good: list[ReadElementSet] = []
    errors: list[RecordError] = []
    total = len(element_sets)
    for index, read in enumerate(element_sets):
        if progress is not None and index % _PROGRESS_EVERY == 0:
            progress("validating", index, total)
        problems = _problems(read.element_set)
        if not problems:
            good.append(read)
            continue
        errors.extend(
            RecordError(
                source=source,
                record=read.record,
                line=read.line,
                field=keyword,
                problem=problem,
                expected=expected,
            )
            for keyword, problem, expected in problems
        )
    if progress is not None:
        progress("validating", total, total)
    return good, errors


_checked_values = operator.attrgetter(
    "mean_motion_rev_per_day",
    "eccentricity",
    "inclination_deg",
    "raan_deg",
    "arg_of_pericenter_deg",
    "mean_anomaly_deg",
    "bstar_per_earth_radius",
    "mean_motion_dot_rev_per_day2",
    "mean_motion_ddot_rev_per_day3",
)


def _problems(e: ElementSet) -> list[tuple[str, str, str]]:
    if (
        1 <= e.norad_id <= MAX_NORAD_ID
        and 0.0 <= e.eccentricity < 1.0
        and e.mean_motion_rev_per_day > 0.0
        and e.epoch.utcoffset() is not None
        # A finite sum means no value is NaN or infinite (both propagate through +).
        and math.isfinite(sum(_checked_values(e)))
    ):
        return []
    problems = []
    if not 1 <= e.norad_id <= MAX_NORAD_ID:
        problems.append(
            ("NORAD_CAT_ID", f"catalog number {e.norad_id} out of range", f"1..{MAX_NORAD_ID}")
        )
    if e.epoch.tzinfo is None or e.epoch.utcoffset() is None:
        problems.append(("EPOCH", f"epoch {e.epoch.isoformat()} has no time zone", "UTC"))
    values = {
        "MEAN_MOTION": e.mean_motion_rev_per_day,
        "ECCENTRICITY": e.eccentricity,
        "INCLINATION": e.inclination_deg,
        "RA_OF_ASC_NODE": e.raan_deg,
        "ARG_OF_PERICENTER": e.arg_of_pericenter_deg,
        "MEAN_ANOMALY": e.mean_anomaly_deg,
        "BSTAR": e.bstar_per_earth_radius,
        "MEAN_MOTION_DOT": e.mean_motion_dot_rev_per_day2,
        "MEAN_MOTION_DDOT": e.mean_motion_ddot_rev_per_day3,
    }
    for keyword, value in values.items():
        if not math.isfinite(value):
            problems.append((keyword, f"value {value} is not a finite number", "a number"))
    if math.isfinite(e.eccentricity) and not 0.0 <= e.eccentricity < 1.0:
        problems.append(
            ("ECCENTRICITY", f"eccentricity {e.eccentricity} is not elliptical", "0 <= e < 1")
        )
    if math.isfinite(e.mean_motion_rev_per_day) and e.mean_motion_rev_per_day <= 0.0:
        problems.append(
            ("MEAN_MOTION", f"mean motion {e.mean_motion_rev_per_day} rev/day", "> 0 rev/day")
        )
    return problems
