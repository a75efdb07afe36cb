"""A committed plan's post-manoeuvre trajectory enters the catalog as a fitted mean element set.

The catalog holds SGP4 mean element sets only, and screening (all-vs-all and one-vs-many)
propagates those; there is no operator-ephemeris table. So the plan's trajectory (the OEM,
converted to TEME/UTC) is turned into the element set that SGP4 makes follow it most
closely: a least-squares differential correction (scipy `least_squares`, trust region) of
the six mean elements (mean motion, e cos w, e sin w, inclination, RAAN, mean argument of
latitude) over every trajectory sample, position residuals in km, starting from the
pre-manoeuvre set's SGP4 mean elements at the new epoch; B* and the mean-motion derivatives
are kept from the pre-manoeuvre set (a burn does not change drag). The epoch is the
trajectory's start (the burn), or the current set's epoch when that is later, so that the
fitted set is the satellite's newest data. The RMS and largest residual are stored beside
the catalog entry (`plan_catalog_entries`) and audited: they say how far the catalog's
orbit strays from the plan's. The OEM itself stays in `manoeuvre_plans`.

Stored as a catalog batch of the plan's owner (source name `manoeuvre-plan:<id>`, source
kind `api`: the catalog's source kinds are a CHECK constraint that SQLite cannot alter with
foreign keys pointing at the table), so its visibility follows the agreements like every
other element set of that partner (`accord.access`), and `catalog.batch.accepted` is logged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import least_squares
from sqlalchemy.orm import Session

from accord.catalog import import_element_sets
from accord.formats import ElementSet, read_oem
from accord.orbits import ephemeris_to_teme, satrec_from_element_set
from accord.store import (
    CatalogRepository,
    ManoeuvrePlanRow,
    PartnerRepository,
    PlanCatalogEntryRow,
    SourceKind,
)

__all__ = ["FittedElementSet", "add_plan_to_catalog", "fit_mean_elements"]

_UNIX_JD = 2440587.5
_RAD_MIN_PER_REV_DAY = 2.0 * math.pi / 1440.0


@dataclass(frozen=True, slots=True)
class FittedElementSet:
    """A mean element set fitted to a trajectory, with its position residuals (km)."""

    element_set: ElementSet
    rms_km: float
    max_km: float
    samples: int


def _julian(times: NDArray[np.datetime64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    days = (times - np.datetime64("1970-01-01T00:00:00", "ns")).astype("int64") / 86400e9
    whole = np.floor(days)
    return _UNIX_JD + whole, days - whole


def _elements(x: NDArray[np.float64], base: ElementSet) -> ElementSet:
    n_rad_min, ecos, esin, inc, raan, arglat = (float(v) for v in x)
    ecc = math.hypot(ecos, esin)
    argp = math.atan2(esin, ecos)
    return replace(
        base,
        mean_motion_rev_per_day=n_rad_min / _RAD_MIN_PER_REV_DAY,
        eccentricity=min(ecc, 0.99),
        inclination_deg=math.degrees(inc) % 180.0,
        raan_deg=math.degrees(raan) % 360.0,
        arg_of_pericenter_deg=math.degrees(argp) % 360.0,
        mean_anomaly_deg=math.degrees(arglat - argp) % 360.0,
        tle_line1=None,
        tle_line2=None,
    )


def _positions(
    element_set: ElementSet, jd: NDArray[np.float64], fr: NDArray[np.float64]
) -> NDArray[np.float64]:
    error, position, _ = satrec_from_element_set(element_set).sgp4_array(jd, fr)
    # A sample SGP4 fails on counts as far off, steering the fit away from such elements.
    return np.asarray(np.where(error[:, None] == 0, position, 1e6), dtype=float)


def fit_mean_elements(
    initial: ElementSet,
    epoch: datetime,
    times: NDArray[np.datetime64],
    position_km: NDArray[np.float64],
) -> FittedElementSet:
    """Fit SGP4 mean elements at `epoch` to TEME positions (km) at UTC `times` (module notes)."""
    jd, fr = _julian(times)
    satrec = satrec_from_element_set(initial)
    ejd, efr = _julian(np.array([np.datetime64(epoch.replace(tzinfo=None), "ns")]))
    satrec.sgp4(float(ejd[0]), float(efr[0]))  # sets the mean elements at the epoch (nm, em...)
    kozai = satrec.no_kozai  # the fit corrects what drag and the burn changed
    start = np.array(
        [
            kozai,
            satrec.em * math.cos(satrec.om),
            satrec.em * math.sin(satrec.om),
            satrec.im,
            satrec.Om,
            satrec.om + satrec.mm,
        ]
    )
    base = replace(initial, epoch=epoch)

    def residuals(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return (_positions(_elements(x, base), jd, fr) - position_km).reshape(-1)

    solution = least_squares(residuals, start, x_scale="jac", xtol=1e-12, ftol=1e-12)
    distance = np.linalg.norm(solution.fun.reshape(-1, 3), axis=1)
    return FittedElementSet(
        _elements(solution.x, base),
        float(np.sqrt(np.mean(distance**2))),
        float(distance.max()),
        len(distance),
    )


def add_plan_to_catalog(
    session: Session, plan: ManoeuvrePlanRow, *, at: datetime
) -> PlanCatalogEntryRow | None:
    """Add committed plan `plan`'s fitted element set to the catalog as its owner's data.

    Returns the provenance row, or None when the catalog already holds newer data for the
    object than the plan's trajectory covers (an observation after the burn supersedes it).
    """
    existing = session.get(PlanCatalogEntryRow, plan.id)
    if existing is not None:
        return existing
    current = CatalogRepository(session).current(plan.norad_id)
    assert current is not None, "a plan's object is in the catalog"
    oem = read_oem(plan.oem_text.encode(), source=f"manoeuvre-plan-{plan.id}.oem")
    segments = [ephemeris_to_teme(segment) for segment in oem.segments]
    times = np.concatenate([s.epochs for s in segments]).astype("datetime64[ns]")
    position_km = np.concatenate([s.position_km for s in segments])
    first = times[0].astype("datetime64[us]").item().replace(tzinfo=UTC)
    last = times[-1].astype("datetime64[us]").item().replace(tzinfo=UTC)
    if current.element_set.epoch > last:
        return None
    epoch = max(first, current.element_set.epoch)
    fitted = fit_mean_elements(current.element_set, epoch, times, position_km)
    owner = PartnerRepository(session).get_by_handle(plan.owner)
    report = import_element_sets(
        session,
        [
            replace(
                fitted.element_set, element_set_no=(current.element_set.element_set_no % 999) + 1
            )
        ],
        source_name=f"manoeuvre-plan:{plan.id}",
        partner=owner.name,
        source_kind=SourceKind.API,
        submitted_at=at,
    )
    entry = PlanCatalogEntryRow(
        plan_id=plan.id,
        batch_id=report.batch_id,
        norad_id=plan.norad_id,
        epoch=epoch,
        fit_start=first,
        fit_end=last,
        fit_samples=fitted.samples,
        fit_rms_km=fitted.rms_km,
        fit_max_km=fitted.max_km,
        added_at=at,
    )
    session.add(entry)
    session.flush()
    return entry
