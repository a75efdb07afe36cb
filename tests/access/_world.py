"""A small coalition in the store: partners, catalogued objects, claims, an agreement.

Partners esa, jaxa and nasa (members) and CelesTrak (data provider). Objects, all with
epoch and submission time `EPOCH`: 25544, 39634 and 40697 submitted and claimed by esa;
41240 submitted and claimed by jaxa; 30000 submitted by nasa and unclaimed (nasa's); 20000
submitted by CelesTrak and unclaimed (public). The agreement is
docs/examples/agreements/leo-data-exchange.yaml, proposed by esa and signed by both on
2026-01-01.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from accord.access import claim_satellite, propose_agreement, sign_agreement
from accord.agreements import load_agreement
from accord.catalog import import_element_sets
from accord.store import PartnerKind, PartnerRepository, SourceKind, transaction
from tests.store._factory import element_set

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "agreements"
EPOCH = datetime(2026, 3, 1, tzinfo=UTC)
SIGNED = datetime(2026, 1, 1, tzinfo=UTC)
ESA_OBJECTS = (25544, 39634, 40697)
JAXA_OBJECTS = (41240,)
NASA_OBJECT = 30000
PUBLIC_OBJECT = 20000


def example(name: str) -> str:
    """The text of one example agreement."""
    return (EXAMPLES / name).read_text(encoding="utf-8")


def build_world(engine: Engine, *, agreement: bool = True) -> None:
    """Register the partners, import the objects, claim them, and sign the agreement."""
    with transaction(engine) as session:
        partners = PartnerRepository(session)
        for handle in ("esa", "jaxa", "nasa"):
            partners.create(handle.upper(), kind=PartnerKind.SPACE_AGENCY, handle=handle)
        partners.create("CelesTrak", kind=PartnerKind.DATA_PROVIDER, handle="celestrak")
    members = {"ESA": ESA_OBJECTS, "JAXA": JAXA_OBJECTS, "NASA": (NASA_OBJECT,)}
    members["CelesTrak"] = (PUBLIC_OBJECT,)
    for submitter, ids in members.items():
        import_element_sets(
            engine,
            [element_set(n, epoch=EPOCH) for n in ids],
            source_name=f"{submitter}.json",
            partner=submitter,
            source_kind=SourceKind.API,
            submitted_at=EPOCH,
        )
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        esa, jaxa = partners.get_by_handle("esa"), partners.get_by_handle("jaxa")
        for norad_id in ESA_OBJECTS:
            claim_satellite(session, esa, norad_id, at=SIGNED)
        for norad_id in JAXA_OBJECTS:
            claim_satellite(session, jaxa, norad_id, at=SIGNED)
        if agreement:
            document = load_agreement(example("leo-data-exchange.yaml"), source="example")
            propose_agreement(session, document, by=esa, at=SIGNED)
            sign_agreement(session, document.id, by=esa, at=SIGNED)
            sign_agreement(session, document.id, by=jaxa, at=SIGNED)
