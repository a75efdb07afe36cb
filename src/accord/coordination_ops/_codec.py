"""Cases and disputes of the pure core as plain JSON, and back (the store's `document`).

The encoding is private to the store: field names are those of the dataclasses, times ISO
8601 UTC. A round trip gives an equal value (tests check it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from accord.agreements import DisputeStep, DisputeStepKind, Mediator
from accord.coordination import (
    CaseResolution,
    CaseState,
    CaseTrigger,
    CoordinationCase,
    CoordinationTerms,
    Decision,
    Dispute,
    DisputeGrounds,
    DisputeMessage,
    DisputeState,
    Encounter,
    EncounterSide,
    EvidenceItem,
    InclusionProof,
    Manoeuvre,
    ObjectType,
    OrbitRegime,
    Proposal,
    ProposalKind,
)

__all__ = [
    "case_from_json",
    "case_to_json",
    "decision_to_json",
    "dispute_from_json",
    "dispute_to_json",
    "proof_from_json",
    "proof_to_json",
    "proposal_to_json",
]


def _t(value: datetime) -> str:
    return value.isoformat()


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _side_to_json(side: EncounterSide) -> dict[str, Any]:
    return {
        "norad_id": side.norad_id,
        "object_type": side.object_type.value,
        "manoeuvrable": side.manoeuvrable,
        "operator": side.operator,
        "pc_threshold": side.pc_threshold,
    }


def _side(data: Mapping[str, Any]) -> EncounterSide:
    return EncounterSide(
        int(data["norad_id"]),
        ObjectType(data["object_type"]),
        bool(data["manoeuvrable"]),
        data["operator"],
        data["pc_threshold"],
    )


def proposal_to_json(proposal: Proposal) -> dict[str, Any]:
    """A proposal as JSON (also the `proposal` column of a case)."""
    return {
        "number": proposal.number,
        "kind": proposal.kind.value,
        "proposed_by": proposal.proposed_by,
        "proposed_at": _t(proposal.proposed_at),
        "manoeuvre": proposal.manoeuvre.value,
        "acting_operators": list(proposal.acting_operators),
        "rationale": proposal.rationale,
        "deadlines": {p: _t(d) for p, d in sorted(proposal.deadlines.items())},
        "rule_id": proposal.rule_id,
        "reasons": list(proposal.reasons),
        "accepted_by": sorted(proposal.accepted_by),
    }


def _proposal(data: Mapping[str, Any]) -> Proposal:
    return Proposal(
        number=int(data["number"]),
        kind=ProposalKind(data["kind"]),
        proposed_by=data["proposed_by"],
        proposed_at=_dt(data["proposed_at"]),
        manoeuvre=Manoeuvre(data["manoeuvre"]),
        acting_operators=tuple(data["acting_operators"]),
        rationale=data["rationale"],
        deadlines={p: _dt(d) for p, d in data["deadlines"].items()},
        rule_id=data["rule_id"],
        reasons=tuple(data["reasons"]),
        accepted_by=frozenset(data["accepted_by"]),
    )


def case_to_json(case: CoordinationCase) -> dict[str, Any]:
    """The whole case as JSON."""
    trigger, encounter = case.trigger, case.encounter
    return {
        "id": case.id,
        "trigger": {
            "event_id": trigger.event_id,
            "tca": _t(trigger.tca),
            "miss_km": trigger.miss_km,
            "pc": trigger.pc,
            "alert_level": trigger.alert_level,
        },
        "encounter": {
            "primary": _side_to_json(encounter.primary),
            "secondary": _side_to_json(encounter.secondary),
            "regime": encounter.regime.value,
            "relative_speed_km_s": encounter.relative_speed_km_s,
        },
        "parties": list(case.parties),
        "terms": {
            "agreement_ids": list(case.terms.agreement_ids),
            "response_time_h": dict(case.terms.response_time_h),
            "commitments": list(case.terms.commitments),
        },
        "state": case.state.value,
        "opened_at": _t(case.opened_at),
        "updated_at": _t(case.updated_at),
        "proposals": [proposal_to_json(p) for p in case.proposals],
        "resolution": case.resolution.value if case.resolution else None,
        "refused_by": case.refused_by,
        "missed_by": list(case.missed_by),
        "note": case.note,
    }


def case_from_json(data: Mapping[str, Any]) -> CoordinationCase:
    """The case `case_to_json` wrote."""
    trigger, encounter, terms = data["trigger"], data["encounter"], data["terms"]
    return CoordinationCase(
        id=data["id"],
        trigger=CaseTrigger(
            int(trigger["event_id"]),
            _dt(trigger["tca"]),
            float(trigger["miss_km"]),
            trigger["pc"],
            trigger["alert_level"],
        ),
        encounter=Encounter(
            _side(encounter["primary"]),
            _side(encounter["secondary"]),
            OrbitRegime(encounter["regime"]),
            float(encounter["relative_speed_km_s"]),
        ),
        parties=tuple(data["parties"]),
        terms=CoordinationTerms(
            tuple(terms["agreement_ids"]),
            {p: float(h) for p, h in terms["response_time_h"].items()},
            tuple(terms["commitments"]),
        ),
        state=CaseState(data["state"]),
        opened_at=_dt(data["opened_at"]),
        updated_at=_dt(data["updated_at"]),
        proposals=tuple(_proposal(p) for p in data["proposals"]),
        resolution=CaseResolution(data["resolution"]) if data["resolution"] else None,
        refused_by=data["refused_by"],
        missed_by=tuple(data["missed_by"]),
        note=data["note"],
    )


def proof_to_json(proof: InclusionProof | None) -> dict[str, Any] | None:
    """An inclusion proof as JSON (hex hashes), None stays None."""
    if proof is None:
        return None
    return {
        "leaf_index": proof.leaf_index,
        "tree_size": proof.tree_size,
        "audit_path": list(proof.audit_path),
        "root_hash": proof.root_hash,
    }


def proof_from_json(data: Mapping[str, Any] | None) -> InclusionProof | None:
    """The proof `proof_to_json` wrote."""
    if data is None:
        return None
    return InclusionProof(
        int(data["leaf_index"]),
        int(data["tree_size"]),
        tuple(data["audit_path"]),
        data["root_hash"],
    )


def decision_to_json(decision: Decision | None) -> dict[str, Any] | None:
    """A dispute's decision as JSON."""
    if decision is None:
        return None
    return {
        "step": decision.step.value,
        "decided_by": decision.decided_by,
        "decided_at": _t(decision.decided_at),
        "outcome": decision.outcome,
        "reasons": list(decision.reasons),
        "agreed_by": sorted(decision.agreed_by),
    }


def _decision(data: Mapping[str, Any] | None) -> Decision | None:
    if data is None:
        return None
    return Decision(
        DisputeStepKind(data["step"]),
        data["decided_by"],
        _dt(data["decided_at"]),
        data["outcome"],
        tuple(data["reasons"]),
        frozenset(data["agreed_by"]),
    )


def _step_to_json(step: DisputeStep) -> dict[str, Any]:
    mediator = step.mediator
    return {
        "kind": step.kind.value,
        "deadline_days": step.deadline_days,
        "mediator": None
        if mediator is None
        else {"partner": mediator.partner, "name": mediator.name},
        "body": step.body,
    }


def _step(data: Mapping[str, Any]) -> DisputeStep:
    mediator = data["mediator"]
    return DisputeStep(
        DisputeStepKind(data["kind"]),
        int(data["deadline_days"]),
        None if mediator is None else Mediator(mediator["partner"], mediator["name"]),
        data["body"],
    )


def dispute_to_json(dispute: Dispute) -> dict[str, Any]:
    """The dispute without messages and evidence (they have their own rows)."""
    return {
        "id": dispute.id,
        "agreement_id": dispute.agreement_id,
        "clause_id": dispute.clause_id,
        "steps": [_step_to_json(s) for s in dispute.steps],
        "grounds": dispute.grounds.value,
        "claimant": dispute.claimant,
        "respondent": dispute.respondent,
        "subject": dispute.subject,
        "reference": dispute.reference,
        "opened_at": _t(dispute.opened_at),
        "state": dispute.state.value,
        "step_index": dispute.step_index,
        "step_started_at": _t(dispute.step_started_at),
        "updated_at": _t(dispute.updated_at),
        "decision": decision_to_json(dispute.decision),
    }


def dispute_from_json(
    data: Mapping[str, Any],
    messages: tuple[DisputeMessage, ...] = (),
    evidence: tuple[EvidenceItem, ...] = (),
) -> Dispute:
    """The dispute `dispute_to_json` wrote, with its messages and evidence rows."""
    return Dispute(
        id=data["id"],
        agreement_id=data["agreement_id"],
        clause_id=data["clause_id"],
        steps=tuple(_step(s) for s in data["steps"]),
        grounds=DisputeGrounds(data["grounds"]),
        claimant=data["claimant"],
        respondent=data["respondent"],
        subject=data["subject"],
        reference=data["reference"],
        opened_at=_dt(data["opened_at"]),
        state=DisputeState(data["state"]),
        step_index=int(data["step_index"]),
        step_started_at=_dt(data["step_started_at"]),
        updated_at=_dt(data["updated_at"]),
        messages=messages,
        evidence=evidence,
        decision=_decision(data["decision"]),
    )
