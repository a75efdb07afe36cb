"""Campaign-planning jobs: plan a pool's validated requests in the background.

A `campaign_plan` job runs `accord.campaign_ops`'s three planning steps: `prepare_plan` in a
short read transaction, `compute_plan` (passes, access windows, the solver: the long part)
in no transaction, with its progress stored on the job, then `record_plan` in a write
transaction that also completes the job, so a job is never completed without its plan
nor its plan stored twice by one attempt. A job whose process died is queued again by
`JobRunner.recover` and simply recomputes: nothing of the unfinished attempt was stored.

The job acts for the principal that submitted it (partner, roles, key scopes and name as
they were then); the duty-officer check and the pool's agreements are decided again when
it runs, at `at` (the planning time the submitter gave) or at the time it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

from sqlalchemy.engine import Engine

from accord.access import Principal
from accord.agreements import PrincipalRole
from accord.campaign_ops import DEFAULT_POOL, compute_plan, prepare_plan, record_plan
from accord.store import ApiKeyScope, JobKind, JobRecord, JobRepository, transaction

__all__ = [
    "CampaignJobParameterError",
    "CampaignPlanJobParameters",
    "run_campaign_plan_job",
    "submit_campaign_plan_job",
]

PlanMethod = Literal["milp", "greedy"]


class CampaignJobParameterError(ValueError):
    """A campaign-planning job's stored parameters cannot be read (names the fix)."""


@dataclass(frozen=True, slots=True)
class CampaignPlanJobParameters:
    """What a campaign-planning job plans, and for whom: pool, method, principal, time.

    `at` (aware UTC) fixes the planning time (shares and agreements in force then); None
    plans at the time the job runs.
    """

    principal: Principal
    pool: str = DEFAULT_POOL
    method: PlanMethod = "milp"
    at: datetime | None = None

    def __post_init__(self) -> None:
        if self.method not in ("milp", "greedy"):
            raise CampaignJobParameterError(
                f"campaign plan job method {self.method!r}: use 'milp' or 'greedy'"
            )
        if self.at is not None and self.at.utcoffset() is None:
            raise CampaignJobParameterError(
                f"campaign plan job time {self.at.isoformat()} has no time zone; pass an "
                "aware UTC datetime"
            )

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored in `jobs.parameters`."""
        principal = self.principal
        return {
            "pool": self.pool,
            "method": self.method,
            "at": None if self.at is None else self.at.astimezone(UTC).isoformat(),
            "principal": {
                "partner_id": principal.partner_id,
                "partner": principal.partner,
                "roles": sorted(role.value for role in principal.roles),
                "scopes": (
                    None
                    if principal.scopes is None
                    else sorted(scope.value for scope in principal.scopes)
                ),
                "name": principal.name,
            },
        }

    @classmethod
    def from_json(cls, parameters: dict[str, Any]) -> CampaignPlanJobParameters:
        """Read back `to_json`'s object (raises CampaignJobParameterError otherwise)."""
        try:
            who = parameters["principal"]
            scopes = who.get("scopes")
            principal = Principal(
                partner_id=int(who["partner_id"]),
                partner=str(who["partner"]),
                roles=frozenset(PrincipalRole(role) for role in who["roles"]),
                scopes=None if scopes is None else frozenset(ApiKeyScope(s) for s in scopes),
                name=str(who.get("name") or ""),
            )
            at = parameters.get("at")
            return cls(
                principal=principal,
                pool=str(parameters["pool"]),
                method=cast(PlanMethod, str(parameters["method"])),
                at=None if at is None else datetime.fromisoformat(at),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise CampaignJobParameterError(
                f"stored campaign plan job parameters {parameters!r} cannot be read "
                f"({error}); submit the job again with submit_campaign_plan_job"
            ) from error


def submit_campaign_plan_job(
    engine: Engine,
    principal: Principal,
    *,
    pool: str = DEFAULT_POOL,
    method: PlanMethod = "milp",
    at: datetime | None = None,
    now: datetime | None = None,
) -> JobRecord:
    """Queue the planning of `pool`'s validated requests for `principal`; returns the job.

    Whether the principal may plan is decided when the job runs (the job fails with the
    reason otherwise); callers that answer a person check it first with `prepare_plan`.
    """
    parameters = CampaignPlanJobParameters(principal=principal, pool=pool, method=method, at=at)
    with transaction(engine) as session:
        repository = JobRepository(session)
        job_id = repository.add(
            JobKind.CAMPAIGN_PLAN, parameters.to_json(), now=now or datetime.now(UTC)
        )
        record = repository.get(job_id)
    assert record is not None
    return record


def run_campaign_plan_job(
    engine: Engine,
    job: JobRecord,
    progress: Callable[[str, float], None],
    clock: Callable[[], datetime],
) -> None:
    """Run one claimed `campaign_plan` job to its stored plan (see the module notes).

    Raises what planning raises (`CampaignError` and subclasses); the runner records it.
    """
    parameters = CampaignPlanJobParameters.from_json(job.parameters)
    principal = parameters.principal
    with transaction(engine) as session:
        inputs = prepare_plan(
            session,
            principal,
            pool=parameters.pool,
            method=parameters.method,
            at=parameters.at or clock(),
        )
    computed = compute_plan(inputs, progress)
    progress("store", 0.0)
    with transaction(engine, write_lock=True) as session:
        plan = record_plan(session, principal, computed)
        JobRepository(session).complete(
            job.job_id, screening_id=None, campaign_plan_id=plan.id, now=clock()
        )
