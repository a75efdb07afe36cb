"""docs/agreements.md stays true: its decisions table and its Cedar example are checked here."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from accord.agreements import (
    AccessAction,
    AccessRequest,
    DataClass,
    Principal,
    PrincipalRole,
    Resource,
    agreements_in_force,
    authorize,
    compile_policy,
    load_agreement,
)
from tests.agreements._builders import EXAMPLES, signed_record

DOC = Path(__file__).resolve().parents[2] / "docs" / "agreements.md"
SIGNED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def _rows(example: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    block = text.split(f"<!-- decisions:{example} -->", 1)[1].split("<!-- /decisions -->", 1)[0]
    lines = [line for line in block.strip().splitlines()[2:] if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


ROWS = _rows("leo-data-exchange.yaml")


@pytest.mark.parametrize("row", ROWS, ids=[f"row{i}" for i in range(len(ROWS))])
def test_documented_decisions_of_the_bilateral_example(row: list[str]) -> None:
    partner, role, action, kind, owner, norad, epoch, at, allowed, policies, km, cov = row
    path = EXAMPLES / "leo-data-exchange.yaml"
    record = signed_record(load_agreement(path.read_text(encoding="utf-8"), source=str(path)))
    policy = compile_policy(agreements_in_force([record], _time(at)))
    resource = Resource(
        DataClass(kind),
        owner,
        norad_id=int(norad),
        data_epoch=_time(epoch),
        submitted_at=_time(epoch),
    )
    principal = Principal(partner, frozenset({PrincipalRole(role)}))
    decision = authorize(
        AccessRequest(principal, AccessAction(action), resource, _time(at)), policy
    )
    assert decision.allowed == (allowed == "yes")
    if not decision.allowed:
        return
    base = [p for p in decision.policy_ids if p.startswith("base/")]
    assert base + [c.clause_id for c in decision.clauses] == policies.split(", ")
    assert decision.conditions is not None
    degradation = decision.conditions.degradation
    assert degradation.position_precision_km == (None if km == "-" else float(km))
    assert degradation.covariance_withheld == (cov == "withheld")


def test_the_cedar_example_in_the_docs_is_what_the_compiler_writes() -> None:
    text = DOC.read_text(encoding="utf-8")
    shown = re.search(r"```cedar\n(.*?)```", text, re.DOTALL)
    assert shown is not None
    path = EXAMPLES / "leo-data-exchange.yaml"
    policy = compile_policy([load_agreement(path.read_text(encoding="utf-8"), source=str(path))])
    assert shown.group(1) in policy.cedar_text


def test_every_example_is_described_in_the_docs() -> None:
    text = DOC.read_text(encoding="utf-8")
    for path in EXAMPLES.glob("*.yaml"):
        assert f"`{path.name}`" in text
