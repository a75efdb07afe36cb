"""RFC 6962 / RFC 9162 Merkle tree hashing and proof verification.

Leaf hash `SHA-256(0x00 || entry)`, node hash `SHA-256(0x01 || left || right)`, the split of
n leaves at the largest power of two strictly smaller than n (RFC 9162 section 2.1.1), and
the verification algorithms of RFC 9162 sections 2.1.3.2 (inclusion) and 2.1.4.2
(consistency). Written by hand: no maintained Python library implements RFC 9162 proofs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from accord.audit._errors import ConsistencyProofError, InclusionProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "inclusion_shape",
    "leaf_hash",
    "merkle_tree_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "split_point",
    "verify_consistency",
    "verify_inclusion",
]

#: Bytes in every hash of the tree (SHA-256).
HASH_SIZE = 32
#: MTH({}) = SHA-256() of the empty string, RFC 9162 section 2.1.1.
EMPTY_ROOT = hashlib.sha256(b"").digest()
#: No proof of a tree below 2**64 leaves has more elements (RFC 9162 uses 64-bit sizes).
_MAX_PROOF_LENGTH = 64

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(entry: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d), the hash of one log entry (RFC 9162 section 2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right), the hash of an interior node (RFC 9162 section 2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two strictly smaller than `size` (k in RFC 9162 section 2.1.1).

    `size` must be at least 2: a tree of one leaf is not split.
    """
    if size < 2:
        raise ValueError(f"split_point needs a tree of at least 2 leaves, got size={size}")
    return 1 << ((size - 1).bit_length() - 1)


def merkle_tree_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) straight from the RFC 9162 section 2.1.1 definition, rehashing every node.

    Takes the leaf hashes (see `leaf_hash`), not the entries. O(n): the reference that the
    fast, subtree-store computations are checked against, and the benchmark baseline.
    """

    def mth(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return leaf_hashes[lo]
        k = split_point(hi - lo)
        return node_hash(mth(lo, lo + k), mth(lo + k, hi))

    return EMPTY_ROOT if not leaf_hashes else mth(0, len(leaf_hashes))


def _check_hash(value: bytes, what: str, error: type[Exception]) -> None:
    if len(value) != HASH_SIZE:
        raise error(f"{what} is {len(value)} bytes long; a SHA-256 hash has {HASH_SIZE}")


def inclusion_shape(leaf_index: int, tree_size: int) -> list[bool]:
    """Where each element of an inclusion proof sits: True for a left sibling, bottom-up.

    The index arithmetic of RFC 9162 section 2.1.3.2 step 4 without the hashing. A proof
    checks the tree size only through this shape; the signed checkpoint binds size and root.
    """
    if not 0 <= leaf_index < tree_size:
        raise InclusionProofError(
            f"leaf index {leaf_index} is outside a tree of size {tree_size}; "
            "an inclusion proof needs 0 <= leaf_index < tree_size"
        )
    fn, sn = leaf_index, tree_size - 1
    shape = []
    while sn > 0:
        if fn & 1 or fn == sn:
            shape.append(True)
            if not fn & 1:
                # The right edge of an unbalanced tree: climb past levels with no sibling.
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            shape.append(False)
        fn >>= 1
        sn >>= 1
    return shape


def root_from_inclusion_proof(
    leaf: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that `proof` leads to from leaf hash `leaf` (RFC 9162 section 2.1.3.2 1-4).

    Raises InclusionProofError when the index, size, hash lengths or proof length cannot
    belong to any tree of `tree_size` leaves.
    """
    _check_hash(leaf, "the leaf hash", InclusionProofError)
    if len(proof) > _MAX_PROOF_LENGTH:
        raise InclusionProofError(f"the inclusion proof has {len(proof)} elements; at most 64")
    shape = inclusion_shape(leaf_index, tree_size)
    if len(proof) != len(shape):
        raise InclusionProofError(
            f"the inclusion proof for leaf {leaf_index} in a tree of size {tree_size} must have "
            f"{len(shape)} elements, it has {len(proof)}"
        )
    r = leaf
    for position, (sibling, sibling_is_left) in enumerate(zip(proof, shape, strict=True)):
        _check_hash(sibling, f"inclusion proof element {position}", InclusionProofError)
        r = node_hash(sibling, r) if sibling_is_left else node_hash(r, sibling)
    return r


def verify_inclusion(
    leaf: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that leaf hash `leaf` is at `leaf_index` in the tree of `tree_size` with `root`.

    RFC 9162 section 2.1.3.2. Raises InclusionProofError naming what does not match.
    """
    _check_hash(root, "the root hash", InclusionProofError)
    computed = root_from_inclusion_proof(leaf, leaf_index, tree_size, proof)
    if computed != root:
        raise InclusionProofError(
            f"the inclusion proof for leaf {leaf_index} leads to root {computed.hex()}, "
            f"not the expected {root.hex()} of the tree of size {tree_size}"
        )


def verify_consistency(
    first_size: int,
    second_size: int,
    proof: Sequence[bytes],
    first_root: bytes,
    second_root: bytes,
) -> None:
    """Check that the tree of `second_size` leaves extends the tree of `first_size` leaves.

    RFC 9162 section 2.1.4.2 for 0 < first_size < second_size. Equal sizes need an empty
    proof and equal roots (the empty tree's root is EMPTY_ROOT). A proof from the empty tree
    is refused: RFC 9162 section 2.1.4.1 defines proofs for 0 < m only, and every tree
    extends the empty one, so such a check proves nothing. Raises ConsistencyProofError.
    """
    if first_size < 0 or second_size < first_size:
        raise ConsistencyProofError(
            f"a consistency proof goes from a smaller tree to a larger one; got sizes "
            f"{first_size} -> {second_size}"
        )
    if first_size == second_size:
        if proof:
            raise ConsistencyProofError(
                f"trees of equal size {first_size} need an empty consistency proof, "
                f"got {len(proof)} elements"
            )
        if first_size == 0 and (first_root != EMPTY_ROOT or second_root != EMPTY_ROOT):
            raise ConsistencyProofError(
                "the root of the empty tree must be SHA-256 of the empty string "
                f"({EMPTY_ROOT.hex()})"
            )
        # Only equality is checked here, not hash lengths: the published vectors accept any
        # pair of identical roots for equal non-zero sizes.
        if first_root != second_root:
            raise ConsistencyProofError(
                f"trees of equal size {first_size} have different roots "
                f"{first_root.hex()} and {second_root.hex()}"
            )
        return
    if first_size == 0:
        raise ConsistencyProofError(
            "a consistency proof from the empty tree (first size 0) proves nothing; "
            "RFC 9162 section 2.1.4.1 defines proofs for 0 < first size < second size"
        )
    _check_hash(first_root, "the first root hash", ConsistencyProofError)
    _check_hash(second_root, "the second root hash", ConsistencyProofError)
    # Step 1: an empty path never proves consistency between different sizes.
    if not proof:
        raise ConsistencyProofError(
            f"the consistency proof from size {first_size} to {second_size} is empty"
        )
    if len(proof) > _MAX_PROOF_LENGTH:
        raise ConsistencyProofError(f"the consistency proof has {len(proof)} elements; max 64")
    for position, element in enumerate(proof):
        _check_hash(element, f"consistency proof element {position}", ConsistencyProofError)
    # Step 2: a power-of-two first tree is itself a node of the second; its root starts
    # the path instead of being sent.
    path = list(proof)
    if first_size & (first_size - 1) == 0:
        path.insert(0, first_root)
    # Steps 3-4.
    fn, sn = first_size - 1, second_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Step 5.
    fr = sr = path[0]
    # Step 6.
    for element in path[1:]:
        if sn == 0:
            raise ConsistencyProofError(
                f"the consistency proof from size {first_size} to {second_size} is too long"
            )
        if fn & 1 or fn == sn:
            fr = node_hash(element, fr)
            sr = node_hash(element, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, element)
        fn >>= 1
        sn >>= 1
    # Step 7.
    if sn != 0:
        raise ConsistencyProofError(
            f"the consistency proof from size {first_size} to {second_size} is too short"
        )
    if fr != first_root:
        raise ConsistencyProofError(
            f"the consistency proof leads to first root {fr.hex()}, not the expected "
            f"{first_root.hex()} of size {first_size}"
        )
    if sr != second_root:
        raise ConsistencyProofError(
            f"the consistency proof leads to second root {sr.hex()}, not the expected "
            f"{second_root.hex()} of size {second_size}"
        )
