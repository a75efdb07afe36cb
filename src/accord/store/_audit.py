"""Tables and table access of the audit log: entries, perfect-subtree hashes, checkpoints.

The three tables are append-only: migration 0002 installs triggers that refuse UPDATE and
DELETE (and TRUNCATE on PostgreSQL), so rows are only ever inserted. This module knows rows
and bytes only; the Merkle logic and the entry format live in `accord.audit`, which uses
`AuditLogRepository` through its `AuditLog` service. See docs/audit.md.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from accord.store._catalog import _insert_rows
from accord.store._models import Base
from accord.store._types import UTCDateTime

__all__ = [
    "AUDIT_LOCK_KEY",
    "AuditCheckpointRow",
    "AuditEntryRow",
    "AuditLogRepository",
    "AuditSealedDetailsRow",
    "AuditSubtreeRow",
    "StoredAuditEntry",
    "StoredSealedDetails",
]

#: Key of the PostgreSQL advisory lock that serialises appends to the log (one writer at a
#: time assigns the next seq). Taken last in a transaction, after any other advisory lock.
AUDIT_LOCK_KEY = 0x4143434F52444C  # "ACCORDL"
#: Rows per `IN (...)` lookup of subtree hashes; well under SQLite's 32,766 variables.
_LOOKUP_CHUNK = 400


class AuditEntryRow(Base):
    """One log entry: its canonical bytes (what is hashed) and copies of fields to query by.

    `seq` is the leaf index. The copies (`time`, `action`, `actor_*`, `content_sha256`) are
    for filtering only; the bytes are the record, and verification reads nothing else.
    """

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    time: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    actor_kind: Mapped[str] = mapped_column(sa.String(16))
    actor_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    content_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    entry: Mapped[bytes] = mapped_column(sa.LargeBinary)


class AuditSubtreeRow(Base):
    """The hash of perfect subtree (level, node_index): 2**level leaves from node_index << level.

    Level 0 holds the leaf hashes. Written once, when the subtree's last leaf is appended.
    """

    __tablename__ = "audit_subtrees"
    __table_args__ = {"sqlite_with_rowid": False}

    level: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    node_index: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))


class AuditCheckpointRow(Base):
    """A signed checkpoint (c2sp.org/tlog-checkpoint in a signed note) as the log issued it."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tree_size: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    #: The whole signed note, UTF-8 text exactly as signed.
    note: Mapped[str] = mapped_column(sa.Text)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditSealedDetailsRow(Base):
    """The confidential details of entry `seq`: salt, canonical JSON, who may read them.

    The public entry holds only `details.sealed_sha256 = SHA-256(salt || details)`; this
    row is the opening. `readers` is the canonical JSON array of the partner ids (store
    ids) allowed to read it, e.g. `[3,7]`. Append-only by triggers (migration
    0015_audit_sealed_details), like the log tables. See docs/audit.md.
    """

    __tablename__ = "audit_sealed_details"

    seq: Mapped[int] = mapped_column(
        sa.BigInteger, sa.ForeignKey("audit_entries.seq"), primary_key=True, autoincrement=False
    )
    salt: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    details: Mapped[bytes] = mapped_column(sa.LargeBinary)
    readers: Mapped[str] = mapped_column(sa.Text)


@dataclass(frozen=True, slots=True)
class StoredSealedDetails:
    """A stored opening: entry seq, salt, canonical details JSON, reader partner ids."""

    seq: int
    salt: bytes
    details_json: bytes
    readers: frozenset[int]


@dataclass(frozen=True, slots=True)
class StoredAuditEntry:
    """An entry as stored: its seq, canonical bytes, and the stored leaf hash (None if lost)."""

    seq: int
    entry: bytes
    leaf_hash: bytes | None


_ENTRIES = Base.metadata.tables[AuditEntryRow.__tablename__]
_SUBTREES = Base.metadata.tables[AuditSubtreeRow.__tablename__]
_ENTRY_COLUMNS = ("seq", "time", "action", "actor_kind", "actor_id", "content_sha256", "entry")
_SUBTREE_COLUMNS = ("level", "node_index", "hash")
_SEALED = Base.metadata.tables[AuditSealedDetailsRow.__tablename__]
_SEALED_COLUMNS = ("seq", "salt", "details", "readers")


class AuditLogRepository:
    """Row access to the audit log tables inside the caller's session (its transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_for_append(self) -> None:
        """Serialise appenders until this transaction ends.

        PostgreSQL: a transaction-scoped advisory lock. SQLite: the caller's transaction
        must hold the write lock already (`transaction(engine, write_lock=True)`); the
        primary keys refuse a second writer's duplicate seq either way.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.connection().exec_driver_sql(
                f"SELECT pg_advisory_xact_lock({AUDIT_LOCK_KEY})"
            )

    def tree_size(self) -> int:
        """Number of leaves in the stored tree (one past the largest leaf index)."""
        largest = self.session.execute(
            sa.select(sa.func.max(AuditSubtreeRow.node_index)).where(AuditSubtreeRow.level == 0)
        ).scalar_one()
        return 0 if largest is None else int(largest) + 1

    def subtree_hashes(self, subtrees: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored hashes of (level, node_index) pairs; absent ones are left out."""
        wanted = list(dict.fromkeys(subtrees))
        found: dict[tuple[int, int], bytes] = {}
        connection = self.session.connection()
        # Positional placeholder of the driver: "?" (sqlite3) or "%s" (psycopg).
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            chunk = wanted[start : start + _LOOKUP_CHUNK]
            # An OR of key equalities, not `(level, node_index) IN (...)`: SQLite scans the
            # whole table for a row-value IN but searches the primary key once per term.
            # Plain SQL text: compiling a SQLAlchemy expression would cost more than the query.
            terms = " OR ".join([f"(level = {mark} AND node_index = {mark})"] * len(chunk))
            parameters = tuple(value for pair in chunk for value in pair)
            rows = connection.exec_driver_sql(
                f"SELECT level, node_index, hash FROM audit_subtrees WHERE {terms}", parameters
            )
            for level, node_index, value in rows:
                found[(int(level), int(node_index))] = bytes(value)
        return found

    def insert(
        self,
        entries: list[tuple[int, datetime, str, str, str | None, str | None, bytes]],
        subtrees: list[tuple[int, int, bytes]],
    ) -> None:
        """Insert entry rows `(seq, time, action, actor_kind, actor_id, content_sha256,
        entry)` and subtree rows `(level, node_index, hash)`, each in one executemany."""
        connection = self.session.connection()
        _insert_rows(connection, _ENTRIES, _ENTRY_COLUMNS, entries)
        _insert_rows(connection, _SUBTREES, _SUBTREE_COLUMNS, subtrees)

    def insert_sealed(self, rows: Sequence[tuple[int, bytes, bytes, frozenset[int]]]) -> None:
        """Insert sealed-details rows `(seq, salt, details_json, readers)` in one executemany,
        after their entries (the seq references the entry)."""
        if not rows:
            return
        _insert_rows(
            self.session.connection(),
            _SEALED,
            _SEALED_COLUMNS,
            [
                (seq, salt, details, json.dumps(sorted(readers), separators=(",", ":")))
                for seq, salt, details, readers in rows
            ],
        )

    def sealed(self, seq: int) -> StoredSealedDetails | None:
        """The sealed details of entry `seq`, or None when it seals nothing."""
        row = self.session.execute(
            sa.select(_SEALED.c.salt, _SEALED.c.details, _SEALED.c.readers).where(
                _SEALED.c.seq == seq
            )
        ).one_or_none()
        if row is None:
            return None
        salt, details, readers = row
        return StoredSealedDetails(
            seq, bytes(salt), bytes(details), frozenset(int(r) for r in json.loads(readers))
        )

    def entries(self, start: int, limit: int) -> list[StoredAuditEntry]:
        """Up to `limit` entries from seq `start` on, in seq order, with stored leaf hashes."""
        entries, leaves = _ENTRIES, _SUBTREES
        query = (
            sa.select(entries.c.seq, entries.c.entry, leaves.c.hash)
            .outerjoin(leaves, sa.and_(leaves.c.level == 0, leaves.c.node_index == entries.c.seq))
            .where(entries.c.seq >= start)
            .order_by(entries.c.seq)
            .limit(limit)
        )
        return [
            StoredAuditEntry(int(seq), bytes(entry), None if leaf is None else bytes(leaf))
            for seq, entry, leaf in self.session.connection().execute(query)
        ]

    def entries_of_action(self, action: str) -> list[bytes]:
        """The bytes of every entry recording `action`, in seq order (indexed by action)."""
        rows = self.session.execute(
            sa.select(AuditEntryRow.entry)
            .where(AuditEntryRow.action == action)
            .order_by(AuditEntryRow.seq)
        ).scalars()
        return [bytes(entry) for entry in rows]

    def entry(self, seq: int) -> bytes | None:
        """The bytes of entry `seq`, or None when there is none."""
        value = self.session.execute(
            sa.select(AuditEntryRow.entry).where(AuditEntryRow.seq == seq)
        ).scalar_one_or_none()
        return None if value is None else bytes(value)

    def latest_checkpoint(self) -> AuditCheckpointRow | None:
        """The checkpoint of the largest tree (the last issued of those), or None."""
        return self.session.scalars(
            sa.select(AuditCheckpointRow)
            .order_by(AuditCheckpointRow.tree_size.desc(), AuditCheckpointRow.id.desc())
            .limit(1)
        ).first()

    def checkpoints(self) -> list[AuditCheckpointRow]:
        """Every checkpoint issued, oldest first."""
        return list(
            self.session.scalars(sa.select(AuditCheckpointRow).order_by(AuditCheckpointRow.id))
        )

    def add_checkpoint(
        self, *, tree_size: int, root_hash: bytes, note: str, signed_at: datetime
    ) -> AuditCheckpointRow:
        """Store a newly signed checkpoint."""
        row = AuditCheckpointRow(
            tree_size=tree_size, root_hash=root_hash, note=note, signed_at=signed_at
        )
        self.session.add(row)
        self.session.flush()
        return row

    def first_seqs_by_content(self, action: str, digests: Sequence[str]) -> dict[str, int]:
        """The seq of the first `action` entry recording each content SHA-256 in `digests`.

        Digests no such entry records are left out. Reads the filtering copies (indexed by
        action); a verifier reads the entry bytes instead.
        """
        found: dict[str, int] = {}
        wanted = list(dict.fromkeys(digests))
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            rows = self.session.execute(
                sa.select(AuditEntryRow.content_sha256, sa.func.min(AuditEntryRow.seq))
                .where(
                    AuditEntryRow.action == action,
                    AuditEntryRow.content_sha256.in_(wanted[start : start + _LOOKUP_CHUNK]),
                )
                .group_by(AuditEntryRow.content_sha256)
            )
            for digest, seq in rows:
                found[str(digest)] = int(seq)
        return found
