"""Background jobs whose state is in the database: screenings and campaign plans that
survive restarts.

`submit_screening_job` queues a screening, `submit_campaign_plan_job` the planning of a
campaign pool's validated requests (docs/campaigns.md, "Planning as a job"),
`job_status` / `list_jobs` read jobs (`job_submitter`: who submitted one), and
`JobRunner` (started by the service in its lifespan) runs them in worker threads,
recording progress and heartbeats, and at start-up re-queues or fails the jobs a dead
process left running. See docs/screening.md, "Jobs and scale-out".
"""

from accord.jobs._campaign_jobs import (
    CampaignJobParameterError,
    CampaignPlanJobParameters,
    run_campaign_plan_job,
    submit_campaign_plan_job,
)
from accord.jobs._runner import JobRunner, RecoveryReport
from accord.jobs._screening_jobs import (
    JobParameterError,
    ScreeningJobParameters,
    job_status,
    job_submitter,
    list_jobs,
    submit_screening_job,
)

__all__ = [
    "CampaignJobParameterError",
    "CampaignPlanJobParameters",
    "run_campaign_plan_job",
    "submit_campaign_plan_job",
    "JobParameterError",
    "JobRunner",
    "RecoveryReport",
    "ScreeningJobParameters",
    "job_status",
    "job_submitter",
    "list_jobs",
    "submit_screening_job",
]
