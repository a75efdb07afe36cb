"""Screening workflows: run a screening of the shared catalog, store CDMs, follow events.

Uses the pure engine (`accord.conjunctions`), the store's repositories and the audit log;
see docs/screening.md, "Storing screenings, CDMs and events".
"""

from accord.screening._distributed import (
    ALIGN_STEPS,
    DaskScreeningError,
    ScreeningPiece,
    dask_client,
    plan_pieces,
    screen_catalog_distributed,
)
from accord.screening._events import AlertRules, EventAssignment, assign_events, open_alerts
from accord.screening._notify import CdmNotice, notify_cdm_subscribers
from accord.screening._submitter import (
    LOCAL_OPERATOR,
    MAX_SUBMITTER_NAME_CHARS,
    Submitter,
    SubmitterError,
)
from accord.screening._workflow import (
    DEFAULT_EVENT_TCA_TOLERANCE_S,
    DEFAULT_ORIGINATOR,
    ScreeningProgress,
    build_cdms,
    run_screening,
    store_screening,
)

__all__ = [
    "ALIGN_STEPS",
    "DaskScreeningError",
    "ScreeningPiece",
    "dask_client",
    "plan_pieces",
    "screen_catalog_distributed",
    "DEFAULT_EVENT_TCA_TOLERANCE_S",
    "DEFAULT_ORIGINATOR",
    "LOCAL_OPERATOR",
    "MAX_SUBMITTER_NAME_CHARS",
    "AlertRules",
    "CdmNotice",
    "EventAssignment",
    "ScreeningProgress",
    "Submitter",
    "SubmitterError",
    "assign_events",
    "build_cdms",
    "notify_cdm_subscribers",
    "open_alerts",
    "run_screening",
    "store_screening",
]
