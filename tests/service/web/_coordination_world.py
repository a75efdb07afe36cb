"""The console test world's coordination data (seeded after tests/service/web/_world.py).

Times are relative to the wall clock at seeding (`seeded_now`), because the service's
scheduler and the pages read the real clock: every deadline and TCA below is still ahead
when the tests run, so no tick changes the seeded state.

- Two conjunctions screened from operators' files (the catalog is left as _world.py made
  it): esa's 39634 with jaxa's 41240 (`ESA_JAXA_CASE`, the geometry of
  tests/coordination_ops/_world.py, 3.1 km at about 6 km/s) and nasa's 90021 with jaxa's
  90022 (`NASA_JAXA_CASE`, the same geometry 120 degrees of node away), TCA `TCA_AHEAD`
  after seeding, both alerts; `open_cases_from_alerts` opens a case for each. The stored
  ESA-JAXA rule `primary-acts-in-leo` asks esa to act; the baseline says both coordinate
  for the other.
- On the ESA-JAXA case: a `hypothetical` plan of jaxa's (jaxa only sees it) and a
  `candidate` plan of esa's (both parties see it).
- A `complaint` dispute of esa against jaxa under the ESA-JAXA agreement, in negotiation,
  with one message of esa's (`DISPUTE_MESSAGE`).
- Compliance evaluated once at seeding (`run_compliance`).
- Console users `esa-operator`, `jaxa-operator`, `nasa-operator` (role operator, the
  world's `PASSWORD`) who may act on cases; the analysts only read.

Visibility through the API's rules: esa and jaxa share their conjunction data
(`esa-jaxa-leo-exchange`), so each sees both cases (jaxa as a party of both, esa as a party
of one and a grantee of jaxa's data for the other); nasa sees only the NASA-JAXA case and
no dispute.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from accord.access import add_console_user
from accord.coordination import DisputeGrounds
from accord.coordination_ops import (
    case_id_for,
    list_cases,
    open_cases_from_alerts,
    open_dispute_record,
    plan_manoeuvre,
    post_dispute_message,
    run_compliance,
    set_rule_set,
)
from accord.screening import AlertRules, run_screening
from accord.store import ManoeuvrePlanKind, PartnerRepository, ScreeningRepository, transaction
from tests.coordination_ops._world import ESA_ELEMENTS, JAXA_ELEMENTS

__all__ = [
    "DISPUTE_MESSAGE",
    "ESA_JAXA_OBJECTS",
    "NASA_JAXA_OBJECTS",
    "OPERATOR_ROLE_USERS",
    "TCA_AHEAD",
    "case_ids",
    "seed",
]

#: How far ahead of the seeding the two TCAs are (deadlines: jaxa 12 h, others 24 h).
TCA_AHEAD = timedelta(days=3)
ESA_JAXA_OBJECTS = (39634, 41240)
NASA_JAXA_OBJECTS = (90021, 90022)
DISPUTE_MESSAGE = "ESA asks JAXA to share its covariance with every conjunction message."
OPERATOR_ROLE_USERS = ("esa-operator", "jaxa-operator", "nasa-operator")
#: The ESA-JAXA rules of the road (docs/coordination.md): esa (object 1) acts in LEO.
RULES = Path(__file__).resolve().parents[3] / "docs/examples/rules/esa-jaxa-leo-exchange.yaml"
_PASSWORD = "correct horse battery staple"  # tests/service/web/_world.py PASSWORD


def case_ids(engine: Engine) -> dict[tuple[int, int], str]:
    """The seeded cases' ids by their (primary, secondary) NORAD ids."""
    with transaction(engine) as session:
        return {
            (c.encounter.primary.norad_id, c.encounter.secondary.norad_id): c.id
            for c in list_cases(session)
        }


def seed(engine: Engine) -> None:
    """Add the coordination data the console's coordination pages show."""
    now = datetime.now(UTC).replace(microsecond=0)
    tca = (now + TCA_AHEAD).replace(minute=0, second=0)
    esa_sat = replace(ESA_ELEMENTS, epoch=tca)
    jaxa_sat = replace(JAXA_ELEMENTS, epoch=tca)
    # The same crossing, moved 120 degrees of node away so the pairs never meet each other.
    nasa_sat = replace(esa_sat, norad_id=NASA_JAXA_OBJECTS[0], raan_deg=150.0)
    jaxa_second = replace(jaxa_sat, norad_id=NASA_JAXA_OBJECTS[1], raan_deg=150.0)
    run_screening(
        engine,
        start=tca - timedelta(hours=1),
        duration=timedelta(hours=2),
        element_sets=[esa_sat, jaxa_sat, nasa_sat, jaxa_second],
        source_name="operators' predictions",
        rules=AlertRules(pc_threshold=1e-6, miss_km=1.0),
    )
    with transaction(engine, write_lock=True) as session:
        set_rule_set(session, "esa-jaxa-leo-exchange", RULES.read_text(encoding="utf-8"), at=now)
    opened = open_cases_from_alerts(engine, now=now - timedelta(hours=1))
    assert len(opened) == 2, f"expected two seeded cases, opened {opened}"
    with transaction(engine, write_lock=True) as session:
        event_ids = {
            (e.primary_norad_id, e.secondary_norad_id): e.event_id
            for e in ScreeningRepository(session).events(tca_after=now)
        }
        esa_jaxa = case_id_for(event_ids[ESA_JAXA_OBJECTS])
        for owner, kind, delta_v in (
            ("jaxa", ManoeuvrePlanKind.HYPOTHETICAL, (0.0, -0.5, 0.0)),
            ("esa", ManoeuvrePlanKind.CANDIDATE, (0.0, 0.5, 0.0)),
        ):
            plan_manoeuvre(
                session,
                esa_jaxa,
                owner=owner,
                at=now - timedelta(minutes=30),
                kind=kind,
                burn_at=tca - timedelta(hours=2),
                delta_v_rtn_m_s=delta_v,
            )
        dispute = open_dispute_record(
            session,
            "esa-jaxa-leo-exchange",
            grounds=DisputeGrounds.COMPLAINT,
            claimant="esa",
            respondent="jaxa",
            subject="Covariance withheld from JAXA's conjunction messages",
            at=now - timedelta(days=2),
        )
        post_dispute_message(
            session, dispute.id, by="esa", at=now - timedelta(days=1), text=DISPUTE_MESSAGE
        )
        run_compliance(session, now=now)
        partners = PartnerRepository(session)
        for username in OPERATOR_ROLE_USERS:
            handle = username.split("-")[0]
            add_console_user(
                session, username, partners.get_by_handle(handle), "operator", _PASSWORD
            )
