"""Screening jobs: submit, run one step, progress and result stored, resumed after a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from accord.access import principal_for_partner
from accord.agreements import PrincipalRole
from accord.audit import Actor, AuditAction, AuditLog, parse_entry
from accord.jobs import (
    JobParameterError,
    JobRunner,
    job_status,
    job_submitter,
    list_jobs,
    submit_screening_job,
)
from accord.screening import Submitter
from accord.settings import Settings
from accord.store import (
    JobRepository,
    JobStatus,
    PartnerKind,
    PartnerRepository,
    ScreeningRepository,
    transaction,
)
from tests._crossing_pair import T0, store_crossing_pair

#: Staleness limit of these tests' runners; "a dead process" beat twice as long ago.
STALE_S = 120.0


@pytest.fixture
def catalog(engine: Engine) -> Engine:
    """A store holding two objects whose orbits cross at the node at T0, and a bystander."""
    return store_crossing_pair(engine)


def _settings(**overrides: object) -> Settings:
    # dask_workers=0: the job screens in the runner's process (the Dask split has its own
    # test, tests/screening/test_distributed.py).
    values: dict[str, object] = {
        "dask_workers": 0,
        "dask_scheduler": None,
        "job_max_attempts": 2,
        "job_heartbeat_stale_s": STALE_S,
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


def _submit(engine: Engine) -> int:
    job = submit_screening_job(
        engine, start=T0 - timedelta(minutes=30), duration=timedelta(hours=1), threshold_km=20.0
    )
    assert job.status is JobStatus.QUEUED and job.attempt_count == 0
    return job.job_id


def _crash_while_running(engine: Engine, job_id: int) -> None:
    """What a process that died mid-job leaves: the job running, last heartbeat long ago."""
    with transaction(engine, write_lock=True) as session:
        claimed = JobRepository(session).claim_next(
            now=datetime.now(UTC) - timedelta(seconds=2 * STALE_S)
        )
    assert claimed is not None and claimed.job_id == job_id


def test_a_submitted_job_runs_records_progress_and_stores_its_screening(
    catalog: Engine,
) -> None:
    job_id = _submit(catalog)
    runner = JobRunner(catalog, _settings())
    finished = runner.run_once()
    assert finished is not None and finished.job_id == job_id
    assert finished.status is JobStatus.COMPLETED, finished.error_message
    assert finished.attempt_count == 1
    # The last stage recorded is the store, done; the result is the stored screening.
    assert (finished.progress_stage, finished.progress_fraction) == ("store", 1.0)
    assert finished.started_at is not None and finished.finished_at is not None
    assert finished.screening_id is not None
    with transaction(catalog) as session:
        screening = ScreeningRepository(session).screening(finished.screening_id)
    assert screening is not None and screening.conjunction_count == 1
    assert job_status(catalog, job_id) == finished
    assert runner.run_once() is None  # the queue is empty


def test_a_job_left_running_by_a_dead_process_is_queued_again_then_completed(
    catalog: Engine,
) -> None:
    job_id = _submit(catalog)
    _crash_while_running(catalog, job_id)
    runner = JobRunner(catalog, _settings(job_max_attempts=2))
    report = runner.recover()
    assert (report.requeued, report.failed) == ([job_id], [])
    requeued = job_status(catalog, job_id)
    assert requeued is not None and requeued.status is JobStatus.QUEUED
    finished = runner.run_once()
    assert finished is not None and finished.status is JobStatus.COMPLETED
    assert finished.attempt_count == 2 and finished.screening_id is not None
    # Exactly one screening was stored: the dead attempt stored nothing.
    with transaction(catalog) as session:
        assert len(ScreeningRepository(session).screenings()) == 1


def test_a_job_that_used_its_attempts_is_failed_with_the_reason(catalog: Engine) -> None:
    job_id = _submit(catalog)
    _crash_while_running(catalog, job_id)
    report = JobRunner(catalog, _settings(job_max_attempts=1)).recover()
    assert (report.requeued, report.failed) == ([], [job_id])
    failed = job_status(catalog, job_id)
    assert failed is not None and failed.status is JobStatus.FAILED
    assert failed.error_message is not None
    assert "process running this job stopped" in failed.error_message
    assert "ACCORD_JOB_MAX_ATTEMPTS" in failed.error_message
    assert failed.finished_at is not None


def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(catalog: Engine) -> None:
    job_id = _submit(catalog)
    with transaction(catalog, write_lock=True) as session:
        JobRepository(session).claim_next(now=datetime.now(UTC))
    report = JobRunner(catalog, _settings()).recover()
    assert (report.requeued, report.failed) == ([], [])
    running = job_status(catalog, job_id)
    assert running is not None and running.status is JobStatus.RUNNING


def test_a_job_whose_screening_fails_is_failed_with_the_error(engine: Engine) -> None:
    job_id = _submit(engine)  # the store has no catalog
    finished = JobRunner(engine, _settings()).run_once()
    assert finished is not None and finished.job_id == job_id
    assert finished.status is JobStatus.FAILED
    assert finished.error_message is not None and "import a catalog" in finished.error_message
    assert finished.screening_id is None


def test_list_jobs_newest_first_and_by_status(catalog: Engine) -> None:
    first = _submit(catalog)
    second = _submit(catalog)
    JobRunner(catalog, _settings()).run_once()  # runs the oldest
    assert [j.job_id for j in list_jobs(catalog)] == [second, first]
    assert [j.job_id for j in list_jobs(catalog, statuses=[JobStatus.QUEUED])] == [second]
    assert [j.job_id for j in list_jobs(catalog, statuses=[JobStatus.COMPLETED])] == [first]


def test_submit_refuses_bad_parameters(engine: Engine) -> None:
    with pytest.raises(JobParameterError, match="no time zone"):
        submit_screening_job(engine, start=datetime(2024, 11, 1))
    with pytest.raises(JobParameterError, match="threshold_km"):
        submit_screening_job(engine, start=T0, threshold_km=0.0)
    assert list_jobs(engine) == []


def test_the_submitter_of_a_job_is_stored_with_its_screening_and_named_in_the_log(
    catalog: Engine,
) -> None:
    with transaction(catalog) as session:
        esa = PartnerRepository(session).create("ESA", kind=PartnerKind.SPACE_AGENCY, handle="esa")
        principal = principal_for_partner(esa, [PrincipalRole.OPERATOR], name="key:ab12cd34")
    job = submit_screening_job(
        catalog,
        start=T0 - timedelta(minutes=30),
        duration=timedelta(hours=1),
        threshold_km=20.0,
        submitter=principal,
    )
    assert (job.submitter_partner_id, job.submitter_name) == (esa.id, "key:ab12cd34")
    assert job_submitter(job) == Submitter(esa.id, "key:ab12cd34")
    finished = JobRunner(catalog, _settings()).run_once()
    assert finished is not None and finished.status is JobStatus.COMPLETED
    assert finished.screening_id is not None
    with transaction(catalog) as session:
        screening = ScreeningRepository(session).screening(finished.screening_id)
        entries = [parse_entry(e.entry) for e in AuditLog(session).entries()]
    assert screening is not None
    assert (screening.submitter_partner_id, screening.submitter_name) == (esa.id, "key:ab12cd34")
    (completed,) = [e for e in entries if e.action is AuditAction.SCREENING_COMPLETED]
    (issued,) = [e for e in entries if e.action is AuditAction.CDM_ISSUED]
    assert completed.actor == issued.actor == Actor.partner(str(esa.id))
    assert completed.details is not None and completed.details["job_id"] == job.job_id
    assert completed.details["screening_id"] == finished.screening_id
    assert ("job", str(job.job_id)) in [(s.kind, s.id) for s in completed.subjects]


def test_a_job_without_a_recorded_submitter_stores_a_screening_without_one(
    catalog: Engine,
) -> None:
    job_id = _submit(catalog)  # as a job queued before migration 0012 was
    job = job_status(catalog, job_id)
    assert job is not None and job_submitter(job) is None
    finished = JobRunner(catalog, _settings()).run_once()
    assert finished is not None and finished.screening_id is not None
    with transaction(catalog) as session:
        screening = ScreeningRepository(session).screening(finished.screening_id)
        entries = [parse_entry(e.entry) for e in AuditLog(session).entries()]
    assert screening is not None and screening.submitter_name is None
    (completed,) = [e for e in entries if e.action is AuditAction.SCREENING_COMPLETED]
    assert completed.actor == Actor.system()
