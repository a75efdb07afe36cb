"""Proofs built from stored perfect subtrees, checked against the RFC 9162 definitions.

The oracle below is RFC 9162 sections 2.1.1, 2.1.3.1 and 2.1.4.1 written as recursion over
the leaf hashes, with no subtree store: generation must give the same proofs, they must
verify against the naively computed root, and any single-bit change must fail.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.audit import (
    CompactRange,
    ConsistencyProofError,
    InclusionProofError,
    InMemorySubtreeHashes,
    MissingSubtreeError,
    SubtreeHashes,
    SubtreeId,
    consistency_proof,
    inclusion_proof,
    inclusion_shape,
    leaf_hash,
    merkle_tree_hash,
    node_hash,
    perfect_cover,
    split_point,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

#: Largest tree the properties draw; one store of this size serves every smaller size.
MAX_SIZE = 3_000
LEAVES = [leaf_hash(b"accord test entry %d" % number) for number in range(MAX_SIZE)]
STORE = InMemorySubtreeHashes.from_leaf_hashes(LEAVES)
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)


def rfc_mth(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]), RFC 9162 section 2.1.1 (leaf hashes given)."""
    return merkle_tree_hash(leaves)


def rfc_path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]), RFC 9162 section 2.1.3.1."""
    n = len(leaves)
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return rfc_path(m, leaves[:k]) + [rfc_mth(leaves[k:])]
    return rfc_path(m - k, leaves[k:]) + [rfc_mth(leaves[:k])]


def rfc_subproof(m: int, leaves: Sequence[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b), RFC 9162 section 2.1.4.1."""
    n = len(leaves)
    if m == n:
        return [] if b else [rfc_mth(leaves)]
    k = split_point(n)
    if m <= k:
        return rfc_subproof(m, leaves[:k], b) + [rfc_mth(leaves[k:])]
    return rfc_subproof(m - k, leaves[k:], False) + [rfc_mth(leaves[:k])]


def flip_bit(value: bytes, bit: int) -> bytes:
    position = bit % (8 * len(value))
    changed = bytearray(value)
    changed[position // 8] ^= 1 << (position % 8)
    return bytes(changed)


class CountingSubtreeHashes:
    """A real in-memory store that also counts the reads a proof makes."""

    def __init__(self, inner: InMemorySubtreeHashes) -> None:
        self.inner = inner
        self.calls = 0
        self.hashes_read = 0

    def perfect_subtree_hashes(self, subtrees: Sequence[SubtreeId]) -> list[bytes]:
        self.calls += 1
        self.hashes_read += len(subtrees)
        return self.inner.perfect_subtree_hashes(subtrees)


@st.composite
def size_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, MAX_SIZE))
    return size, draw(st.integers(0, size - 1))


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    second = draw(st.integers(1, MAX_SIZE))
    return draw(st.integers(1, second)), second


@PROPERTY_SETTINGS
@given(size_and_index())
def test_inclusion_proof_equals_rfc_path_and_verifies(case: tuple[int, int]) -> None:
    size, index = case
    proof = inclusion_proof(STORE, index, size)
    assert proof == rfc_path(index, LEAVES[:size])
    verify_inclusion(LEAVES[index], index, size, proof, rfc_mth(LEAVES[:size]))


@PROPERTY_SETTINGS
@given(two_sizes())
def test_consistency_proof_equals_rfc_proof_and_verifies(case: tuple[int, int]) -> None:
    first, second = case
    proof = consistency_proof(STORE, first, second)
    assert proof == rfc_subproof(first, LEAVES[:second], True)
    verify_consistency(first, second, proof, rfc_mth(LEAVES[:first]), rfc_mth(LEAVES[:second]))


@PROPERTY_SETTINGS
@given(st.integers(0, MAX_SIZE))
def test_tree_root_from_subtrees_equals_naive_root(size: int) -> None:
    assert tree_root(STORE, size) == rfc_mth(LEAVES[:size])


@PROPERTY_SETTINGS
@given(size_and_index(), st.integers(0, 2**16))
def test_inclusion_fails_after_any_bit_flip_in_proof_or_leaf(
    case: tuple[int, int], bit: int
) -> None:
    size, index = case
    proof = inclusion_proof(STORE, index, size)
    root = tree_root(STORE, size)
    with pytest.raises(InclusionProofError):
        verify_inclusion(flip_bit(LEAVES[index], bit), index, size, proof, root)
    with pytest.raises(InclusionProofError):
        verify_inclusion(LEAVES[index], index, size, proof, flip_bit(root, bit))
    if proof:
        element = bit % len(proof)
        tampered = [*proof[:element], flip_bit(proof[element], bit), *proof[element + 1 :]]
        with pytest.raises(InclusionProofError):
            verify_inclusion(LEAVES[index], index, size, tampered, root)


@PROPERTY_SETTINGS
@given(size_and_index(), st.integers(0, 12))
def test_inclusion_fails_for_any_other_leaf_index(case: tuple[int, int], bit: int) -> None:
    """Within one tree the left/right path identifies the leaf, so a changed index fails."""
    size, index = case
    proof = inclusion_proof(STORE, index, size)
    with pytest.raises(InclusionProofError):
        verify_inclusion(LEAVES[index], index ^ (1 << bit), size, proof, tree_root(STORE, size))


@PROPERTY_SETTINGS
@given(size_and_index(), st.integers(0, 12))
def test_inclusion_with_changed_size_fails_unless_the_path_shape_is_identical(
    case: tuple[int, int], bit: int
) -> None:
    """The proof fixes the size only through its shape; the signed checkpoint fixes the rest.

    E.g. leaf 0 takes the same three left steps in trees of 5 to 8 leaves, so the 7-leaf
    proof and root also "verify" with sizes 5, 6 and 8. A verifier takes size and root
    together from a signed checkpoint, where changing the size breaks the signature
    (tests/audit/test_notes.py).
    """
    size, index = case
    claimed = size ^ (1 << bit)
    proof = inclusion_proof(STORE, index, size)
    try:
        verify_inclusion(LEAVES[index], index, claimed, proof, tree_root(STORE, size))
    except InclusionProofError:
        return
    assert inclusion_shape(index, claimed) == inclusion_shape(index, size)


@pytest.mark.parametrize("claimed_size", [5, 6, 7, 8])
def test_leaf_zero_proof_has_one_shape_for_sizes_five_to_eight(claimed_size: int) -> None:
    verify_inclusion(LEAVES[0], 0, claimed_size, inclusion_proof(STORE, 0, 7), tree_root(STORE, 7))


@pytest.mark.parametrize("claimed_size", [4, 9])
def test_leaf_zero_proof_of_seven_fails_for_other_depths(claimed_size: int) -> None:
    with pytest.raises(InclusionProofError, match="must have"):
        verify_inclusion(
            LEAVES[0], 0, claimed_size, inclusion_proof(STORE, 0, 7), tree_root(STORE, 7)
        )


@PROPERTY_SETTINGS
@given(two_sizes(), st.integers(0, 2**16))
def test_consistency_fails_after_any_bit_flip_in_proof_or_roots(
    case: tuple[int, int], bit: int
) -> None:
    first, second = case
    proof = consistency_proof(STORE, first, second)
    first_root, second_root = tree_root(STORE, first), tree_root(STORE, second)
    with pytest.raises(ConsistencyProofError):
        verify_consistency(first, second, proof, flip_bit(first_root, bit), second_root)
    with pytest.raises(ConsistencyProofError):
        verify_consistency(first, second, proof, first_root, flip_bit(second_root, bit))
    if proof:
        element = bit % len(proof)
        tampered = [*proof[:element], flip_bit(proof[element], bit), *proof[element + 1 :]]
        with pytest.raises(ConsistencyProofError):
            verify_consistency(first, second, tampered, first_root, second_root)
        with pytest.raises(ConsistencyProofError):
            verify_consistency(first, second, proof[:-1], first_root, second_root)
        with pytest.raises(ConsistencyProofError):
            verify_consistency(first, second, [*proof, proof[0]], first_root, second_root)


@PROPERTY_SETTINGS
@given(two_sizes())
def test_consistency_between_diverging_logs_fails(case: tuple[int, int]) -> None:
    """A log that rewrote one old entry cannot prove it extends what it published."""
    first, second = case
    rewritten = list(LEAVES[:second])
    rewritten[first - 1] = leaf_hash(b"rewritten")
    forked = InMemorySubtreeHashes.from_leaf_hashes(rewritten)
    if first == second:
        with pytest.raises(ConsistencyProofError):
            verify_consistency(
                first, second, [], tree_root(STORE, first), tree_root(forked, second)
            )
        return
    with pytest.raises(ConsistencyProofError):
        verify_consistency(
            first,
            second,
            consistency_proof(forked, first, second),
            tree_root(STORE, first),
            tree_root(forked, second),
        )


@pytest.mark.parametrize("size", [1, 2, 3, 1_000, 2_047, 2_048, 2_049, MAX_SIZE])
def test_proofs_read_o_log_n_hashes_in_one_batch(size: int) -> None:
    counting = CountingSubtreeHashes(STORE)
    depth = (size - 1).bit_length()
    for index in {0, size // 2, size - 1}:
        counting.calls = counting.hashes_read = 0
        inclusion_proof(counting, index, size)
        assert counting.calls == 1
        assert counting.hashes_read <= 2 * depth + 1
    for first in {1, size // 3 or 1, size}:
        counting.calls = counting.hashes_read = 0
        consistency_proof(counting, first, size)
        assert counting.calls == 1
        assert counting.hashes_read <= 3 * depth + 1


def test_in_memory_store_satisfies_the_protocol() -> None:
    assert isinstance(STORE, SubtreeHashes)


def test_proof_beyond_the_stored_size_names_the_missing_subtree() -> None:
    store = InMemorySubtreeHashes.from_leaf_hashes(LEAVES[:10])
    with pytest.raises(MissingSubtreeError, match="holds 10 leaves"):
        inclusion_proof(store, 3, 11)
    with pytest.raises(MissingSubtreeError):
        tree_root(store, 12)


@pytest.mark.parametrize(("index", "size"), [(-1, 5), (5, 5), (0, 0)])
def test_inclusion_proof_refuses_an_index_outside_the_tree(index: int, size: int) -> None:
    with pytest.raises(ValueError, match="outside the tree"):
        inclusion_proof(STORE, index, size)


@pytest.mark.parametrize(("first", "second"), [(0, 5), (6, 5), (-1, 3)])
def test_consistency_proof_refuses_sizes_out_of_order(first: int, second: int) -> None:
    with pytest.raises(ValueError, match="0 < first size <= second size"):
        consistency_proof(STORE, first, second)


@PROPERTY_SETTINGS
@given(st.lists(st.integers(0, 300), max_size=12))
def test_appending_in_batches_equals_appending_at_once(batch_sizes: list[int]) -> None:
    total = min(sum(batch_sizes), MAX_SIZE)
    store = InMemorySubtreeHashes()
    appended = 0
    persisted: list[tuple[SubtreeId, bytes]] = []
    for batch in batch_sizes:
        batch = min(batch, total - appended)
        result = store.append(LEAVES[appended : appended + batch])
        appended += batch
        persisted.extend(result.new_subtrees)
        assert result.root == rfc_mth(LEAVES[:appended])
        assert result.compact_range == CompactRange.load(STORE, appended)
    # Every perfect subtree is written exactly once: n leaves make 2n - popcount(n) nodes.
    assert len(persisted) == 2 * total - total.bit_count()
    assert len({subtree for subtree, _ in persisted}) == len(persisted)
    assert all(STORE.perfect_subtree_hashes([s]) == [h] for s, h in persisted[:200])


def test_compact_range_refuses_roots_that_do_not_match_its_size() -> None:
    with pytest.raises(ValueError, match="one per set bit"):
        CompactRange(6, (LEAVES[0],))
    with pytest.raises(ValueError, match="expected 32"):
        CompactRange(1, (b"short",))


def test_compact_range_of_six_leaves_folds_to_the_rfc_root() -> None:
    compact = CompactRange.load(STORE, 6)
    assert CompactRange.subtree_ids(6) == [SubtreeId(2, 0), SubtreeId(1, 2)]
    assert compact.root == node_hash(rfc_mth(LEAVES[:4]), rfc_mth(LEAVES[4:6]))


@PROPERTY_SETTINGS
@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_perfect_cover_tiles_the_range_with_aligned_subtrees(start: int, length: int) -> None:
    cover = perfect_cover(start, start + length)
    position = start
    for subtree in cover:
        assert subtree.first_leaf == position
        position = subtree.end_leaf
    assert position == start + length
    # Each level appears at most twice (rising then falling sizes): O(log n) parts.
    assert len(cover) <= 2 * max(length, 1).bit_length()


def test_verify_refuses_hashes_of_the_wrong_length() -> None:
    proof = inclusion_proof(STORE, 2, 5)
    root = tree_root(STORE, 5)
    with pytest.raises(InclusionProofError, match="is 31 bytes"):
        verify_inclusion(LEAVES[2][:31], 2, 5, proof, root)
    with pytest.raises(InclusionProofError, match="element 1 is 0 bytes"):
        verify_inclusion(LEAVES[2], 2, 5, [proof[0], b"", proof[2]], root)
