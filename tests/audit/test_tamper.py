"""Tampering with a stored log, behind the triggers' back, is found by `audit verify`.

A real SQLite store behind the real service; each case drops the append-only triggers (as
someone with file access could), changes the log, and checks that verifying the server and
an export against a pinned checkpoint reports the first failing entry and why.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accord.audit import (
    Actor,
    AuditAction,
    AuditEvent,
    AuditLog,
    InMemorySubtreeHashes,
    LogIntegrityError,
    LogRecord,
    NoteSigner,
    SubjectRef,
    VerificationReport,
    entry_bytes,
    leaf_hash,
    parse_entry,
    read_export,
    verify_log,
    verify_server,
    write_export,
)
from accord.service import create_app
from accord.settings import Settings
from accord.store import transaction

PINNED_SIZE = 8
SIGNED_SIZE = 20
TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Log:
    """A served log of SIGNED_SIZE entries, a pinned checkpoint at PINNED_SIZE, the raw file."""

    def __init__(self, client: TestClient, database: Path) -> None:
        self.client = client
        self.database = database
        self.signer: NoteSigner = client.app.state.audit_signer  # type: ignore[attr-defined]
        engine = client.app.state.engine  # type: ignore[attr-defined]
        notes = {}
        with transaction(engine, write_lock=True) as session:
            log = AuditLog(session)
            while log.tree_size < SIGNED_SIZE:
                log.append([_event(log.tree_size)])
                if log.tree_size in (PINNED_SIZE, SIGNED_SIZE):
                    notes[log.tree_size] = log.sign_checkpoint(self.signer).note
        self.pinned = notes[PINNED_SIZE]

    def verify_server(self) -> VerificationReport:
        return verify_server(self.client, pinned_note=self.pinned, verifier=self.signer.verifier)

    def sql(self, *statements: str, parameters: tuple[object, ...] = ()) -> None:
        """Run statements on the database file with the append-only triggers dropped."""
        connection = sqlite3.connect(self.database)
        try:
            triggers = [
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
            ]
            for trigger in triggers:
                connection.execute(f"DROP TRIGGER {trigger}")
            for statement in statements:
                connection.execute(statement, parameters if "?" in statement else ())
            connection.commit()
        finally:
            connection.close()

    def entry(self, seq: int) -> bytes:
        connection = sqlite3.connect(self.database)
        try:
            return bytes(
                connection.execute(
                    "SELECT entry FROM audit_entries WHERE seq = ?", (seq,)
                ).fetchone()[0]
            )
        finally:
            connection.close()


def _event(number: int) -> AuditEvent:
    return AuditEvent(
        AuditAction.DATA_RELEASED,
        Actor.partner("esa"),
        subjects=(SubjectRef("object", str(25544 + number)),),
        details={"data_class": "ephemeris", "recipient": "jaxa"},
        time=TIME,
    )


@pytest.fixture
def log(tmp_path: Path) -> Iterator[Log]:
    settings = Settings(var_dir=tmp_path, seed_demo=False, audit_checkpoint_interval_s=0)
    with TestClient(create_app(settings)) as client:
        yield Log(client, tmp_path / "accord.db")


def _failure(report: VerificationReport) -> tuple[int | None, str]:
    assert not report.ok, report.summary()
    assert report.failure is not None
    return report.failure.seq, report.failure.reason


def test_an_untouched_log_verifies_from_the_server_and_from_an_export(
    log: Log, tmp_path: Path
) -> None:
    report = log.verify_server()
    assert report.ok, report.summary()
    assert report.entries_read == SIGNED_SIZE
    export = tmp_path / "log.jsonl"
    _export(log, export)
    note, records = read_export(export)
    assert verify_log(
        records, checkpoint_note=note, pinned_note=log.pinned, verifier=log.signer.verifier
    ).ok


def _reencoded(log: Log, stored_seq: int, **changes: object) -> bytes:
    """Entry `stored_seq` rewritten canonically with `changes`: a tamperer who knows the format."""
    entry = parse_entry(log.entry(stored_seq))
    fields = {name: getattr(entry, name) for name in entry.__dataclass_fields__}
    fields.update(changes)
    return entry_bytes(type(entry)(**fields))


def test_a_changed_byte_is_found_at_its_entry(log: Log) -> None:
    flipped = bytearray(log.entry(12))
    flipped[5] ^= 0x01
    log.sql("UPDATE audit_entries SET entry = ? WHERE seq = 12", parameters=(bytes(flipped),))
    assert _failure(log.verify_server())[0] == 12


def test_a_canonical_rewrite_of_an_entry_is_found_by_its_leaf_hash(log: Log) -> None:
    forged = _reencoded(log, 12, details={"data_class": "ephemeris", "recipient": "nasa"})
    log.sql("UPDATE audit_entries SET entry = ? WHERE seq = 12", parameters=(forged,))
    seq, reason = _failure(log.verify_server())
    assert (seq, reason.split(":")[0]) == (12, "changed")


def test_a_deleted_entry_is_found_where_it_is_missing(log: Log) -> None:
    log.sql("DELETE FROM audit_entries WHERE seq = 5")
    seq, reason = _failure(log.verify_server())
    assert seq == 5
    assert "position 5 holds seq 6" in reason


def test_two_swapped_entries_are_found_at_the_first(log: Log) -> None:
    third, ninth = log.entry(3), log.entry(9)
    log.sql("UPDATE audit_entries SET entry = ? WHERE seq = 3", parameters=(ninth,))
    log.sql("UPDATE audit_entries SET entry = ? WHERE seq = 9", parameters=(third,))
    seq, reason = _failure(log.verify_server())
    assert seq == 3
    assert "says seq 9" in reason


def test_swapped_entries_renumbered_canonically_are_found_at_the_first(log: Log) -> None:
    third, ninth = _reencoded(log, 9, seq=3), _reencoded(log, 3, seq=9)
    log.sql("UPDATE audit_entries SET entry = ? WHERE seq = 3", parameters=(third,))
    log.sql("UPDATE audit_entries SET entry = ? WHERE seq = 9", parameters=(ninth,))
    seq, reason = _failure(log.verify_server())
    assert (seq, reason.split(":")[0]) == (3, "changed")


def test_a_truncated_log_is_found_at_the_first_missing_entry(log: Log) -> None:
    log.sql("DELETE FROM audit_entries WHERE seq >= 15")
    seq, reason = _failure(log.verify_server())
    assert seq == 15
    assert reason.startswith("missing: the log holds 15 entries but its checkpoint signs 20")


def test_a_log_rolled_back_before_the_pinned_checkpoint_is_found(log: Log) -> None:
    """Truncating entries, tree and checkpoints together leaves a consistent but older log."""
    log.pinned = log.client.get("/audit/checkpoint").text  # the verifier saw size 20
    log.sql(
        f"DELETE FROM audit_entries WHERE seq >= {PINNED_SIZE}",
        f"DELETE FROM audit_subtrees WHERE ((node_index + 1) << level) > {PINNED_SIZE}",
        f"DELETE FROM audit_checkpoints WHERE tree_size > {PINNED_SIZE}",
    )
    seq, reason = _failure(log.verify_server())
    assert seq == PINNED_SIZE
    assert reason.startswith("rolled back")


def test_a_rewritten_checkpoint_fails_its_signature(log: Log) -> None:
    log.sql(
        f"UPDATE audit_checkpoints SET note = replace(note, ?, ?) WHERE tree_size = {SIGNED_SIZE}",
        parameters=(f"\n{SIGNED_SIZE}\n", f"\n{SIGNED_SIZE - 1}\n"),
    )
    seq, reason = _failure(log.verify_server())
    assert seq is None
    assert reason.startswith("the log's checkpoint: the signature by accord.local/log")


def test_a_rewritten_entry_with_a_rebuilt_tree_is_found_but_not_located(
    log: Log, tmp_path: Path
) -> None:
    """Recomputing every stored hash after a change still cannot reproduce the signed root."""
    forged = _reencoded(log, 12, details={"data_class": "ephemeris", "recipient": "nasa"})
    log.sql("UPDATE audit_entries SET entry = ? WHERE seq = 12", parameters=(forged,))
    leaves = [leaf_hash(log.entry(seq)) for seq in range(SIGNED_SIZE)]
    rows = InMemorySubtreeHashes.from_leaf_hashes(leaves).levels
    connection = sqlite3.connect(log.database)
    try:
        connection.execute("DELETE FROM audit_subtrees")
        connection.executemany(
            "INSERT INTO audit_subtrees (level, node_index, hash) VALUES (?, ?, ?)",
            [
                (level, index, value)
                for level, row in enumerate(rows)
                for index, value in enumerate(row)
            ],
        )
        connection.commit()
    finally:
        connection.close()
    seq, reason = _failure(log.verify_server())
    assert (seq, reason.split(":")[0]) == (None, "the server's consistency proof fails")
    engine = log.client.app.state.engine  # type: ignore[attr-defined]
    with pytest.raises(LogIntegrityError, match="does not extend its checkpoint of size 20"):
        with transaction(engine, write_lock=True) as session:
            AuditLog(session).sign_checkpoint(log.signer)
    export = tmp_path / "log.jsonl"
    _export(log, export)
    note, records = read_export(export)
    seq, reason = _failure(
        verify_log(
            records, checkpoint_note=note, pinned_note=log.pinned, verifier=log.signer.verifier
        )
    )
    assert seq is None
    assert "between 8 and 20 was changed" in reason


# --- the same tampering, on an exported file -----------------------------------------------


def _export(log: Log, path: Path) -> None:
    engine = log.client.app.state.engine  # type: ignore[attr-defined]
    with transaction(engine) as session:
        audit = AuditLog(session)
        latest = audit.latest_checkpoint()  # signed before any tampering
        assert latest is not None
        note = latest.note
        records = [LogRecord(e.seq, e.entry, e.leaf_hash) for e in audit.entries(0, 1000)]
    with path.open("w", encoding="utf-8") as stream:
        write_export(stream, note, records)


def _flip_entry_byte(lines: list[str]) -> None:
    record = json.loads(lines[1 + 12])
    record["entry"] = ("A" if record["entry"][0] != "A" else "B") + record["entry"][1:]
    lines[1 + 12] = json.dumps(record)


def _rewrite_checkpoint(lines: list[str]) -> None:
    header = json.loads(lines[0])
    header["checkpoint"] = header["checkpoint"].replace("\n20\n", "\n21\n")
    lines[0] = json.dumps(header)


EXPORT_TAMPERING: dict[str, tuple[Callable[[list[str]], None], int | None, str]] = {
    "change a byte": (_flip_entry_byte, 12, "not a valid canonical entry"),
    "delete an entry": (lambda lines: lines.__delitem__(1 + 5), 5, "missing or out of order"),
    "reorder two": (
        lambda lines: lines.__setitem__(slice(4, 11), [lines[10], *lines[5:10], lines[4]]),
        3,
        "missing or out of order: position 3 holds seq 9",
    ),
    "truncate": (lambda lines: lines.__delitem__(slice(1 + 15, None)), 15, "missing"),
    "rewrite the checkpoint": (_rewrite_checkpoint, None, "the log's checkpoint"),
}


@pytest.mark.parametrize("case", list(EXPORT_TAMPERING))
def test_tampering_with_an_export_is_found(log: Log, tmp_path: Path, case: str) -> None:
    tamper, expected_seq, expected_reason = EXPORT_TAMPERING[case]
    path = tmp_path / "log.jsonl"
    _export(log, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    tamper(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    note, records = read_export(path)
    report = verify_log(
        records, checkpoint_note=note, pinned_note=log.pinned, verifier=log.signer.verifier
    )
    seq, reason = _failure(report)
    assert seq == expected_seq
    assert reason.startswith(expected_reason)
