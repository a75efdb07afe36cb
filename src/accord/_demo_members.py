"""What the demo coalition does on first start: console users, satellite claims, the
members' own element sets of their satellites, an agreement.

A claim transfers no data (docs/access.md, "Ownership"): the public catalog stays public
after a member claims a satellite in it. So that the demo agreement's clauses govern
something, each claiming member also submits its own element set of every satellite it
claims (SYNTHETIC: the public elements advanced by `OPERATOR_LEAD`, standing in for an
operator's fresher solution). Those are the member's, and only its clauses release them.

Kept apart from `accord.demo` (which seeds partners and the catalog) so each stays small. All
of it runs inside the seeding transaction and goes through the same audited workflows as a
real deployment (`accord.access`), so the demo's audit log shows them too.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from accord.access import (
    AgreementRepository,
    add_console_user,
    claim_satellite,
    propose_agreement,
    sign_agreement,
)
from accord.agreements import PartyRole, parse_agreement
from accord.catalog import import_element_sets
from accord.formats import ElementSet
from accord.store import (
    AssetRepository,
    CatalogRepository,
    Partner,
    SourceKind,
    UserRepository,
)

__all__ = [
    "DEMO_AGREEMENT_ID",
    "DemoMember",
    "DemoUser",
    "demo_agreement_document",
    "seed_members",
    "write_credentials",
]

#: Satellites each claiming member takes from the demo catalog.
CLAIMS_PER_MEMBER = 12
#: Name fragments of objects nobody claims in the demo (debris, rocket bodies).
_UNCLAIMABLE = ("DEB", "R/B", "DEBRIS")
#: How far past the public epoch a member's own element set of its satellite lies.
OPERATOR_LEAD = timedelta(minutes=10)
#: Identifier of the demo agreement.
DEMO_AGREEMENT_ID = "demo-coalition"


@dataclass(frozen=True, slots=True)
class DemoMember:
    """A demo partner's handle, whether it claims satellites, and its console user's role."""

    handle: str
    claims: bool
    role: str


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A console user created for the demo, with the password generated for it."""

    username: str
    partner_handle: str
    role: str
    password: str


def demo_agreement_document(
    handles: dict[str, str], names: dict[str, str], effective_from: datetime
) -> dict[str, object]:
    """The demo agreement as a document (validated by `parse_agreement` before use).

    Aurora, Borealis and Cygnus exchange element sets and conjunction data of their claimed
    satellites; Delta reads Aurora's element sets coarsened to 5 km; the secretariat
    observes conjunction data after a 24 h embargo and mediates disputes.
    """
    aurora, borealis, cygnus = handles["aurora"], handles["borealis"], handles["cygnus"]
    delta, meridian = handles["delta"], handles["meridian"]
    operators = [aurora, borealis, cygnus]

    def share(grantor: str) -> dict[str, object]:
        return {
            "id": f"{grantor}-shares",
            "data_sharing": {
                "grantor": grantor,
                "grantees": [other for other in operators if other != grantor],
                "data_classes": ["catalog_element_sets", "conjunction_data"],
                "assets": "all_claimed",
            },
        }

    return {
        "format": "accord.agreement/v1",
        "id": DEMO_AGREEMENT_ID,
        "version": 1,
        "title": "Demo coalition: shared catalog and conjunction data (fictional)",
        "description": "Seeded by `make run` to show the platform at work; not a real treaty.",
        "parties": [
            {"partner": handle, "name": names[handle]}
            for handle in (aurora, borealis, cygnus, delta)
        ]
        + [{"partner": meridian, "name": names[meridian], "role": "observer"}],
        "effective_from": effective_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "clauses": [
            *(share(grantor) for grantor in operators),
            {
                "id": "delta-reads-aurora",
                "data_sharing": {
                    "grantor": aurora,
                    "grantees": [delta],
                    "data_classes": ["catalog_element_sets"],
                    "assets": "all_claimed",
                    "degradation": {"position_precision_km": 5},
                },
            },
            {
                "id": "secretariat-observes",
                "data_sharing": {
                    "grantor": aurora,
                    "grantees": [meridian],
                    "data_classes": ["conjunction_data"],
                    "assets": "all_claimed",
                    "embargo_hours": 24,
                },
            },
            {
                "id": "coordination-response",
                "reciprocal_commitment": {
                    "party": borealis,
                    "metric": "coordination_response_time_h",
                    "comparison": "at_most",
                    "threshold": 12,
                    "period_days": 30,
                },
            },
            {
                "id": "disputes",
                "dispute_resolution": {
                    "steps": [
                        {"kind": "negotiation", "deadline_days": 14},
                        {
                            "kind": "mediation",
                            "deadline_days": 30,
                            "mediator": {"partner": meridian},
                        },
                        {"kind": "arbitration", "deadline_days": 90},
                    ]
                },
            },
        ],
    }


def _handle_of(partner: Partner) -> str:
    if partner.handle is None:
        raise ValueError(f"demo partner {partner.name!r} has no handle; demo members need one")
    return partner.handle


def _claimable_ids(session: Session, count: int) -> list[int]:
    """The first `count` catalogued objects by NORAD id that are not debris or rocket bodies."""
    chosen: list[int] = []
    offset = 0
    repository = CatalogRepository(session)
    while len(chosen) < count:
        page = repository.latest(offset=offset, limit=500)
        if not page.items:
            break
        for stored in page.items:
            name = (stored.element_set.object_name or "").upper()
            if not any(fragment in name for fragment in _UNCLAIMABLE):
                chosen.append(stored.element_set.norad_id)
        offset += len(page.items)
    return chosen[:count]


def _advanced(element_set: ElementSet, lead: timedelta) -> ElementSet:
    """The element set moved `lead` later along its orbit (mean anomaly only: the other
    elements' secular drift over minutes is far below what the demo shows)."""
    advance_deg = element_set.mean_motion_rev_per_day * 360.0 * lead.total_seconds() / 86_400.0
    return dataclasses.replace(
        element_set,
        epoch=element_set.epoch + lead,
        mean_anomaly_deg=(element_set.mean_anomaly_deg + advance_deg) % 360.0,
    )


def _submit_operator_element_sets(
    session: Session, partners: dict[str, Partner], claimed: dict[str, list[int]], *, now: datetime
) -> None:
    """Each claiming member submits its own element set of each satellite it claims."""
    catalog = CatalogRepository(session)
    for handle, norad_ids in claimed.items():
        current = catalog.latest(norad_ids=norad_ids).items
        import_element_sets(
            session,
            [_advanced(row.element_set, OPERATOR_LEAD) for row in current],
            source_name=f"demo: {partners[handle].name}'s element sets of its satellites",
            partner=partners[handle].name,
            source_kind=SourceKind.SYNTHETIC,
            submitted_at=now,
        )


def seed_members(
    session: Session,
    partners: dict[str, Partner],
    members: Sequence[DemoMember],
    *,
    now: datetime,
) -> list[DemoUser]:
    """Create console users, claims and the signed demo agreement; skip what already exists.

    `partners` maps each member's demo key (`aurora`, ...) to its stored partner. Returns
    the users created, with their generated passwords (shown once, never stored in clear).
    """
    users: list[DemoUser] = []
    user_repository = UserRepository(session)
    for member in members:
        partner = partners[member.handle]
        username = f"{_handle_of(partner)}-{member.role}"
        if user_repository.find(username) is None:
            password = secrets.token_urlsafe(15)
            add_console_user(session, username, partner, member.role, password)
            users.append(DemoUser(username, _handle_of(partner), member.role, password))

    claimants = [m for m in members if m.claims]
    assets = AssetRepository(session)
    if not any(assets.claims_of(partners[m.handle]) for m in claimants):
        ids = _claimable_ids(session, CLAIMS_PER_MEMBER * len(claimants))
        claimed: dict[str, list[int]] = {}
        for index, norad_id in enumerate(ids):
            claimant = claimants[index % len(claimants)]
            claim_satellite(session, partners[claimant.handle], norad_id, at=now)
            claimed.setdefault(claimant.handle, []).append(norad_id)
        _submit_operator_element_sets(session, partners, claimed, now=now)

    handles = {key: _handle_of(partner) for key, partner in partners.items()}
    names = {_handle_of(partner): partner.name for partner in partners.values()}
    document = parse_agreement(
        demo_agreement_document(handles, names, now - timedelta(days=1)),
        source="accord demo agreement",
    )
    if AgreementRepository(session).find(DEMO_AGREEMENT_ID) is None:
        propose_agreement(session, document, by=partners["aurora"], at=now)
        for party in document.parties:
            if party.role is PartyRole.SIGNATORY:
                signer = next(p for p in partners.values() if p.handle == party.partner)
                sign_agreement(session, DEMO_AGREEMENT_ID, by=signer, at=now)
    return users


def write_credentials(path: Path, users: Sequence[DemoUser]) -> Path:
    """Write the demo users' passwords to `path`, readable by the owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Accord demo console users (generated on first start; sign in at /console/)"]
    lines += [f"{u.username}\t{u.password}\t{u.partner_handle}\t{u.role}" for u in users]
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(temporary, path)
    return path
