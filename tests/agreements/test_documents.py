"""Agreement documents: the published schema, loading YAML/JSON, and every validation rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest
import yaml

from accord.agreements import (
    AGREEMENT_FORMAT,
    AgreementValidationError,
    AllocationSharesClause,
    CommitmentMetric,
    DataClass,
    DataSharingClause,
    DisputeResolutionClause,
    DisputeStepKind,
    PartyRole,
    ReciprocalCommitmentClause,
    agreement_schema,
    content_sha256,
    load_agreement,
    parse_agreement,
)
from tests.agreements._builders import EXAMPLES, document


def _problems(doc: Any) -> dict[str, str]:
    with pytest.raises(AgreementValidationError) as caught:
        parse_agreement(doc, source="draft.yaml")
    assert str(caught.value).startswith("draft.yaml: ")
    return {p.path: f"found {p.found}; expected {p.expected}" for p in caught.value.problems}


def test_published_schema_is_valid_draft_2020_12_and_names_the_format() -> None:
    schema = agreement_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["format"]["const"] == AGREEMENT_FORMAT
    schema["title"] = "changed"  # a fresh copy each call: callers cannot corrupt it
    assert agreement_schema()["title"] != "changed"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_validates_against_schema_and_semantics(path: Any) -> None:
    text = path.read_text(encoding="utf-8")
    parsed = load_agreement(text, source=str(path))
    assert parsed.clauses
    jsonschema.validate(parsed.raw, agreement_schema())  # any 2020-12 validator accepts it


def test_example_types_every_clause_kind() -> None:
    text = (EXAMPLES / "leo-data-exchange.yaml").read_text(encoding="utf-8")
    parsed = load_agreement(text, source="leo-data-exchange.yaml")
    assert parsed.effective_from == datetime(2026, 1, 1, tzinfo=UTC)
    assert parsed.signatory_ids == {"esa", "jaxa"}
    ephemerides = parsed.clauses[2]
    assert isinstance(ephemerides, DataSharingClause)
    assert ephemerides.data_classes == {DataClass.OPERATOR_EPHEMERIDES}
    assert ephemerides.assets.norad_ids == {39634, 40697}
    assert ephemerides.degradation.position_precision_km == 10.0
    assert ephemerides.degradation.covariance_withheld
    assert ephemerides.embargo_hours == 24.0
    assert not ephemerides.redistribution_allowed
    commitment = parsed.clauses[3]
    assert isinstance(commitment, ReciprocalCommitmentClause)
    assert commitment.metric is CommitmentMetric.EPHEMERIS_UPDATE_INTERVAL_H
    assert commitment.is_met(23.5) and not commitment.is_met(24.5)
    disputes = parsed.clauses[5]
    assert isinstance(disputes, DisputeResolutionClause)
    assert [s.kind for s in disputes.steps] == list(DisputeStepKind)
    assert disputes.steps[1].mediator is not None
    assert disputes.steps[1].mediator.partner == "unoosa"

    pool_text = (EXAMPLES / "disaster-imaging-pool.yaml").read_text(encoding="utf-8")
    pooled = load_agreement(pool_text, source="disaster-imaging-pool.yaml")
    shares = next(c for c in pooled.clauses if isinstance(c, AllocationSharesClause))
    assert shares.pools[0].share_of("inpe") == 0.2
    assert shares.pools[0].share_of("nobody") == 0.0
    coalition = (EXAMPLES / "conjunction-coalition.yaml").read_text(encoding="utf-8")
    observer = load_agreement(coalition, source="c").parties[3]
    assert observer.role is PartyRole.OBSERVER


def test_json_and_yaml_of_one_document_load_alike_and_hash_alike() -> None:
    doc = document()
    from_json = load_agreement(json.dumps(doc), source="a.json")
    from_yaml = load_agreement(yaml.safe_dump(doc), source="a.yaml")
    assert from_json == from_yaml
    assert content_sha256(from_json) == content_sha256(from_yaml)
    changed = load_agreement(json.dumps(document(title="Other")), source="b.json")
    assert content_sha256(changed) != content_sha256(from_json)


def test_yaml_dates_stay_text_so_times_keep_their_offset() -> None:
    text = yaml.safe_dump(document()).replace(
        "effective_from: '2026-01-01'", "effective_from: 2026-01-01T02:00:00+02:00"
    )
    assert load_agreement(text, source="x").effective_from == datetime(2026, 1, 1, tzinfo=UTC)


def test_broken_yaml_names_source_line_and_column() -> None:
    with pytest.raises(AgreementValidationError, match=r"(?s)bad\.yaml: .*line 2, column"):
        load_agreement("id: x\n  - : [\n", source="bad.yaml")


def test_schema_errors_name_json_path_found_and_expected_all_at_once() -> None:
    doc = document()
    doc["clauses"][0]["data_sharing"]["embargo_hours"] = -3
    doc["clauses"][0]["data_sharing"]["data_classes"] = ["gossip"]
    doc["clauses"].append({"id": "empty"})
    del doc["title"]
    doc["colour"] = "blue"
    problems = _problems(doc)
    assert problems["clauses[0].data_sharing.embargo_hours"] == "found -3; expected at least 0"
    assert problems["clauses[0].data_sharing.data_classes[0]"].startswith(
        'found "gossip"; expected one of catalog_element_sets, operator_ephemerides'
    )
    assert problems["clauses[1]"] == (
        "found no clause body; expected exactly one of data_sharing, "
        "reciprocal_commitment, dispute_resolution, allocation_shares"
    )
    assert problems["title"] == "found nothing; expected this required field"
    assert problems["colour"].startswith("found an unknown field; expected one of ")


def test_two_clause_bodies_in_one_clause_are_refused() -> None:
    doc = document()
    doc["clauses"][0]["dispute_resolution"] = {
        "steps": [{"kind": "negotiation", "deadline_days": 10}]
    }
    assert _problems(doc)["clauses[0]"].startswith(
        "found data_sharing, dispute_resolution; expected exactly one of"
    )


def test_bad_asset_selection_explains_both_forms() -> None:
    doc = document()
    doc["clauses"][0]["data_sharing"]["assets"] = "everything"
    assert "'all_claimed' or a mapping" in _problems(doc)["clauses[0].data_sharing.assets"]


@pytest.mark.parametrize("field", ["status", "signatures"])
def test_lifecycle_fields_are_refused_with_the_reason(field: str) -> None:
    problems = _problems(document(**{field: "in_force"}))
    assert list(problems) == [field]
    assert "derived" in problems[field] or "sign" in problems[field]


def _with_clause(clause: dict[str, Any], **changes: Any) -> dict[str, Any]:
    doc = document(**changes)
    doc["clauses"].append(clause)
    return doc


def test_semantic_checks_list_every_problem_with_its_path() -> None:
    doc = document(effective_until="2025-06-01")
    doc["parties"].append({"partner": "esa", "name": "Again"})
    doc["clauses"][0]["data_sharing"]["grantees"] = ["jaxa", "nasa", "esa"]
    doc["clauses"].append(
        {
            "id": "esa-elsets",
            "reciprocal_commitment": {
                "party": "cnes",
                "metric": "coordination_response_time_h",
                "comparison": "at_least",
                "threshold": 12,
                "period_days": 30,
            },
        }
    )
    doc["clauses"].append(
        {
            "id": "shares",
            "allocation_shares": {"pools": {"sar_minutes": {"esa": 0.5, "jaxa": 0.3, "x": 0.1}}},
        }
    )
    doc["clauses"].append(
        {
            "id": "disputes",
            "dispute_resolution": {
                "steps": [
                    {"kind": "arbitration", "deadline_days": 90},
                    {"kind": "mediation", "deadline_days": 30, "mediator": {"partner": "who"}},
                    {"kind": "negotiation", "deadline_days": 30, "mediator": {"partner": "esa"}},
                ]
            },
        }
    )
    problems = _problems(doc)
    assert set(problems) == {
        "parties[2].partner",
        "effective_until",
        "clauses[1].id",
        "clauses[0].data_sharing.grantees[1]",
        "clauses[0].data_sharing.grantees[2]",
        "clauses[1].reciprocal_commitment.party",
        "clauses[1].reciprocal_commitment.comparison",
        "clauses[2].allocation_shares.pools.sar_minutes.x",
        "clauses[2].allocation_shares.pools.sar_minutes",
        "clauses[3].dispute_resolution.steps[1].kind",
        "clauses[3].dispute_resolution.steps[1].mediator.name",
        "clauses[3].dispute_resolution.steps[2].kind",
        "clauses[3].dispute_resolution.steps[2].mediator",
    }
    assert problems["effective_until"] == (
        "found 2025-06-01; expected a time after effective_from (2026-01-01)"
    )
    assert problems["clauses[2].allocation_shares.pools.sar_minutes"] == (
        "found shares summing to 0.9; expected a sum of 1"
    )
    assert "owners always read their own data" in problems["clauses[0].data_sharing.grantees[2]"]
    assert problems["clauses[1].reciprocal_commitment.comparison"].endswith(
        "expected at_most for metric coordination_response_time_h"
    )


def test_shares_that_sum_to_one_in_decimal_are_accepted() -> None:
    clause = {
        "id": "shares",
        "allocation_shares": {"pools": {"optical": {"esa": 0.1, "jaxa": 0.9}, "sar": {"esa": 1}}},
    }
    parsed = parse_agreement(_with_clause(clause), source="t")
    assert isinstance(parsed.clauses[1], AllocationSharesClause)


def test_mediator_that_is_a_party_needs_no_name_and_observers_cannot_grant() -> None:
    doc = document()
    doc["parties"].append({"partner": "unoosa", "name": "UNOOSA", "role": "observer"})
    doc["clauses"][0]["data_sharing"]["grantor"] = "unoosa"
    doc["clauses"][0]["data_sharing"]["grantees"] = ["jaxa"]
    doc["clauses"].append(
        {
            "id": "d",
            "dispute_resolution": {
                "steps": [{"kind": "mediation", "deadline_days": 5, "mediator": {"partner": "esa"}}]
            },
        }
    )
    assert set(_problems(doc)) == {"clauses[0].data_sharing.grantor"}


def test_an_agreement_needs_two_signatories_and_a_calendar_date() -> None:
    one = document()
    one["parties"][1]["role"] = "observer"
    assert _problems(one)["parties"] == "found 1 signatory; expected at least two signatory parties"
    assert "effective_from/until" in _problems(document(effective_from="2026-02-30"))
