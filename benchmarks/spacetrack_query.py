"""Space-Track queries at catalog scale: SQL push-down against the all-in-Python path.

The store: the real 26,834-object CelesTrak catalog of 2024-11-01 (public, imported as
CelesTrak); esa submits newer element sets of 400 objects it claims, jaxa of 250, nasa of
200 unclaimed ones (each owns what it submits), and the example agreement
docs/examples/agreements/leo-data-exchange.yaml adapted as in benchmarks/access_catalog.py:
esa grants jaxa its element sets outright, jaxa grants esa its element sets after a 6 h
embargo, coarsened to 10 km.

Timed for a grantee with a plain grant (jaxa) and one with an embargoed, coarsened grant
(esa), `now` = 2024-11-03: the typical client queries below, each through `query_rows` +
`run_query` + `format_result` (the route's work, without HTTP), and through the previous
path in the same run (baseline: every object's newest visible element set, or the listed objects'
histories, loaded and decided, then filtered in Python; only NORAD `=`/list went to SQL).
Every answer of the new path is checked byte-equal to the baseline's. Wall time is the
median of `REPEATS` runs; CPU time (thread time) is reported too, as the machine is shared.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord.access import (
    PolicyCache,
    Principal,
    claim_satellite,
    principal_for_partner,
    propose_agreement,
    sign_agreement,
    visible_element_sets,
)
from accord.agreements import PrincipalRole, load_agreement
from accord.catalog import import_catalog, import_element_sets
from accord.service.spacetrack._rows import (
    boxscore_rows,
    gp_rows,
    query_rows,
    satcat_rows,
)
from accord.spacetrack import Operator, Query, format_result, parse_query, run_query
from accord.store import (
    CatalogRepository,
    PartnerKind,
    PartnerRepository,
    SourceKind,
    create_engine,
    transaction,
)
from accord.store import upgrade as upgrade_store
from benchmarks._common import shared_data, write_result
from benchmarks.access_catalog import agreement_text

CATALOG = "catalogs/celestrak_on_orbit_2024-11-01.csv"
SUBMITTED = {"ESA": 400, "JAXA": 250, "NASA": 200}
REPEATS = 3
SIGNED = datetime(2024, 10, 1, tzinfo=UTC)
NOW = datetime(2024, 11, 3, tzinfo=UTC)


def build_store(folder: Path) -> tuple[Engine, dict[str, list[int]]]:
    """The catalog, members' own newer element sets (and claims), the agreement."""
    engine = create_engine(f"sqlite:///{folder / 'spacetrack.db'}")
    upgrade_store(engine)
    with transaction(engine) as session:
        partners = PartnerRepository(session)
        partners.create("CelesTrak", kind=PartnerKind.DATA_PROVIDER, handle="celestrak")
        for handle in ("esa", "jaxa", "nasa"):
            partners.create(handle.upper(), kind=PartnerKind.SPACE_AGENCY, handle=handle)
    submitted = datetime(2024, 11, 1, 12, tzinfo=UTC)
    import_catalog(
        engine,
        shared_data(CATALOG).read_bytes(),
        source_name=CATALOG.rsplit("/", 1)[-1],
        partner="CelesTrak",
        source_kind=SourceKind.CELESTRAK,
        submitted_at=submitted,
    )
    with transaction(engine) as session:
        real = [row.element_set for row in CatalogRepository(session).latest().items]
    owned: dict[str, list[int]] = {}
    for start, (member, count) in enumerate(SUBMITTED.items()):
        chosen = real[3 + start :: 31][:count]
        owned[member] = [e.norad_id for e in chosen]
        import_element_sets(
            engine,
            [replace(e, epoch=e.epoch + timedelta(minutes=1)) for e in chosen],
            source_name=f"{member}.json",
            partner=member,
            source_kind=SourceKind.API,
            # jaxa's are fresh: esa sees those still under embargo left out.
            submitted_at=NOW - timedelta(hours=2) if member == "JAXA" else submitted,
        )
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        esa, jaxa = partners.get_by_handle("esa"), partners.get_by_handle("jaxa")
        for partner, member in ((esa, "ESA"), (jaxa, "JAXA")):
            for norad_id in owned[member]:
                claim_satellite(session, partner, norad_id, at=SIGNED)
        document = load_agreement(agreement_text(), source="benchmark")
        propose_agreement(session, document, by=esa, at=SIGNED)
        sign_agreement(session, document.id, by=esa, at=SIGNED)
        sign_agreement(session, document.id, by=jaxa, at=SIGNED)
    return engine, owned


def queries(owned: dict[str, list[int]]) -> dict[str, str]:
    """The typical client queries (paths after /basicspacedata/query/)."""
    listed = ",".join(str(n) for n in sorted(owned["ESA"][:50] + owned["JAXA"][:50]))
    return {
        "gp_norad_list_100": f"class/gp/NORAD_CAT_ID/{listed}",
        "gp_epoch_30d_orderby_limit_1000": (
            "class/gp/EPOCH/%3Enow-30/orderby/NORAD_CAT_ID/limit/1000"
        ),
        "gp_history_one_object": f"class/gp_history/NORAD_CAT_ID/{owned['ESA'][0]}",
        "satcat": "class/satcat",
        "boxscore": "class/boxscore",
        "tle_range_1000_ids": "class/gp/NORAD_CAT_ID/40000--40999/format/tle",
    }


def _old_norad_ids(query: Query) -> list[int] | None:
    """The previous push-down: NORAD `=` or list only."""
    for predicate in query.predicates:
        if predicate.field.name == "NORAD_CAT_ID" and predicate.operator in (
            Operator.EQUAL,
            Operator.IN,
        ):
            return [int(v) for v in predicate.values if isinstance(v, int | float)]
    return None


def old_answer(session: Session, principal: Principal, path: str, cache: PolicyCache) -> str:
    """The previous route's work: load and decide, then filter, sort and page in Python."""
    query = parse_query(path)
    name = query.request_class.name
    owners = {p.handle: p for p in PartnerRepository(session).all() if p.handle}
    history = name == "gp_history"
    norad_ids = _old_norad_ids(query) if name != "boxscore" else None
    items = visible_element_sets(
        session, principal, norad_ids=norad_ids, history=history, at=NOW, cache=cache
    )
    if name == "satcat":
        rows = satcat_rows(items, owners)
    elif name == "boxscore":
        rows = boxscore_rows(items, owners)
    else:
        rows, _ = gp_rows(items, owners, history=history)
    return format_result(run_query(query, rows, now=NOW)).body


def new_answer(session: Session, principal: Principal, path: str, cache: PolicyCache) -> str:
    """The route's work now: push down, then `run_query` over what comes back."""
    del cache  # the route asks the process's default policy cache, as query_rows does
    query = parse_query(path)
    class_rows = query_rows(session, principal, query, now=NOW)
    result = run_query(query, class_rows.rows, now=NOW)
    result = replace(result, total=result.total + class_rows.unreturned)
    return format_result(result).body


def _timed(engine: Engine, call: Callable[[Session], str], repeats: int) -> dict[str, Any]:
    wall, cpu, answer = [], [], ""
    for _ in range(repeats):
        with transaction(engine) as session:
            wall_started, cpu_started = time.perf_counter(), time.thread_time()
            answer = call(session)
            cpu.append(time.thread_time() - cpu_started)
            wall.append(time.perf_counter() - wall_started)
    return {
        "wall_s": round(statistics.median(wall), 4),
        "cpu_s": round(statistics.median(cpu), 4),
        "answer": answer,
    }


def run(repeats: int = REPEATS) -> dict[str, Any]:
    """Build the store, time both paths per grantee and query, check they agree, write JSON."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        engine, owned = build_store(Path(folder))
        build_s = time.perf_counter() - started
        try:
            cache = PolicyCache()
            with transaction(engine) as session:
                partners = PartnerRepository(session)
                who = {
                    role: principal_for_partner(
                        partners.get_by_handle(handle), [PrincipalRole.ANALYST]
                    )
                    for role, handle in (("plain_grantee", "jaxa"), ("embargoed_grantee", "esa"))
                }
                objects = CatalogRepository(session).object_count()
            for role, principal in who.items():
                for case, path in queries(owned).items():

                    def new(session: Session, p: Principal = principal, q: str = path) -> str:
                        return new_answer(session, p, q, cache)

                    def old(session: Session, p: Principal = principal, q: str = path) -> str:
                        return old_answer(session, p, q, cache)

                    _timed(engine, new, 1)  # warm the policy cache and SQLite's page cache
                    new_t = _timed(engine, new, repeats)
                    old_t = _timed(engine, old, repeats)
                    if new_t["answer"] != old_t["answer"]:
                        raise AssertionError(f"{role} {case}: pushed-down answer differs")
                    results[f"{role}/{case}"] = {
                        "bytes": len(new_t["answer"]),
                        "new_wall_s": new_t["wall_s"],
                        "new_cpu_s": new_t["cpu_s"],
                        "baseline_wall_s": old_t["wall_s"],
                        "baseline_cpu_s": old_t["cpu_s"],
                        "speed_up_cpu": round(old_t["cpu_s"] / max(new_t["cpu_s"], 1e-6), 1),
                    }
        finally:
            engine.dispose()
    payload = {
        "objects": objects,
        "now": NOW.isoformat(),
        "repeats": repeats,
        "store_build_s": round(build_s, 1),
        "queries": queries(owned),
        "cases": results,
    }
    write_result("spacetrack_query", payload)
    return payload


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
