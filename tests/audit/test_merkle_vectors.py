"""The Merkle core against the published RFC 6962 vectors of transparency-dev/merkle.

Vectors: ../shared/data/merkle/{inclusion,consistency}/ (SOURCES.md), each a JSON case with
base64 hashes and `wantErr`. Every happy path must verify and every tampered variant fail.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from accord.audit import (
    EMPTY_ROOT,
    InMemorySubtreeHashes,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_tree_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

#: The eight leaf inputs of the vectors (SOURCES.md, merkle/).
VECTOR_LEAVES = [
    bytes.fromhex(text)
    for text in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
#: MTH of all eight (SOURCES.md; also RFC 6962's reference tree).
VECTOR_ROOT_8 = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
#: Cases per folder in the pinned commit (all, happy paths); fewer means the data was cut.
EXPECTED_CASES = {"inclusion": 98, "consistency": 98}
EXPECTED_HAPPY_PATHS = 6


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _cases(shared: Callable[[str], Path], kind: str) -> list[tuple[str, dict]]:
    folder = shared(f"merkle/{kind}")
    found = [
        (str(path.relative_to(folder)), json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(folder.rglob("*.json"))
    ]
    assert len(found) == EXPECTED_CASES[kind], f"{folder} holds {len(found)} cases"
    return found


def _verify_inclusion_case(case: dict) -> None:
    verify_inclusion(
        _b64(case["leafHash"]),
        case["leafIdx"],
        case["treeSize"],
        [_b64(element) for element in case["proof"] or []],
        _b64(case["root"]),
    )


def _verify_consistency_case(case: dict) -> None:
    verify_consistency(
        case["size1"],
        case["size2"],
        [_b64(element) for element in case["proof"] or []],
        _b64(case["root1"]),
        _b64(case["root2"]),
    )


def test_every_inclusion_vector_verifies_or_fails_as_published(shared) -> None:
    wrong = []
    outcomes = {True: 0, False: 0}
    for name, case in _cases(shared, "inclusion"):
        try:
            _verify_inclusion_case(case)
            failed = False
        except ProofError:
            failed = True
        outcomes[failed] += 1
        if failed != case["wantErr"]:
            wrong.append(f"{name}: wantErr={case['wantErr']} but failed={failed}")
    assert wrong == []
    assert outcomes[False] == EXPECTED_HAPPY_PATHS


def test_every_consistency_vector_verifies_or_fails_as_published(shared) -> None:
    wrong = []
    outcomes = {True: 0, False: 0}
    for name, case in _cases(shared, "consistency"):
        try:
            _verify_consistency_case(case)
            failed = False
        except ProofError:
            failed = True
        outcomes[failed] += 1
        if failed != case["wantErr"]:
            wrong.append(f"{name}: wantErr={case['wantErr']} but failed={failed}")
    assert wrong == []
    assert outcomes[False] == EXPECTED_HAPPY_PATHS


def test_proofs_generated_from_subtree_store_equal_the_published_happy_paths(shared) -> None:
    """Generation, not only verification, reproduces the vectors' proofs byte for byte."""
    store = InMemorySubtreeHashes.from_leaf_hashes(leaf_hash(leaf) for leaf in VECTOR_LEAVES)
    checked = 0
    for name, case in _cases(shared, "inclusion"):
        if case["wantErr"] or case["treeSize"] > len(VECTOR_LEAVES):
            continue
        if _b64(case["leafHash"]) != leaf_hash(VECTOR_LEAVES[case["leafIdx"]]):
            continue  # a case over an arbitrary leaf hash, not the eight vector leaves
        generated = inclusion_proof(store, case["leafIdx"], case["treeSize"])
        assert generated == [_b64(element) for element in case["proof"] or []], name
        assert tree_root(store, case["treeSize"]) == _b64(case["root"]), name
        checked += 1
    for name, case in _cases(shared, "consistency"):
        if case["wantErr"] or case["size1"] == 0 or case["size2"] > len(VECTOR_LEAVES):
            continue
        generated = consistency_proof(store, case["size1"], case["size2"])
        assert generated == [_b64(element) for element in case["proof"] or []], name
        checked += 1
    assert checked >= 8


def test_root_of_the_eight_vector_leaves() -> None:
    hashes = [leaf_hash(leaf) for leaf in VECTOR_LEAVES]
    store = InMemorySubtreeHashes.from_leaf_hashes(hashes)
    assert merkle_tree_hash(hashes) == VECTOR_ROOT_8
    assert tree_root(store, 8) == VECTOR_ROOT_8
    assert store.compact_range.root == VECTOR_ROOT_8


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    expected = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert EMPTY_ROOT == expected
    assert merkle_tree_hash([]) == expected
    assert tree_root(InMemorySubtreeHashes(), 0) == expected


@pytest.mark.parametrize(
    ("entry", "expected_hex"),
    [
        # RFC 6962 test data as used by the vectors: MTH({d}) = SHA-256(0x00 || d).
        (b"", "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        (b"\x00", "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
    ],
)
def test_leaf_hash_prefixes_zero_byte(entry: bytes, expected_hex: str) -> None:
    assert leaf_hash(entry).hex() == expected_hex
