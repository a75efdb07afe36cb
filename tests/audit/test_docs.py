"""docs/audit.md stays true: its action table, examples and worked proofs are checked here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accord.audit import (
    ACTION_SPECS,
    AuditAction,
    InMemorySubtreeHashes,
    NoteVerifier,
    consistency_proof,
    content_sha256,
    entry_leaf_hash,
    inclusion_proof,
    leaf_hash,
    open_checkpoint,
    parse_entry,
    submission_statement,
    tree_root,
    verify_entry_submission,
)
from tests.audit.test_merkle_vectors import VECTOR_LEAVES, VECTOR_ROOT_8

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"
EXAMPLE_PAYLOAD = b"example catalog batch\n"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _block(doc: str, name: str) -> str:
    """The fenced code block right after `<!-- example: name -->`."""
    match = re.search(rf"<!-- example: {name} -->\n```\w*\n(.*?)```", doc, re.DOTALL)
    assert match, f"docs/audit.md has no example block {name!r}"
    return match.group(1)


def _inline(doc: str, name: str) -> str:
    """The inline code right after `<!-- example: name -->`."""
    match = re.search(rf"<!-- example: {name} -->`([^`]+)`", doc)
    assert match, f"docs/audit.md has no inline example {name!r}"
    return match.group(1)


def test_action_table_lists_exactly_the_registered_actions(doc: str) -> None:
    table = doc.split("<!-- actions -->", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.strip().splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = (cells[1], cells[2].strip("`") or None)
    expected = {
        action.value: (spec.summary, spec.submission_kind) for action, spec in ACTION_SPECS.items()
    }
    assert rows == expected


def test_example_entry_parses_hashes_and_its_signature_verifies(doc: str) -> None:
    entry = parse_entry(_block(doc, "entry").rstrip("\n").encode("utf-8"))
    assert entry_leaf_hash(entry).hex() == _inline(doc, "leaf-hash")
    assert entry.content_sha256 == content_sha256(EXAMPLE_PAYLOAD)
    partner_key = NoteVerifier.from_vkey(_inline(doc, "partner-key"))
    # Entries name partners by store id, never by handle or name.
    assert partner_key.name == entry.actor.partner_id == "7"
    verify_entry_submission(entry, partner_key.public_key)


def test_example_statement_is_what_partners_sign(doc: str) -> None:
    expected = submission_statement(
        AuditAction.CATALOG_BATCH_ACCEPTED, "7", content_sha256(EXAMPLE_PAYLOAD)
    )
    assert _block(doc, "statement").encode("utf-8") == expected


def test_example_checkpoint_opens_with_the_documented_log_key(doc: str) -> None:
    checkpoint = open_checkpoint(
        _block(doc, "checkpoint"), NoteVerifier.from_vkey(_inline(doc, "log-key"))
    )
    assert (checkpoint.origin, checkpoint.tree_size) == ("accord.example/log", 8)
    assert checkpoint.root_hash == VECTOR_ROOT_8


def test_worked_proof_examples(doc: str) -> None:
    store = InMemorySubtreeHashes.from_leaf_hashes(leaf_hash(leaf) for leaf in VECTOR_LEAVES)
    inclusion = ", ".join(f"`{h.hex()[:8]}...`" for h in inclusion_proof(store, 5, 8))
    consistency = ", ".join(f"`{h.hex()[:8]}...`" for h in consistency_proof(store, 6, 8))
    flat = " ".join(doc.split())
    assert f"leaf 5 in the tree of 8 is {inclusion}" in flat
    assert f"from 6 to 8 is {consistency}" in flat
    assert f"6-leaf root `{tree_root(store, 6).hex()[:8]}...`" in flat
    assert VECTOR_ROOT_8.hex() in flat
