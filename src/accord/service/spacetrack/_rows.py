"""Rows of each Space-Track request class, built only from what one principal may see.

Visibility is never decided here: element sets come from `accord.access`
(`visible_element_sets`), which applies ownership, agreements, embargoes and degradation.
What this module adds is the mapping of released items to Space-Track's columns, and the
columns Accord's store does not hold, synthesised as docs/spacetrack.md ("Serving
Space-Track clients") describes:

- an item released only as a coarsened state vector (a clause that degrades positions) has
  no mean elements, so it is left out of gp and gp_history, and its satcat row carries no
  orbit columns (PERIOD, INCLINATION, APOGEE, PERIGEE are NULL);
- OBJECT_TYPE is read from the name as the catalog names objects ("DEB" debris, "R/B"
  rocket bodies, "TBA" not yet identified, any other name a payload; no name: NULL);
- COUNTRY is the owning partner's country code (claims, or the member that submitted an
  unclaimed object's element set); public data, and owners without a country, have none;
- the store holds no decay messages and no launch data: decay has no rows, and LAUNCH,
  SITE, DECAY and RCS columns are NULL;
- cdm_public rows are the conjunctions `accord.access.visible_conjunctions` releases (the
  conjunction-data rule, degraded values), one per stored CDM: MIN_RNG in metres,
  EMERGENCY_REPORTABLE "Y" when Pc is at least `EMERGENCY_PC`, names and object types from
  the catalog's current element sets, RCS and exclusion volumes NULL.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sgp4.earth_gravity import wgs72
from sqlalchemy.orm import Session

from accord.access import (
    CatalogItem,
    Principal,
    VisibleConjunction,
    select_visible_element_sets,
    visible_conjunctions,
    visible_element_sets,
)
from accord.service.spacetrack._pushdown import push_down
from accord.spacetrack import Query, QueryTooLargeError, Row, gp_row, is_bounded_history
from accord.store import CatalogRepository, Partner, PartnerRepository

__all__ = [
    "EMERGENCY_PC",
    "MAX_UNBOUNDED_HISTORY",
    "ClassRows",
    "boxscore_rows",
    "cdm_public_rows",
    "gp_rows",
    "object_type_from_name",
    "query_rows",
    "satcat_rows",
]

_SECONDS_PER_DAY = 86_400.0
_COSPAR = re.compile(r"^(\d{4})-(\d{3})([A-Z]{1,3})$")
#: boxscore's COUNTRY for objects that no partner owns (public data).
UNOWNED_COUNTRY = "PUBLIC (NO CLAIMANT)"
_UNOWNED_CODE = "PUB"
#: Pc at or above which a cdm_public row is EMERGENCY_REPORTABLE (the 1e-4 red threshold).
EMERGENCY_PC = 1e-4
#: NORAD ids asked of the catalog per query (its limit on one IN list).
_NAME_LOOKUP = 5000
#: Most element sets a gp_history query without a NORAD_CAT_ID or EPOCH bound may read
#: (about two snapshots of today's catalog); past it the caller is asked for a bound.
MAX_UNBOUNDED_HISTORY = 60_000


def object_type_from_name(name: str | None) -> str | None:
    """Space-Track's OBJECT_TYPE as the catalog's naming conventions imply it (None if no name).

    The catalog names debris "... DEB" and rocket bodies "... R/B", and not yet identified
    objects "TBA - TO BE ASSIGNED"; every other named object is taken for a payload.
    """
    if not name or not name.strip():
        return None
    words = name.upper().replace("(", " ").replace(")", " ").split()
    if "DEB" in words or "DEBRIS" in words:
        return "DEBRIS"
    if "R/B" in words:
        return "ROCKET BODY"
    if words[0] == "TBA":
        return "TBA"
    return "PAYLOAD"


def _country(item: CatalogItem, owners: dict[str, Partner]) -> str | None:
    owner = owners.get(item.owner) if item.owner is not None else None
    return owner.country_code if owner is not None else None


def gp_rows(
    items: Sequence[CatalogItem], owners: dict[str, Partner], *, history: bool = False
) -> tuple[list[Row], list[CatalogItem]]:
    """gp (or gp_history) rows of the items released with mean elements, and those items.

    Items released only as coarsened state vectors are left out: mean elements cannot be
    coarsened, so a TLE or OMM of them would give more precision than the clause grants.
    """
    rows: list[Row] = []
    released: list[CatalogItem] = []
    for item in items:
        if item.element_set is None:
            continue
        row = gp_row(
            item.element_set,
            gp_id=item.element_set_id or 0,
            creation_date=item.submitted_at,
            comment="GENERATED VIA ACCORD" if not history else "GENERATED VIA ACCORD (HISTORY)",
            object_type=object_type_from_name(item.object_name),
            country_code=_country(item, owners),
        )
        rows.append(row)
        released.append(item)
    return rows, released


def _launch_parts(object_id: str | None) -> tuple[int | None, int | None, str | None]:
    match = _COSPAR.match(object_id or "")
    if match is None:
        return None, None, None
    return int(match[1]), int(match[2]), match[3]


def satcat_rows(items: Sequence[CatalogItem], owners: dict[str, Partner]) -> list[Row]:
    """satcat rows of the visible objects (current element sets), orbit columns when allowed."""
    rows: list[Row] = []
    for item in items:
        year, number, piece = _launch_parts(item.object_id)
        period = inclination = apogee = perigee = None
        element_set = item.element_set
        if element_set is not None:
            n_rad_s = element_set.mean_motion_rev_per_day * 2.0 * math.pi / _SECONDS_PER_DAY
            a_km = (wgs72.mu / n_rad_s**2) ** (1.0 / 3.0)
            period = round(1440.0 / element_set.mean_motion_rev_per_day, 2)
            inclination = round(element_set.inclination_deg, 2)
            apogee = round(a_km * (1.0 + element_set.eccentricity) - wgs72.radiusearthkm)
            perigee = round(a_km * (1.0 - element_set.eccentricity) - wgs72.radiusearthkm)
        rows.append(
            {
                "INTLDES": item.object_id,
                "NORAD_CAT_ID": item.norad_id,
                "OBJECT_TYPE": object_type_from_name(item.object_name),
                "SATNAME": item.object_name,
                "COUNTRY": _country(item, owners),
                "PERIOD": period,
                "INCLINATION": inclination,
                "APOGEE": apogee,
                "PERIGEE": perigee,
                "LAUNCH_YEAR": year,
                "LAUNCH_NUM": number,
                "LAUNCH_PIECE": piece,
                "CURRENT": "Y",
                "OBJECT_NAME": item.object_name,
                "OBJECT_ID": item.object_id,
                "OBJECT_NUMBER": item.norad_id,
            }
        )
    return rows


_BOX_COLUMNS = {
    "PAYLOAD": "ORBITAL_PAYLOAD_COUNT",
    "ROCKET BODY": "ORBITAL_ROCKET_BODY_COUNT",
    "DEBRIS": "ORBITAL_DEBRIS_COUNT",
}


def boxscore_rows(items: Sequence[CatalogItem], owners: dict[str, Partner]) -> list[Row]:
    """Objects on orbit by owner country, counted over the visible objects only.

    One row per country code (owners without a code are counted under their partner
    handle; unowned public objects under "PUBLIC (NO CLAIMANT)"). Decayed counts are 0:
    the store holds no decay data. Objects without a type from their name count as TBA.
    """
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for item in items:
        if item.owner is None:
            key = (UNOWNED_COUNTRY, _UNOWNED_CODE)
        else:
            code = _country(item, owners)
            key = (code, code) if code is not None else (item.owner, item.owner)
        kind = object_type_from_name(item.object_name)
        counts[key][_BOX_COLUMNS.get(kind or "", "ORBITAL_TBA")] += 1
    rows: list[Row] = []
    for (country, code), by_kind in sorted(counts.items()):
        total = sum(by_kind.values())
        rows.append(
            {
                "COUNTRY": country,
                "SPADOC_CD": code,
                "ORBITAL_TBA": by_kind["ORBITAL_TBA"],
                "ORBITAL_PAYLOAD_COUNT": by_kind["ORBITAL_PAYLOAD_COUNT"],
                "ORBITAL_ROCKET_BODY_COUNT": by_kind["ORBITAL_ROCKET_BODY_COUNT"],
                "ORBITAL_DEBRIS_COUNT": by_kind["ORBITAL_DEBRIS_COUNT"],
                "ORBITAL_TOTAL_COUNT": total,
                "DECAYED_PAYLOAD_COUNT": 0,
                "DECAYED_ROCKET_BODY_COUNT": 0,
                "DECAYED_DEBRIS_COUNT": 0,
                "DECAYED_TOTAL_COUNT": 0,
                "COUNTRY_TOTAL": total,
            }
        )
    return rows


def cdm_public_rows(
    session: Session, principal: Principal, *, at: datetime
) -> tuple[list[Row], list[VisibleConjunction]]:
    """cdm_public rows of the conjunctions `principal` may see, and those conjunctions.

    Visibility and degradation are `accord.access.visible_conjunctions`' (docs/access.md,
    "Conjunction data"): MIN_RNG is the released (possibly coarsened) miss, in metres.
    """
    conjunctions = visible_conjunctions(session, principal, at=at)
    pairs = [(c.primary_norad_id, c.secondary_norad_id) for c in conjunctions]
    norad_ids = sorted({n for pair in pairs for n in pair})
    names: dict[int, str | None] = {}
    catalog = CatalogRepository(session)
    for start in range(0, len(norad_ids), _NAME_LOOKUP):
        for row in catalog.latest(norad_ids=norad_ids[start : start + _NAME_LOOKUP]).items:
            names[row.element_set.norad_id] = row.element_set.object_name
    rows: list[Row] = []
    for c in conjunctions:
        name_1, name_2 = names.get(c.primary_norad_id), names.get(c.secondary_norad_id)
        pc = c.collision_probability
        rows.append(
            {
                "CDM_ID": c.cdm_id,
                "CREATED": c.cdm_created_at,
                "EMERGENCY_REPORTABLE": "Y" if pc is not None and pc >= EMERGENCY_PC else "N",
                "TCA": c.tca,
                "MIN_RNG": round(c.miss_km * 1000.0, 3),
                "PC": pc,
                "SAT_1_ID": c.primary_norad_id,
                "SAT_1_NAME": name_1,
                "SAT1_OBJECT_TYPE": object_type_from_name(name_1),
                "SAT1_RCS": None,
                "SAT_1_EXCL_VOL": None,
                "SAT_2_ID": c.secondary_norad_id,
                "SAT_2_NAME": name_2,
                "SAT2_OBJECT_TYPE": object_type_from_name(name_2),
                "SAT2_RCS": None,
                "SAT_2_EXCL_VOL": None,
            }
        )
    return rows, conjunctions


@dataclass(frozen=True, slots=True)
class ClassRows:
    """A request class's rows for one principal, what each releases, and the cut-off count.

    `released` maps `id(row)` to the item (or conjunction) the row releases; `unreturned`
    counts matching rows the store cut off past the query's offset + limit, to be added to
    `run_query`'s `total` (0 when nothing was cut).
    """

    rows: list[Row]
    released: dict[int, CatalogItem | VisibleConjunction]
    unreturned: int = 0


def _too_large(found: int, cap: int) -> QueryTooLargeError:
    return QueryTooLargeError(
        f"class/gp_history without NORAD_CAT_ID or an EPOCH range would read {found:,}+ "
        f"element sets, more than the {cap:,} answered at once; add "
        "NORAD_CAT_ID/<id>[,<id>...] or NORAD_CAT_ID/<low>--<high>, or an EPOCH range such "
        "as EPOCH/>now-7 or EPOCH/2024-01-01--2024-01-08"
    )


def query_rows(
    session: Session,
    principal: Principal,
    query: Query,
    *,
    now: datetime,
    max_unbounded_history: int = MAX_UNBOUNDED_HISTORY,
) -> ClassRows:
    """The rows of `query`'s class that `principal` may see, narrowed in SQL where exact.

    gp, gp_history and satcat push their NORAD_CAT_ID, EPOCH and name predicates down
    (`_pushdown.push_down`) and, when the whole query is exact, the cut at offset + limit
    (`select_visible_element_sets`); `run_query` then runs the full query over the rows.
    gp_history without a bound (`is_bounded_history`) and without a cut reads at most
    `max_unbounded_history` element sets, else raises `QueryTooLargeError`. Raise
    `InvalidValueError` for a `now-N` out of range.
    """
    name = query.request_class.name
    if name == "decay":
        return ClassRows([], {})  # the store holds no decay messages
    if name == "cdm_public":
        cdm_rows, conjunctions = cdm_public_rows(session, principal, at=now)
        return ClassRows(cdm_rows, {id(r): c for r, c in zip(cdm_rows, conjunctions, strict=True)})
    owners = {p.handle: p for p in PartnerRepository(session).all() if p.handle}
    if name == "boxscore":
        items = visible_element_sets(session, principal, at=now)
        return ClassRows(boxscore_rows(items, owners), {})  # counts only: no object's data
    history = name == "gp_history"
    pushed = push_down(query, now)
    first = pushed.first
    unbounded = history and first is None and not is_bounded_history(query)
    if unbounded:
        first = max_unbounded_history + 1  # read no more than that to know it is too many
    selection = select_visible_element_sets(
        session,
        principal,
        conditions=pushed.conditions,
        history=history,
        order=pushed.order,
        first=first,
        at=now,
    )
    items = selection.items
    if unbounded:
        if len(items) + selection.unreturned > max_unbounded_history:
            raise _too_large(len(items) + selection.unreturned, max_unbounded_history)
    if name == "satcat":
        rows = satcat_rows(items, owners)
        released: list[CatalogItem] = items
    else:
        rows, released = gp_rows(items, owners, history=history)
    by_row: dict[int, CatalogItem | VisibleConjunction] = {
        id(row): item for row, item in zip(rows, released, strict=True)
    }
    return ClassRows(rows, by_row, selection.unreturned)
