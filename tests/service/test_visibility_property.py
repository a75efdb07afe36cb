"""Property: no API response carries a record, field or precision no clause in force grants.

Hypothesis generates, per example, four member partners, objects submitted by them or by a
public data provider, claims (by submitters, by other members, contested), conjunctions
between the example's objects (stored directly, each with its event and CDM row), and up to
three bilateral agreements drawn from the schema's vocabulary (data classes, `all_claimed`
or listed NORAD ids, coarsening, embargo), each left as a draft, signed by both parties (in
force) or signed and then suspended. Claims are made after the agreements: a claim on an
object the claimant cannot see must be refused as if the object were absent, and the test
asserts exactly which claims succeed. Then every partner calls the list, detail and export
endpoints of /api/v1 (catalog, agreements, conjunctions, events) and the Space-Track
classes gp, gp_history, satcat, boxscore and cdm_public, and each answer is checked against
`Model`, a plain-Python reading of docs/agreements.md and docs/access.md ("Ownership":
the member submitter owns, data providers' submissions are public, claims only narrow an
`all_claimed` clause to objects its grantor claims or nobody claims) written here,
independent of accord.access and of Cedar.

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
from sqlalchemy.orm import Session

from accord.access import (
    claim_satellite,
    create_api_key,
    propose_agreement,
    sign_agreement,
    suspend_agreement,
)
from accord.agreements import load_agreement
from accord.catalog import import_element_sets
from accord.store import (
    AlertLevel,
    Base,
    PartnerKind,
    PartnerRepository,
    ScreeningRepository,
    ScreeningStatus,
    SourceKind,
    UnknownObjectError,
    transaction,
)
from tests.service._api import World, bearer, running_world
from tests.store._factory import element_set

#: Examples per run: each builds four partners, their data, conjunctions and agreements,
#: and makes about sixty requests.
EXAMPLES = 40
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
#: Stored (unreleased) miss distances of generated conjunctions, km: no multiple of any
#: generated precision, so a coarsened release is told apart from a precise one.
MISSES_KM = (0.4137, 2.7183, 7.3891)
#: Tolerance of a released value against the nearest multiple of the precision.
SNAP_TOLERANCE = 1e-9


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
    conjunctions: tuple[tuple[int, int, int], ...] = ()  # (slot, slot, miss index)


@st.composite
def example_specs(draw: st.DrawFn) -> ExampleSpec:
    member = st.integers(0, MEMBERS - 1)
    submitters = tuple(draw(st.one_of(st.none(), member)) for _ in range(OBJECTS_PER_EXAMPLE))
    claimants = tuple(
        tuple(draw(st.lists(member, max_size=3, unique=True))) for _ in range(OBJECTS_PER_EXAMPLE)
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
    pairs = draw(
        st.lists(
            st.tuples(
                st.integers(0, OBJECTS_PER_EXAMPLE - 1),
                st.integers(0, OBJECTS_PER_EXAMPLE - 1),
                st.integers(0, len(MISSES_KM) - 1),
            ).filter(lambda t: t[0] != t[1]),
            min_size=1,
            max_size=3,
            unique_by=lambda t: (t[0], t[1]),
        )
    )
    return ExampleSpec(submitters, claimants, tuple(agreements), tuple(pairs))


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
    conjunctions: list[tuple[int, int]] = field(default_factory=list)  # stored pairs

    def owner(self, norad_id: int) -> str | None:
        """The member that submitted the object's element set; None: public (provider)."""
        submitter = self.submitter[norad_id]
        return None if self.kinds[submitter] == "data_provider" else submitter

    def beyond_claims(self, norad_id: int) -> bool:
        """Others claim the object and its owner does not: `all_claimed` does not reach it."""
        claims = self.claimants.get(norad_id, [])
        return bool(claims) and self.owner(norad_id) not in claims

    def grant(
        self, caller: str, norad_id: int, data_class: str, now: datetime, since: datetime
    ) -> Grant | None:
        """How `caller` may see `data_class` data of the object's owner (embargo from `since`);
        None: not at all. A public object is everyone's in full."""
        owner = self.owner(norad_id)
        if owner is None or owner == caller:
            return Grant(True, None)
        precisions: list[float] = []
        full = False
        for _, clause, norad_ids, handles in self.clauses_in_force:
            if handles[clause.grantor] != owner or handles[clause.grantee] != caller:
                continue
            if data_class not in clause.classes:
                continue
            if norad_ids is None and self.beyond_claims(norad_id):
                continue
            if norad_ids is not None and norad_id not in norad_ids:
                continue
            if now < since + timedelta(hours=clause.embargo_h):
                continue
            if clause.precision_km is None:
                full = True
            else:
                precisions.append(clause.precision_km)
        if not full and not precisions:
            return None
        return Grant(full, min(precisions) if precisions else None)

    def expected_release(self, caller: str, norad_id: int, now: datetime) -> Grant | None:
        # Embargo clock: the later of epoch and submission (both EPOCH here).
        return self.grant(caller, norad_id, "catalog_element_sets", now, EPOCH)

    def conjunction_grant(
        self, caller: str, pair: tuple[int, int], now: datetime
    ) -> tuple[bool, float | None] | None:
        """(visible in full precision, else the finest precision granted), None: hidden.

        Both public: public. Otherwise each owned object's owner or clauses may grant
        (public objects grant nothing); the least restrictive grant applies. The embargo
        runs from the CDM's creation (`EPOCH` here).
        """
        if all(self.owner(n) is None for n in pair):
            return (True, None)
        grants = [
            g
            for n in pair
            if self.owner(n) is not None
            and (g := self.grant(caller, n, "conjunction_data", now, EPOCH)) is not None
        ]
        if not grants:
            return None
        if any(g.full for g in grants):
            return (True, None)
        return (False, min(g.min_precision_km for g in grants))  # type: ignore[type-var]


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
    for handle in handles:
        model.kinds[handle] = "space_agency"
    with transaction(world.engine, write_lock=True) as session:
        partners = PartnerRepository(session)
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
        # Claims after the agreements, so that members may claim objects granted to them: a
        # partner may claim only what it can see, and is otherwise answered as for an absent
        # object (docs/access.md, "Ownership" 4).
        for slot, claimants in enumerate(spec.claimants):
            norad_id = base + slot
            model.claimants[norad_id] = []
            for claimant in claimants:
                handle = handles[claimant]
                may = model.expected_release(handle, norad_id, datetime.now(UTC)) is not None
                try:
                    claim_satellite(session, partners.get_by_handle(handle), norad_id)
                except UnknownObjectError:
                    assert not may, f"{handle} was refused a claim on visible {norad_id}"
                    continue
                assert may, f"{handle} claimed {norad_id}, which it cannot see"
                model.claimants[norad_id].append(handle)
        _store_conjunctions(session, model, spec, base)
    return handles, norad_ids


def _store_conjunctions(session: Session, model: Model, spec: ExampleSpec, base: int) -> None:
    """One screening, and per generated pair an event, a conjunction and its CDM row,
    created at `EPOCH` (the CDM text is not read by the endpoints checked here)."""
    if not spec.conjunctions:
        return
    screenings = ScreeningRepository(session)
    screening_id = screenings.add_screening(
        status=ScreeningStatus.COMPLETED.value,
        started_at=EPOCH,
        finished_at=EPOCH,
        span_start=EPOCH,
        duration_s=86_400.0,
        threshold_km=10.0,
        step_s=60.0,
        hard_body_radius_m=20.0,
        pc_method="none",
        catalog_batch_id=None,
        source_name="generated",
        object_count=OBJECTS_PER_EXAMPLE,
        candidate_count=len(spec.conjunctions),
        conjunction_count=len(spec.conjunctions),
        co_location_count=0,
        failure_count=0,
    )
    for number, (first, second, miss_index) in enumerate(spec.conjunctions):
        pair = (base + first, base + second)
        miss_km = MISSES_KM[miss_index]
        tca = EPOCH + timedelta(hours=6, minutes=number)
        (event_id,) = screenings.add_events(
            [
                {
                    "primary_norad_id": pair[0],
                    "secondary_norad_id": pair[1],
                    "tca": tca,
                    "first_seen_at": EPOCH,
                    "last_seen_at": EPOCH,
                    "last_screening_id": screening_id,
                    "cdm_count": 1,
                    "latest_miss_km": miss_km,
                    "latest_pc": None,
                    "latest_pc_method": None,
                    "alert_level": AlertLevel.WATCH.value,
                }
            ]
        )
        (conjunction_id,) = screenings.add_conjunctions(
            [
                {
                    "screening_id": screening_id,
                    "event_id": event_id,
                    "primary_norad_id": pair[0],
                    "secondary_norad_id": pair[1],
                    "tca": tca,
                    "miss_km": miss_km,
                    "relative_speed_km_s": 7.3891,
                    "miss_radial_km": miss_km * 0.6,
                    "miss_in_track_km": miss_km * 0.8,
                    "miss_cross_track_km": 0.0,
                    "collision_probability": None,
                    "pc_method": None,
                }
            ]
        )
        screenings.add_cdms(
            [
                {
                    "conjunction_id": conjunction_id,
                    "message_id": f"generated-{base}-{number}",
                    "created_at": EPOCH,
                    "kvn": "",
                    "kvn_sha256": "0" * 64,
                }
            ]
        )
        model.conjunctions.append(pair)


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


def _multiple_of(value: float, step: float) -> bool:
    ratio = value / step
    return abs(ratio - round(ratio)) <= SNAP_TOLERANCE * max(1.0, abs(ratio))


def check_spacetrack(client: Any, token: str, model: Model, caller: str, now: datetime) -> None:
    """gp and gp_history: objects granted in full only (mean elements); satcat: every visible
    object, orbit fields empty unless granted in full; boxscore: counts of visible objects."""

    def query(klass: str) -> list[dict[str, Any]]:
        response = client.get(
            f"/basicspacedata/query/class/{klass}/format/json", headers={"X-API-Key": token}
        )
        assert response.status_code == 200, (klass, response.text)
        rows: list[dict[str, Any]] = response.json()
        return rows

    granted = {
        n: g for n in model.submitter if (g := model.expected_release(caller, n, now)) is not None
    }
    full = {n for n, g in granted.items() if g.full}
    for klass in ("gp", "gp_history"):
        rows = query(klass)
        assert sorted(int(r["NORAD_CAT_ID"]) for r in rows) == sorted(full), (caller, klass)
    satcat = {int(r["NORAD_CAT_ID"]): r for r in query("satcat")}
    assert set(satcat) == set(granted), caller
    for norad_id, row in satcat.items():
        if norad_id not in full:
            assert row["PERIOD"] is None and row["APOGEE"] is None, (caller, row)
    boxscore = query("boxscore")
    assert sum(int(r["ORBITAL_TOTAL_COUNT"]) for r in boxscore) == len(granted), caller


def check_conjunctions(
    client: Any, headers: dict[str, str], token: str, model: Model, caller: str, now: datetime
) -> None:
    """/api/v1/conjunctions, /api/v1/events and Space-Track cdm_public: exactly the granted
    conjunctions, each miss no finer than granted; totals count only those."""
    expected = {
        pair: g for pair in model.conjunctions if (g := model.conjunction_grant(caller, pair, now))
    }

    def coarse_enough(pair: tuple[int, int], value_km: float) -> bool:
        full, precision = expected[pair]
        return full or (precision is not None and _multiple_of(value_km, precision))

    page = client.get("/api/v1/conjunctions", headers=headers, params={"limit": 1000}).json()
    found = [(c["primary_norad_id"], c["secondary_norad_id"]) for c in page["items"]]
    assert sorted(found) == sorted(expected) and page["total"] == len(expected), caller
    for c in page["items"]:
        pair = (c["primary_norad_id"], c["secondary_norad_id"])
        assert coarse_enough(pair, c["miss_km"]), (caller, c)
        assert all(coarse_enough(pair, x) for x in c["miss_rtn_km"]), (caller, c)
    events = client.get("/api/v1/events", headers=headers, params={"limit": 1000}).json()
    pairs = [(e["primary_norad_id"], e["secondary_norad_id"]) for e in events["items"]]
    assert sorted(pairs) == sorted(expected) and events["total"] == len(expected), caller
    for e in events["items"]:
        pair = (e["primary_norad_id"], e["secondary_norad_id"])
        assert coarse_enough(pair, e["latest_miss_km"]), (caller, e)
    response = client.get(
        "/basicspacedata/query/class/cdm_public/format/json", headers={"X-API-Key": token}
    )
    assert response.status_code == 200, response.text
    rows = response.json()
    assert sorted((int(r["SAT_1_ID"]), int(r["SAT_2_ID"])) for r in rows) == sorted(expected)
    for r in rows:
        pair = (int(r["SAT_1_ID"]), int(r["SAT_2_ID"]))
        assert coarse_enough(pair, float(r["MIN_RNG"]) / 1000.0), (caller, r)


@dataclass
class Runs:
    world: World
    examples: int = 0
    claims: int = 0  # claims that succeeded, over all examples
    conjunctions: int = 0


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    path: Path = tmp_path_factory.mktemp("property")
    with running_world(path, agreement=False, rate_limit_per_minute=0) as world:
        state = Runs(world)
        yield state
        print(  # noqa: T201
            f"\nvisibility property: {state.examples} examples run, {state.claims} claims "
            f"made, {state.conjunctions} conjunctions stored"
        )


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
        check_spacetrack(client, tokens[caller], model, caller, now)
        check_conjunctions(client, headers, tokens[caller], model, caller, now)
    runs.claims += sum(len(c) for c in model.claimants.values())
    runs.conjunctions += len(model.conjunctions)
