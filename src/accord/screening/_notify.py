"""CDM notices: each `cdm` subscription of a claimant hears of a screening's CDMs, once.

When a screening stores CDMs, every subscription to topic `cdm` (docs/coordination.md,
"Subscriptions and webhooks") whose partner claims one of the two objects (an active claim:
claimed or contested) gets ONE message for the screening that lists the CDMs passing its
thresholds (`pc_min` / `miss_max_km`, either suffices; neither set: every CDM). It is queued
in the screening's write transaction, so the CDMs and their notices commit together.

What a partner hears goes through the authorisation point like any release of conjunction
data (`accord.access.release_conjunctions`): a claimant that does not own the object (the
second claimant of a contested object) hears only of the CDMs a clause in force grants it,
after the embargo, with the values degraded as the clause says; the thresholds apply to the
released values. Releases under a clause are logged (`data.released`). A partner without a
`cdm` subscription hears nothing: CDMs are not e-mailed to contacts by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.access import (
    VisibleConjunction,
    principal_for_partner,
    record_conjunction_release,
    release_conjunctions,
)
from accord.agreements import AccessAction, PrincipalRole

# The private module, not the package: accord.coordination_ops imports accord.screening
# (open_alerts), so importing its package here would be circular.
from accord.coordination_ops._subscriptions import Topic, _matches, route
from accord.store import (
    ClaimStatus,
    PartnerRepository,
    SatelliteClaim,
    ScreeningRepository,
    StoredConjunction,
    SubscriptionRow,
)

__all__ = ["CdmNotice", "notify_cdm_subscribers"]

#: Claims that make a partner an object's claimant (withdrawn ones do not).
_ACTIVE_CLAIMS = (ClaimStatus.CLAIMED.value, ClaimStatus.CONTESTED.value)
#: NORAD ids per claims query (one IN list).
_CLAIM_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class CdmNotice:
    """One message queued to one subscription: the partner and the CDMs it lists."""

    subscription_id: int
    partner: str
    cdm_ids: tuple[int, ...]


def _claimants(session: Session, norad_ids: Sequence[int]) -> dict[int, set[int]]:
    """Partner id -> the NORAD ids (of `norad_ids`) it holds an active claim on."""
    claimed: dict[int, set[int]] = {}
    for start in range(0, len(norad_ids), _CLAIM_CHUNK):
        chunk = list(norad_ids[start : start + _CLAIM_CHUNK])
        rows = session.execute(
            sa.select(SatelliteClaim.partner_id, SatelliteClaim.norad_id).where(
                SatelliteClaim.norad_id.in_(chunk), SatelliteClaim.status.in_(_ACTIVE_CLAIMS)
            )
        )
        for partner_id, norad_id in rows:
            claimed.setdefault(partner_id, set()).add(norad_id)
    return claimed


def _cdm_subscriptions(session: Session, partner: str) -> list[SubscriptionRow]:
    rows = session.scalars(
        sa.select(SubscriptionRow)
        .where(SubscriptionRow.partner == partner, SubscriptionRow.removed_at.is_(None))
        .order_by(SubscriptionRow.id)
    )
    return [row for row in rows if Topic.CDM.value in row.topics]


def _item(c: VisibleConjunction) -> dict[str, object]:
    return {
        "cdm_id": c.cdm_id,
        "message_id": c.message_id,
        "event_id": c.event_id,
        "primary_norad_id": c.primary_norad_id,
        "secondary_norad_id": c.secondary_norad_id,
        "tca": c.tca.astimezone(UTC).isoformat(timespec="milliseconds"),
        "miss_km": c.miss_km,
        "collision_probability": c.collision_probability,
        "pc_method": c.pc_method,
        "degraded": c.degraded,
    }


def _line(c: VisibleConjunction) -> str:
    pc = "-" if c.collision_probability is None else f"{c.collision_probability:.2e}"
    return (
        f"{c.message_id}: {c.primary_norad_id} x {c.secondary_norad_id}, TCA "
        f"{c.tca.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC, miss {c.miss_km:.3f} km, Pc {pc} "
        f"(event {c.event_id}; GET /api/v1/cdms/{c.cdm_id})"
    )


def notify_cdm_subscribers(
    session: Session, screening_id: int, *, at: datetime | None = None
) -> list[CdmNotice]:
    """Queue the `cdm` notices of stored screening `screening_id` (see the module notes).

    Runs in the caller's write transaction, after the CDMs are written. `at` (aware UTC,
    default now) is the release time the authorisation point judges embargoes by.
    Returns the notices queued, by partner handle then subscription.
    """
    now = at or datetime.now(UTC)
    stored = ScreeningRepository(session).screening_conjunctions(screening_id)
    if not stored:
        return []
    norad_ids = sorted({n for c in stored for n in (c.primary_norad_id, c.secondary_norad_id)})
    claimants = _claimants(session, norad_ids)
    partners = PartnerRepository(session)
    notices: list[CdmNotice] = []
    for partner_id in sorted(claimants):
        partner = partners.get(partner_id)
        if partner.handle is None:
            continue  # no handle, no subscription (subscriptions name partners by handle)
        subscriptions = _cdm_subscriptions(session, partner.handle)
        if not subscriptions:
            continue
        own = claimants[partner_id]
        concerned: list[StoredConjunction] = [
            c for c in stored if c.primary_norad_id in own or c.secondary_norad_id in own
        ]
        principal = principal_for_partner(
            partner, [PrincipalRole.ANALYST], name=f"cdm-subscriptions:{partner.handle}"
        )
        visible = release_conjunctions(
            session, principal, concerned, at=now, action=AccessAction.READ
        )
        told: dict[int, VisibleConjunction] = {}
        for subscription in subscriptions:
            listed = [
                c for c in visible if _matches(subscription, c.collision_probability, c.miss_km)
            ]
            if not listed:
                continue
            pcs = [c.collision_probability for c in listed if c.collision_probability is not None]
            count = f"{len(listed)} new CDM{'s' if len(listed) != 1 else ''}"
            route(
                session,
                partner=partner.handle,
                topic=Topic.CDM,
                subject=f"[Accord] {count} for your objects (screening {screening_id})",
                body="\n".join(
                    [f"Screening {screening_id} issued {count} for your objects:", ""]
                    + [_line(c) for c in listed]
                ),
                payload={
                    "screening_id": screening_id,
                    "cdms": [_item(c) for c in listed],
                },
                at=now,
                dedup_key=f"cdm:screening-{screening_id}",
                # The digest's most severe numbers: they pass the thresholds, as one CDM did.
                pc=max(pcs) if pcs else None,
                miss_km=min(c.miss_km for c in listed),
                subscription_id=subscription.id,
            )
            notices.append(
                CdmNotice(subscription.id, partner.handle, tuple(c.cdm_id for c in listed))
            )
            told.update((c.cdm_id, c) for c in listed)
        record_conjunction_release(session, principal, list(told.values()), at=now)
    return notices
