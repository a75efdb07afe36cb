"""The first-start demo: a coalition and a catalog, from CelesTrak or generated offline."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord._demo_members import DEMO_AGREEMENT_ID
from accord._demo_operations import (
    CROSSING_MISS_KM,
    DEMO_CROSSING_NORAD_ID,
    DEMO_POOL_AGREEMENT_ID,
    seed_operations,
)
from accord.access import (
    AgreementRepository,
    Principal,
    principal_for_partner,
    visible_cases,
    visible_compliance_reports,
    visible_events,
)
from accord.catalog import CatalogSyncError
from accord.coordination_ops import list_cases, plan_visible_to
from accord.demo import (
    CELESTRAK_PARTNER,
    DEMO_COALITION,
    SYNTHETIC_PARTNER,
    seed_demo,
    seed_demo_if_empty,
)
from accord.service.api.campaigns import visible_plan, visible_requests
from accord.settings import Settings
from accord.store import (
    AssetRepository,
    CampaignPlanRow,
    CampaignRequestRow,
    CatalogRepository,
    ComplianceReportRow,
    ManoeuvrePlanRow,
    PartnerRepository,
    PoolSatelliteRow,
    ScreeningRepository,
    SourceKind,
    UserRepository,
    transaction,
)
from tests._celestrak_server import CelestrakLikeServer

#: Rows of the shared CelesTrak "active" CSV the local server answers GROUP=active with.
ACTIVE_ROWS = 16_400


def _closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused, as offline."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/NORAD/elements/gp.php"


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"var_dir": tmp_path / "var", "demo_synthetic_objects": 200}
    values.update(overrides)
    return Settings.model_validate(values)


def test_synthetic_demo_registers_the_coalition_and_a_labelled_catalog(
    engine: Engine, tmp_path: Path
) -> None:
    outcome = seed_demo(engine, _settings(tmp_path, demo_catalog="synthetic"))
    assert outcome.catalog_source == "synthetic" and outcome.object_count == 200
    assert "SYNTHETIC" in outcome.summary
    with transaction(engine) as session:
        names = {p.name for p in PartnerRepository(session).all()}
        batch = CatalogRepository(session).batch(outcome.batch_id)
        first = CatalogRepository(session).latest(limit=1).items[0]
    assert names == {p.name for p in DEMO_COALITION} | {SYNTHETIC_PARTNER.name}
    assert batch is not None and batch.is_synthetic and batch.partner_name == SYNTHETIC_PARTNER.name
    assert first.is_synthetic and (first.element_set.object_name or "").startswith("SYNTHETIC ")


def test_online_demo_imports_celestraks_active_group(
    engine: Engine, tmp_path: Path, celestrak_server: CelestrakLikeServer
) -> None:
    settings = _settings(
        tmp_path, demo_catalog="celestrak", celestrak_gp_url=celestrak_server.base_url
    )
    outcome = seed_demo(engine, settings)
    assert outcome.catalog_source == "celestrak" and outcome.fallback_reason is None
    assert outcome.object_count == ACTIVE_ROWS
    query = celestrak_server.requests[0].query
    assert query == {"GROUP": ["active"], "FORMAT": ["csv"]}
    with transaction(engine) as session:
        batch = CatalogRepository(session).batch(outcome.batch_id)
    assert batch is not None
    assert (
        batch.source_kind is SourceKind.CELESTRAK and batch.partner_name == CELESTRAK_PARTNER.name
    )
    assert batch.source_name.startswith(celestrak_server.base_url)


def test_auto_falls_back_to_synthetic_when_celestrak_is_unreachable(
    engine: Engine, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, demo_catalog="auto", celestrak_gp_url=_closed_port_url())
    outcome = seed_demo(engine, settings)
    assert outcome.catalog_source == "synthetic"
    assert outcome.fallback_reason is not None and "no network access" in outcome.fallback_reason


def test_celestrak_only_demo_fails_loudly_and_writes_nothing_when_unreachable(
    engine: Engine, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, demo_catalog="celestrak", celestrak_gp_url=_closed_port_url())
    with pytest.raises(CatalogSyncError, match="no network access"):
        seed_demo(engine, settings)
    with transaction(engine) as session:
        assert PartnerRepository(session).all() == []
        assert CatalogRepository(session).object_count() == 0


def test_demo_is_seeded_only_into_an_empty_catalog(engine: Engine, tmp_path: Path) -> None:
    settings = _settings(tmp_path, demo_catalog="synthetic")
    assert seed_demo_if_empty(engine, settings) is not None
    assert seed_demo_if_empty(engine, settings) is None
    with transaction(engine) as session:
        # The population and Borealis's synthetic crossing satellite (demo operations).
        assert CatalogRepository(session).object_count() == 200 + 1


def test_demo_coalition_signs_in_claims_satellites_and_has_an_agreement_in_force(
    engine: Engine, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, demo_catalog="synthetic")
    outcome = seed_demo(engine, settings)
    credentials = outcome.credentials_file
    assert credentials is not None and credentials.stat().st_mode & 0o777 == 0o600
    rows = [line.split("\t") for line in credentials.read_text().splitlines()[1:]]
    assert {row[0] for row in rows} == set(outcome.users)
    with transaction(engine) as session:
        users = UserRepository(session)
        for username, password, _handle, _role in rows:
            assert users.authenticate(username, password).username == username
        partners = {p.handle: p for p in PartnerRepository(session).all()}
        claims = AssetRepository(session).claims_of(partners["aurora"])
        record = AgreementRepository(session).get("demo-coalition")
    assert len(claims) == 12
    assert record.status_at(datetime.now(UTC)).value == "in_force"


def _principals(session: Session) -> dict[str, Principal]:
    """Each demo member as its console user (the role `DEMO_COALITION` gives it) asks."""
    roles = {m.handle: m.role for m in DEMO_COALITION if m.handle}
    return {
        p.handle: principal_for_partner(p, [roles[p.handle]], name="test")
        for p in PartnerRepository(session).all()
        if p.handle is not None and p.handle in roles
    }


def test_demo_operations_are_seeded_once_and_visible_to_the_right_partners(
    engine: Engine, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, demo_catalog="synthetic")
    seed_demo(engine, settings)
    seed_demo(engine, settings)  # `accord demo` again: nothing of the operations twice
    now = datetime.now(UTC)
    operations = seed_operations(engine, now=now)
    with transaction(engine) as session:
        counts = {
            table: session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in (
                ManoeuvrePlanRow,
                CampaignRequestRow,
                CampaignPlanRow,
                PoolSatelliteRow,
                ComplianceReportRow,
            )
        }
        screenings = ScreeningRepository(session).screenings()
        crossing = CatalogRepository(session).current(DEMO_CROSSING_NORAD_ID)
        asked = _principals(session)
        # The placed crossing: an alert between Aurora's satellite and Borealis's synthetic
        # one, seen by both owners and by Cygnus (both share conjunction data with it); Delta
        # has no grant, and the secretariat's 24 h embargo has not run out.
        event_sees = {
            handle: bool(
                visible_events(session, principal, event_ids=[operations.event_id], at=now)
            )
            for handle, principal in asked.items()
        }
        event = ScreeningRepository(session).event(operations.event_id)
        cases = list_cases(session)
        case_sees = {
            handle: [c.id for c in visible_cases(session, principal, cases, at=now)]
            for handle, principal in asked.items()
        }
        plan_sees = {
            handle: plan_visible_to(session, operations.plan_id, principal, at=now)
            for handle, principal in asked.items()
        }
        plan = session.get(ManoeuvrePlanRow, operations.plan_id)
        request_sees = {
            handle: [r.request_id for r in visible_requests(session, principal)]
            for handle, principal in asked.items()
        }
        assert operations.campaign_plan_id is not None
        document = visible_plan(session, asked["cygnus"], operations.campaign_plan_id)
        verdicts = {
            handle: {
                (r.agreement_id, r.partner, r.verdict)
                for r in visible_compliance_reports(session, principal, at=now)
            }
            for handle, principal in asked.items()
        }
    assert counts == {
        ManoeuvrePlanRow: 1,
        CampaignRequestRow: 1,
        CampaignPlanRow: 1,
        PoolSatelliteRow: 6,
        ComplianceReportRow: operations.compliance_reports,
    }
    assert [s.screening_id for s in screenings] == [operations.screening_id]
    assert crossing is not None and crossing.is_synthetic
    assert (crossing.element_set.object_name or "").startswith("SYNTHETIC ")
    assert event is not None and event.alert_level.value == "alert"
    assert DEMO_CROSSING_NORAD_ID in (event.primary_norad_id, event.secondary_norad_id)
    assert abs(event.latest_miss_km - CROSSING_MISS_KM) < 0.01  # placed to 1 m, found to 10
    assert event_sees == {
        "aurora": True,
        "borealis": True,
        "cygnus": True,
        "delta": False,
        "meridian": False,
    }
    # The case between the two operators, with a plan shared with both (a candidate).
    assert operations.case_id in case_sees["aurora"] and operations.case_id in case_sees["borealis"]
    assert operations.case_id not in case_sees["delta"]
    assert plan is not None and plan.kind == "candidate" and plan.verdict == "acceptable"
    assert {h for h, seen in plan_sees.items() if seen} == {"aurora", "borealis"}
    # The Lisbon request: its pool's members see it, the others do not; the plan has tasks.
    assert {h for h, ids in request_sees.items() if operations.request_id in ids} == {
        "aurora",
        "borealis",
        "cygnus",
    }
    assert document["tasks"]
    # Compliance: Borealis's response commitment and Cygnus's acquisitions have a verdict
    # (not applicable until their first 30-day period ends), each seen by its party.
    assert (DEMO_AGREEMENT_ID, "borealis", "not_applicable") in verdicts["borealis"]
    assert (DEMO_POOL_AGREEMENT_ID, "cygnus", "not_applicable") in verdicts["cygnus"]
