"""The job runner: claims queued jobs, runs them in worker threads, survives restarts.

Each step is a short transaction: claim (conditional UPDATE), progress and heartbeat
updates while the job runs, and completion, which commits in the same transaction as the
screening it stored (`run_screening(on_stored=...)`) or the campaign plan it recorded
(`accord.jobs._campaign_jobs`), so a job is never completed without its result nor its
result stored twice by one attempt. A process that dies mid-job leaves
the job `running` with a heartbeat that stops; `recover()` (at start-up) queues such jobs
again while they have attempts left, else fails them with the reason. A resumed screening
simply reruns: nothing of an unfinished attempt was stored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord.jobs._campaign_jobs import run_campaign_plan_job
from accord.jobs._screening_jobs import ScreeningJobParameters, job_submitter
from accord.screening import AlertRules, dask_client, run_screening
from accord.settings import Settings
from accord.store import JobKind, JobRecord, JobRepository, ScreeningRecord, transaction

__all__ = ["JobRunner", "RecoveryReport"]

_log = logging.getLogger(__name__)

#: A progress fraction is written when it moved by this much (or the stage changed).
_PROGRESS_STEP = 0.05


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    """What `JobRunner.recover` did with jobs a dead process left running."""

    requeued: list[int]
    failed: list[int]


class JobRunner:
    """Runs queued jobs from the store in `settings.job_workers` threads (docs/screening.md).

    `run_once()` runs one job synchronously in the calling thread (tests, and each worker
    thread's loop); `start()` recovers stale jobs and starts the threads; `stop()` ends
    them. `clock` (aware UTC now) is injectable for tests of staleness.
    """

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        poll_interval_s: float = 2.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._poll_interval_s = poll_interval_s
        self._clock = clock or (lambda: datetime.now(UTC))
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def heartbeat_interval_s(self) -> float:
        """Seconds between heartbeats of a running job: a quarter of the staleness limit."""
        return self._settings.job_heartbeat_stale_s / 4.0

    def recover(self) -> RecoveryReport:
        """Queue again (attempts left) or fail (none left) the running jobs with a stale heartbeat.

        Run at start-up, before any of this process's jobs run.
        """
        now = self._clock()
        stale_after = timedelta(seconds=self._settings.job_heartbeat_stale_s)
        requeued: list[int] = []
        failed: list[int] = []
        with transaction(self._engine, write_lock=True) as session:
            repository = JobRepository(session)
            for job in repository.stale_running(now=now, stale_after=stale_after):
                last = job.heartbeat_at.isoformat() if job.heartbeat_at else "never"
                if job.attempt_count < self._settings.job_max_attempts:
                    repository.requeue(job.job_id)
                    requeued.append(job.job_id)
                    _log.warning(
                        "job %d: its process stopped (last heartbeat %s); queued again "
                        "(attempt %d of %d done)",
                        job.job_id,
                        last,
                        job.attempt_count,
                        self._settings.job_max_attempts,
                    )
                else:
                    repository.fail(
                        job.job_id,
                        f"the process running this job stopped (last heartbeat {last}) on "
                        f"attempt {job.attempt_count} of {job.attempt_count}, the most "
                        "ACCORD_JOB_MAX_ATTEMPTS allows; submit it again",
                        now=now,
                    )
                    failed.append(job.job_id)
        return RecoveryReport(requeued=requeued, failed=failed)

    def run_once(self) -> JobRecord | None:
        """Claim the oldest queued job and run it to completion or failure; None if none.

        Returns the job as it ended.
        """
        with transaction(self._engine, write_lock=True) as session:
            job = JobRepository(session).claim_next(now=self._clock())
        if job is None:
            return None
        with self._heartbeat(job.job_id):
            try:
                self._run(job)
            except Exception as error:  # a job's failure is recorded, never raised to the loop
                _log.exception("job %d failed", job.job_id)
                with transaction(self._engine, write_lock=True) as session:
                    JobRepository(session).fail(
                        job.job_id, f"{type(error).__name__}: {error}", now=self._clock()
                    )
        with transaction(self._engine) as session:
            return JobRepository(session).get(job.job_id)

    def start(self) -> None:
        """Recover stale jobs, then start the worker threads (none when job_workers is 0)."""
        if self._settings.job_workers == 0:
            return
        self.recover()
        self._stopping.clear()
        for index in range(self._settings.job_workers):
            thread = threading.Thread(
                target=self._loop, name=f"accord-job-runner-{index}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop taking jobs and wait up to `timeout_s` for the threads.

        A job still running is left to its (daemon) thread; if the process ends first, the
        job's heartbeat goes stale and the next start-up resumes it.
        """
        self._stopping.set()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = [thread for thread in self._threads if thread.is_alive()]

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                ran = self.run_once()
            except Exception:  # the store is unreachable: keep the thread, try again later
                _log.exception("job runner could not reach the store")
                ran = None
            if ran is None:
                self._stopping.wait(self._poll_interval_s)

    @contextmanager
    def _heartbeat(self, job_id: int) -> Iterator[None]:
        done = threading.Event()

        def beat() -> None:
            while not done.wait(self.heartbeat_interval_s):
                try:
                    with transaction(self._engine) as session:
                        JobRepository(session).beat(job_id, now=self._clock())
                except Exception:  # a missed beat is retried at the next interval
                    _log.exception("job %d: heartbeat not stored", job_id)

        thread = threading.Thread(target=beat, name=f"accord-job-{job_id}-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def _run(self, job: JobRecord) -> None:
        written: dict[str, float] = {}

        def progress(stage: str, fraction: float) -> None:
            if stage in written and fraction < 1.0 and fraction - written[stage] < _PROGRESS_STEP:
                return
            written[stage] = fraction
            with transaction(self._engine) as session:
                JobRepository(session).record_progress(
                    job.job_id, stage, fraction, now=self._clock()
                )

        if job.kind is JobKind.CAMPAIGN_PLAN:
            run_campaign_plan_job(self._engine, job, progress, self._clock)
            return
        if job.kind is not JobKind.SCREENING:
            raise ValueError(f"job {job.job_id} has kind {job.kind!r}, which this runner lacks")
        parameters = ScreeningJobParameters.from_json(job.parameters)

        def complete(session: Session, record: ScreeningRecord) -> None:
            JobRepository(session).complete(
                job.job_id, screening_id=record.screening_id, now=self._clock()
            )

        settings = self._settings
        with self._cluster() as client:
            run_screening(
                self._engine,
                start=parameters.start,
                duration=timedelta(seconds=parameters.duration_s),
                threshold_km=parameters.threshold_km,
                screening_volume=parameters.screening_volume,
                step_s=parameters.step_s,
                hard_body_radius_m=parameters.hard_body_radius_m,
                pc_method=parameters.pc_method,
                rules=AlertRules.from_settings(settings),
                event_tca_tolerance_s=settings.event_tca_tolerance_s,
                progress=progress,
                dask_client=client,
                on_stored=complete,
                # The screening records, and the audit log names, who submitted the job.
                submitter=job_submitter(job),
                job_id=job.job_id,
            )

    @contextmanager
    def _cluster(self) -> Iterator[Any | None]:
        """The Dask client a screening job uses (settings), or None for this process."""
        if self._settings.dask_scheduler is not None:
            with dask_client(self._settings.dask_scheduler) as client:
                yield client
        elif self._settings.dask_workers == 0:
            yield None
        else:
            with dask_client(workers=self._settings.dask_workers) as client:
                yield client
