"""Audit log appends and proofs on SQLite, through `AuditLog`, with baselines in the same run.

Targets (issue 5): at least 5,000 appended entries per second on SQLite sustained over
100,000 entries; inclusion and consistency proofs at 1,000,000 entries, read from the
database, under 5 ms each.

Measured, in one run:

- `AuditLog.append` of 100 batches of 1,000 entries, each batch its own write transaction
  (`transaction(engine, write_lock=True)`): encoding, hashing, subtree rows and inserts;
- the same with one entry per transaction (the worst case: a commit per action);
- the same batches with confidential details sealed (as `cdm.issued` and `data.released`
  are: a salt, a SHA-256 commitment in the entry, the opening in `audit_sealed_details`),
  `SEALED_BATCHES` of them;
- baseline: plain inserts of the same (pre-encoded) entry bytes into a bare table, same
  transactions, no Merkle work and no encoding;
- proofs at 1,000,000 entries from the `audit_subtrees` table (one batched query each),
  against the baseline of reading one entry row by its primary key.

The 1,000,000-entry database is built once by bulk-inserting synthetic canonical entries
with their subtree rows (the appender's own CompactRange), and cached at
`/tmp/accord-audit-bench-<version>.db` (`ACCORD_BENCH_CACHE` overrides the folder).
Run: `python -m benchmarks.audit_append`.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from accord.audit import (
    Actor,
    AuditAction,
    AuditEvent,
    AuditLog,
    CompactRange,
    SubjectRef,
    leaf_hash,
    parse_entry,
    verify_consistency,
    verify_inclusion,
)
from accord.store import AuditLogRepository, create_engine, head_revision, transaction, upgrade
from benchmarks._common import timings_ms, write_result

BATCHES = 100
BATCH_SIZE = 1_000
SINGLE_ENTRY_TRANSACTIONS = 2_000
SEALED_BATCHES = 20
PROOF_TREE_SIZE = 1_000_000
PROOFS = 2_000
TARGET_ENTRIES_PER_S = 5_000
TARGET_PROOF_MS = 5.0
SEED = 20_260_301
_BUILD_CHUNK = 20_000
_TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _event(number: int) -> AuditEvent:
    """A typical entry: a partner's data release about one object (about 250 bytes)."""
    return AuditEvent(
        AuditAction.DATA_RELEASED,
        Actor.partner("esa"),
        subjects=(SubjectRef("object", str(10_000 + number % 60_000)),),
        details={"data_class": "ephemeris", "recipient": "jaxa", "agreement": "a-12"},
    )


def _sealed_event(number: int) -> AuditEvent:
    """A CDM issued, as screening writes it: ids public, objects, TCA and miss sealed."""
    return AuditEvent(
        AuditAction.CDM_ISSUED,
        Actor.system(),
        subjects=(SubjectRef("cdm", str(number)), SubjectRef("screening", "1")),
        content_sha256=f"{number:064x}",
        sealed={
            "objects": [str(10_000 + number % 60_000), str(70_000 + number % 9_000)],
            "tca": "2026-03-02T04:05:06.123456+00:00",
            "miss_m": 812,
            "message_id": f"ACCORD-{number}",
        },
        readers=frozenset({1, 2}),
    )


def _fresh_engine(folder: Path, name: str) -> sa.Engine:
    engine = create_engine(f"sqlite:///{folder / name}")
    upgrade(engine)
    return engine


def _append_rate(
    engine: sa.Engine, batches: int, batch_size: int, *, sealed: bool = False
) -> float:
    """Entries per second appended through AuditLog, `batches` transactions."""
    make = _sealed_event if sealed else _event
    started = time.perf_counter()
    number = 0
    for _ in range(batches):
        with transaction(engine, write_lock=True) as session:
            AuditLog(session).append([make(number + i) for i in range(batch_size)])
        number += batch_size
    return batches * batch_size / (time.perf_counter() - started)


def _baseline_rate(engine: sa.Engine, payloads: Sequence[bytes], batch_size: int) -> float:
    """Entries per second of plain executemany inserts of ready bytes, same transactions."""
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE plain_entries (seq INTEGER PRIMARY KEY, entry BLOB NOT NULL)"
        )
    started = time.perf_counter()
    for start in range(0, len(payloads), batch_size):
        rows = [(start + i, payloads[start + i]) for i in range(batch_size)]
        with transaction(engine, write_lock=True) as session:
            session.connection().exec_driver_sql(
                "INSERT INTO plain_entries (seq, entry) VALUES (?, ?)", rows
            )
    return len(payloads) / (time.perf_counter() - started)


def _synthetic_entry(seq: int) -> bytes:
    """Canonical (RFC 8785) entry bytes for `seq` without the encoder: keys in sorted order."""
    return (
        '{"action":"data.released","actor":{"id":"esa","kind":"partner"},'
        '"details":{"agreement":"a-12","data_class":"ephemeris","recipient":"jaxa"},'
        f'"seq":{seq},"subjects":[{{"id":"{10_000 + seq % 60_000}","kind":"object"}}],'
        '"time":"2026-03-01T12:00:00.000000Z","v":1}'
    ).encode()


def _million_entry_database() -> tuple[Path, float | None]:
    """The cached 1,000,000-entry database (built when absent) and its build time, if built."""
    folder = Path(os.environ.get("ACCORD_BENCH_CACHE", tempfile.gettempdir()))
    path = folder / f"accord-audit-bench-{head_revision()}-{PROOF_TREE_SIZE}.db"
    if path.exists():
        return path, None
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    assert parse_entry(_synthetic_entry(12_345)).seq == 12_345  # really canonical
    engine = create_engine(f"sqlite:///{partial}")
    upgrade(engine)
    started = time.perf_counter()
    compact_range = CompactRange(0)
    for start in range(0, PROOF_TREE_SIZE, _BUILD_CHUNK):
        payloads = [_synthetic_entry(seq) for seq in range(start, start + _BUILD_CHUNK)]
        result = compact_range.append(leaf_hash(data) for data in payloads)
        compact_range = result.compact_range
        with transaction(engine, write_lock=True) as session:
            AuditLogRepository(session).insert(
                [
                    (start + i, _TIME, "data.released", "partner", "esa", None, data)
                    for i, data in enumerate(payloads)
                ],
                [(s.level, s.index, value) for s, value in result.new_subtrees],
            )
    built_s = time.perf_counter() - started
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    partial.rename(path)
    return path, built_s


def _proofs(path: Path) -> dict[str, Any]:
    engine = create_engine(f"sqlite:///{path}")
    rng = random.Random(SEED)
    leaves = [rng.randrange(PROOF_TREE_SIZE) for _ in range(PROOFS)]
    firsts = [rng.randrange(1, PROOF_TREE_SIZE) for _ in range(PROOFS)]
    n = PROOF_TREE_SIZE
    try:
        with transaction(engine) as session:
            log = AuditLog(session)
            assert log.tree_size == n
            root = log.root_hash(n)
            # Warm the page cache the way a serving process would be warm.
            for seq in leaves[:50]:
                log.inclusion_proof(seq, n)
            inclusion = timings_ms(lambda seq: log.inclusion_proof(seq, n), leaves)
            consistency = timings_ms(lambda m: log.consistency_proof(m, n), firsts)
            baseline = timings_ms(log.entry, leaves)
            for seq in leaves[:20]:
                data = log.entry(seq)
                assert data is not None
                verify_inclusion(leaf_hash(data), seq, n, log.inclusion_proof(seq, n), root)
            for m in firsts[:20]:
                verify_consistency(m, n, log.consistency_proof(m, n), log.root_hash(m), root)
    finally:
        engine.dispose()
    return {
        "inclusion_proof": inclusion,
        "consistency_proof": consistency,
        "baseline_read_one_entry": baseline,
    }


def run() -> dict[str, Any]:
    """Run every measurement; return the result document (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="accord-audit-bench-") as scratch:
        folder = Path(scratch)
        batched = _append_rate(_fresh_engine(folder, "batched.db"), BATCHES, BATCH_SIZE)
        single = _append_rate(_fresh_engine(folder, "single.db"), SINGLE_ENTRY_TRANSACTIONS, 1)
        sealed = _append_rate(
            _fresh_engine(folder, "sealed.db"), SEALED_BATCHES, BATCH_SIZE, sealed=True
        )
        payloads = [_synthetic_entry(seq) for seq in range(BATCHES * BATCH_SIZE)]
        baseline = _baseline_rate(_fresh_engine(folder, "plain.db"), payloads, BATCH_SIZE)
    database, built_s = _million_entry_database()
    proofs = _proofs(database)
    worst_p99 = max(proofs["inclusion_proof"]["p99_ms"], proofs["consistency_proof"]["p99_ms"])
    return {
        "append": {
            "entries": BATCHES * BATCH_SIZE,
            "batch_size": BATCH_SIZE,
            "entries_per_s": batched,
            "single_entry_transactions": SINGLE_ENTRY_TRANSACTIONS,
            "single_entry_per_transaction_entries_per_s": single,
            "sealed_entries": SEALED_BATCHES * BATCH_SIZE,
            "sealed_entries_per_s": sealed,
            "baseline_plain_insert_entries_per_s": baseline,
            "target_entries_per_s": TARGET_ENTRIES_PER_S,
            "meets_target": batched >= TARGET_ENTRIES_PER_S,
        },
        "proofs_from_database": {
            "tree_size": PROOF_TREE_SIZE,
            "database": str(database),
            "database_build_s": built_s,
            **proofs,
            "target_ms": TARGET_PROOF_MS,
            "meets_target_p99": worst_p99 < TARGET_PROOF_MS,
        },
    }


def main() -> None:
    result = run()
    path = write_result("audit_append", result)
    append, proofs = result["append"], result["proofs_from_database"]
    print(json.dumps(result, indent=2))
    print(
        f"append {append['entries_per_s']:,.0f} entries/s in batches of {BATCH_SIZE} "
        f"({append['single_entry_per_transaction_entries_per_s']:,.0f}/s one per transaction; "
        f"plain inserts {append['baseline_plain_insert_entries_per_s']:,.0f}/s); proofs at "
        f"{PROOF_TREE_SIZE:,}: inclusion p99 {proofs['inclusion_proof']['p99_ms']:.2f} ms, "
        f"consistency p99 {proofs['consistency_proof']['p99_ms']:.2f} ms -> {path}"
    )


if __name__ == "__main__":
    main()
