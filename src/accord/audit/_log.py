"""The stored audit log: append entries in the caller's transaction, prove, sign checkpoints.

The workflow over `accord.store.AuditLogRepository`: an append assigns the next seqs under
the log's write lock, encodes the entries canonically, extends the Merkle tree from its
compact range (popcount(n) stored hashes) and inserts the entries and every perfect subtree
they complete, all inside the caller's transaction, so an action and its entry commit or
roll back together. Proofs read O(log n) stored hashes. See docs/audit.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord.audit._actions import AuditAction
from accord.audit._entries import (
    Actor,
    AuditEntry,
    SubjectRef,
    SubmissionSignature,
    entry_bytes,
    parse_entry,
)
from accord.audit._errors import (
    EntryFormatError,
    LogIntegrityError,
    LogKeyMissingError,
    MissingSubtreeError,
)
from accord.audit._keys import create_signing_key, load_signing_key
from accord.audit._merkle import leaf_hash
from accord.audit._notes import Checkpoint, NoteSigner, open_checkpoint, sign_checkpoint
from accord.audit._proofs import consistency_proof, inclusion_proof, tree_root
from accord.audit._sealed import SEALED_DETAILS_KEY, SealedOpening, seal_details
from accord.audit._subtrees import CompactRange, SubtreeId
from accord.settings import Settings
from accord.store import (
    AuditLogRepository,
    StoredAuditEntry,
    StoredSealedDetails,
    transaction,
)

__all__ = [
    "LOG_KEY_FILE",
    "AppendedEntries",
    "AuditEvent",
    "AuditLog",
    "SignedCheckpoint",
    "StoredSubtreeHashes",
    "open_log_signer",
]

_log = logging.getLogger(__name__)

#: The log's signing key, relative to `Settings.var_dir`.
LOG_KEY_FILE = Path("keys") / "audit-log-ed25519.pem"


@dataclass(frozen=True)
class AuditEvent:
    """An action to record; the log gives it its seq (and the time, when None) on append.

    The fields are those of `AuditEntry` (see docs/audit.md, "Entries"), plus what the
    public log must not show: `sealed`, confidential details (what the agreements restrict:
    a conjunction's objects, TCA and miss; who received which data under which clauses), and
    `readers`, the partner ids (store ids) allowed to open them. The public entry then holds
    only `details.sealed_sha256` (docs/audit.md, "Confidential details").
    """

    action: AuditAction
    actor: Actor
    subjects: tuple[SubjectRef, ...] = ()
    content_sha256: str | None = None
    submission: SubmissionSignature | None = None
    details: Mapping[str, Any] | None = field(default=None, hash=False)
    time: datetime | None = None
    sealed: Mapping[str, Any] | None = field(default=None, hash=False)
    readers: frozenset[int] = frozenset()

    def entry(
        self, seq: int, default_time: datetime, sealed_sha256: str | None = None
    ) -> AuditEntry:
        """The entry this event becomes at leaf index `seq` (validated by `AuditEntry`).

        `sealed_sha256` is the commitment to the sealed details, written into `details`.
        """
        details = self.details
        if sealed_sha256 is not None:
            if self.details is not None and SEALED_DETAILS_KEY in self.details:
                raise EntryFormatError(
                    f"audit entry field 'details.{SEALED_DETAILS_KEY}': set by the log when an "
                    "event seals details; remove it from details"
                )
            details = {**(self.details or {}), SEALED_DETAILS_KEY: sealed_sha256}
        return AuditEntry(
            seq=seq,
            time=self.time or default_time,
            action=self.action,
            actor=self.actor,
            subjects=tuple(self.subjects),
            content_sha256=self.content_sha256,
            submission=self.submission,
            details=details,
        )


@dataclass(frozen=True, slots=True)
class AppendedEntries:
    """What an append wrote: the entries (with their seqs) and the tree after it."""

    entries: tuple[AuditEntry, ...]
    tree_size: int
    root_hash: bytes

    @property
    def first_seq(self) -> int:
        """Seq of the first appended entry (the tree size before the append)."""
        return self.tree_size - len(self.entries)


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint the log signed: the parsed checkpoint, the signed note, when it was signed."""

    checkpoint: Checkpoint
    note: str
    signed_at: datetime


class StoredSubtreeHashes:
    """`SubtreeHashes` over the `audit_subtrees` table: one query per proof."""

    def __init__(self, repository: AuditLogRepository) -> None:
        self.repository = repository

    def perfect_subtree_hashes(self, subtrees: Sequence[SubtreeId]) -> list[bytes]:
        """The hashes of `subtrees` in order; MissingSubtreeError names the first absent one."""
        found = self.repository.subtree_hashes([(s.level, s.index) for s in subtrees])
        hashes = []
        for subtree in subtrees:
            value = found.get((subtree.level, subtree.index))
            if value is None:
                raise MissingSubtreeError(
                    f"perfect subtree (level {subtree.level}, index {subtree.index}) is not in "
                    "the audit_subtrees table; the tree is smaller than asked, or rows were lost"
                )
            hashes.append(value)
        return hashes


class AuditLog:
    """The audit log stored in the database, used inside the caller's session (transaction).

    `append` must run in the transaction that makes the change it records. On SQLite that
    transaction should hold the write lock (`transaction(engine, write_lock=True)`); on
    PostgreSQL `append` takes the log's advisory lock itself, held until commit.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.repository = AuditLogRepository(session)
        self.subtrees = StoredSubtreeHashes(self.repository)

    # --- writes ---------------------------------------------------------------------------

    def append(self, events: Sequence[AuditEvent]) -> AppendedEntries:
        """Append `events` as consecutive entries; return them with the new tree size and root.

        Cost: two small reads (tree size, compact range), one hash per leaf plus one per
        completed interior node, and two bulk inserts, whatever the log's size.
        """
        self.repository.lock_for_append()
        size = self.repository.tree_size()
        compact_range = CompactRange.load(self.subtrees, size)
        now = datetime.now(UTC)
        # A fresh salt per entry, even for equal details: equal commitments would link them.
        sealed = [
            None if event.sealed is None else seal_details(event.sealed, event.readers)
            for event in events
        ]
        entries = tuple(
            event.entry(size + offset, now, None if opening is None else opening.sha256)
            for offset, (event, opening) in enumerate(zip(events, sealed, strict=True))
        )
        encoded = [entry_bytes(entry) for entry in entries]
        result = compact_range.append(leaf_hash(data) for data in encoded)
        self.repository.insert(
            [
                (
                    entry.seq,
                    entry.time,
                    entry.action.value,
                    entry.actor.kind,
                    entry.actor.partner_id,
                    entry.content_sha256,
                    data,
                )
                for entry, data in zip(entries, encoded, strict=True)
            ],
            [(subtree.level, subtree.index, value) for subtree, value in result.new_subtrees],
        )
        self.repository.insert_sealed(
            [
                (entry.seq, opening.salt, opening.details_json, opening.readers)
                for entry, opening in zip(entries, sealed, strict=True)
                if opening is not None
            ]
        )
        return AppendedEntries(entries, result.compact_range.size, result.root)

    def sign_checkpoint(self, signer: NoteSigner) -> SignedCheckpoint:
        """Sign a checkpoint of the current tree, unless the latest already covers it.

        A new one is stored when the tree grew or the key (or origin) changed since the
        latest; otherwise the latest is returned as it is. Takes the append lock so that
        checkpoints are issued in tree-size order. Before signing, the stored tree must still
        give the latest checkpoint's root at its size (popcount(n) reads): a log changed or
        cut back behind Accord's back raises LogIntegrityError instead of being signed.
        """
        self.repository.lock_for_append()
        size = self.tree_size
        root = tree_root(self.subtrees, size)
        latest = self.latest_checkpoint()
        if latest is not None:
            self._check_extends(latest.checkpoint, size)
        if (
            latest is not None
            and latest.checkpoint.tree_size == size
            and latest.checkpoint.root_hash == root
            and latest.checkpoint.origin == signer.name
            and _signed_by(latest.note, signer)
        ):
            return latest
        checkpoint = Checkpoint(signer.name, size, root)
        note = sign_checkpoint(checkpoint, signer)
        signed_at = datetime.now(UTC)
        self.repository.add_checkpoint(
            tree_size=size, root_hash=root, note=note, signed_at=signed_at
        )
        return SignedCheckpoint(checkpoint, note, signed_at)

    def _check_extends(self, signed: Checkpoint, size: int) -> None:
        problem = None
        if size < signed.tree_size:
            problem = f"it holds {size:,} entries, fewer than the {signed.tree_size:,} signed"
        else:
            try:
                if tree_root(self.subtrees, signed.tree_size) != signed.root_hash:
                    problem = f"its first {signed.tree_size:,} entries give another root"
            except MissingSubtreeError as error:
                problem = str(error)
        if problem is not None:
            raise LogIntegrityError(
                f"the stored audit log does not extend its checkpoint of size "
                f"{signed.tree_size:,}: {problem}; it was changed outside Accord. Refusing to "
                "sign: restore the log from a backup and audit it with `accord audit verify`"
            )

    # --- reads ----------------------------------------------------------------------------

    @property
    def tree_size(self) -> int:
        """Number of entries in the log."""
        return self.repository.tree_size()

    def root_hash(self, tree_size: int | None = None) -> bytes:
        """MTH of the first `tree_size` entries (default: all), from popcount(n) hashes."""
        return tree_root(self.subtrees, self.tree_size if tree_size is None else tree_size)

    def entries(self, start: int = 0, limit: int = 1000) -> list[StoredAuditEntry]:
        """Up to `limit` stored entries from seq `start`, with their stored leaf hashes."""
        return self.repository.entries(start, limit)

    def entry(self, seq: int) -> bytes | None:
        """The canonical bytes of entry `seq`, or None when the log has no such entry."""
        return self.repository.entry(seq)

    def sealed(self, seq: int) -> StoredSealedDetails | None:
        """The stored opening of entry `seq` (salt, details, readers), or None if it seals
        nothing. Whoever serves it decides first that the caller may read it."""
        return self.repository.sealed(seq)

    def opening(self, seq: int) -> SealedOpening | None:
        """The opening of entry `seq` as a verifier checks it (`verify_opening`), or None."""
        stored = self.repository.sealed(seq)
        if stored is None:
            return None
        return SealedOpening(seq, stored.salt, json.loads(stored.details_json))

    def inclusion_proof(self, seq: int, tree_size: int) -> list[bytes]:
        """RFC 9162 audit path of entry `seq` in the tree of `tree_size` entries."""
        return inclusion_proof(self.subtrees, seq, tree_size)

    def consistency_proof(self, first_size: int, second_size: int) -> list[bytes]:
        """RFC 9162 proof that the tree of `second_size` extends that of `first_size`."""
        return consistency_proof(self.subtrees, first_size, second_size)

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        """The checkpoint of the largest tree signed so far, or None before the first."""
        row = self.repository.latest_checkpoint()
        if row is None:
            return None
        return SignedCheckpoint(_parse_stored(row.note), row.note, row.signed_at)

    def checkpoints(self) -> list[SignedCheckpoint]:
        """Every checkpoint signed, oldest first."""
        return [
            SignedCheckpoint(_parse_stored(row.note), row.note, row.signed_at)
            for row in self.repository.checkpoints()
        ]


def _parse_stored(note: str) -> Checkpoint:
    """The checkpoint text of a stored note (its signature is the verifier's business)."""
    text = note[: note.rfind("\n\n") + 1]
    return Checkpoint.from_text(text)


def _signed_by(note: str, signer: NoteSigner) -> bool:
    try:
        open_checkpoint(note, signer.verifier)
    except ValueError:
        return False
    return True


def open_log_signer(engine: Engine, settings: Settings) -> NoteSigner:
    """The log's checkpoint signer: key file under `var_dir`, key name `audit_origin`.

    The key is generated on first use (mode 0600, see `create_signing_key`), and its
    creation is itself recorded in the log (`key.created`, subject the verifier key). When
    the key file is missing but the log already holds signed checkpoints, raises
    LogKeyMissingError instead: a new key would sign checkpoints no verifier pinned, so the
    operator restores the key file (docs/audit.md, "Restoring the log key").
    """
    path = settings.var_dir / LOG_KEY_FILE
    private_key: Ed25519PrivateKey
    try:
        private_key = load_signing_key(path)
        created = False
    except FileNotFoundError:
        _refuse_if_signed_before(engine, path)
        try:
            private_key = create_signing_key(path)
            created = True
        except FileExistsError:
            private_key = load_signing_key(path)
            created = False
    signer = NoteSigner(settings.audit_origin, private_key)
    if created:
        _log.info("audit: created the log signing key %s (%s)", path, signer.verifier.vkey)
    # Checked on every start, not only after creating the key: a process stopped between
    # writing the key file and committing its entry would otherwise never log the key.
    # Read first: the write lock is taken only when the entry is missing (once per key).
    with transaction(engine) as session:
        if _log_key_logged(session, signer.verifier.vkey):
            return signer
    with transaction(engine, write_lock=True) as session:
        if not _log_key_logged(session, signer.verifier.vkey):
            AuditLog(session).append(
                [
                    AuditEvent(
                        AuditAction.KEY_CREATED,
                        Actor.system(),
                        subjects=(SubjectRef("log_key", signer.verifier.vkey),),
                        details={"purpose": "checkpoint signing"},
                    )
                ]
            )
    return signer


def _log_key_logged(session: Session, vkey: str) -> bool:
    """True when a `key.created` entry already names the log key `vkey`."""
    logged = AuditLogRepository(session).entries_of_action(AuditAction.KEY_CREATED.value)
    return any(
        any(s.kind == "log_key" and s.id == vkey for s in parse_entry(entry).subjects)
        for entry in logged
    )


def _refuse_if_signed_before(engine: Engine, path: Path) -> None:
    """Raise LogKeyMissingError when the log holds checkpoints signed by a key now missing."""
    with transaction(engine) as session:
        latest = AuditLog(session).latest_checkpoint()
    if latest is None:
        return
    signers = sorted(
        _signature_key(line) for line in latest.note.splitlines() if line.startswith("\u2014 ")
    )
    raise LogKeyMissingError(
        f"the audit log's signing key {path} is missing, but the log holds signed checkpoints "
        f"(the latest, of {latest.checkpoint.tree_size:,} entries, signed at "
        f"{latest.signed_at.isoformat()} by {', '.join(signers) or 'the log key'}). A new key "
        "would sign checkpoints that no verifier pinned, so Accord refuses to start: restore "
        f"the key file from your backup to {path} (owner-only, `chmod 600`) and start again; "
        "see 'Restoring the log key' in docs/audit.md"
    )


def _signature_key(line: str) -> str:
    """`<key name>+<key id hex>` of a signed note's signature line, as verifier keys begin."""
    _, name, encoded = (line.split(" ") + ["", ""])[:3]
    try:
        key_id = base64.b64decode(encoded, validate=True)[:4].hex()
    except binascii.Error:
        key_id = "?"
    return f"{name}+{key_id}"
