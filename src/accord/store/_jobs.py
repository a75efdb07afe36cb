"""Background jobs: the `jobs` table and its repository (migrations 0006_jobs, 0010, 0012).

A job is long work (a screening, a campaign plan) whose state lives in the database so that
it survives the process that runs it: `queued` -> `running` -> `completed` | `failed`. The
runner claims a queued job with a conditional UPDATE (two runners never claim the same job),
beats a heartbeat while it runs, and records progress (stage, fraction); at start-up, jobs
left `running` with a stale heartbeat are queued again or failed (docs/screening.md, "Jobs
and scale-out"). Every method is a few statements in the caller's (short) transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from accord.store._models import Base
from accord.store._types import UTCDateTime

__all__ = ["JobKind", "JobRecord", "JobRepository", "JobRow", "JobStatus"]


class JobKind(StrEnum):
    """What a job does."""

    SCREENING = "screening"
    #: Planning a pool's validated campaign requests (migration 0010_campaign_plan_jobs).
    CAMPAIGN_PLAN = "campaign_plan"


class JobStatus(StrEnum):
    """Where a job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


def _in_values(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class JobRow(Base):
    """One background job: parameters, status, progress, heartbeat, attempts, outcome."""

    __tablename__ = "jobs"
    __table_args__ = (
        sa.CheckConstraint(_in_values("kind", JobKind), name="kind"),
        sa.CheckConstraint(_in_values("status", JobStatus), name="status"),
        sa.Index("ix_jobs_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(16))
    progress_stage: Mapped[str | None] = mapped_column(sa.String(32))
    progress_fraction: Mapped[float] = mapped_column(sa.Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempt_count: Mapped[int] = mapped_column(sa.Integer)
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    #: The result: the screening a completed screening job stored.
    screening_id: Mapped[int | None] = mapped_column(sa.ForeignKey("screenings.id"))
    #: The result: the plan a completed campaign-planning job stored.
    campaign_plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaign_plans.id"))
    #: Who submitted the job (migration 0012_submitters): the partner it acted for (None
    #: for the local operator without `--as`, and for jobs older than the migration) ...
    submitter_partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"))
    #: ... and the principal: `key:<prefix>`, `user:<id>`, or `local operator`.
    submitter_name: Mapped[str | None] = mapped_column(sa.String(200))


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A job as read from the store (times UTC, aware)."""

    job_id: int
    kind: JobKind
    parameters: dict[str, Any]
    status: JobStatus
    progress_stage: str | None
    progress_fraction: float
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    attempt_count: int
    error_message: str | None
    screening_id: int | None
    campaign_plan_id: int | None = None
    #: Who submitted it: the partner's store id and the principal's name (None: unrecorded).
    submitter_partner_id: int | None = None
    submitter_name: str | None = None


def _record(row: JobRow) -> JobRecord:
    return JobRecord(
        job_id=row.id,
        kind=JobKind(row.kind),
        parameters=dict(row.parameters),
        status=JobStatus(row.status),
        progress_stage=row.progress_stage,
        progress_fraction=row.progress_fraction,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        heartbeat_at=row.heartbeat_at,
        attempt_count=row.attempt_count,
        error_message=row.error_message,
        screening_id=row.screening_id,
        campaign_plan_id=row.campaign_plan_id,
        submitter_partner_id=row.submitter_partner_id,
        submitter_name=row.submitter_name,
    )


class JobRepository:
    """Reads and writes `jobs` in the caller's session (see the module notes)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        kind: JobKind,
        parameters: dict[str, Any],
        *,
        now: datetime,
        submitter_partner_id: int | None = None,
        submitter_name: str | None = None,
    ) -> int:
        """Queue a job (with who submitted it, when known); returns its id."""
        row = JobRow(
            kind=kind.value,
            parameters=parameters,
            status=JobStatus.QUEUED.value,
            progress_stage=None,
            progress_fraction=0.0,
            created_at=now,
            attempt_count=0,
            submitter_partner_id=submitter_partner_id,
            submitter_name=submitter_name,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def get(self, job_id: int) -> JobRecord | None:
        row = self._session.get(JobRow, job_id)
        return _record(row) if row is not None else None

    def jobs(
        self, *, statuses: Sequence[JobStatus] | None = None, limit: int = 100
    ) -> list[JobRecord]:
        """Jobs newest first, optionally only those in `statuses`."""
        query = sa.select(JobRow).order_by(JobRow.created_at.desc(), JobRow.id.desc())
        if statuses is not None:
            query = query.where(JobRow.status.in_([s.value for s in statuses]))
        return [_record(row) for row in self._session.scalars(query.limit(limit))]

    def claim_next(self, *, now: datetime) -> JobRecord | None:
        """Mark the oldest queued job running (one attempt more) and return it, or None.

        The UPDATE is conditional on the job still being queued, so of two runners racing
        for one job only one gets it; the loser tries the next.
        """
        while True:
            job_id = self._session.scalar(
                sa.select(JobRow.id)
                .where(JobRow.status == JobStatus.QUEUED.value)
                .order_by(JobRow.created_at, JobRow.id)
                .limit(1)
            )
            if job_id is None:
                return None
            claimed = self._session.execute(
                sa.update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == JobStatus.QUEUED.value)
                .values(
                    status=JobStatus.RUNNING.value,
                    started_at=now,
                    heartbeat_at=now,
                    finished_at=None,
                    progress_stage=None,
                    progress_fraction=0.0,
                    error_message=None,
                    attempt_count=JobRow.attempt_count + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                self._session.expire_all()
                return self.get(job_id)

    def record_progress(self, job_id: int, stage: str, fraction: float, *, now: datetime) -> None:
        """Store a running job's progress (and beat its heartbeat)."""
        self._session.execute(
            self._running(job_id).values(
                progress_stage=stage, progress_fraction=fraction, heartbeat_at=now
            )
        )

    def beat(self, job_id: int, *, now: datetime) -> None:
        """Beat a running job's heartbeat: its process is alive."""
        self._session.execute(self._running(job_id).values(heartbeat_at=now))

    def complete(
        self,
        job_id: int,
        *,
        screening_id: int | None,
        now: datetime,
        campaign_plan_id: int | None = None,
    ) -> None:
        """Mark a running job completed with its result (a screening or a campaign plan)."""
        self._session.execute(
            self._running(job_id).values(
                status=JobStatus.COMPLETED.value,
                finished_at=now,
                heartbeat_at=now,
                progress_fraction=1.0,
                screening_id=screening_id,
                campaign_plan_id=campaign_plan_id,
            )
        )

    def fail(self, job_id: int, error_message: str, *, now: datetime) -> None:
        self._session.execute(
            self._running(job_id).values(
                status=JobStatus.FAILED.value,
                finished_at=now,
                heartbeat_at=now,
                error_message=error_message,
            )
        )

    def stale_running(self, *, now: datetime, stale_after: timedelta) -> list[JobRecord]:
        """Running jobs whose heartbeat is older than `stale_after`: their process is gone."""
        rows = self._session.scalars(
            sa.select(JobRow)
            .where(
                JobRow.status == JobStatus.RUNNING.value,
                sa.or_(JobRow.heartbeat_at.is_(None), JobRow.heartbeat_at < now - stale_after),
            )
            .order_by(JobRow.id)
        )
        return [_record(row) for row in rows]

    def requeue(self, job_id: int) -> None:
        """Put a (stale) running job back in the queue; its attempts are kept."""
        self._session.execute(
            self._running(job_id).values(
                status=JobStatus.QUEUED.value,
                progress_stage=None,
                progress_fraction=0.0,
            )
        )

    def _running(self, job_id: int) -> sa.Update:
        return (
            sa.update(JobRow)
            .where(JobRow.id == job_id, JobRow.status == JobStatus.RUNNING.value)
            .execution_options(synchronize_session=False)
        )
