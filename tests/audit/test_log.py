"""The stored audit log on SQLite and PostgreSQL: appends, proofs from the tables, checkpoints."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine

from accord.audit import (
    Actor,
    AuditAction,
    AuditEvent,
    AuditLog,
    InMemorySubtreeHashes,
    NoteSigner,
    SubjectRef,
    consistency_proof,
    entry_bytes,
    inclusion_proof,
    leaf_hash,
    open_checkpoint,
    parse_entry,
    verify_consistency,
    verify_inclusion,
)
from accord.store import transaction

TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
#: Batch sizes that cross many power-of-two boundaries (1, 2, 3, 8, 13 ... leaves).
BATCHES = (1, 2, 3, 8, 13, 1, 1, 35)


def event(number: int) -> AuditEvent:
    return AuditEvent(
        AuditAction.CDM_ISSUED,
        Actor.system(),
        subjects=(SubjectRef("cdm", f"cdm-{number}"),),
        details={"miss_m": number},
        time=TIME,
    )


def append_batches(engine: Engine) -> list[bytes]:
    """Append BATCHES in separate transactions; return the leaf hashes in order."""
    leaves: list[bytes] = []
    for size in BATCHES:
        with transaction(engine, write_lock=True) as session:
            appended = AuditLog(session).append([event(len(leaves) + i) for i in range(size)])
        assert appended.first_seq == len(leaves)
        leaves.extend(leaf_hash(entry_bytes(entry)) for entry in appended.entries)
        assert (
            appended.root_hash == InMemorySubtreeHashes.from_leaf_hashes(leaves).compact_range.root
        )
    return leaves


def test_appends_assign_consecutive_seqs_and_store_canonical_bytes(engine: Engine) -> None:
    leaves = append_batches(engine)
    with transaction(engine) as session:
        log = AuditLog(session)
        stored = log.entries(0, 1000)
        assert log.tree_size == len(leaves) == sum(BATCHES)
    assert [item.seq for item in stored] == list(range(len(leaves)))
    assert [parse_entry(item.entry).seq for item in stored] == list(range(len(leaves)))
    assert [item.leaf_hash for item in stored] == leaves
    assert parse_entry(stored[7].entry).details == {"miss_m": 7}


def test_proofs_from_the_tables_equal_the_in_memory_ones_and_verify(engine: Engine) -> None:
    leaves = append_batches(engine)
    reference = InMemorySubtreeHashes.from_leaf_hashes(leaves)
    n = len(leaves)
    with transaction(engine) as session:
        log = AuditLog(session)
        for size in (1, 2, 7, 8, 9, 31, 32, n):
            root = log.root_hash(size)
            assert root == InMemorySubtreeHashes.from_leaf_hashes(leaves[:size]).compact_range.root
            for seq in {0, size // 2, size - 1}:
                proof = log.inclusion_proof(seq, size)
                assert proof == inclusion_proof(reference, seq, size)
                verify_inclusion(leaves[seq], seq, size, proof, root)
        for first in (1, 3, 8, 13, n):
            proof = log.consistency_proof(first, n)
            assert proof == consistency_proof(reference, first, n)
            verify_consistency(first, n, proof, log.root_hash(first), log.root_hash(n))


def test_an_entry_rolls_back_with_the_change_it_records(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="the change failed"):
        with transaction(engine, write_lock=True) as session:
            AuditLog(session).append([event(0)])
            raise RuntimeError("the change failed")
    with transaction(engine) as session:
        assert AuditLog(session).tree_size == 0


def test_checkpoints_are_signed_when_the_log_grows_and_reused_otherwise(engine: Engine) -> None:
    signer = NoteSigner("accord.test/log", Ed25519PrivateKey.generate())
    with transaction(engine, write_lock=True) as session:
        log = AuditLog(session)
        empty = log.sign_checkpoint(signer)
        log.append([event(0), event(1), event(2)])
        first = log.sign_checkpoint(signer)
        again = log.sign_checkpoint(signer)
    assert empty.checkpoint.tree_size == 0
    assert open_checkpoint(first.note, signer.verifier).tree_size == 3
    assert again == first
    other = NoteSigner("accord.test/log", Ed25519PrivateKey.generate())
    with transaction(engine, write_lock=True) as session:
        rotated = AuditLog(session).sign_checkpoint(other)
        assert len(AuditLog(session).checkpoints()) == 3
        assert AuditLog(session).latest_checkpoint() == rotated
    assert open_checkpoint(rotated.note, other.verifier).root_hash == first.checkpoint.root_hash
