"""Agreements for people: clauses in plain words next to the document, and who has signed.

The pages call the `/api/v1/agreements` handlers (`accord.service.api.agreements`), so an
agreement is shown exactly to those the API shows it to (its parties, through the
authorisation point) and any other id answers the same 404 page as an absent one. The
typed clauses come from the stored document (`accord.agreements.parse_agreement`); each is
described in words beside the clause as written, and the whole document follows as it is
stored and signed (the signatures cover the SHA-256 of its RFC 8785 canonical JSON).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from accord.access import NotFoundError
from accord.agreements import (
    Agreement,
    AllocationSharesClause,
    AssetSelection,
    Clause,
    CommitmentMetric,
    DataClass,
    DataSharingClause,
    DisputeResolutionClause,
    ReciprocalCommitmentClause,
    parse_agreement,
)
from accord.service.api import agreements as agreements_api
from accord.service.web._session import MaybePrincipal, sign_in_redirect
from accord.service.web._templates import render

__all__ = ["AGREEMENTS_PAGE_SIZE", "ClauseInWords", "clause_in_words", "router"]

router = APIRouter()
AGREEMENTS_PAGE_SIZE = 20
AgreementIdPath = Annotated[str, Path(max_length=64)]

_DATA_CLASS_WORDS = {
    DataClass.CATALOG_ELEMENT_SETS: "catalog element sets",
    DataClass.OPERATOR_EPHEMERIDES: "operator ephemerides",
    DataClass.CONJUNCTION_DATA: "conjunction data (events and CDMs)",
    DataClass.MANOEUVRE_PLANS: "manoeuvre plans",
    DataClass.OBSERVATION_PRODUCTS: "observation products",
    DataClass.CAMPAIGN_PLANS: "campaign plans",
}
#: What each commitment metric obliges, with `{t}` for the threshold in its unit.
_COMMITMENT_WORDS = {
    CommitmentMetric.EPHEMERIS_UPDATE_INTERVAL_H: (
        "update the ephemerides of every satellite it claims at least every {t} hours"
    ),
    CommitmentMetric.CATALOG_UPDATE_INTERVAL_H: (
        "update the element sets of every satellite it claims at least every {t} hours"
    ),
    CommitmentMetric.COORDINATION_RESPONSE_TIME_H: (
        "answer every coordination request within {t} hours"
    ),
    CommitmentMetric.CONJUNCTION_SCREENING_INTERVAL_H: (
        "screen for conjunctions at least every {t} hours"
    ),
    CommitmentMetric.ACQUISITION_OPPORTUNITIES_PER_MONTH: (
        "offer at least {t} acquisition opportunities a month"
    ),
}
_STEP_WORDS = {
    "negotiation": "negotiation between the parties",
    "mediation": "mediation",
    "arbitration": "arbitration",
}


@dataclass(frozen=True, slots=True)
class ClauseInWords:
    """One clause for people: its id, kind, sentences, and the clause as written (YAML)."""

    clause_id: str
    kind: str
    sentences: tuple[str, ...]
    note: str | None
    written: str


def _number(value: float) -> str:
    return f"{value:g}"


def _names(handles: tuple[str, ...] | list[str], names: dict[str, str]) -> str:
    words = [f"{names.get(h, h)} ({h})" for h in handles]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _assets(assets: AssetSelection, grantor: str) -> str:
    if assets.all_claimed:
        return f"every satellite {grantor} claims (and its data tied to no satellite)"
    parts = []
    if assets.norad_ids:
        ids = ", ".join(str(n) for n in sorted(assets.norad_ids))
        parts.append(f"the satellite{'s' if len(assets.norad_ids) > 1 else ''} NORAD {ids}")
    if assets.station_ids:
        ids = ", ".join(sorted(assets.station_ids))
        parts.append(f"the ground station{'s' if len(assets.station_ids) > 1 else ''} {ids}")
    return " and ".join(parts)


def _sharing(clause: DataSharingClause, names: dict[str, str]) -> list[str]:
    classes = [_DATA_CLASS_WORDS[c] for c in DataClass if c in clause.data_classes]
    grantor = names.get(clause.grantor, clause.grantor)
    sentences = [
        f"{grantor} ({clause.grantor}) lets {_names(clause.grantees, names)} read "
        f"{' and '.join(classes)} about {_assets(clause.assets, clause.grantor)}."
    ]
    degradation = clause.degradation
    if degradation.position_precision_km is not None:
        sentences.append(
            f"Positions are coarsened to {_number(degradation.position_precision_km)} km "
            "before they leave (velocities to match)."
        )
    sentences.append(
        "The covariance is withheld."
        if degradation.covariance_withheld
        else "The covariance is released with the data."
        if degradation.position_precision_km is None
        else "The covariance is released."
    )
    if clause.embargo_hours:
        sentences.append(
            f"Embargo: each item is released {_number(clause.embargo_hours)} hours after the "
            "later of its epoch and its submission."
        )
    else:
        sentences.append("No embargo: items are released as soon as they are submitted.")
    sentences.append(
        "Onward sharing: the grantees may pass the data on outside Accord."
        if clause.redistribution_allowed
        else "No onward sharing: the grantees may not pass the data on outside Accord."
    )
    return sentences


def _commitment(clause: ReciprocalCommitmentClause, names: dict[str, str]) -> list[str]:
    duty = _COMMITMENT_WORDS[clause.metric].format(t=_number(clause.threshold))
    return [
        f"{names.get(clause.party, clause.party)} ({clause.party}) commits to {duty}.",
        f"Measured as {clause.metric.value}, {clause.comparison.value.replace('_', ' ')} "
        f"{_number(clause.threshold)}, judged over consecutive periods of "
        f"{clause.period_days} days.",
    ]


def _disputes(clause: DisputeResolutionClause, names: dict[str, str]) -> list[str]:
    sentences = ["Disputes under this agreement go step by step:"]
    for number, step in enumerate(clause.steps, start=1):
        kind = step.kind.value
        who = ""
        if step.mediator is not None:
            label = step.mediator.name or names.get(step.mediator.partner, step.mediator.partner)
            who = f" by {label} ({step.mediator.partner})"
        elif step.body:
            who = f" by {step.body}"
        sentences.append(
            f"{number}. {_STEP_WORDS.get(kind, kind)}{who}, for up to {step.deadline_days} days."
        )
    sentences.append(
        "A step unresolved by its deadline moves to the next one automatically; after the "
        "last, the dispute is exhausted."
    )
    return sentences


def _shares(clause: AllocationSharesClause, names: dict[str, str]) -> list[str]:
    sentences = []
    for pool in clause.pools:
        shares = ", ".join(
            f"{names.get(party, party)} ({party}) {share * 100:g} %" for party, share in pool.shares
        )
        sentences.append(f"Pooled {pool.asset_class.replace('_', ' ')}: {shares}.")
    return sentences


def clause_in_words(
    clause: Clause, names: dict[str, str], written: dict[str, Any]
) -> ClauseInWords:
    """`clause` described in sentences (`names`: partner handle -> party name), beside the
    clause as written in the document (`written`, shown as YAML)."""
    if isinstance(clause, DataSharingClause):
        kind, sentences = "Data sharing", _sharing(clause, names)
    elif isinstance(clause, ReciprocalCommitmentClause):
        kind, sentences = "Commitment", _commitment(clause, names)
    elif isinstance(clause, DisputeResolutionClause):
        kind, sentences = "Dispute resolution", _disputes(clause, names)
    else:
        kind, sentences = "Allocation shares", _shares(clause, names)
    note = written.get("note")
    return ClauseInWords(
        clause.id,
        kind,
        tuple(sentences),
        note if isinstance(note, str) else None,
        _yaml(written),
    )


def _yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=88)


def _not_found(request: Request, principal: Any, agreement_id: str) -> HTMLResponse:
    return render(
        request,
        "not_found.html",
        {
            "principal": principal,
            "what": f"No agreement {agreement_id}",
            "hint": "It does not exist, or your organisation is not one of its parties. The "
            "agreements page lists every agreement you are party to.",
        },
        status_code=404,
    )


@router.get("/agreements", response_class=HTMLResponse, response_model=None)
async def agreements_page(
    request: Request,
    principal: MaybePrincipal,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse | RedirectResponse:
    """The agreements the partner is party to: status, version, signatures awaited."""
    if principal is None:
        return sign_in_redirect(request)
    found = await run_in_threadpool(
        agreements_api.list_agreements,
        request,
        principal,
        limit=AGREEMENTS_PAGE_SIZE,
        offset=(page - 1) * AGREEMENTS_PAGE_SIZE,
    )
    return render(
        request,
        "agreements.html",
        {
            "principal": principal,
            "agreements": found,
            "page": page,
            "pages": max(1, -(-found.total // AGREEMENTS_PAGE_SIZE)),
        },
    )


@router.get("/agreements/{agreement_id}", response_class=HTMLResponse, response_model=None)
async def agreement_page(
    request: Request,
    principal: MaybePrincipal,
    agreement_id: AgreementIdPath,
    version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> HTMLResponse | RedirectResponse:
    """One agreement: each clause in words beside its text, the document, the signatures."""
    if principal is None:
        return sign_in_redirect(request)
    try:
        summary = await run_in_threadpool(
            agreements_api.get_agreement, request, principal, agreement_id
        )
        versions = await run_in_threadpool(
            agreements_api.list_versions, request, principal, agreement_id, limit=1000, offset=0
        )
    except NotFoundError:
        return _not_found(request, principal, agreement_id)
    numbers = [v.number for v in versions.items]
    shown_number = version if version in numbers else summary.latest_version
    shown = versions.items[numbers.index(shown_number)]
    document: Agreement = parse_agreement(
        shown.document, source=f"agreement {agreement_id} v{shown.number}"
    )
    names = {p.partner: p.name for p in document.parties}
    written = shown.document.get("clauses", [])
    clauses = [
        clause_in_words(clause, names, written[i] if i < len(written) else {})
        for i, clause in enumerate(document.clauses)
    ]
    return render(
        request,
        "agreements_detail.html",
        {
            "principal": principal,
            "summary": summary,
            "versions": versions.items,
            "shown": shown,
            "signatures": {s.party: s for s in shown.signatures},
            "agreement": document,
            "clauses": clauses,
            "document_yaml": _yaml(shown.document),
            "now": datetime.now(UTC),
        },
    )
