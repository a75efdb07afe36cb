"""Space-Track queries pushed down to SQL answer exactly what the all-in-Python path answers.

Reference: the previous path, kept here: per object the newest element set the principal
may see (`tests/access/_reference.newest_visible_reference`, every stored row decided at
the authorisation point), or every visible element set (`visible_element_sets` with
`history`),
turned into class rows and filtered, sorted and paged by `run_query` in Python. The new
path (`query_rows`: SQL conditions, listing groups, the cut at offset + limit) must give
the same body, byte for byte (metadata's Total included), and release the same items.
The coalition has public data, members' own data, an unconditional grant, an embargoed
and coarsened grant, an asset-listed grant, claims (one object beyond its owner's claims),
histories with several submitters, names with non-ASCII letters that casefold onto ASCII,
and epochs spread over 40 days, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from accord.access import (
    CatalogItem,
    PolicyCache,
    Principal,
    claim_satellite,
    principal_for_partner,
    propose_agreement,
    sign_agreement,
    visible_element_sets,
)
from accord.agreements import PrincipalRole, load_agreement
from accord.catalog import import_element_sets
from accord.formats import ElementSet
from accord.service.spacetrack._rows import (
    MAX_UNBOUNDED_HISTORY,
    gp_rows,
    query_rows,
    satcat_rows,
)
from accord.spacetrack import (
    QueryTooLargeError,
    Row,
    format_result,
    parse_query,
    run_query,
)
from accord.store import PartnerKind, PartnerRepository, SourceKind, transaction
from tests.access._reference import newest_visible_reference
from tests.store._factory import element_set

NOW = datetime(2026, 3, 10, 12, 0, 0, 250_000, tzinfo=UTC)
SIGNED = NOW - timedelta(days=60)
IDS = range(1000, 1060)
#: Names that exercise the text push-down: case, SQL wildcards, and non-ASCII letters that
#: Python's casefold maps onto ASCII ("ſ" long s -> "s", "K" Kelvin sign -> "k").
NAMES = ("STARLINK-1", "starlink 2 DEB", "ſTARLINK-3", "ISS (ZARYA)", "OBJ_50%", "KOSMOS R/B")


def _name(norad_id: int) -> str | None:
    if norad_id % 13 == 0:
        return None
    return f"{NAMES[norad_id % len(NAMES)]} {norad_id}"


def _epoch_hours(norad_id: int) -> float:
    """Hours after tests.store._factory.EPOCH: spread so that now-N splits the catalog."""
    return (NOW - timedelta(days=(norad_id * 7) % 40) - datetime(2024, 10, 31, 12, tzinfo=UTC)) / (
        timedelta(hours=1)
    )


def _elset(norad_id: int, shift_h: float = 0.0) -> ElementSet:
    return element_set(
        norad_id, hours=_epoch_hours(norad_id) + shift_h, object_name=_name(norad_id)
    )


def _agreement(agreement_id: str, parties: list[str], clauses: list[dict[str, object]]) -> str:
    return json.dumps(
        {
            "format": "accord.agreement/v1",
            "id": agreement_id,
            "version": 1,
            "title": "test exchange",
            "parties": [{"partner": p, "name": p.upper()} for p in parties],
            "effective_from": "2026-01-01",
            "clauses": [
                {"id": f"{agreement_id}-{n}", "data_sharing": c} for n, c in enumerate(clauses)
            ],
        }
    )


def _build(engine: Engine) -> None:
    with transaction(engine) as session:
        partners = PartnerRepository(session)
        for handle in ("esa", "jaxa", "nasa"):
            partners.create(handle.upper(), kind=PartnerKind.SPACE_AGENCY, handle=handle)
        partners.create("CelesTrak", kind=PartnerKind.DATA_PROVIDER, handle="celestrak")
    submitters = {"CelesTrak": IDS[:30], "ESA": IDS[30:40], "JAXA": IDS[40:50], "NASA": IDS[50:]}
    for submitter, ids in submitters.items():
        import_element_sets(
            engine,
            [_elset(n) for n in ids],
            source_name=f"{submitter}.json",
            partner=submitter,
            source_kind=SourceKind.API,
            submitted_at=NOW - timedelta(days=41),
        )
    # Histories: newer sets by other submitters (the current set changes owner), one of
    # them inside jaxa's 6 h embargo, and older public ones.
    later: list[tuple[str, list[int], float, datetime]] = [
        ("JAXA", [1003, 1004, 1033], 2.0, NOW - timedelta(hours=2)),
        ("ESA", [1041, 1042], 1.0, NOW - timedelta(days=1)),
        ("CelesTrak", [1031, 1052], -5.0, NOW - timedelta(days=1)),
    ]
    for submitter, listed, shift_h, submitted in later:
        import_element_sets(
            engine,
            [_elset(n, shift_h) for n in listed],
            source_name=f"{submitter}-later.json",
            partner=submitter,
            source_kind=SourceKind.API,
            submitted_at=submitted,
        )
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        esa, jaxa, nasa = (partners.get_by_handle(h) for h in ("esa", "jaxa", "nasa"))
        for norad_id in (1030, 1031, 1032):
            claim_satellite(session, esa, norad_id, at=SIGNED)
        for norad_id in (1040, 1041):
            claim_satellite(session, jaxa, norad_id, at=SIGNED)
        claim_satellite(session, nasa, 1005, at=SIGNED)  # public object: claims change nothing
        agreements = [
            _agreement(
                "esa-jaxa",
                ["esa", "jaxa"],
                [
                    {
                        "grantor": "esa",
                        "grantees": ["jaxa"],
                        "data_classes": ["catalog_element_sets"],
                        "assets": "all_claimed",
                    },
                    {
                        "grantor": "jaxa",
                        "grantees": ["esa"],
                        "data_classes": ["catalog_element_sets"],
                        "assets": "all_claimed",
                        "embargo_hours": 6,
                        "degradation": {"position_precision_km": 10},
                    },
                ],
            ),
            _agreement(
                "nasa-esa",
                ["nasa", "esa"],
                [
                    {
                        "grantor": "nasa",
                        "grantees": ["esa"],
                        "data_classes": ["catalog_element_sets"],
                        "assets": {"norad_ids": [1051, 1053, 1055]},
                    }
                ],
            ),
        ]
        for text in agreements:
            document = load_agreement(text, source="test")
            parties = [party.partner for party in document.parties]
            by = {"esa": esa, "jaxa": jaxa, "nasa": nasa}
            propose_agreement(session, document, by=by[parties[0]], at=SIGNED)
            for party in parties:
                sign_agreement(session, document.id, by=by[party], at=SIGNED)


#: Every predicate kind the push-down translates, and some it leaves to Python.
QUERIES = (
    "class/gp",
    "class/gp/NORAD_CAT_ID/1003",
    "class/gp/NORAD_CAT_ID/1003,1031,1041,1051,1052,9999",
    "class/gp/NORAD_CAT_ID/1010--1045",
    "class/gp/NORAD_CAT_ID/%3E1040.5",
    "class/gp/NORAD_CAT_ID/%3C1012.5/NORAD_CAT_ID/%3E1002",
    "class/gp/NORAD_CAT_ID/%3C%3E1003",
    "class/gp/NORAD_CAT_ID/%3C%3E1003.5/limit/5",
    "class/gp/NORAD_CAT_ID/1003.5",
    "class/gp/NORAD_CAT_ID/1010.5--1020.2/metadata/true",
    "class/gp/NORAD_CAT_ID/null-val",
    "class/gp/NORAD_CAT_ID/%3C%3Enull-val/limit/3,2",
    "class/gp/NORAD_CAT_ID/99999999999999999999999",
    "class/gp/NORAD_CAT_ID/%3E-99999999999999999999999/limit/4",
    "class/gp/NORAD_CAT_ID/~~103",
    "class/gp/EPOCH/%3Enow-7",
    "class/gp/EPOCH/%3Enow-20/orderby/NORAD_CAT_ID/limit/10/metadata/true",
    "class/gp/EPOCH/now-30--now-10",
    "class/gp/EPOCH/%3Cnow-25/orderby/EPOCH%20desc/limit/7",
    "class/gp/EPOCH/%3Enow-40/orderby/EPOCH,NORAD_CAT_ID%20desc/limit/6,3/metadata/true",
    "class/gp/EPOCH/%3C%3Enow-7/limit/5",
    "class/gp/EPOCH/null-val",
    "class/gp/EPOCH/%5E2026-03",
    "class/gp/OBJECT_NAME/~~starlink",
    "class/gp/OBJECT_NAME/%5Estarlink/orderby/NORAD_CAT_ID%20desc/limit/3",
    "class/gp/OBJECT_NAME/~~_50%25",
    "class/gp/OBJECT_NAME/kosmos%20r%2Fb%201017",
    "class/gp/OBJECT_NAME/null-val/orderby/NORAD_CAT_ID/limit/2",
    "class/gp/OBJECT_ID/1998-067A/limit/5",
    "class/gp/INCLINATION/%3E50/orderby/NORAD_CAT_ID/limit/4/metadata/true",
    "class/gp/orderby/NORAD_CAT_ID%20desc/limit/10/metadata/true",
    "class/gp/orderby/OBJECT_NAME/limit/10",
    "class/gp/orderby/EPOCH/limit/5/distinct/true/predicates/OBJECT_TYPE",
    "class/gp/limit/0/metadata/true",
    "class/gp/limit/5,100/metadata/true",
    "class/gp_history/NORAD_CAT_ID/1003,1031,1033,1041,1052",
    "class/gp_history/EPOCH/%3Enow-30/orderby/EPOCH%20desc/limit/8/metadata/true",
    "class/gp_history/NORAD_CAT_ID/1030--1045/orderby/NORAD_CAT_ID/limit/6",
    "class/gp_history/OBJECT_NAME/~~STARLINK",
    "class/gp_history/limit/9/metadata/true",
    "class/gp_history",
    "class/satcat",
    "class/satcat/OBJECT_NUMBER/1030--1049/orderby/NORAD_CAT_ID%20desc/limit/4/metadata/true",
    "class/satcat/SATNAME/%5Eiss",
    "class/satcat/INTLDES/~~067/limit/3",
    "class/satcat/PERIOD/null-val",
    "class/boxscore",
)


def _reference(
    session: object, principal: Principal, path: str, visible: dict[bool, list[CatalogItem]]
) -> object:
    """The all-in-Python path: everything visible (`visible`, by history), then run_query."""
    query = parse_query(path)
    name = query.request_class.name
    history = name == "gp_history"
    owners = {p.handle: p for p in PartnerRepository(session).all() if p.handle}  # type: ignore[arg-type]
    items = visible[history]
    rows: list[Row]
    if name == "satcat":
        rows, released = satcat_rows(items, owners), items
    elif name == "boxscore":
        from accord.service.spacetrack._rows import boxscore_rows

        rows, released = boxscore_rows(items, owners), []
    else:
        rows, released = gp_rows(items, owners, history=history)
    by_row = {id(row): item for row, item in zip(rows, released, strict=False)}
    result = run_query(query, rows, now=NOW)
    sent = [by_row[id(row)].element_set_id for row in result.rows if id(row) in by_row]
    return format_result(result).body, sent


def _pushed(session: object, principal: Principal, path: str) -> object:
    query = parse_query(path)
    class_rows = query_rows(session, principal, query, now=NOW)  # type: ignore[arg-type]
    result = run_query(query, class_rows.rows, now=NOW)
    result = dataclasses.replace(result, total=result.total + class_rows.unreturned)
    sent = [
        class_rows.released[id(row)].element_set_id  # type: ignore[union-attr]
        for row in result.rows
        if id(row) in class_rows.released
    ]
    return format_result(result).body, sent


def test_pushed_down_queries_answer_what_the_python_path_answers(engine: Engine) -> None:
    _build(engine)
    cache = PolicyCache()
    with transaction(engine) as session:
        partners = PartnerRepository(session)
        principals = {
            h: principal_for_partner(partners.get_by_handle(h), [PrincipalRole.ANALYST])
            for h in ("esa", "jaxa", "nasa")
        }
    nonempty = 0
    for handle, principal in principals.items():
        with transaction(engine) as session:
            visible = {
                False: newest_visible_reference(session, principal, at=NOW, cache=cache),
                True: visible_element_sets(session, principal, history=True, at=NOW, cache=cache),
            }
            for path in QUERIES:
                expected = _reference(session, principal, path, visible)
                assert _pushed(session, principal, path) == expected, (handle, path)
                nonempty += expected[1] != []  # type: ignore[index]
    # The table is not vacuous: most queries release element sets to someone.
    assert nonempty > 80


def test_unbounded_history_over_the_cap_is_refused_with_the_fix(engine: Engine) -> None:
    _build(engine)
    with transaction(engine) as session:
        esa = principal_for_partner(
            PartnerRepository(session).get_by_handle("esa"), [PrincipalRole.ANALYST]
        )
        assert MAX_UNBOUNDED_HISTORY >= 50_000
        unbounded = parse_query("class/gp_history/format/tle")
        assert query_rows(session, esa, unbounded, now=NOW, max_unbounded_history=80).rows
        with pytest.raises(QueryTooLargeError, match="NORAD_CAT_ID.*EPOCH/>now-7") as error:
            query_rows(session, esa, unbounded, now=NOW, max_unbounded_history=20)
        assert error.value.http_status == 400
        # Bounded, or cut at a limit, it is answered whatever the cap.
        for path in ("class/gp_history/EPOCH/%3Enow-10", "class/gp_history/limit/30"):
            query = parse_query(path)
            assert query_rows(session, esa, query, now=NOW, max_unbounded_history=20).rows
