"""Joint Earth-observation campaigns: access windows over areas of interest, and planning.

Pure computation (docs/campaigns.md): areas of interest from GeoJSON, sensors, access windows
with Sun elevation and downlink passes, and acquisition plans across partners' satellites
(HiGHS MILP or a greedy heuristic) with fair shares. No store, no web framework here.
"""

from accord.campaigns._access import (
    AccessWindow,
    EoSensor,
    SensorKind,
    access_windows,
    attach_downlinks,
    sun_elevation_deg,
)
from accord.campaigns._area import EARTH_MEAN_RADIUS_KM, AreaError, AreaOfInterest
from accord.campaigns._footprint import GroundTrack, acquisition_footprint
from accord.campaigns._planning import (
    ACQUISITION_COST,
    EARLINESS_BONUS,
    AcquisitionPlan,
    AcquisitionRequest,
    Assignment,
    Opportunity,
    PartnerContribution,
    build_opportunities,
    plan_acquisitions,
    replan,
)

__all__ = [
    "ACQUISITION_COST",
    "EARTH_MEAN_RADIUS_KM",
    "EARLINESS_BONUS",
    "AcquisitionPlan",
    "AcquisitionRequest",
    "Assignment",
    "Opportunity",
    "PartnerContribution",
    "SensorKind",
    "build_opportunities",
    "plan_acquisitions",
    "replan",
    "AccessWindow",
    "AreaError",
    "AreaOfInterest",
    "EoSensor",
    "GroundTrack",
    "acquisition_footprint",
    "access_windows",
    "attach_downlinks",
    "sun_elevation_deg",
]
