"""Inclusion and consistency proofs built from stored perfect-subtree hashes.

The proofs are those of RFC 9162 sections 2.1.3.1 (PATH) and 2.1.4.1 (PROOF/SUBPROOF). Each
proof element is the hash of one node of the tree; the node ranges follow from the leaf
index and sizes alone, each range is tiled by at most log2(n) + 1 perfect subtrees, and all
of them are fetched in one batched read: O(log n) stored hashes, no leaf rehashing.
"""

from __future__ import annotations

from accord.audit._merkle import split_point
from accord.audit._subtrees import SubtreeHashes, SubtreeId, fold_right_edge, perfect_cover

__all__ = ["consistency_proof", "inclusion_proof", "tree_root"]

_Range = tuple[int, int]


def _inclusion_ranges(leaf_index: int, tree_size: int) -> list[_Range]:
    """Leaf ranges of the nodes in PATH(m, D[n]), bottom-up (RFC 9162 section 2.1.3.1)."""
    lo, hi = 0, tree_size
    top_down: list[_Range] = []
    while hi - lo > 1:
        k = split_point(hi - lo)
        if leaf_index < lo + k:
            top_down.append((lo + k, hi))
            hi = lo + k
        else:
            top_down.append((lo, lo + k))
            lo += k
    return top_down[::-1]


def _consistency_ranges(first_size: int, second_size: int) -> list[_Range]:
    """Leaf ranges of the nodes in PROOF(m, D[n]), in proof order (RFC 9162 section 2.1.4.1).

    SUBPROOF(m, D[lo:hi], b) unrolled: `starts_at_root` is b, true until the walk first
    goes right.
    """
    lo, hi = 0, second_size
    starts_at_root = True
    top_down: list[_Range] = []
    while hi != first_size:
        k = split_point(hi - lo)
        if first_size <= lo + k:
            top_down.append((lo + k, hi))
            hi = lo + k
        else:
            top_down.append((lo, lo + k))
            lo += k
            starts_at_root = False
    if not starts_at_root:
        top_down.append((lo, hi))
    return top_down[::-1]


def _node_hashes(subtrees: SubtreeHashes, ranges: list[_Range]) -> list[bytes]:
    """Hashes of the RFC 9162 nodes covering `ranges`, fetched in one batched read."""
    covers = [perfect_cover(lo, hi) for lo, hi in ranges]
    wanted: list[SubtreeId] = [subtree for cover in covers for subtree in cover]
    fetched = subtrees.perfect_subtree_hashes(wanted)
    if len(fetched) != len(wanted):
        raise ValueError(
            f"the subtree store returned {len(fetched)} hashes for {len(wanted)} subtrees"
        )
    hashes, start = [], 0
    for cover in covers:
        hashes.append(fold_right_edge(fetched[start : start + len(cover)]))
        start += len(cover)
    return hashes


def inclusion_proof(subtrees: SubtreeHashes, leaf_index: int, tree_size: int) -> list[bytes]:
    """The audit path of leaf `leaf_index` in the tree of `tree_size` leaves.

    RFC 9162 section 2.1.3.1, bottom-up. Works for any size the store has reached, past
    sizes included. Raises ValueError for an index outside the tree, MissingSubtreeError
    when the store does not hold `tree_size` leaves.
    """
    if not 0 <= leaf_index < tree_size:
        raise ValueError(
            f"leaf index {leaf_index} is outside the tree of size {tree_size}; "
            "ask for 0 <= leaf_index < tree_size"
        )
    return _node_hashes(subtrees, _inclusion_ranges(leaf_index, tree_size))


def consistency_proof(subtrees: SubtreeHashes, first_size: int, second_size: int) -> list[bytes]:
    """The proof that the tree of `second_size` leaves extends that of `first_size`.

    RFC 9162 section 2.1.4.1, defined for 0 < first_size <= second_size (empty when equal).
    Raises ValueError for other sizes, MissingSubtreeError when the store is too small.
    """
    if not 0 < first_size <= second_size:
        raise ValueError(
            f"a consistency proof needs 0 < first size <= second size; got {first_size} "
            f"and {second_size}"
        )
    return _node_hashes(subtrees, _consistency_ranges(first_size, second_size))


def tree_root(subtrees: SubtreeHashes, tree_size: int) -> bytes:
    """MTH of the first `tree_size` leaves, from popcount(tree_size) stored hashes."""
    if tree_size < 0:
        raise ValueError(f"a tree size is never negative, got {tree_size}")
    return fold_right_edge(subtrees.perfect_subtree_hashes(perfect_cover(0, tree_size)))
