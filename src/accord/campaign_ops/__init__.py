"""Running joint Earth-observation campaigns over the store: pools, requests, plans, tasks.

The workflow around the pure planner `accord.campaigns`: partners pool satellites and
ground stations and commit their shares under agreements in force; an authorised partner
submits a request, a duty officer validates it, the planner assigns acquisitions across the
pool (HiGHS), each owner accepts or declines its tasks, a decline or a missed acquisition
re-forms the plan. Each step is authorised through `accord.access` (deny by default) and
logged in the same transaction. Planning comes in three steps (`prepare_plan`, `compute_plan`,
`record_plan`) so that the `campaign_plan` job of `accord.jobs` computes outside any
transaction; `plan_campaign` runs them at once. See docs/campaigns.md, "Running a campaign".
"""

from accord.campaign_ops._coverage import (
    COORDINATE_DECIMALS,
    FOOTPRINT_STEP_S,
    TRACK_MARGIN_S,
    plan_coverage,
)
from accord.campaign_ops._errors import (
    CampaignAccessDenied,
    CampaignError,
    InvalidCampaignTransition,
    UnknownCampaignItem,
)
from accord.campaign_ops._outputs import (
    CSV_COLUMNS,
    TimelineEntry,
    acquisition_contributions,
    plan_csv,
    plan_document,
    plan_json,
    satellite_timeline,
)
from accord.campaign_ops._planning import (
    PLANNING_STAGES,
    ComputedPlan,
    PlanInputsChanged,
    PlanningInputs,
    PlanningProgress,
    compute_plan,
    plan_campaign,
    prepare_plan,
    record_plan,
)
from accord.campaign_ops._pool import (
    DEFAULT_POOL,
    SHARE_TOLERANCE,
    add_pool_satellite,
    add_pool_station,
    commit_share,
    committed_shares,
    pool_members,
)
from accord.campaign_ops._workflow import (
    DUTY_ROLES,
    SETTLE_S,
    SLEW_RATE_DEG_S,
    TASK_TRANSITIONS,
    TaskSlot,
    close_request,
    quiet_stdout,
    submit_request,
    update_task,
    validate_request,
)

__all__ = [
    "COORDINATE_DECIMALS",
    "FOOTPRINT_STEP_S",
    "TRACK_MARGIN_S",
    "plan_coverage",
    "CSV_COLUMNS",
    "PLANNING_STAGES",
    "ComputedPlan",
    "PlanInputsChanged",
    "PlanningInputs",
    "PlanningProgress",
    "TaskSlot",
    "compute_plan",
    "prepare_plan",
    "record_plan",
    "DEFAULT_POOL",
    "DUTY_ROLES",
    "SETTLE_S",
    "SHARE_TOLERANCE",
    "SLEW_RATE_DEG_S",
    "TASK_TRANSITIONS",
    "CampaignAccessDenied",
    "CampaignError",
    "InvalidCampaignTransition",
    "TimelineEntry",
    "UnknownCampaignItem",
    "acquisition_contributions",
    "add_pool_satellite",
    "add_pool_station",
    "close_request",
    "commit_share",
    "committed_shares",
    "plan_campaign",
    "plan_csv",
    "plan_document",
    "plan_json",
    "pool_members",
    "quiet_stdout",
    "satellite_timeline",
    "submit_request",
    "update_task",
    "validate_request",
]
