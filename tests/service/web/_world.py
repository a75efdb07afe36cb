"""The console's test coalition: tests/access/_world.py plus history, a synthetic
population and one console user per member partner.

- esa's 25544 has three element sets (epochs `EPOCH`, +1 day, +2 days, mean motion rising)
  so its object page has a history to plot;
- CelesTrak submits `SYNTHETIC_COUNT` generated objects (public, labelled SYNTHETIC), so
  the catalog has several pages;
- the conjunction pairs of tests/access/_conjunction_world.py, screened once;
- users `esa-analyst`, `jaxa-analyst` and `nasa-analyst` (role analyst) sign in with `PASSWORD`.

jaxa sees its own 41240, esa's claimed objects (clause esa-elsets-to-jaxa), the public
20000 and the synthetic objects, never nasa's 30000.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.engine import Engine

from accord.access import add_console_user, claim_satellite, propose_agreement, sign_agreement
from accord.agreements import load_agreement
from accord.catalog import import_element_sets
from accord.orbits import synthetic_population
from accord.store import PartnerRepository, SourceKind, transaction
from tests.access._conjunction_world import (
    AGREEMENT,
    GRANTED_PAIR,
    OTHERS_PAIR,
    PAIRS,
    SIGNED,
    import_crossing_pairs,
    screen,
)
from tests.access._world import (
    EPOCH,
    ESA_OBJECTS,
    JAXA_OBJECTS,
    NASA_OBJECT,
    PUBLIC_OBJECT,
    build_world,
)
from tests.service.web import _campaign_world, _coordination_world
from tests.store._factory import element_set

__all__ = [
    "CONJUNCTION_OBJECTS",
    "GRANTED_PAIR",
    "OTHERS_PAIR",
    "ESA_OBJECTS",
    "HISTORY_OBJECT",
    "JAXA_OBJECTS",
    "NASA_OBJECT",
    "PASSWORD",
    "PUBLIC_OBJECT",
    "SYNTHETIC_COUNT",
    "build_console_world",
]

PASSWORD = "correct horse battery staple"
HISTORY_OBJECT = 25544
SYNTHETIC_COUNT = 120
#: The crossing pairs of tests/access/_conjunction_world.py (members' and public objects).
CONJUNCTION_OBJECTS = 2 * len(PAIRS)


def build_console_world(engine: Engine) -> None:
    """Seed the coalition, the history, the synthetic objects and the console users."""
    build_world(engine)
    later = [
        replace(
            element_set(HISTORY_OBJECT, epoch=EPOCH + timedelta(days=day)),
            mean_motion_rev_per_day=15.5 + 0.002 * day,
        )
        for day in (1, 2)
    ]
    for number, elements in enumerate(later):
        import_element_sets(
            engine,
            [elements],
            source_name=f"ESA-{number}.json",
            partner="ESA",
            source_kind=SourceKind.API,
            submitted_at=elements.epoch,
        )
    import_element_sets(
        engine,
        synthetic_population(SYNTHETIC_COUNT, epoch=EPOCH),
        source_name="synthetic",
        partner="CelesTrak",
        source_kind=SourceKind.SYNTHETIC,
        submitted_at=EPOCH,
    )
    _add_conjunctions(engine)
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        for handle in ("esa", "jaxa", "nasa"):
            add_console_user(
                session, f"{handle}-analyst", partners.get_by_handle(handle), "analyst", PASSWORD
            )
    _coordination_world.seed(engine)
    _campaign_world.seed(engine)


def _add_conjunctions(engine: Engine) -> None:
    """The crossing pairs, their claims and the one-way conjunction agreement of
    tests/access/_conjunction_world.py, screened once: jaxa sees the granted pair's event
    (coarsened, covariance withheld), esa sees it as owner; nasa-jaxa's is jaxa's own."""
    # Members submit their own objects' element sets (a claim transfers no data).
    import_crossing_pairs(engine, submitted_at=SIGNED)
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        esa, jaxa, nasa = (partners.get_by_handle(h) for h in ("esa", "jaxa", "nasa"))
        for partner, norad_id in (
            (esa, GRANTED_PAIR[0]),
            (esa, PAIRS[3][0]),
            (nasa, OTHERS_PAIR[0]),
            (jaxa, OTHERS_PAIR[1]),
        ):
            claim_satellite(session, partner, norad_id, at=SIGNED)
        document = load_agreement(AGREEMENT, source="test agreement")
        propose_agreement(session, document, by=esa, at=SIGNED)
        sign_agreement(session, document.id, by=esa, at=SIGNED)
        sign_agreement(session, document.id, by=jaxa, at=SIGNED)
    screen(engine)
