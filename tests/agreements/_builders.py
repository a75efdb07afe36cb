"""Helpers that build agreement documents and records for the agreements tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from accord.agreements import (
    Agreement,
    AgreementRecord,
    parse_agreement,
    propose,
    sign,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "agreements"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def document(**changes: Any) -> dict[str, Any]:
    """A small valid bilateral document (esa grants jaxa element sets), with top-level changes."""
    base: dict[str, Any] = {
        "format": "accord.agreement/v1",
        "id": "test-agreement",
        "version": 1,
        "title": "Test agreement",
        "parties": [
            {"partner": "esa", "name": "European Space Agency"},
            {"partner": "jaxa", "name": "Japan Aerospace Exploration Agency"},
        ],
        "effective_from": "2026-01-01",
        "clauses": [
            {
                "id": "esa-elsets",
                "data_sharing": {
                    "grantor": "esa",
                    "grantees": ["jaxa"],
                    "data_classes": ["catalog_element_sets"],
                    "assets": "all_claimed",
                },
            }
        ],
    }
    base.update(copy.deepcopy(changes))
    return base


def agreement(**changes: Any) -> Agreement:
    """`document(**changes)` parsed."""
    return parse_agreement(document(**changes), source="test")


def signed_record(doc: Agreement, at: datetime = T0) -> AgreementRecord:
    """Propose `doc` and have every signatory sign it at `at`."""
    first = sorted(doc.signatory_ids)[0]
    record = propose(doc, by=first, at=at)
    for party in sorted(doc.signatory_ids):
        record = sign(
            record,
            party=party,
            at=at,
            version=doc.version,
            content_sha256=record.latest.content_sha256,
        )
    return record
