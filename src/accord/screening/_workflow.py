"""Run a screening of the shared catalog and store it: conjunctions, CDMs, events, audit.

Steps: read the current element sets and the latest batch id (a short read transaction),
screen them (`accord.conjunctions.screen_catalog`, no transaction held: it takes minutes
on the whole catalog), build the CDMs and their Pcs, then write everything in ONE write
transaction: the screening row (with its submitter), new and updated events, conjunctions,
CDMs (KVN), one `cdm.issued` audit entry per CDM whose content_sha256 is the KVN's SHA-256,
one `screening.completed` entry for the screening (so that one without conjunctions leaves
a trace too; all of them name the submitter's partner as actor), and the notices of the
partners' `cdm` subscriptions (`accord.screening._notify`). A failure at any point of that
transaction leaves nothing behind. See docs/screening.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

# The private function, not a copy: who owns an object's conjunction data is decided in
# one place, accord.access (docs/access.md, "Ownership").
from accord.access._conjunctions import _object_owners
from accord.audit import Actor, AuditAction, AuditEvent, AuditLog, SubjectRef
from accord.conjunctions import (
    ALFANO_2005_MAX,
    DEFAULT_HARD_BODY_RADIUS_M,
    CdmScreeningContext,
    ScreeningResult,
    ScreeningVolume,
    conjunctions_to_cdms,
    screen_against,
    screen_catalog,
)
from accord.formats import ConjunctionDataMessage, ElementSet, format_cdm_kvn
from accord.screening._distributed import screen_catalog_distributed
from accord.screening._events import AlertRules, EventAssignment, assign_events
from accord.screening._notify import notify_cdm_subscribers
from accord.screening._submitter import Submitter
from accord.store import (
    CatalogRepository,
    PartnerRepository,
    ScreeningRecord,
    ScreeningRepository,
    ScreeningStatus,
    transaction,
)

__all__ = [
    "DEFAULT_EVENT_TCA_TOLERANCE_S",
    "DEFAULT_ORIGINATOR",
    "ScreeningProgress",
    "build_cdms",
    "run_screening",
    "store_screening",
]

#: CDMs of one pair whose TCAs are within this many seconds are one event (the default of
#: ACCORD_EVENT_TCA_TOLERANCE_S).
DEFAULT_EVENT_TCA_TOLERANCE_S = 600.0
#: ORIGINATOR of the CDMs Accord issues, unless the caller names another.
DEFAULT_ORIGINATOR = "ACCORD"
_PLACEHOLDER_MESSAGE_ID = "PENDING"

#: Called with (stage, fraction of that stage done): stages "load", "screen", "cdm", "store".
ScreeningProgress = Callable[[str, float], None]


def _report(progress: ScreeningProgress | None, stage: str, fraction: float) -> None:
    if progress is not None:
        progress(stage, fraction)


def build_cdms(
    result: ScreeningResult,
    element_sets: Sequence[ElementSet],
    *,
    originator: str = DEFAULT_ORIGINATOR,
    message_ids: Sequence[str] | None = None,
    creation_date: datetime | None = None,
    hard_body_radius_m: float = DEFAULT_HARD_BODY_RADIUS_M,
    pc_method: str = ALFANO_2005_MAX,
) -> list[ConjunctionDataMessage]:
    """One CDM per conjunction of `result` (in its TCA order), with the screening's period.

    `message_ids` default to `<originator>-<creation time>-<n>` (n from 1).
    """
    created = creation_date or datetime.now(UTC)
    if message_ids is None:
        stamp = created.strftime("%Y%m%dT%H%M%SZ")
        message_ids = [f"{originator}-{stamp}-{n}" for n in range(1, len(result.conjunctions) + 1)]
    return conjunctions_to_cdms(
        result.conjunctions,
        {es.norad_id: es for es in element_sets},
        originator=originator,
        message_ids=message_ids,
        creation_date=created,
        hard_body_radius_m=hard_body_radius_m,
        pc_method=pc_method,
        screening=CdmScreeningContext(
            start=result.start,
            stop=result.end,
            threshold_km=result.threshold_km,
            volume=result.volume,
        ),
    )


def store_screening(
    session: Session,
    result: ScreeningResult,
    cdms: Sequence[ConjunctionDataMessage],
    *,
    started_at: datetime,
    object_count: int,
    catalog_batch_id: int | None,
    source_name: str | None,
    hard_body_radius_m: float,
    pc_method: str,
    rules: AlertRules,
    event_tca_tolerance_s: float = DEFAULT_EVENT_TCA_TOLERANCE_S,
    submitter: Submitter | None = None,
    job_id: int | None = None,
) -> ScreeningRecord:
    """Store a finished screening in the caller's write transaction (see the module notes).

    `cdms` are `result.conjunctions`' messages, in order; their MESSAGE_IDs are replaced by
    `<ORIGINATOR>-<screening id>-<n>` and their CREATION_DATE by the time of storing.
    `submitter` is stored with the screening and its partner is the audit entries' actor
    (None: no submitter recorded, the system as actor); `job_id` is the job that ran it.
    """
    if len(cdms) != len(result.conjunctions):
        raise ValueError(
            f"{len(cdms)} CDMs for {len(result.conjunctions)} conjunctions; build one each"
        )
    repository = ScreeningRepository(session)
    now = datetime.now(UTC)
    volume = result.volume
    screening_id = repository.add_screening(
        status=ScreeningStatus.COMPLETED.value,
        started_at=started_at,
        finished_at=now,
        span_start=result.start,
        duration_s=(result.end - result.start).total_seconds(),
        threshold_km=result.threshold_km,
        volume_radial_km=volume.radial_km if volume else None,
        volume_in_track_km=volume.in_track_km if volume else None,
        volume_cross_track_km=volume.cross_track_km if volume else None,
        step_s=result.step_s,
        hard_body_radius_m=hard_body_radius_m,
        pc_method=pc_method,
        catalog_batch_id=catalog_batch_id,
        source_name=source_name,
        object_count=object_count,
        candidate_count=result.candidate_count,
        conjunction_count=len(result.conjunctions),
        co_location_count=len(result.co_locations),
        failure_count=len(result.failures),
        submitter_partner_id=submitter.partner_id if submitter else None,
        submitter_name=submitter.name if submitter else None,
    )
    issued = [
        dataclasses.replace(
            cdm,
            header=dataclasses.replace(
                cdm.header,
                message_id=f"{cdm.header.originator}-{screening_id}-{n}",
                creation_date=now,
            ),
        )
        for n, cdm in enumerate(cdms, start=1)
    ]
    tolerance = timedelta(seconds=event_tca_tolerance_s)
    existing = repository.events_with_tca_between(result.start - tolerance, result.end + tolerance)
    encounters = [
        (
            c.primary_norad_id,
            c.secondary_norad_id,
            c.tca,
            cdm.relative.miss_distance_m / 1e3,
            cdm.relative.collision_probability,
            cdm.relative.collision_probability_method,
        )
        for c, cdm in zip(result.conjunctions, issued, strict=True)
    ]
    assignments = assign_events(
        encounters, existing, seen_at=now, tolerance_s=event_tca_tolerance_s, rules=rules
    )

    def event_columns(event: EventAssignment) -> dict[str, object]:
        return {
            "tca": event.tca,
            "cdm_count": event.cdm_count,
            "latest_miss_km": event.latest_miss_km,
            "latest_pc": event.latest_pc,
            "latest_pc_method": event.latest_pc_method,
            "last_seen_at": now,
            "last_screening_id": screening_id,
            "alert_level": event.alert_level.value,
        }

    new_events = [a for a in assignments if a.event_id is None]
    old_events = [a for a in assignments if a.event_id is not None]
    new_ids = repository.add_events(
        [
            event_columns(a)
            | {
                "primary_norad_id": a.primary_norad_id,
                "secondary_norad_id": a.secondary_norad_id,
                "first_seen_at": a.first_seen_at,
            }
            for a in new_events
        ]
    )
    for event, event_id in zip(new_events, new_ids, strict=True):
        event.event_id = event_id
    repository.update_events([event_columns(a) | {"id": a.event_id} for a in old_events])
    event_of = {k: a.event_id for a in assignments for k in a.members}

    conjunction_ids = repository.add_conjunctions(
        [
            {
                "screening_id": screening_id,
                "event_id": event_of[k],
                "primary_norad_id": c.primary_norad_id,
                "secondary_norad_id": c.secondary_norad_id,
                "tca": c.tca,
                "miss_km": c.miss_km,
                "relative_speed_km_s": c.relative_speed_km_s,
                "miss_radial_km": c.miss_rtn_km[0],
                "miss_in_track_km": c.miss_rtn_km[1],
                "miss_cross_track_km": c.miss_rtn_km[2],
                "collision_probability": cdm.relative.collision_probability,
                "pc_method": cdm.relative.collision_probability_method,
            }
            for k, (c, cdm) in enumerate(zip(result.conjunctions, issued, strict=True))
        ]
    )
    texts = [format_cdm_kvn(cdm) for cdm in issued]
    hashes = [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in texts]
    cdm_ids = repository.add_cdms(
        [
            {
                "conjunction_id": conjunction_id,
                "message_id": cdm.header.message_id,
                "created_at": now,
                "kvn": text,
                "kvn_sha256": digest,
            }
            for conjunction_id, cdm, text, digest in zip(
                conjunction_ids, issued, texts, hashes, strict=True
            )
        ]
    )
    actor = submitter.actor if submitter else Actor.system()
    readers = _conjunction_readers(
        session,
        {n for c in result.conjunctions for n in (c.primary_norad_id, c.secondary_norad_id)},
    )
    AuditLog(session).append(
        [
            # Public: the CDM, its screening and the KVN's hash. Sealed: what the
            # agreements restrict (the objects, TCA, miss, message id and event), opened
            # to the partners owning either object (docs/audit.md, "Confidential details").
            AuditEvent(
                AuditAction.CDM_ISSUED,
                actor,
                subjects=(
                    SubjectRef("cdm", str(cdm_id)),
                    SubjectRef("screening", str(screening_id)),
                ),
                content_sha256=digest,
                sealed={
                    "message_id": cdm.header.message_id,
                    "objects": [c.primary_norad_id, c.secondary_norad_id],
                    "conjunction_event": event_of[k],
                    "tca": c.tca.astimezone(UTC).isoformat(timespec="microseconds"),
                    "miss_m": round(c.miss_km * 1e3),
                },
                readers=readers(c.primary_norad_id) | readers(c.secondary_norad_id),
                time=now,
            )
            for k, (c, cdm, cdm_id, digest) in enumerate(
                zip(result.conjunctions, issued, cdm_ids, hashes, strict=True)
            )
        ]
        + [_completed_event(result, screening_id, object_count, len(cdm_ids), job_id, actor, now)]
    )
    # The partners' `cdm` subscriptions hear of what they may see, with the CDMs.
    notify_cdm_subscribers(session, screening_id, at=now)
    record = repository.screening(screening_id)
    assert record is not None
    return record


def _conjunction_readers(session: Session, norad_ids: set[int]) -> Callable[[int], frozenset[int]]:
    """NORAD id -> the partner ids allowed to open its conjunctions' sealed audit details:
    its owner as the authorisation point decides it for conjunction data (none for a public
    or unknown object; platform admins open every entry anyway)."""
    owners, _ = _object_owners(session, norad_ids)
    ids = {p.handle or f"partner-{p.id}": p.id for p in PartnerRepository(session).all()}

    def readers(norad_id: int) -> frozenset[int]:
        owner = owners.get(norad_id)
        return frozenset({ids[owner]}) if owner in ids else frozenset()

    return readers


def _completed_event(
    result: ScreeningResult,
    screening_id: int,
    object_count: int,
    cdm_count: int,
    job_id: int | None,
    actor: Actor,
    at: datetime,
) -> AuditEvent:
    """The `screening.completed` entry: span, threshold (m), counts, and the job, if any.

    Integers and ISO times only: an entry holds no floating-point number (docs/audit.md).
    """
    details: dict[str, object] = {
        "screening_id": screening_id,
        "span_start": result.start.astimezone(UTC).isoformat(timespec="microseconds"),
        "span_end": result.end.astimezone(UTC).isoformat(timespec="microseconds"),
        "threshold_m": round(result.threshold_km * 1e3),
        "objects": object_count,
        "conjunctions": len(result.conjunctions),
        "cdms": cdm_count,
        "co_locations": len(result.co_locations),
        "failures": len(result.failures),
    }
    if result.volume is not None:
        details["volume_rtn_m"] = [
            round(result.volume.radial_km * 1e3),
            round(result.volume.in_track_km * 1e3),
            round(result.volume.cross_track_km * 1e3),
        ]
    subjects = [SubjectRef("screening", str(screening_id))]
    if job_id is not None:
        details["job_id"] = job_id
        subjects.append(SubjectRef("job", str(job_id)))
    return AuditEvent(
        AuditAction.SCREENING_COMPLETED, actor, subjects=tuple(subjects), details=details, time=at
    )


def run_screening(
    engine: Engine,
    *,
    start: datetime,
    duration: timedelta = timedelta(days=7),
    threshold_km: float = 5.0,
    screening_volume: ScreeningVolume | None = None,
    step_s: float = 60.0,
    element_sets: Sequence[ElementSet] | None = None,
    primary_norad_ids: Collection[int] | None = None,
    source_name: str | None = None,
    hard_body_radius_m: float = DEFAULT_HARD_BODY_RADIUS_M,
    pc_method: str = ALFANO_2005_MAX,
    originator: str = DEFAULT_ORIGINATOR,
    rules: AlertRules | None = None,
    event_tca_tolerance_s: float = DEFAULT_EVENT_TCA_TOLERANCE_S,
    submitter: Submitter | None = None,
    job_id: int | None = None,
    progress: ScreeningProgress | None = None,
    dask_client: Any | None = None,
    on_stored: Callable[[Session, ScreeningRecord], None] | None = None,
) -> ScreeningRecord:
    """Screen the current catalog (or `element_sets`, e.g. from a file) and store it all.

    Times UTC (aware), distances km. With `element_sets` the screening records
    `source_name` instead of a catalog batch. With `primary_norad_ids` the screening is
    one-vs-many: those objects (primary in every conjunction) against all the others, in
    this process (it is a small fraction of an all-vs-all). Otherwise, with a `dask_client`
    (`dask_client()`), the screening runs in time pieces on that cluster
    (`screen_catalog_distributed`, the same result). `on_stored(session, record)` runs in
    the storing transaction, so that what it writes (a job's completion) commits or rolls
    back with the screening. `submitter` (None: not recorded) and `job_id` are stored with
    it and name the audit entries' actor (`store_screening`). Returns the stored screening.
    """
    started_at = datetime.now(UTC)
    _report(progress, "load", 0.0)
    batch_id = None
    if element_sets is None:
        with transaction(engine) as session:
            catalog = CatalogRepository(session)
            batch_id = catalog.freshness().last_batch_id
            element_sets = [item.element_set for item in catalog.latest(limit=None).items]
    _report(progress, "load", 1.0)
    if len(element_sets) < 2:
        raise ValueError(
            f"screening needs at least two objects, the catalog has {len(element_sets)}; "
            "import a catalog first (accord catalog import)"
        )
    if primary_norad_ids is not None:
        wanted = set(primary_norad_ids)
        primaries = [es for es in element_sets if es.norad_id in wanted]
        missing = sorted(wanted - {es.norad_id for es in primaries})
        if missing:
            raise ValueError(
                f"one-vs-many screening: NORAD ids {missing} are not in the screened catalog; "
                "import their element sets first (accord catalog import) or drop them"
            )
        result = screen_against(
            primaries,
            element_sets,
            start=start,
            duration=duration,
            threshold_km=threshold_km,
            screening_volume=screening_volume,
            step_s=step_s,
            progress=lambda fraction: _report(progress, "screen", fraction),
        )
    elif dask_client is not None:
        result = screen_catalog_distributed(
            element_sets,
            client=dask_client,
            start=start,
            duration=duration,
            threshold_km=threshold_km,
            screening_volume=screening_volume,
            step_s=step_s,
            progress=lambda fraction: _report(progress, "screen", fraction),
        )
    else:
        result = screen_catalog(
            element_sets,
            start=start,
            duration=duration,
            threshold_km=threshold_km,
            screening_volume=screening_volume,
            step_s=step_s,
            progress=lambda fraction: _report(progress, "screen", fraction),
        )
    _report(progress, "cdm", 0.0)
    clock = time.perf_counter()
    cdms = build_cdms(
        result,
        element_sets,
        originator=originator,
        message_ids=[_PLACEHOLDER_MESSAGE_ID] * len(result.conjunctions),
        hard_body_radius_m=hard_body_radius_m,
        pc_method=pc_method,
    )
    result.stage_seconds["cdm"] = round(time.perf_counter() - clock, 3)
    _report(progress, "cdm", 1.0)
    _report(progress, "store", 0.0)
    with transaction(engine, write_lock=True) as session:
        record = store_screening(
            session,
            result,
            cdms,
            started_at=started_at,
            object_count=len(element_sets),
            catalog_batch_id=batch_id,
            source_name=source_name,
            hard_body_radius_m=hard_body_radius_m,
            pc_method=pc_method,
            rules=rules or AlertRules(),
            event_tca_tolerance_s=event_tca_tolerance_s,
            submitter=submitter,
            job_id=job_id,
        )
        if on_stored is not None:
            on_stored(session, record)
    _report(progress, "store", 1.0)
    return record
