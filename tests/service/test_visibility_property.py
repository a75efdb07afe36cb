"""Property: no API response carries a record, field or precision no clause in force grants.

Hypothesis generates, per example, four member partners, objects submitted by them or by a
public data provider, claims, and up to three bilateral agreements drawn from the schema's
vocabulary (data classes, `all_claimed` or listed NORAD ids, coarsening, embargo), each
left as a draft, signed by both parties (in force) or signed and then suspended. Then every
partner calls every list, detail and export endpoint of /api/v1 and each answer is checked
against `expected_release`, a plain-Python reading of docs/agreements.md and docs/access.md
written here, independent of accord.access and of Cedar.

Examples share one running app (starting an app per example would dominate the run time);
each starts from a fresh store: every table but the append-only audit log is emptied, and
the reference model starts empty too.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from accord.access import (
    claim_satellite,
    create_api_key,
    propose_agreement,
    sign_agreement,
    suspend_agreement,
)
from accord.agreements import load_agreement
from accord.catalog import import_element_sets
from accord.store import Base, PartnerKind, PartnerRepository, SourceKind, transaction
from tests.service._api import World, bearer, running_world
from tests.store._factory import element_set

#: Examples per run: each builds four partners, their data and agreements, and makes about
#: thirty requests.
EXAMPLES = 50
EPOCH = datetime(2026, 3, 1, tzinfo=UTC)
SIGNED = datetime(2026, 1, 1, tzinfo=UTC)
MEMBERS = 4
OBJECTS_PER_EXAMPLE = 5
CLASSES = ("catalog_element_sets", "conjunction_data", "operator_ephemerides")
PRECISIONS_KM = (None, 1.0, 10.0)
#: 0: none; 24 h: long over (the data are from March 2026); 87,600 h: ten years, still on.
EMBARGOES_H = (0, 24, 87_600)
STATUSES = ("draft", "in_force", "suspended")
PROVIDER = "provider"  # the public data provider's handle


@dataclass(frozen=True)
class ClauseSpec:
    grantor: int
    grantee: int
    classes: tuple[str, ...]
    norad_slots: tuple[int, ...] | None  # None: all_claimed
    precision_km: float | None
    embargo_h: int


@dataclass(frozen=True)
class AgreementSpec:
    parties: tuple[int, int]
    clauses: tuple[ClauseSpec, ...]
    status: str


@dataclass(frozen=True)
class ExampleSpec:
    submitters: tuple[int | None, ...]  # per object slot: member index, None: provider
    claimants: tuple[tuple[int, ...], ...]  # per object slot, in claim order
    agreements: tuple[AgreementSpec, ...]


@st.composite
def example_specs(draw: st.DrawFn) -> ExampleSpec:
    member = st.integers(0, MEMBERS - 1)
    submitters = tuple(draw(st.one_of(st.none(), member)) for _ in range(OBJECTS_PER_EXAMPLE))
    claimants = tuple(
        tuple(draw(st.lists(member, max_size=2, unique=True))) for _ in range(OBJECTS_PER_EXAMPLE)
    )
    agreements = []
    for _ in range(draw(st.integers(0, 3))):
        parties = tuple(draw(st.lists(member, min_size=2, max_size=2, unique=True)))
        clauses = []
        for _ in range(draw(st.integers(1, 2))):
            grantor = draw(st.sampled_from(parties))
            slots = draw(
                st.one_of(
                    st.none(),
                    st.lists(st.integers(0, OBJECTS_PER_EXAMPLE - 1), min_size=1, unique=True),
                )
            )
            clauses.append(
                ClauseSpec(
                    grantor=grantor,
                    grantee=parties[1] if grantor == parties[0] else parties[0],
                    classes=tuple(
                        draw(st.lists(st.sampled_from(CLASSES), min_size=1, unique=True))
                    ),
                    norad_slots=None if slots is None else tuple(sorted(slots)),
                    precision_km=draw(st.sampled_from(PRECISIONS_KM)),
                    embargo_h=draw(st.sampled_from(EMBARGOES_H)),
                )
            )
        agreements.append(
            AgreementSpec((parties[0], parties[1]), tuple(clauses), draw(st.sampled_from(STATUSES)))
        )
    return ExampleSpec(submitters, claimants, tuple(agreements))


# --- the reference: what may leave, read from the documented rules --------------------------


@dataclass
class Grant:
    """How a caller may see one object: in full, or only no finer than `min_precision_km`."""

    full: bool
    min_precision_km: float | None


@dataclass
class Model:
    """Everything stored so far, in the terms of the documents."""

    kinds: dict[str, str] = field(default_factory=lambda: {PROVIDER: "data_provider"})
    submitter: dict[int, str] = field(default_factory=dict)  # norad -> submitter handle
    claimants: dict[int, list[str]] = field(default_factory=dict)  # norad -> in claim order
    clauses_in_force: list[tuple[str, ClauseSpec, tuple[int, ...] | None, list[str]]] = field(
        default_factory=list
    )  # (agreement id, clause, norad ids or None, member handles of the example)
    parties: dict[str, frozenset[str]] = field(default_factory=dict)  # agreement -> parties

    def owner(self, norad_id: int) -> str | None:
        """Claimant first (the first while contested), else a member submitter; None: public."""
        claims = self.claimants.get(norad_id)
        if claims:
            return claims[0]
        submitter = self.submitter[norad_id]
        return None if self.kinds[submitter] == "data_provider" else submitter

    def expected_release(self, caller: str, norad_id: int, now: datetime) -> Grant | None:
        owner = self.owner(norad_id)
        if owner is None or owner == caller:
            return Grant(True, None)
        precisions: list[float] = []
        full = False
        for _, clause, norad_ids, handles in self.clauses_in_force:
            if handles[clause.grantor] != owner or handles[clause.grantee] != caller:
                continue
            if "catalog_element_sets" not in clause.classes:
                continue
            if norad_ids is not None and norad_id not in norad_ids:
                continue
            # Embargo clock: the later of epoch and submission (both EPOCH here).
            if now < EPOCH + timedelta(hours=clause.embargo_h):
                continue
            if clause.precision_km is None:
                full = True
            else:
                precisions.append(clause.precision_km)
        if not full and not precisions:
            return None
        return Grant(full, min(precisions) if precisions else None)


# --- building one example in the store --------------------------------------------------------


def _document(agreement_id: str, spec: AgreementSpec, handles: list[str], base: int) -> str:
    clauses = []
    for number, clause in enumerate(spec.clauses):
        sharing: dict[str, Any] = {
            "grantor": handles[clause.grantor],
            "grantees": [handles[clause.grantee]],
            "data_classes": list(clause.classes),
            "assets": "all_claimed"
            if clause.norad_slots is None
            else {"norad_ids": [base + s for s in clause.norad_slots]},
        }
        if clause.precision_km is not None:
            sharing["degradation"] = {"position_precision_km": clause.precision_km}
        if clause.embargo_h:
            sharing["embargo_hours"] = clause.embargo_h
        clauses.append({"id": f"c{number}", "data_sharing": sharing})
    return yaml.safe_dump(
        {
            "format": "accord.agreement/v1",
            "id": agreement_id,
            "version": 1,
            "title": f"generated {agreement_id}",
            "parties": [{"partner": handles[p], "name": handles[p].upper()} for p in spec.parties],
            "effective_from": "2026-01-01",
            "clauses": clauses,
        }
    )


def fresh_store(engine: Engine) -> None:
    """Empty every table but the audit log's (append-only by design) and Alembic's."""
    existing = set(sa.inspect(engine).get_table_names())
    with transaction(engine, write_lock=True) as session:
        # space_objects and element_sets point at each other: check keys at commit only.
        session.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in existing and not table.name.startswith("audit_"):
                session.execute(table.delete())
        PartnerRepository(session).create(
            PROVIDER.upper(), kind=PartnerKind.DATA_PROVIDER, handle=PROVIDER
        )


def build(world: World, model: Model, spec: ExampleSpec, n: int) -> tuple[list[str], list[int]]:
    """Store one example; returns its member handles and NORAD ids, and fills the model."""
    handles = [f"x{n}m{i}" for i in range(MEMBERS)]
    base = 100_000 + n * 10
    norad_ids = [base + slot for slot in range(OBJECTS_PER_EXAMPLE)]
    with transaction(world.engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        for handle in handles:
            partners.create(handle.upper(), kind=PartnerKind.SPACE_AGENCY, handle=handle)
    by_submitter: dict[str, list[int]] = {}
    for slot, submitter in enumerate(spec.submitters):
        handle = PROVIDER if submitter is None else handles[submitter]
        by_submitter.setdefault(handle, []).append(base + slot)
        model.submitter[base + slot] = handle
    for handle, ids in by_submitter.items():
        import_element_sets(
            world.engine,
            [element_set(i, epoch=EPOCH) for i in ids],
            source_name=f"{handle}-{n}.json",
            partner=handle.upper(),
            source_kind=SourceKind.API,
            submitted_at=EPOCH,
        )
    with transaction(world.engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        for slot, claimants in enumerate(spec.claimants):
            for claimant in claimants:
                claim_satellite(session, partners.get_by_handle(handles[claimant]), base + slot)
            model.claimants[base + slot] = [handles[c] for c in claimants]
        for number, agreement in enumerate(spec.agreements):
            agreement_id = f"x{n}-a{number}"
            document = load_agreement(
                _document(agreement_id, agreement, handles, base), source="generated"
            )
            first, second = (partners.get_by_handle(handles[p]) for p in agreement.parties)
            propose_agreement(session, document, by=first, at=SIGNED)
            model.parties[agreement_id] = frozenset(handles[p] for p in agreement.parties)
            if agreement.status == "draft":
                continue
            sign_agreement(session, agreement_id, by=first, at=SIGNED)
            sign_agreement(session, agreement_id, by=second, at=SIGNED)
            if agreement.status == "suspended":
                suspend_agreement(session, agreement_id, by=second, reason="generated")
                continue
            for clause in agreement.clauses:
                granted_ids = (
                    None
                    if clause.norad_slots is None
                    else tuple(base + s for s in clause.norad_slots)
                )
                model.clauses_in_force.append((agreement_id, clause, granted_ids, handles))
    for handle in handles:
        model.kinds[handle] = "space_agency"
    return handles, norad_ids


# --- checking what leaves ---------------------------------------------------------------------


def check_item(item: dict[str, Any], grant: Grant | None, where: str) -> None:
    assert grant is not None, f"{where}: object {item['norad_id']} released without a grant"
    if item["mean_elements"] is not None:
        assert grant.full, f"{where}: full mean elements of {item['norad_id']} not granted"
        assert item["state"] is None
    else:
        state = item["state"]
        assert state is not None, f"{where}: neither elements nor state"
        precision = state["position_precision_km"]
        assert grant.min_precision_km is not None and precision >= grant.min_precision_km, (
            f"{where}: precision {precision} km finer than granted"
        )
        for x_km in state["position_km"]:
            assert math.isclose(x_km / precision, round(x_km / precision), abs_tol=1e-9)


@dataclass
class Runs:
    world: World
    examples: int = 0


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    path: Path = tmp_path_factory.mktemp("property")
    with running_world(path, agreement=False, rate_limit_per_minute=0) as world:
        state = Runs(world)
        yield state
        print(f"\nvisibility property: {state.examples} examples run")  # noqa: T201


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=example_specs())
def test_no_response_releases_more_than_the_clauses_in_force_grant(
    runs: Runs, spec: ExampleSpec
) -> None:
    world, model, n = runs.world, Model(), runs.examples
    runs.examples += 1
    fresh_store(world.engine)
    handles, norad_ids = build(world, model, spec, n)
    now = datetime.now(UTC)
    client = world.client
    with transaction(world.engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        tokens = {
            h: create_api_key(session, partners.get_by_handle(h), ("read",)).token for h in handles
        }
    for caller in handles:
        headers = bearer(tokens[caller])
        # list: exactly the granted objects, counted without the others
        page = client.get("/api/v1/catalog", headers=headers, params={"limit": 1000}).json()
        expected = {
            norad_id
            for norad_id in model.submitter
            if model.expected_release(caller, norad_id, now) is not None
        }
        listed = {item["norad_id"] for item in page["items"]}
        assert listed == expected and page["total"] == len(expected), caller
        for item in page["items"]:
            check_item(item, model.expected_release(caller, item["norad_id"], now), "list")
        # detail and history of this example's objects: granted in full or coarsened, else 404
        for norad_id in norad_ids:
            grant = model.expected_release(caller, norad_id, now)
            response = client.get(f"/api/v1/catalog/{norad_id}", headers=headers)
            if grant is None:
                assert response.status_code == 404, (caller, norad_id, response.text)
                continue
            assert response.status_code == 200, response.text
            detail = response.json()
            check_item(detail, grant, "detail")
            for old in detail["history"]:
                check_item(old, grant, "history")
        # agreements: parties only
        listed_agreements = client.get(
            "/api/v1/agreements", headers=headers, params={"limit": 1000}
        ).json()
        ids = {a["id"] for a in listed_agreements["items"]}
        assert ids == {a for a, parties in model.parties.items() if caller in parties}
        assert listed_agreements["total"] == len(ids)
        for agreement_id, parties in model.parties.items():
            detail_status = client.get(
                f"/api/v1/agreements/{agreement_id}/versions", headers=headers
            ).status_code
            assert detail_status == (200 if caller in parties else 404)
