"""Contested satellite claims open disputes: from the scheduler tick, once per pair.

A satellite with active claims by two or more partners (`satellite_claims` status
`contested`) is disputed between its first claimant (the respondent, who held the claim)
and each later claimant (who contests it). The dispute opens under an agreement in force
between the two whose document has a dispute clause (the first by id that opens), on
grounds `contested_claim` with reference `claim:<norad_id>:<claimant>:<respondent>`, so a
second tick finds it and opens nothing (`open_dispute_record` is idempotent per grounds
and reference). When no such agreement exists, why is recorded as a notice to both
partners (queued once, dedup key `claim-no-dispute:<reference>`) and reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord.coordination import DisputeGrounds
from accord.coordination_ops._disputes import open_dispute_record
from accord.coordination_ops._notify import queue_notification
from accord.coordination_ops._steps import in_force
from accord.coordination_ops._subscriptions import Topic
from accord.store import ClaimStatus, Partner, SatelliteClaim, transaction

__all__ = ["ClaimDisputesReport", "open_disputes_from_claims"]


@dataclass(frozen=True, slots=True)
class ClaimDisputesReport:
    """Disputes opened (or found already open) for contested claims, and pairs without one.

    `without_dispute`: (reference, reason) for each pair no dispute could open for.
    """

    disputes: tuple[str, ...] = ()
    without_dispute: tuple[tuple[str, str], ...] = ()


def _contested_pairs(session: Session) -> list[tuple[int, str, str]]:
    """(norad_id, claimant, respondent) for every later claimant of a contested satellite."""
    rows = session.execute(
        sa.select(SatelliteClaim.norad_id, Partner.handle, SatelliteClaim.claimed_at)
        .join(Partner, Partner.id == SatelliteClaim.partner_id)
        .where(
            SatelliteClaim.status == ClaimStatus.CONTESTED.value,
            SatelliteClaim.withdrawn_at.is_(None),
            Partner.handle.is_not(None),
        )
        .order_by(SatelliteClaim.norad_id, SatelliteClaim.claimed_at, SatelliteClaim.id)
    ).all()
    claimants: dict[int, list[str]] = {}
    for norad_id, handle, _ in rows:
        claimants.setdefault(norad_id, []).append(str(handle))
    return [
        (norad_id, later, handles[0])
        for norad_id, handles in claimants.items()
        for later in handles[1:]
        if later != handles[0]
    ]


def open_disputes_from_claims(engine: Engine, now: datetime) -> ClaimDisputesReport:
    """Open a `contested_claim` dispute for every contested pair (module notes); idempotent.

    One transaction per pair, under the write lock, so concurrent ticks open each once.
    """
    with transaction(engine) as session:
        pairs = _contested_pairs(session)
    disputes: list[str] = []
    without: list[tuple[str, str]] = []
    for norad_id, claimant, respondent in pairs:
        reference = f"claim:{norad_id}:{claimant}:{respondent}"
        with transaction(engine, write_lock=True) as session:
            candidates = sorted(
                (a for a in in_force(session, now) if {claimant, respondent} <= set(a.party_ids)),
                key=lambda a: a.id,
            )
            opened = None
            for agreement in candidates:
                try:
                    opened = open_dispute_record(
                        session,
                        agreement.id,
                        grounds=DisputeGrounds.CONTESTED_CLAIM,
                        claimant=claimant,
                        respondent=respondent,
                        subject=f"{claimant} contests {respondent}'s claim of NORAD {norad_id}",
                        at=now,
                        reference=reference,
                    )
                except ValueError:
                    continue  # this agreement has no dispute clause
                break
            if opened is not None:
                disputes.append(opened.id)
                continue
            reason = (
                f"no agreement in force between {claimant} and {respondent} has a dispute "
                f"clause ({len(candidates)} in force between them); sign one with a "
                "dispute_resolution clause, or withdraw one of the claims"
            )
            without.append((reference, reason))
            for party in (claimant, respondent):
                queue_notification(
                    session,
                    partner=party,
                    subject=f"[Accord] contested claim of NORAD {norad_id}: no dispute opened",
                    body=f"{reference}: {reason}\n",
                    at=now,
                    dedup_key=f"claim-no-dispute:{reference}:{party}",
                    topic=Topic.DISPUTE_STEP,
                    payload={"reference": reference, "reason": reason, "norad_id": norad_id},
                )
    return ClaimDisputesReport(tuple(disputes), tuple(without))
