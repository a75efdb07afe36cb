"""Screening jobs: their parameters (stored as JSON), submission, status and listing.

A screening job screens the store's current catalog with `accord.screening.run_screening`
(on Dask when configured); its result is the stored screening's id. The job records who
submitted it (`jobs.submitter_*`), and the runner hands that submitter on to the screening.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from accord.access import Principal
from accord.conjunctions import ALFANO_2005_MAX, DEFAULT_HARD_BODY_RADIUS_M, ScreeningVolume
from accord.screening import Submitter
from accord.store import JobKind, JobRecord, JobRepository, JobStatus, transaction

__all__ = [
    "JobParameterError",
    "ScreeningJobParameters",
    "job_status",
    "job_submitter",
    "list_jobs",
    "submit_screening_job",
]


class JobParameterError(ValueError):
    """A job's parameters are invalid (the message names the parameter and the fix)."""


@dataclass(frozen=True, slots=True)
class ScreeningJobParameters:
    """What a screening job screens: span (UTC start, seconds), threshold (km), and the rest.

    `screening_volume_km` is (radial, in-track, cross-track) semi-axes in km, or None.
    """

    start: datetime
    duration_s: float = 7 * 86400.0
    threshold_km: float = 5.0
    step_s: float = 60.0
    hard_body_radius_m: float = DEFAULT_HARD_BODY_RADIUS_M
    pc_method: str = ALFANO_2005_MAX
    screening_volume_km: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None:
            raise JobParameterError(
                f"screening job start {self.start.isoformat()} has no time zone; "
                "pass an aware UTC datetime"
            )
        for name in ("duration_s", "threshold_km", "step_s", "hard_body_radius_m"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise JobParameterError(
                    f"screening job parameter {name} is {value!r}; it must be a positive number"
                )

    @property
    def screening_volume(self) -> ScreeningVolume | None:
        if self.screening_volume_km is None:
            return None
        return ScreeningVolume(*self.screening_volume_km)

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored in `jobs.parameters`."""
        return {
            "start": self.start.astimezone(UTC).isoformat(timespec="microseconds"),
            "duration_s": self.duration_s,
            "threshold_km": self.threshold_km,
            "step_s": self.step_s,
            "hard_body_radius_m": self.hard_body_radius_m,
            "pc_method": self.pc_method,
            "screening_volume_km": (
                list(self.screening_volume_km) if self.screening_volume_km else None
            ),
        }

    @classmethod
    def from_json(cls, parameters: dict[str, Any]) -> ScreeningJobParameters:
        """Read back `to_json`'s object (raises JobParameterError when it is not one)."""
        try:
            volume = parameters.get("screening_volume_km")
            return cls(
                start=datetime.fromisoformat(parameters["start"]),
                duration_s=float(parameters["duration_s"]),
                threshold_km=float(parameters["threshold_km"]),
                step_s=float(parameters["step_s"]),
                hard_body_radius_m=float(parameters["hard_body_radius_m"]),
                pc_method=str(parameters["pc_method"]),
                screening_volume_km=(
                    (float(volume[0]), float(volume[1]), float(volume[2])) if volume else None
                ),
            )
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise JobParameterError(
                f"stored screening job parameters {parameters!r} cannot be read ({error}); "
                "submit the job again with submit_screening_job"
            ) from error


def submit_screening_job(
    engine: Engine,
    *,
    start: datetime,
    duration: timedelta = timedelta(days=7),
    threshold_km: float = 5.0,
    step_s: float = 60.0,
    hard_body_radius_m: float = DEFAULT_HARD_BODY_RADIUS_M,
    pc_method: str = ALFANO_2005_MAX,
    screening_volume: ScreeningVolume | None = None,
    submitter: Principal | Submitter | None = None,
    now: datetime | None = None,
) -> JobRecord:
    """Queue a screening of the store's current catalog; returns the queued job.

    `submitter` is who asks: an API caller's principal (its partner and name are stored),
    a `Submitter` (the command line's local operator), or None (not recorded). The
    parameters are checked now (JobParameterError), not when the job runs.
    """
    if isinstance(submitter, Principal):
        submitter = Submitter.of(submitter)
    parameters = ScreeningJobParameters(
        start=start,
        duration_s=duration.total_seconds(),
        threshold_km=threshold_km,
        step_s=step_s,
        hard_body_radius_m=hard_body_radius_m,
        pc_method=pc_method,
        screening_volume_km=(
            (
                screening_volume.radial_km,
                screening_volume.in_track_km,
                screening_volume.cross_track_km,
            )
            if screening_volume is not None
            else None
        ),
    )
    with transaction(engine) as session:
        repository = JobRepository(session)
        job_id = repository.add(
            JobKind.SCREENING,
            parameters.to_json(),
            now=now or datetime.now(UTC),
            submitter_partner_id=submitter.partner_id if submitter else None,
            submitter_name=submitter.name if submitter else None,
        )
        record = repository.get(job_id)
    assert record is not None
    return record


def job_submitter(job: JobRecord) -> Submitter | None:
    """Who submitted `job`, or None for a job stored without one (before migration 0012)."""
    if job.submitter_name is None:
        return None
    return Submitter(job.submitter_partner_id, job.submitter_name)


def job_status(engine: Engine, job_id: int) -> JobRecord | None:
    """The job with this id (status, progress, attempts, error, result), or None."""
    with transaction(engine) as session:
        return JobRepository(session).get(job_id)


def list_jobs(
    engine: Engine, *, statuses: Sequence[JobStatus] | None = None, limit: int = 100
) -> list[JobRecord]:
    """Jobs newest first, optionally only those in `statuses`."""
    with transaction(engine) as session:
        return JobRepository(session).jobs(statuses=statuses, limit=limit)
