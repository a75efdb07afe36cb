"""The real `spacetrack` client (2.1.0, unmodified) against a running Accord server.

A uvicorn server on 127.0.0.1 serves a fresh SQLite store: CelesTrak's stations and
Earth-resources groups of 2026-05-30 (public data, imported by the data provider CelesTrak),
two satellites claimed by each of ESA, JAXA and NASA (whose element sets each submits itself:
a claim transfers no data), an older element set of one ESA
satellite (history), the example ESA-JAXA agreement (docs/examples/agreements/
leo-data-exchange.yaml), and a test agreement by which NASA grants ESA its element sets
coarsened to 10 km. Four conjunctions, each with its CDM, are stored directly (screening
rows, no propagation): between ESA's two satellites, between a JAXA and a NASA satellite,
between an ESA satellite and the (public) ISS, and between two public objects. Each
partner's console user logs in through `/ajaxauth/login` and queries; each must see exactly
what the agreements grant it. A fourth member, KARI, has a console user and nothing else:
no objects, no agreements.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest
import uvicorn
from spacetrack.base import AuthenticationError
from sqlalchemy import select

from accord.access import add_console_user, claim_satellite, propose_agreement, sign_agreement
from accord.agreements import load_agreement
from accord.catalog import import_element_sets
from accord.formats import parse_tle, read_catalog
from accord.service import create_app
from accord.settings import Settings
from accord.store import (
    AlertLevel,
    AuditEntryRow,
    CatalogRepository,
    PartnerKind,
    PartnerRepository,
    ScreeningRepository,
    ScreeningStatus,
    SourceKind,
    create_engine,
    transaction,
    upgrade,
)
from spacetrack import SpaceTrackClient
from tests._shared_data import require_shared
from tests.access._world import example

GROUPS = "catalogs/celestrak-groups-2026-05-30"
CLAIMS = {"esa": (39634, 40697), "jaxa": (33492, 39766), "nasa": (39084, 49260)}
COUNTRIES = {"esa": None, "jaxa": "JPN", "nasa": "USA"}
PASSWORD = "correct horse battery"
SIGNED = datetime(2026, 1, 1, tzinfo=UTC)
#: The older ESA element set stored for gp_history (epoch one day before the current one).
HISTORY_OBJECT = 40697
#: A member with a console user and nothing else (no objects, no agreements).
OUTSIDER = "kari"
#: Stored conjunctions (primary, secondary), each with one CDM. Owners follow the
#: submitters of the objects' newest element sets (docs/access.md, "Conjunction data").
CONJUNCTIONS = {
    "esa-esa": (39634, 40697),
    "jaxa-nasa": (33492, 39084),
    "esa-public": (39634, 25544),  # 25544: ISS (ZARYA), submitted by CelesTrak
    "public-public": (25544, 48274),  # 48274: CSS (TIANHE), submitted by CelesTrak
}
#: Creation time of the stored CDMs and the start of their TCAs (no clause here embargoes).
CDM_CREATED = datetime(2026, 5, 30, tzinfo=UTC)
NASA_COARSE = """
format: accord.agreement/v1
id: nasa-esa-coarse
version: 1
title: NASA element sets for ESA, positions coarsened to 10 km
parties:
  - partner: nasa
    name: NASA
  - partner: esa
    name: European Space Agency
effective_from: 2026-01-01
effective_until: 2099-01-01
clauses:
  - id: nasa-coarse-to-esa
    data_sharing:
      grantor: nasa
      grantees: [esa]
      data_classes: [catalog_element_sets]
      assets: all_claimed
      degradation:
        position_precision_km: 10
"""


@dataclass(frozen=True)
class Server:
    base_url: str
    engine_url: str
    public_ids: frozenset[int]
    newest_epoch: datetime
    cache_root: Path
    cdm_ids: dict[str, int]  # CONJUNCTIONS key -> stored CDM id

    def client(self, handle: str, password: str = PASSWORD) -> SpaceTrackClient:
        # A cache per client, so each one downloads modeldef first as a fresh script does.
        cache = self.cache_root / f"{handle}-{time.monotonic_ns()}"
        return SpaceTrackClient(f"{handle}.ops", password, base_url=self.base_url, cache_path=cache)


def _store_conjunctions(engine_url: str) -> dict[str, int]:
    """One screening and, per `CONJUNCTIONS` pair, an event, a conjunction and its CDM row.

    The CDM text is left empty: cdm_public reads the stored rows, never the message.
    Returns the CDM id of each pair.
    """
    engine = create_engine(engine_url)
    cdm_ids = {}
    try:
        with transaction(engine, write_lock=True) as session:
            screenings = ScreeningRepository(session)
            screening_id = screenings.add_screening(
                status=ScreeningStatus.COMPLETED.value,
                started_at=CDM_CREATED,
                finished_at=CDM_CREATED,
                span_start=CDM_CREATED,
                duration_s=86_400.0,
                threshold_km=10.0,
                step_s=60.0,
                hard_body_radius_m=20.0,
                pc_method="none",
                catalog_batch_id=None,
                source_name="stored by the test",
                object_count=len({n for pair in CONJUNCTIONS.values() for n in pair}),
                candidate_count=len(CONJUNCTIONS),
                conjunction_count=len(CONJUNCTIONS),
                co_location_count=0,
                failure_count=0,
            )
            for number, (name, (primary, secondary)) in enumerate(CONJUNCTIONS.items()):
                tca = CDM_CREATED + timedelta(hours=6, minutes=number)
                pair = {"primary_norad_id": primary, "secondary_norad_id": secondary, "tca": tca}
                miss_km = 1.5 + number
                (event_id,) = screenings.add_events(
                    [
                        pair
                        | {
                            "first_seen_at": CDM_CREATED,
                            "last_seen_at": CDM_CREATED,
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
                        pair
                        | {
                            "screening_id": screening_id,
                            "event_id": event_id,
                            "miss_km": miss_km,
                            "relative_speed_km_s": 10.0,
                            "miss_radial_km": miss_km * 0.6,
                            "miss_in_track_km": miss_km * 0.8,
                            "miss_cross_track_km": 0.0,
                            "collision_probability": None,
                            "pc_method": None,
                        }
                    ]
                )
                (cdm_ids[name],) = screenings.add_cdms(
                    [
                        {
                            "conjunction_id": conjunction_id,
                            "message_id": f"test-{name}",
                            "created_at": CDM_CREATED,
                            "kvn": "",
                            "kvn_sha256": "0" * 64,
                        }
                    ]
                )
    finally:
        engine.dispose()
    return cdm_ids


def _seed(engine_url: str, shared: Callable[[str], Path]) -> tuple[frozenset[int], datetime]:
    engine = create_engine(engine_url)
    upgrade(engine)
    with transaction(engine) as session:
        partners = PartnerRepository(session)
        for handle, country in COUNTRIES.items():
            partners.create(
                handle.upper(), kind=PartnerKind.SPACE_AGENCY, handle=handle, country_code=country
            )
        partners.create("KARI", kind=PartnerKind.SPACE_AGENCY, handle=OUTSIDER, country_code="KOR")
        partners.create("CelesTrak", kind=PartnerKind.DATA_PROVIDER, handle="celestrak")
    ids: set[int] = set()
    newest = datetime.min.replace(tzinfo=UTC)
    # A claim transfers no data (docs/access.md, "Ownership"): each member submits the
    # element sets of the satellites it claims itself; CelesTrak submits the rest (public).
    operator = {n: handle for handle, norad_ids in CLAIMS.items() for n in norad_ids}
    for name in ("stations.tle", "resource.tle"):
        data = shared(f"{GROUPS}/{name}").read_bytes()
        read = [r.element_set for r in read_catalog(data, source=name).element_sets]
        import_element_sets(
            engine,
            [e for e in read if e.norad_id not in operator],
            source_name=name,
            partner="CelesTrak",
            source_kind=SourceKind.CELESTRAK,
        )
        for handle in CLAIMS:
            own = [e for e in read if operator.get(e.norad_id) == handle]
            if own:
                import_element_sets(
                    engine,
                    own,
                    source_name=f"{handle}-{name}",
                    partner=handle.upper(),
                    source_kind=SourceKind.API,
                )
        for element_set in read:
            ids.add(element_set.norad_id)
            newest = max(newest, element_set.epoch)
    with transaction(engine) as session:
        current = CatalogRepository(session).current(HISTORY_OBJECT)
        assert current is not None
    older = replace(
        current.element_set,
        epoch=current.element_set.epoch - timedelta(days=1),
        tle_line1=None,
        tle_line2=None,
    )
    import_element_sets(
        engine, [older], source_name="esa-history.json", partner="ESA", source_kind=SourceKind.API
    )
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        by_handle = {h: partners.get_by_handle(h) for h in CLAIMS}
        for handle, norad_ids in CLAIMS.items():
            add_console_user(session, f"{handle}.ops", by_handle[handle], "analyst", PASSWORD)
            for norad_id in norad_ids:
                claim_satellite(session, by_handle[handle], norad_id, at=SIGNED)
        outsider = partners.get_by_handle(OUTSIDER)
        add_console_user(session, f"{OUTSIDER}.ops", outsider, "analyst", PASSWORD)
        leo = example("leo-data-exchange.yaml").replace(
            "effective_until: 2031-01-01", "effective_until: 2099-01-01"
        )
        for text, parties in ((leo, ("esa", "jaxa")), (NASA_COARSE, ("nasa", "esa"))):
            document = load_agreement(text, source="test")
            propose_agreement(session, document, by=by_handle[parties[0]], at=SIGNED)
            for party in parties:
                sign_agreement(session, document.id, by=by_handle[party], at=SIGNED)
    engine.dispose()
    claimed = {n for ids_ in CLAIMS.values() for n in ids_}
    return frozenset(ids - claimed), newest


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, shared_module: Callable[[str], Path]
) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("spacetrack-server")
    settings = Settings(var_dir=root / "var", seed_demo=False, session_cookie_secure=False)
    settings.var_dir.mkdir(parents=True)
    public_ids, newest = _seed(settings.resolved_database_url, shared_module)
    cdm_ids = _store_conjunctions(settings.resolved_database_url)
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=0, log_level="warning", lifespan="on"
    )
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30.0
    while not uvicorn_server.started:  # poll the server's own flag, nothing else
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = uvicorn_server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Server(
            f"http://127.0.0.1:{port}/",
            settings.resolved_database_url,
            public_ids,
            newest,
            root / "cache",
            cdm_ids,
        )
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=30.0)


@pytest.fixture(scope="module")
def shared_module() -> Callable[[str], Path]:
    """`shared` for a module-scoped server (skips, or fails in CI, when the data is absent)."""
    return require_shared


def _ids(rows: list[dict[str, object]]) -> set[int]:
    return {int(str(row["NORAD_CAT_ID"])) for row in rows}


def _days_since(moment: datetime) -> int:
    return (datetime.now(UTC) - moment).days + 30


def test_each_partner_sees_only_what_its_agreements_grant(server: Server) -> None:
    claimed = {h: set(ids) for h, ids in CLAIMS.items()}
    expected_gp = {
        # ESA sees NASA's objects only coarsened: never as mean elements.
        "esa": server.public_ids | claimed["esa"] | claimed["jaxa"],
        "jaxa": server.public_ids | claimed["jaxa"] | claimed["esa"],
        "nasa": server.public_ids | claimed["nasa"],
    }
    for handle, expected in expected_gp.items():
        with server.client(handle) as client:
            gp = client.gp(orderby="norad_cat_id", format="json")
            assert _ids(json.loads(gp)) == expected, handle
            satcat = client.satcat()
            seen = expected | (claimed["nasa"] if handle == "esa" else set())
            assert _ids(satcat) == seen, handle
            boxscore = client.boxscore()
            assert sum(int(row["ORBITAL_TOTAL_COUNT"]) for row in boxscore) == len(seen)
            everything = {n for ids in CLAIMS.values() for n in ids}
            hidden = everything - seen
            asked = client.gp(norad_cat_id=sorted(everything))
            assert _ids(asked) == everything - hidden - (
                claimed["nasa"] if handle == "esa" else set()
            )


def test_gp_queries_in_every_format_through_the_client(server: Server) -> None:
    recent = f">now-{_days_since(server.newest_epoch)}"
    with server.client("esa") as client:
        # The client types json values from modeldef (parse_types).
        rows = client.gp(norad_cat_id=[25544, 39634, 33492], epoch=recent, parse_types=True)
        assert _ids(rows) == {25544, 39634, 33492}
        assert all(isinstance(row["EPOCH"], datetime) for row in rows)
        assert all(isinstance(row["MEAN_MOTION"], float) for row in rows)
        assert client.gp(norad_cat_id=[25544], epoch=">now-1") == []

        top = client.gp(orderby="norad_cat_id desc", limit=3)
        assert [int(r["NORAD_CAT_ID"]) for r in top] == sorted(_ids(top), reverse=True)
        assert len(top) == 3

        tle = client.gp(norad_cat_id=25544, format="tle")
        line1, line2 = tle.strip().splitlines()
        assert parse_tle(line1, line2).norad_id == 25544
        three = client.gp(norad_cat_id=[25544, 39634], orderby="norad_cat_id", format="3le")
        assert three.splitlines()[0].startswith("0 ISS")
        assert len(three.strip().splitlines()) == 6

        text = client.gp(norad_cat_id=[25544, 39634], format="csv")
        assert {int(r["NORAD_CAT_ID"]) for r in csv.DictReader(io.StringIO(text))} == {
            25544,
            39634,
        }
        xml = client.gp(norad_cat_id=39634, format="xml")
        assert ElementTree.fromstring(xml).findtext("item/NORAD_CAT_ID") == "39634"
        kvn = client.gp(norad_cat_id=33492, format="kvn")
        read = read_catalog(kvn.encode(), source="gp.kvn").element_sets
        assert [r.element_set.norad_id for r in read] == [33492]

        history = client.gp_history(norad_cat_id=HISTORY_OBJECT, orderby="epoch desc")
        assert len(history) == 2 and _ids(history) == {HISTORY_OBJECT}
        assert client.decay() == []


def test_coarsened_grants_show_in_satcat_without_orbits_and_boxscore_by_country(
    server: Server,
) -> None:
    with server.client("esa") as client:
        nasa_rows = client.satcat(norad_cat_id=list(CLAIMS["nasa"]))
        assert _ids(nasa_rows) == set(CLAIMS["nasa"])
        assert all(row["PERIOD"] is None and row["APOGEE"] is None for row in nasa_rows)
        assert all(row["COUNTRY"] == "USA" for row in nasa_rows)
        own = client.satcat(norad_cat_id=39634)[0]
        assert own["OBJECT_TYPE"] == "PAYLOAD" and own["LAUNCH_YEAR"] == "2014"
        assert 98.0 < float(own["PERIOD"]) < 99.5  # Sentinel-1A, sun-synchronous at 693 km
        box = {row["SPADOC_CD"]: row for row in client.boxscore()}
        assert set(box) == {"PUB", "esa", "JPN", "USA"}
        assert int(box["JPN"]["ORBITAL_TOTAL_COUNT"]) == len(CLAIMS["jaxa"])
        client.logout()


def test_history_and_queries_hide_what_is_not_granted(server: Server) -> None:
    with server.client("nasa") as client:
        assert client.gp_history(norad_cat_id=HISTORY_OBJECT) == []
        assert client.satcat(norad_cat_id=[39634, 33492]) == []
        assert client.gp(object_name="~~SENTINEL-2A") == []


def test_bad_login_and_bad_queries_answer_as_space_track(server: Server) -> None:
    with server.client("esa", password="not the password") as client:
        with pytest.raises(AuthenticationError):
            client.authenticate()
    with server.client("esa") as client:
        with pytest.raises(httpx2.HTTPStatusError) as raised:
            client.gp(norad_cat_id="not-a-number")
        assert raised.value.response.status_code == 400
        assert "NORAD_CAT_ID" in str(raised.value)


def test_releases_under_clauses_are_audited(server: Server) -> None:
    engine = create_engine(server.engine_url)
    try:
        with server.client("jaxa") as client:
            client.gp(norad_cat_id=[39634])
        with transaction(engine) as session:
            entries = session.scalars(select(AuditEntryRow)).all()
        released = [e for e in entries if e.action == "data.released"]
        assert released, "a release of ESA's element set to JAXA was not logged"
    finally:
        engine.dispose()


def _cdms(rows: list[dict[str, object]]) -> dict[int, tuple[int, int]]:
    return {
        int(str(row["CDM_ID"])): (int(str(row["SAT_1_ID"])), int(str(row["SAT_2_ID"])))
        for row in rows
    }


def test_cdm_public_shows_each_partner_the_conjunctions_granted_to_it(server: Server) -> None:
    # Owners see their own; the ESA-JAXA example grants conjunction_data both ways
    # (all_claimed); NASA's grant to ESA is catalog_element_sets only, so ESA sees the
    # JAXA-NASA conjunction through JAXA's clause alone; a public pair is everyone's.
    expected = {
        "esa": {"esa-esa", "jaxa-nasa", "esa-public", "public-public"},
        "jaxa": {"esa-esa", "jaxa-nasa", "esa-public", "public-public"},
        "nasa": {"jaxa-nasa", "public-public"},
        OUTSIDER: {"public-public"},
    }
    for handle, names in expected.items():
        seen = {name: server.cdm_ids[name] for name in names}
        with server.client(handle) as client:
            rows = json.loads(client.cdm_public(orderby="cdm_id desc", format="json"))
            assert _cdms(rows) == {seen[n]: CONJUNCTIONS[n] for n in names}, handle
            assert [int(row["CDM_ID"]) for row in rows] == sorted(seen.values(), reverse=True)
            # A predicate on a hidden pair's object finds only what is granted.
            esa_object = client.cdm_public(sat_1_id=39634, format="json")
            granted = {n for n in names if CONJUNCTIONS[n][0] == 39634}
            assert _cdms(json.loads(esa_object)) == {seen[n]: CONJUNCTIONS[n] for n in granted}, (
                handle
            )


def test_cdm_public_rows_carry_the_stored_conjunction(server: Server) -> None:
    cdm_id = server.cdm_ids["esa-public"]
    with server.client("jaxa") as client:
        (row,) = client.cdm_public(cdm_id=cdm_id, parse_types=True)
    assert row["SAT_2_NAME"] == "ISS (ZARYA)"
    # The client types datetimes naive (Space-Track's are UTC).
    tca = CDM_CREATED + timedelta(hours=6, minutes=2)
    assert row["TCA"] == tca.replace(tzinfo=None)
    assert float(row["MIN_RNG"]) == pytest.approx(3500.0)  # 1.5 km + 2, in metres
    assert row["EMERGENCY_REPORTABLE"] == "N" and row["PC"] is None
