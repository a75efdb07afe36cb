"""Perfect-subtree hashes: the stored form of the tree that makes proofs cost O(log n) reads.

A perfect subtree `(level, index)` covers the 2**level leaves `[index * 2**level,
(index + 1) * 2**level)`; level 0 holds the leaf hashes. Once its last leaf is appended its
hash never changes, so a store writes it once (append-only) and serves every later tree
size from the same rows. The right edge of a tree whose size is not a power of two is not
perfect: its hashes are folded from the O(log n) perfect subtrees that tile it (the
"compact range" of the tree), never recomputed from leaves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from accord.audit._errors import MissingSubtreeError
from accord.audit._merkle import EMPTY_ROOT, HASH_SIZE, node_hash

__all__ = [
    "AppendResult",
    "CompactRange",
    "InMemorySubtreeHashes",
    "SubtreeHashes",
    "SubtreeId",
    "fold_right_edge",
    "perfect_cover",
]


@dataclass(frozen=True, slots=True, order=True)
class SubtreeId:
    """A perfect subtree: 2**level leaves starting at leaf index * 2**level."""

    level: int
    index: int

    @property
    def first_leaf(self) -> int:
        """Index of the subtree's first leaf."""
        return self.index << self.level

    @property
    def end_leaf(self) -> int:
        """Index one past the subtree's last leaf."""
        return (self.index + 1) << self.level


@runtime_checkable
class SubtreeHashes(Protocol):
    """Read access to stored perfect-subtree hashes; what proof generation needs of a store.

    One batched call per proof, so that a database answers with a single query
    (`WHERE (level, index) IN (...)`) of O(log n) rows.
    """

    def perfect_subtree_hashes(self, subtrees: Sequence[SubtreeId]) -> list[bytes]:
        """The hashes of `subtrees`, in the same order.

        Raises MissingSubtreeError naming the first subtree that is not stored.
        """
        ...


def perfect_cover(first_leaf: int, end_leaf: int) -> list[SubtreeId]:
    """Split the leaves `[first_leaf, end_leaf)` into maximal aligned perfect subtrees.

    Left to right. For a node of the RFC 9162 tree (a perfect subtree, or a right-edge
    subtree ending at the tree size) the sizes strictly decrease, at most log2(n) + 1 parts.
    """
    if not 0 <= first_leaf <= end_leaf:
        raise ValueError(f"bad leaf range [{first_leaf}, {end_leaf})")
    cover = []
    lo = first_leaf
    while lo < end_leaf:
        level = (end_leaf - lo).bit_length() - 1
        if lo:
            # An aligned subtree cannot be larger than the largest power of two dividing lo.
            level = min(level, (lo & -lo).bit_length() - 1)
        cover.append(SubtreeId(level, lo >> level))
        lo += 1 << level
    return cover


def fold_right_edge(hashes: Sequence[bytes]) -> bytes:
    """The RFC 9162 hash of a node from its perfect cover's hashes (largest first).

    The split rule puts the largest power of two on the left, so the node is
    node(c0, node(c1, ... node(c[k-2], c[k-1]))): fold from the right.
    """
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


@dataclass(frozen=True, slots=True)
class CompactRange:
    """The right-edge perfect subtree roots of a tree: all an appender needs to go on.

    `roots` holds one hash per set bit of `size`, largest subtree first; their ids are
    `perfect_cover(0, size)`. Loading one from a store costs popcount(size) reads.
    """

    size: int
    roots: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if self.size < 0:
            raise ValueError(f"a tree size is never negative, got {self.size}")
        if len(self.roots) != self.size.bit_count():
            raise ValueError(
                f"a compact range of size {self.size} has {self.size.bit_count()} roots "
                f"(one per set bit), got {len(self.roots)}"
            )
        for root in self.roots:
            if len(root) != HASH_SIZE:
                raise ValueError(f"compact range root of {len(root)} bytes; expected 32")

    @classmethod
    def load(cls, subtrees: SubtreeHashes, size: int) -> CompactRange:
        """Read the compact range of the tree of `size` leaves from a subtree store."""
        return cls(size, tuple(subtrees.perfect_subtree_hashes(cls.subtree_ids(size))))

    @staticmethod
    def subtree_ids(size: int) -> list[SubtreeId]:
        """The ids of the perfect subtrees whose roots form the compact range of `size`."""
        return perfect_cover(0, size)

    @property
    def root(self) -> bytes:
        """MTH of the whole tree (RFC 9162 section 2.1.1), EMPTY_ROOT when size is 0."""
        return fold_right_edge(self.roots)

    def append(self, leaf_hashes: Iterable[bytes]) -> AppendResult:
        """Append leaves; return the new range and every perfect subtree they complete.

        O(1) amortised hashes per leaf (one new interior node on average). The store
        persists `new_subtrees` (leaf level included) in the same transaction as the entries.
        """
        # Stack of (level, hash), levels strictly decreasing from the bottom: a binary
        # counter whose carries are the interior nodes completed by each new leaf.
        stack = [
            (subtree.level, root)
            for subtree, root in zip(self.subtree_ids(self.size), self.roots, strict=True)
        ]
        size = self.size
        completed: list[tuple[SubtreeId, bytes]] = []
        for leaf in leaf_hashes:
            if len(leaf) != HASH_SIZE:
                raise ValueError(f"leaf hash for leaf {size} is {len(leaf)} bytes; expected 32")
            level, current = 0, leaf
            completed.append((SubtreeId(0, size), leaf))
            while stack and stack[-1][0] == level:
                _, left = stack.pop()
                current = node_hash(left, current)
                level += 1
                completed.append((SubtreeId(level, size >> level), current))
            stack.append((level, current))
            size += 1
        new_range = CompactRange(size, tuple(root for _, root in stack))
        return AppendResult(new_range, completed)


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What appending a batch of leaves produced: the new compact range, rows to persist."""

    compact_range: CompactRange
    new_subtrees: list[tuple[SubtreeId, bytes]]

    @property
    def root(self) -> bytes:
        """The root hash of the tree after the append."""
        return self.compact_range.root


class InMemorySubtreeHashes:
    """A SubtreeHashes held in lists, one per level; for tests, tools and verifiers.

    `levels[level][index]` is the hash of perfect subtree (level, index). Appending keeps the
    compact range so each leaf costs O(1) amortised hashes, exactly as a store would.
    """

    def __init__(self) -> None:
        self.levels: list[list[bytes]] = []
        self._range = CompactRange(0)

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Iterable[bytes]) -> InMemorySubtreeHashes:
        """A store holding the tree of the given leaf hashes."""
        store = cls()
        store.append(leaf_hashes)
        return store

    @property
    def size(self) -> int:
        """Number of leaves stored."""
        return self._range.size

    @property
    def compact_range(self) -> CompactRange:
        """The compact range of the whole stored tree."""
        return self._range

    def append(self, leaf_hashes: Iterable[bytes]) -> AppendResult:
        """Append leaf hashes and store every perfect subtree they complete."""
        result = self._range.append(leaf_hashes)
        for subtree, value in result.new_subtrees:
            while len(self.levels) <= subtree.level:
                self.levels.append([])
            row = self.levels[subtree.level]
            if subtree.index != len(row):
                raise AssertionError(f"subtree {subtree} completed out of order")
            row.append(value)
        self._range = result.compact_range
        return result

    def perfect_subtree_hashes(self, subtrees: Sequence[SubtreeId]) -> list[bytes]:
        """The hashes of `subtrees`, in order; MissingSubtreeError if one is not complete."""
        found = []
        for subtree in subtrees:
            level, index = subtree.level, subtree.index
            if level >= len(self.levels) or not 0 <= index < len(self.levels[level]):
                raise MissingSubtreeError(
                    f"perfect subtree (level {level}, index {index}) is not stored; the store "
                    f"holds {self.size} leaves"
                )
            found.append(self.levels[level][index])
        return found
