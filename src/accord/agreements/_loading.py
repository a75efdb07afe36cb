"""Reading agreement documents: YAML or JSON text -> schema check -> semantic check -> dataclasses.

Every problem is collected before raising, so a drafter fixes a document in one round.
Paths are written `clauses[2].data_sharing.embargo_hours`, the way a reader finds them.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from functools import cache
from importlib import resources
from typing import Any, cast

import jsonschema
import rfc8785
import yaml

from accord.agreements._document import (
    Agreement,
    AllocationPool,
    AllocationSharesClause,
    AssetSelection,
    Clause,
    DataSharingClause,
    Degradation,
    DisputeResolutionClause,
    DisputeStep,
    Mediator,
    Party,
    ReciprocalCommitmentClause,
)
from accord.agreements._errors import AgreementProblem, AgreementValidationError
from accord.agreements._vocabulary import (
    CommitmentMetric,
    Comparison,
    DataClass,
    DisputeStepKind,
    PartyRole,
)

__all__ = [
    "SHARE_SUM_TOLERANCE",
    "agreement_schema",
    "content_sha256",
    "load_agreement",
    "parse_agreement",
]

#: How far a pool's shares may sum from exactly 1 (decimal fractions such as 0.1 are inexact).
SHARE_SUM_TOLERANCE = 1e-9

_SCHEMA_RESOURCE = "agreement-v1.schema.json"
_CLAUSE_KINDS = ("data_sharing", "reciprocal_commitment", "dispute_resolution", "allocation_shares")
#: Fields that describe a lifecycle, not content: they are stored beside the document.
_LIFECYCLE_FIELDS = {
    "status": "no 'status': draft/signed/in force are derived from signatures and dates, "
    "suspension and termination are recorded events (docs/agreements.md, 'Status')",
    "signatures": "no 'signatures': parties sign a stored version with `accord agreement sign`, "
    "the document is what they sign",
}
#: The natural direction of each metric: an interval is a maximum, a count a minimum.
_METRIC_DIRECTION = {
    CommitmentMetric.EPHEMERIS_UPDATE_INTERVAL_H: Comparison.AT_MOST,
    CommitmentMetric.CATALOG_UPDATE_INTERVAL_H: Comparison.AT_MOST,
    CommitmentMetric.COORDINATION_RESPONSE_TIME_H: Comparison.AT_MOST,
    CommitmentMetric.CONJUNCTION_SCREENING_INTERVAL_H: Comparison.AT_MOST,
    CommitmentMetric.ACQUISITION_OPPORTUNITIES_PER_MONTH: Comparison.AT_LEAST,
}
_ESCALATION = list(DisputeStepKind)


@cache
def _schema_text() -> str:
    return (
        resources.files("accord.agreements")
        .joinpath("schema", _SCHEMA_RESOURCE)
        .read_text(encoding="utf-8")
    )


def agreement_schema() -> dict[str, Any]:
    """The published JSON Schema (draft 2020-12) of agreement documents, as a fresh dict."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = agreement_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


class _ContentLoader(yaml.SafeLoader):
    """YAML safe loader that keeps dates as text, so both YAML and JSON reach the schema alike."""


_ContentLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_agreement(text: str, *, source: str) -> Agreement:
    """Read one agreement document from YAML or JSON text (JSON is YAML) and validate it.

    `source` names the input in error messages (a file path, `api:POST /agreements`).
    Raises AgreementValidationError listing every problem found.
    """
    try:
        document = yaml.load(text, Loader=_ContentLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        raise AgreementValidationError(
            source,
            [
                AgreementProblem(
                    "", f"text that is not YAML/JSON at {where}", "a YAML or JSON mapping"
                )
            ],
        ) from exc
    return parse_agreement(document, source=source)


def parse_agreement(document: object, *, source: str) -> Agreement:
    """Validate an already-decoded document (plain dict/list/str/number) and type it."""
    problems = _schema_problems(document)
    if not problems:
        assert isinstance(document, dict)
        problems = _semantic_problems(document)
    if problems:
        raise AgreementValidationError(source, problems)
    assert isinstance(document, dict)
    return _build(document)


def content_sha256(agreement: Agreement) -> str:
    """SHA-256 (hex) of the document's RFC 8785 canonical JSON: what a signature covers."""
    canonical = rfc8785.dumps(cast(Any, agreement.raw))
    return hashlib.sha256(canonical).hexdigest()


# --- schema problems ---------------------------------------------------------------------


def _path_text(parts: Iterable[object]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _found(instance: object) -> str:
    text = json.dumps(instance, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _schema_problems(document: object) -> list[AgreementProblem]:
    if not isinstance(document, dict):
        return [AgreementProblem("", _found(document), "a mapping of agreement fields")]
    problems = [
        AgreementProblem(name, _found(document[name]), expected)
        for name, expected in _LIFECYCLE_FIELDS.items()
        if name in document
    ]
    stripped = {k: v for k, v in document.items() if k not in _LIFECYCLE_FIELDS}
    errors = sorted(_validator().iter_errors(stripped), key=lambda e: list(e.absolute_path))
    problems += [p for error in errors for p in _describe(error)]
    return problems


def _describe(error: jsonschema.ValidationError) -> list[AgreementProblem]:
    parts = list(error.absolute_path)
    path = _path_text(parts)
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    if kind == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        return [
            AgreementProblem(_path_text([*parts, name]), "nothing", "this required field")
            for name in missing
        ]
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(schema.get("properties", {}))
        extra = [k for k in error.instance if k not in known]
        return [
            AgreementProblem(
                _path_text([*parts, name]), "an unknown field", f"one of {', '.join(known)}"
            )
            for name in extra
        ]
    if kind == "oneOf" and parts and parts[-1] == "assets":
        expected = "'all_claimed' or a mapping with norad_ids and/or station_ids lists"
        return [AgreementProblem(path, _found(error.instance), expected)]
    if kind == "oneOf" and isinstance(error.instance, dict):
        present = [k for k in _CLAUSE_KINDS if k in error.instance]
        found = ", ".join(present) if present else "no clause body"
        return [AgreementProblem(path, found, f"exactly one of {', '.join(_CLAUSE_KINDS)}")]
    if kind == "enum":
        options = ", ".join(str(v) for v in error.validator_value)
        return [AgreementProblem(path, _found(error.instance), f"one of {options}")]
    if kind == "const":
        return [AgreementProblem(path, _found(error.instance), _found(error.validator_value))]
    if kind == "pattern":
        expected = schema.get("description", f"text matching {error.validator_value}")
        return [AgreementProblem(path, _found(error.instance), expected)]
    if kind == "type":
        return [AgreementProblem(path, _found(error.instance), f"a {error.validator_value}")]
    if kind in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}:
        words = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "more than",
            "exclusiveMaximum": "less than",
        }[kind]
        return [AgreementProblem(path, _found(error.instance), f"{words} {error.validator_value}")]
    if kind in {"minItems", "minProperties"}:
        return [AgreementProblem(path, _found(error.instance), f"{kind} {error.validator_value}")]
    if kind == "uniqueItems":
        return [AgreementProblem(path, _found(error.instance), "no repeated entries")]
    return [AgreementProblem(path, _found(error.instance), error.message)]


# --- semantic problems -------------------------------------------------------------------


def _instant(text: str) -> datetime:
    """A schema-valid instant as a UTC datetime (a bare date is midnight UTC)."""
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    return datetime.fromisoformat(text).astimezone(UTC)


def _semantic_problems(document: dict[str, Any]) -> list[AgreementProblem]:
    problems: list[AgreementProblem] = []
    parties: list[dict[str, Any]] = document["parties"]
    party_ids = [p["partner"] for p in parties]
    signatories = {p["partner"] for p in parties if p.get("role", "signatory") == "signatory"}
    problems += _repeats(party_ids, "parties", "partner", "each partner listed once")
    if len(signatories) < 2:
        problems.append(
            AgreementProblem(
                "parties", f"{len(signatories)} signatory", "at least two signatory parties"
            )
        )
    try:
        start = _instant(document["effective_from"])
        end = _instant(document["effective_until"]) if "effective_until" in document else None
    except ValueError as exc:  # the pattern admits 2026-02-30; the calendar does not
        problems.append(AgreementProblem("effective_from/until", str(exc), "a calendar date"))
    else:
        if end is not None and end <= start:
            problems.append(
                AgreementProblem(
                    "effective_until",
                    document["effective_until"],
                    f"a time after effective_from ({document['effective_from']})",
                )
            )
    clauses: list[dict[str, Any]] = document["clauses"]
    problems += _repeats([c["id"] for c in clauses], "clauses", "id", "unique clause ids")
    known = set(party_ids)
    for index, clause in enumerate(clauses):
        base = f"clauses[{index}]"
        if "data_sharing" in clause:
            problems += _check_sharing(
                clause["data_sharing"], f"{base}.data_sharing", known, signatories
            )
        elif "reciprocal_commitment" in clause:
            problems += _check_commitment(
                clause["reciprocal_commitment"], f"{base}.reciprocal_commitment", signatories
            )
        elif "dispute_resolution" in clause:
            problems += _check_disputes(
                clause["dispute_resolution"], f"{base}.dispute_resolution", known
            )
        else:
            problems += _check_shares(
                clause["allocation_shares"], f"{base}.allocation_shares", known
            )
    return problems


def _repeats(
    values: Sequence[str], list_path: str, key: str, expected: str
) -> list[AgreementProblem]:
    seen: set[str] = set()
    problems = []
    for index, value in enumerate(values):
        if value in seen:
            problems.append(
                AgreementProblem(f"{list_path}[{index}].{key}", _found(value), expected)
            )
        seen.add(value)
    return problems


def _not_party(path: str, partner: str, known: set[str], what: str) -> list[AgreementProblem]:
    if partner in known:
        return []
    return [AgreementProblem(path, _found(partner), f"{what} ({', '.join(sorted(known))})")]


def _check_sharing(
    body: dict[str, Any], path: str, known: set[str], signatories: set[str]
) -> list[AgreementProblem]:
    problems = _not_party(f"{path}.grantor", body["grantor"], signatories, "a signatory party")
    for index, grantee in enumerate(body["grantees"]):
        problems += _not_party(f"{path}.grantees[{index}]", grantee, known, "a party")
        if grantee == body["grantor"]:
            problems.append(
                AgreementProblem(
                    f"{path}.grantees[{index}]",
                    _found(grantee),
                    "a party other than the grantor (owners always read their own data)",
                )
            )
    return problems


def _check_commitment(
    body: dict[str, Any], path: str, signatories: set[str]
) -> list[AgreementProblem]:
    problems = _not_party(f"{path}.party", body["party"], signatories, "a signatory party")
    natural = _METRIC_DIRECTION[CommitmentMetric(body["metric"])]
    if body["comparison"] != natural.value:
        problems.append(
            AgreementProblem(
                f"{path}.comparison",
                _found(body["comparison"]),
                f"{natural.value} for metric {body['metric']}",
            )
        )
    return problems


def _check_disputes(body: dict[str, Any], path: str, known: set[str]) -> list[AgreementProblem]:
    problems: list[AgreementProblem] = []
    last = -1
    for index, step in enumerate(body["steps"]):
        here = f"{path}.steps[{index}]"
        rank = _ESCALATION.index(DisputeStepKind(step["kind"]))
        if rank <= last:
            problems.append(
                AgreementProblem(
                    f"{here}.kind",
                    _found(step["kind"]),
                    "steps in escalation order negotiation, mediation, arbitration, each once",
                )
            )
        last = max(last, rank)
        mediator = step.get("mediator")
        if step["kind"] == "mediation" and mediator is None:
            problems.append(
                AgreementProblem(f"{here}.mediator", "nothing", "the mediating partner")
            )
        elif step["kind"] != "mediation" and mediator is not None:
            problems.append(
                AgreementProblem(
                    f"{here}.mediator", _found(mediator), "no mediator outside mediation"
                )
            )
        elif mediator is not None and mediator["partner"] not in known and "name" not in mediator:
            problems.append(
                AgreementProblem(
                    f"{here}.mediator.name",
                    "nothing",
                    f"the name of {mediator['partner']!r}, which is not a party",
                )
            )
    return problems


def _check_shares(body: dict[str, Any], path: str, known: set[str]) -> list[AgreementProblem]:
    problems: list[AgreementProblem] = []
    for pool, shares in body["pools"].items():
        for partner in shares:
            problems += _not_party(f"{path}.pools.{pool}.{partner}", partner, known, "a party")
        total = math.fsum(shares.values())
        if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
            problems.append(
                AgreementProblem(
                    f"{path}.pools.{pool}", f"shares summing to {total:.12g}", "a sum of 1"
                )
            )
    return problems


# --- building the dataclasses ----------------------------------------------------------


def _build(document: dict[str, Any]) -> Agreement:
    clauses = tuple(_build_clause(c) for c in document["clauses"])
    until = document.get("effective_until")
    return Agreement(
        id=document["id"],
        version=document["version"],
        title=document["title"],
        parties=tuple(
            Party(p["partner"], p["name"], PartyRole(p.get("role", "signatory")))
            for p in document["parties"]
        ),
        effective_from=_instant(document["effective_from"]),
        effective_until=_instant(until) if until is not None else None,
        clauses=clauses,
        raw=json.loads(json.dumps(document)),
    )


def _build_clause(clause: Mapping[str, Any]) -> Clause:
    cid = clause["id"]
    if "data_sharing" in clause:
        body = clause["data_sharing"]
        assets = body["assets"]
        selection = (
            AssetSelection(all_claimed=True)
            if assets == "all_claimed"
            else AssetSelection(
                all_claimed=False,
                norad_ids=frozenset(assets.get("norad_ids", ())),
                station_ids=frozenset(assets.get("station_ids", ())),
            )
        )
        degradation = body.get("degradation", {})
        precision = degradation.get("position_precision_km")
        return DataSharingClause(
            id=cid,
            grantor=body["grantor"],
            grantees=tuple(body["grantees"]),
            data_classes=frozenset(DataClass(c) for c in body["data_classes"]),
            assets=selection,
            degradation=Degradation(
                position_precision_km=float(precision) if precision is not None else None,
                covariance_withheld=degradation.get("covariance", "released") == "withheld",
            ),
            embargo_hours=float(body.get("embargo_hours", 0)),
            redistribution_allowed=bool(body.get("redistribution", False)),
        )
    if "reciprocal_commitment" in clause:
        body = clause["reciprocal_commitment"]
        return ReciprocalCommitmentClause(
            id=cid,
            party=body["party"],
            metric=CommitmentMetric(body["metric"]),
            comparison=Comparison(body["comparison"]),
            threshold=float(body["threshold"]),
            period_days=int(body["period_days"]),
        )
    if "dispute_resolution" in clause:
        steps = []
        for step in clause["dispute_resolution"]["steps"]:
            mediator = step.get("mediator")
            steps.append(
                DisputeStep(
                    kind=DisputeStepKind(step["kind"]),
                    deadline_days=int(step["deadline_days"]),
                    mediator=Mediator(mediator["partner"], mediator.get("name"))
                    if mediator
                    else None,
                    body=step.get("body"),
                )
            )
        return DisputeResolutionClause(id=cid, steps=tuple(steps))
    pools = clause["allocation_shares"]["pools"]
    return AllocationSharesClause(
        id=cid,
        pools=tuple(
            AllocationPool(name, tuple((p, float(s)) for p, s in shares.items()))
            for name, shares in pools.items()
        ),
    )
