"""Manoeuvre plans: a delta-v at a time (or an OEM) screened against the whole catalog.

A delta-v plan is turned into a post-manoeuvre trajectory by the platform: the current
element set is propagated with SGP4 to the burn time (TEME state), the delta-v given in the
object's RTN frame at the burn (R radial, T in-track completing the triad, N along r x v;
m/s) is added to the velocity, and the new state is integrated numerically with two-body
gravity plus J2 (scipy `solve_ivp`, DOP853, rtol 1e-10, atol 1e-9 km) over the screening
span, sampled every 60 s, and written as a CCSDS OEM (TEME, UTC, Hermite interpolation).
Drag is left out: over the hours of a screening span its effect is metres in LEO, far
below the kilometres a screening threshold uses. The trajectory is screened with
`screen_ephemeris` against every current element set but the object's own; each
conjunction gets a Foster Pc with the default covariance (100/300/100 m RTN) and the
default hard-body radius.

The rule (issue 6): the new trajectory must not create a worse conjunction than the one it
avoids, i.e. its closest approach must not be nearer than the case's event miss and, when
the event has a Pc, no new conjunction may have a higher Pc. Verdict `acceptable` or
`worse`, with the figures.

Visibility: a `hypothetical` plan is seen by its owner only; a `candidate` by both parties
of the case; a `committed` plan by the parties and by every partner the agreements in force
grant the owner's `conjunction_data` to (decided by `accord.access.authorize_plans`).
The audit entry of each step (`plan.screened`, `plan.shared`, `plan.committed`) shows
only the case, the plan and the step; the manoeuvre, verdict and figures are sealed for the
owner, and for the case's parties once the plan is shared (docs/audit.md).

The plan state machine (`PLAN_PROMOTIONS`): a plan is created in any kind (created
`committed`, it is shared and committed in one step, refused alike when `worse`); once
stored it moves forward one step at a time, hypothetical -> candidate (`share_plan`) ->
committed (`commit_plan`), and a committed plan is final: nothing is demoted or committed
twice. Only the owner's operators and admins move a plan: `share_plan` and `commit_plan`
ask the one authorisation point (`accord.access.authorize_plans`, action `write`; the base
rule `base/owner-operators-move-plan` is what permits it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp
from sqlalchemy.orm import Session

from accord.access import Principal, authorize_plans
from accord.agreements import AccessAction
from accord.audit import AuditAction, AuditEvent, AuditLog, SubjectRef
from accord.conjunctions import DEFAULT_HARD_BODY_RADIUS_M, default_covariance_pc, screen_ephemeris
from accord.coordination_ops._cases import get_case
from accord.coordination_ops._plan_catalog import add_plan_to_catalog
from accord.coordination_ops._steps import actor_of, partner_ids, sealed_step
from accord.formats import (
    OemHeader,
    OemMetadata,
    OemSegment,
    OrbitEphemerisMessage,
    format_oem_kvn,
    read_oem,
)
from accord.orbits import Sgp4Propagator
from accord.store import CatalogRepository, ManoeuvrePlanKind, ManoeuvrePlanRow

__all__ = [
    "PLAN_PROMOTIONS",
    "PlanError",
    "PlanNotAuthorisedError",
    "PlanScreening",
    "PlanTransitionError",
    "UnknownPlanError",
    "WorseConjunctionError",
    "commit_plan",
    "plan_manoeuvre",
    "plan_visible_to",
    "post_manoeuvre_oem",
    "share_plan",
]

_MU_KM3_S2 = 398600.4418
_J2 = 1.08262668e-3
_RE_KM = 6378.137
SAMPLE_STEP_S = 60.0


class PlanError(ValueError):
    """A plan that cannot be made or moved: not a party, no object, a burn outside the span."""


class UnknownPlanError(PlanError, LookupError):
    """No such plan, or one the caller may not see (the two are not told apart: 404)."""


class PlanNotAuthorisedError(PlanError):
    """The caller sees the plan but may not move it: not its owner, or not an operator."""


class PlanTransitionError(PlanError):
    """A move the plan state machine does not allow (committed twice, demoted, skipped)."""


class WorseConjunctionError(PlanError):
    """The plan's trajectory makes a conjunction worse than the one it avoids.

    `conjunction` is the worst offending one (`secondary_norad_id`, `tca`, `miss_km`, `pc`).
    """

    def __init__(self, message: str, *, plan_id: int | None, conjunction: dict[str, Any]):
        super().__init__(message)
        self.plan_id = plan_id
        self.conjunction = conjunction


#: The plan state machine: the kind a stored plan of each kind may be moved to.
PLAN_PROMOTIONS: dict[ManoeuvrePlanKind, ManoeuvrePlanKind | None] = {
    ManoeuvrePlanKind.HYPOTHETICAL: ManoeuvrePlanKind.CANDIDATE,
    ManoeuvrePlanKind.CANDIDATE: ManoeuvrePlanKind.COMMITTED,
    ManoeuvrePlanKind.COMMITTED: None,
}


@dataclass(frozen=True, slots=True)
class PlanScreening:
    """The screening of a plan's trajectory and the verdict against the avoided event."""

    verdict: str
    avoided_miss_km: float
    avoided_pc: float | None
    min_miss_km: float | None
    max_pc: float | None
    conjunctions: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for the store and the CLI."""
        return {
            "verdict": self.verdict,
            "avoided_miss_km": self.avoided_miss_km,
            "avoided_pc": self.avoided_pc,
            "min_miss_km": self.min_miss_km,
            "max_pc": self.max_pc,
            "conjunctions": list(self.conjunctions),
        }

    def worse_conjunctions(self) -> list[dict[str, Any]]:
        """The conjunctions worse than the avoided one (nearer, or a higher Pc), nearest first."""
        return sorted(
            (
                c
                for c in self.conjunctions
                if c["miss_km"] < self.avoided_miss_km
                or (self.avoided_pc is not None and c["pc"] > self.avoided_pc)
            ),
            key=lambda c: c["miss_km"],
        )

    def refuse_if_worse(self, what: str, plan_id: int | None) -> None:
        """Raise `WorseConjunctionError` naming the worst conjunction when the verdict is worse."""
        worse = self.worse_conjunctions()
        if self.verdict != "worse" or not worse:
            return
        c = worse[0]
        avoided_pc = "none" if self.avoided_pc is None else f"{self.avoided_pc:.2e}"
        raise WorseConjunctionError(
            f"{what} creates a worse conjunction than the one it avoids: with object "
            f"{c['secondary_norad_id']} at {c['tca']}, miss {c['miss_km']:.3f} km (avoided: "
            f"{self.avoided_miss_km:.3f} km), Pc {c['pc']:.2e} (avoided: {avoided_pc})"
            f"{f' and {len(worse) - 1} more' if len(worse) > 1 else ''}; change the burn "
            "and plan again",
            plan_id=plan_id,
            conjunction=dict(c),
        )


def _acceleration(_t: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
    r, v = y[:3], y[3:]
    x, yy, z = r
    r2 = float(r @ r)
    rn = np.sqrt(r2)
    two_body = -_MU_KM3_S2 * r / rn**3
    k = 1.5 * _J2 * _MU_KM3_S2 * _RE_KM**2 / rn**5
    zz = 5.0 * z * z / r2
    j2 = k * np.array([x * (zz - 1.0), yy * (zz - 1.0), z * (zz - 3.0)])
    return np.concatenate([v, two_body + j2])


def post_manoeuvre_oem(
    session: Session,
    norad_id: int,
    *,
    burn_at: datetime,
    delta_v_rtn_m_s: tuple[float, float, float],
    until: datetime,
) -> str:
    """The post-manoeuvre trajectory of `norad_id` from `burn_at` to `until` as OEM KVN."""
    stored = CatalogRepository(session).current(norad_id)
    if stored is None:
        raise PlanError(f"object {norad_id} is not in the catalog; import its element set first")
    if until <= burn_at:
        raise PlanError(f"burn at {burn_at.isoformat()} is not before the span end {until}")
    burn64 = np.datetime64(burn_at.replace(tzinfo=None), "ns")
    states = Sgp4Propagator([stored.element_set]).propagate(np.array([burn64]))
    r0 = np.asarray(states.position_km[0, 0], dtype=float)
    v0 = np.asarray(states.velocity_km_s[0, 0], dtype=float)
    radial = r0 / np.linalg.norm(r0)
    normal = np.cross(r0, v0)
    normal /= np.linalg.norm(normal)
    in_track = np.cross(normal, radial)
    dv_km_s = np.asarray(delta_v_rtn_m_s, dtype=float) / 1000.0
    v1 = v0 + dv_km_s[0] * radial + dv_km_s[1] * in_track + dv_km_s[2] * normal
    span_s = (until - burn_at).total_seconds()
    offsets = np.arange(0.0, span_s + 1e-9, SAMPLE_STEP_S)
    if offsets[-1] < span_s:
        offsets = np.append(offsets, span_s)
    solution = solve_ivp(
        _acceleration,
        (0.0, span_s),
        np.concatenate([r0, v1]),
        method="DOP853",
        t_eval=offsets,
        rtol=1e-10,
        atol=1e-9,
    )
    epochs = burn64 + (offsets * 1e9).astype("timedelta64[ns]")
    metadata = OemMetadata(
        object_name=stored.element_set.object_name or str(norad_id),
        object_id=str(norad_id),
        center_name="EARTH",
        ref_frame="TEME",
        time_system="UTC",
        start_time=epochs[0],
        stop_time=epochs[-1],
        interpolation="HERMITE",
        interpolation_degree=5,
    )
    segment = OemSegment(metadata, epochs, solution.y[:3].T.copy(), solution.y[3:].T.copy())
    header = OemHeader("3.0", burn_at.strftime("%Y-%m-%dT%H:%M:%S"), "ACCORD")
    return format_oem_kvn(OrbitEphemerisMessage(header, (segment,)))


def _screen(
    session: Session, oem_text: str, norad_id: int, avoided_miss_km: float, avoided_pc: float | None
) -> PlanScreening:
    catalog = [
        s.element_set
        for s in CatalogRepository(session).latest().items
        if s.element_set.norad_id != norad_id
    ]
    result = screen_ephemeris(
        read_oem(oem_text.encode(), source="plan.oem"), catalog, primary_norad_id=norad_id
    )
    found: list[dict[str, Any]] = []
    for c in result.conjunctions:
        pc = float(
            default_covariance_pc(
                c.primary_position_km,
                c.primary_velocity_km_s,
                c.secondary_position_km,
                c.secondary_velocity_km_s,
                DEFAULT_HARD_BODY_RADIUS_M,
            ).pc.reshape(-1)[0]
        )
        found.append(
            {
                "secondary_norad_id": c.secondary_norad_id,
                "tca": c.tca.isoformat(),
                "miss_km": c.miss_km,
                "pc": pc,
            }
        )
    min_miss = min((c["miss_km"] for c in found), default=None)
    max_pc = max((c["pc"] for c in found), default=None)
    worse = (min_miss is not None and min_miss < avoided_miss_km) or (
        avoided_pc is not None and max_pc is not None and max_pc > avoided_pc
    )
    return PlanScreening(
        "worse" if worse else "acceptable",
        avoided_miss_km,
        avoided_pc,
        min_miss,
        max_pc,
        tuple(found),
    )


def plan_manoeuvre(
    session: Session,
    case_id: str,
    *,
    owner: str,
    at: datetime,
    kind: ManoeuvrePlanKind = ManoeuvrePlanKind.HYPOTHETICAL,
    burn_at: datetime | None = None,
    delta_v_rtn_m_s: tuple[float, float, float] | None = None,
    oem_text: str | None = None,
    span_after_tca: timedelta = timedelta(hours=2),
) -> tuple[int, PlanScreening]:
    """Attach a plan (delta-v at `burn_at`, or an OEM) to a case, screen it, store and audit.

    A plan whose verdict is `worse` cannot be `committed` (PlanError); it is stored as
    given otherwise, so the owner sees why. Returns the plan id and its screening.
    """
    case = get_case(session, case_id)
    if owner not in case.parties:
        raise PlanError(f"{owner!r} is not a party of case {case_id}; parties: {case.parties}")
    sides = [s for s in (case.encounter.primary, case.encounter.secondary) if s.operator == owner]
    norad_id = sides[0].norad_id
    if oem_text is None:
        if burn_at is None or delta_v_rtn_m_s is None:
            raise PlanError("give a delta-v and a burn time, or an OEM of the new trajectory")
        if burn_at >= case.trigger.tca:
            raise PlanError(
                f"burn at {burn_at.isoformat()} is not before the TCA "
                f"{case.trigger.tca.isoformat()}; burn earlier"
            )
        oem_text = post_manoeuvre_oem(
            session,
            norad_id,
            burn_at=burn_at,
            delta_v_rtn_m_s=delta_v_rtn_m_s,
            until=case.trigger.tca + span_after_tca,
        )
    screening = _screen(session, oem_text, norad_id, case.trigger.miss_km, case.trigger.pc)
    if kind is ManoeuvrePlanKind.COMMITTED:
        screening.refuse_if_worse(f"plan for case {case_id}", None)
    dv = delta_v_rtn_m_s or (None, None, None)
    row = ManoeuvrePlanRow(
        case_id=case_id,
        owner=owner,
        norad_id=norad_id,
        kind=kind.value,
        oem_text=oem_text,
        burn_at=burn_at,
        delta_v_r_m_s=dv[0],
        delta_v_t_m_s=dv[1],
        delta_v_n_m_s=dv[2],
        verdict=screening.verdict,
        screening=screening.to_json(),
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    details: dict[str, Any] = {
        "kind": kind.value,
        "norad_id": norad_id,
        "burn_at": None if burn_at is None else burn_at.isoformat(),
        "delta_v_rtn_m_s": None if delta_v_rtn_m_s is None else list(delta_v_rtn_m_s),
        "oem_sha256": hashlib.sha256(oem_text.encode("utf-8")).hexdigest(),
        **_screening_details(screening),
    }
    if kind is ManoeuvrePlanKind.COMMITTED:
        details.update(_catalog_details(session, row, at))
    _audit_plan(session, row, owner, at, "plan.screened", details)
    return row.id, screening


def _screening_details(screening: PlanScreening) -> dict[str, Any]:
    return {
        "verdict": screening.verdict,
        "min_miss_km": screening.min_miss_km,
        "max_pc": screening.max_pc,
        "conjunctions": len(screening.conjunctions),
    }


def _catalog_details(session: Session, row: ManoeuvrePlanRow, at: datetime) -> dict[str, Any]:
    entry = add_plan_to_catalog(session, row, at=at)
    if entry is None:
        return {"catalog": "superseded by newer data"}
    return {
        "catalog_batch_id": entry.batch_id,
        "fit_rms_km": entry.fit_rms_km,
        "fit_max_km": entry.fit_max_km,
    }


def _audit_plan(
    session: Session,
    row: ManoeuvrePlanRow,
    owner: str,
    at: datetime,
    step: str,
    details: dict[str, Any],
) -> None:
    """Log a plan step: public, the case and plan ids and the step; sealed, the rest, for
    the owner, and for the case's parties too once the plan is shared (its kind after
    the step: a hypothetical plan is its owner's alone)."""
    readers = [owner]
    if ManoeuvrePlanKind(row.kind) is not ManoeuvrePlanKind.HYPOTHETICAL:
        readers += get_case(session, row.case_id).parties
    public, sealed = sealed_step(step, details)
    AuditLog(session).append(
        [
            AuditEvent(
                AuditAction.COORDINATION_STEP_RECORDED,
                actor_of(session, owner),
                subjects=(
                    SubjectRef("coordination_case", row.case_id),
                    SubjectRef("manoeuvre_plan", str(row.id)),
                ),
                details=public,
                time=at,
                sealed=sealed,
                readers=partner_ids(session, readers),
            )
        ]
    )


def _movable_plan(
    session: Session, plan_id: int, principal: Principal, at: datetime
) -> ManoeuvrePlanRow:
    """The plan, locked for the move, once the authorisation point lets `principal` move it."""
    row = session.get(ManoeuvrePlanRow, plan_id, with_for_update=True)
    if row is None or not plan_visible_to(session, plan_id, principal, at=at):
        raise UnknownPlanError(
            f"no manoeuvre plan {plan_id} visible to {principal.partner!r}; list a case's plans "
            "with GET /api/v1/coordination/cases/{case_id}/plans"
        )
    plan = [(row, get_case(session, row.case_id))]
    if not authorize_plans(session, principal, plan, AccessAction.WRITE, at=at)[0]:
        if principal.partner != row.owner:
            raise PlanNotAuthorisedError(
                f"plan {plan_id} belongs to {row.owner!r}: only its owner moves it; "
                f"{principal.partner!r} may answer the case or make its own plan"
            )
        raise PlanNotAuthorisedError(
            f"moving plan {plan_id} takes an operator or admin of {row.owner!r} (an API key "
            "with the `write` scope)"
        )
    return row


def _check_move(row: ManoeuvrePlanRow, target: ManoeuvrePlanKind) -> None:
    current = ManoeuvrePlanKind(row.kind)
    if current is target or current is ManoeuvrePlanKind.COMMITTED:
        final = "; a commitment is final" if current is ManoeuvrePlanKind.COMMITTED else ""
        raise PlanTransitionError(f"plan {row.id} is already {current.value}{final}")
    if PLAN_PROMOTIONS[current] is not target:
        raise PlanTransitionError(
            f"plan {row.id} is {current.value}: it becomes {PLAN_PROMOTIONS[current]} next "
            "(hypothetical -> candidate -> committed); share it with the other party first"
        )


def share_plan(session: Session, plan_id: int, *, principal: Principal, at: datetime) -> None:
    """The owner shares hypothetical plan `plan_id` with the case's parties (-> candidate).

    Not screened again (a candidate may be `worse`: the other party sees why). Logs
    `plan.shared`. Raises `UnknownPlanError`, `PlanNotAuthorisedError`, `PlanTransitionError`.
    """
    row = _movable_plan(session, plan_id, principal, at)
    _check_move(row, ManoeuvrePlanKind.CANDIDATE)
    row.kind, row.updated_at = ManoeuvrePlanKind.CANDIDATE.value, at
    session.flush()
    details = {"kind": row.kind, "verdict": row.verdict}
    _audit_plan(session, row, row.owner, at, "plan.shared", details)


def commit_plan(
    session: Session, plan_id: int, *, principal: Principal, at: datetime
) -> tuple[PlanScreening, int | None]:
    """The owner commits candidate plan `plan_id`: screened again, then added to the catalog.

    The trajectory is screened against the catalog as it is now (it may have changed since
    the plan was made); a `worse` verdict refuses the commit (`WorseConjunctionError`,
    naming the worst conjunction). Returns the new screening and the catalog batch id of
    the fitted element set (None when newer data already superseded the plan). Logs
    `plan.committed`. Run it in a write transaction: the plan row is locked for the move.
    """
    row = _movable_plan(session, plan_id, principal, at)
    _check_move(row, ManoeuvrePlanKind.COMMITTED)
    case = get_case(session, row.case_id)
    screening = _screen(session, row.oem_text, row.norad_id, case.trigger.miss_km, case.trigger.pc)
    screening.refuse_if_worse(f"plan {plan_id}", plan_id)
    row.kind, row.verdict, row.screening = (
        ManoeuvrePlanKind.COMMITTED.value,
        screening.verdict,
        screening.to_json(),
    )
    row.updated_at = at
    session.flush()
    details = {"kind": row.kind, **_screening_details(screening)}
    details.update(_catalog_details(session, row, at))
    _audit_plan(session, row, row.owner, at, "plan.committed", details)
    batch_id = details.get("catalog_batch_id")
    return screening, batch_id if isinstance(batch_id, int) else None


def plan_visible_to(session: Session, plan_id: int, principal: Principal, *, at: datetime) -> bool:
    """Whether `principal` may see plan `plan_id` (the authorisation point decides:
    `accord.access.authorize_plans`; module notes: by kind, then agreements)."""
    row = session.get(ManoeuvrePlanRow, plan_id)
    if row is None:
        return False
    plan = [(row, get_case(session, row.case_id))]
    return authorize_plans(session, principal, plan, AccessAction.READ, at=at)[0]
