"""Full audit of a log against a pinned checkpoint: recompute the tree, find the first failure.

Given every entry (from an export or a server), the latest signed checkpoint and an earlier
checkpoint the verifier pinned, check in this order and stop at the first failure:

1. both checkpoints carry the log key's signature, and the log did not shrink or fork;
2. entry `i` sits at position `i`, is canonical (`parse_entry`) and says `seq == i`;
3. there are at least as many entries as the checkpoint signs;
4. the leaf hashes of the entries give the pinned root at the pinned size and the signed
   root at the signed size (both from the same leaves: the log only grew);
5. when a root differs, the changed entry is located with the stored leaf hashes that
   came with the entries, once those are shown to give the signed root;
6. every partner signature in an entry verifies with the key that an earlier entry of the
   same log registered to that partner and no entry revoked before it (`LoggedPartnerKeys`);
   signatures by keys logged without their raw bytes are listed as not checkable. Checked
   on every entry as it is read, reported once the entries are shown to be the signed ones,
   so that a changed entry is reported as changed rather than as a bad signature.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from accord.audit._entries import AuditEntry, parse_entry
from accord.audit._errors import AuditError, EntryFormatError, ProofError
from accord.audit._log_signatures import UNCHECKABLE_SIGNATURE, LoggedPartnerKeys
from accord.audit._merkle import leaf_hash, verify_consistency
from accord.audit._notes import Checkpoint, NoteVerifier, open_checkpoint
from accord.audit._proofs import tree_root
from accord.audit._subtrees import InMemorySubtreeHashes

__all__ = ["LogRecord", "VerificationFailure", "VerificationReport", "verify_log"]


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One entry as a log source gives it: its seq, bytes and the log's stored leaf hash."""

    seq: int
    entry: bytes
    leaf_hash: bytes | None = None


@dataclass(frozen=True, slots=True)
class VerificationFailure:
    """The first thing that failed: the entry's seq (None for the log as a whole) and why."""

    seq: int | None
    reason: str

    def __str__(self) -> str:
        return self.reason if self.seq is None else f"entry {self.seq}: {self.reason}"


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """Outcome of `verify_log`: what was checked and the first failure, if any.

    `signatures_checked` counts the partner signatures verified against keys registered in
    the log; `signatures_uncheckable` holds the seqs of signed entries whose key was logged
    without its raw bytes (registered before raw keys were logged), which are not failures.
    """

    pinned: Checkpoint
    checkpoint: Checkpoint | None
    entries_read: int
    failure: VerificationFailure | None
    signatures_checked: int = 0
    signatures_uncheckable: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return self.failure is None

    def summary(self) -> str:
        """One line for people: what verified, or the first failure."""
        if self.failure is not None:
            return f"FAILED: {self.failure}"
        assert self.checkpoint is not None
        line = (
            f"OK: {self.entries_read:,} entries verified; the signed checkpoint of size "
            f"{self.checkpoint.tree_size:,} ({self.checkpoint.root_hash.hex()[:16]}...) extends "
            f"the pinned one of size {self.pinned.tree_size:,}; "
            f"{self.signatures_checked:,} partner signatures verified"
        )
        if self.signatures_uncheckable:
            shown = ", ".join(str(seq) for seq in self.signatures_uncheckable[:10])
            more = len(self.signatures_uncheckable) - 10
            line += (
                f"; {len(self.signatures_uncheckable):,} {UNCHECKABLE_SIGNATURE}: "
                f"{'entry' if len(self.signatures_uncheckable) == 1 else 'entries'} "
                f"{shown}{f' and {more:,} more' if more > 0 else ''}"
            )
        return line


def verify_log(
    records: Iterable[LogRecord],
    *,
    checkpoint_note: str,
    pinned_note: str,
    verifier: NoteVerifier,
    consistency: Sequence[bytes] | None = None,
) -> VerificationReport:
    """Audit a whole log (see the module docstring); return the first failure found.

    `records` come in log order; an `AuditError` raised while iterating them (a malformed
    export line) is reported as a failure of the entry at that position. `consistency`, when
    given, is the server's consistency proof from the pinned size to the signed size and is
    checked too. Raises NoteSignatureError / NoteFormatError when the pinned checkpoint does
    not verify with `verifier`: that is a wrong key or file, not a finding about the log.
    """
    pinned = open_checkpoint(pinned_note, verifier)

    keys = LoggedPartnerKeys()

    def report(
        failure: VerificationFailure | None, checkpoint: Checkpoint | None, read: int
    ) -> VerificationReport:
        return VerificationReport(
            pinned, checkpoint, read, failure, keys.checked, tuple(keys.uncheckable)
        )

    try:
        signed = open_checkpoint(checkpoint_note, verifier)
    except AuditError as error:
        return report(VerificationFailure(None, f"the log's checkpoint: {error}"), None, 0)
    if failure := _compare_checkpoints(pinned, signed, consistency):
        return report(failure, signed, 0)

    recomputed = InMemorySubtreeHashes()
    claimed: list[bytes | None] = []
    signature_failure: VerificationFailure | None = None
    position = 0
    iterator = iter(records)
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            break
        except AuditError as error:
            return report(VerificationFailure(position, str(error)), signed, position)
        entry = _checked_entry(record, position)
        if isinstance(entry, VerificationFailure):
            return report(entry, signed, position)
        if signature_failure is None and (problem := keys.observe(entry)):
            signature_failure = VerificationFailure(position, problem)
        recomputed.append([leaf_hash(record.entry)])
        claimed.append(record.leaf_hash)
        position += 1
    if position < signed.tree_size:
        return report(
            VerificationFailure(
                position,
                f"missing: the log holds {position:,} entries but its checkpoint signs "
                f"{signed.tree_size:,}; entries from {position} on were removed",
            ),
            signed,
            position,
        )
    failure = _check_roots(recomputed, claimed, pinned, signed)
    return report(failure or signature_failure, signed, position)


def _compare_checkpoints(
    pinned: Checkpoint, signed: Checkpoint, consistency: Sequence[bytes] | None
) -> VerificationFailure | None:
    if signed.tree_size < pinned.tree_size:
        return VerificationFailure(
            signed.tree_size,
            f"rolled back: the log's checkpoint signs {signed.tree_size:,} entries, fewer than "
            f"the {pinned.tree_size:,} of the pinned checkpoint",
        )
    if signed.tree_size == pinned.tree_size and signed.root_hash != pinned.root_hash:
        return VerificationFailure(
            None,
            f"forked: two signed checkpoints of size {signed.tree_size:,} have different roots",
        )
    if consistency is not None and 0 < pinned.tree_size:
        try:
            verify_consistency(
                pinned.tree_size,
                signed.tree_size,
                consistency,
                pinned.root_hash,
                signed.root_hash,
            )
        except ProofError as error:
            return VerificationFailure(None, f"the server's consistency proof fails: {error}")
    return None


def _checked_entry(record: LogRecord, position: int) -> AuditEntry | VerificationFailure:
    if record.seq != position:
        return VerificationFailure(
            position,
            f"missing or out of order: position {position} holds seq {record.seq}",
        )
    try:
        entry = parse_entry(record.entry)
    except EntryFormatError as error:
        return VerificationFailure(position, f"not a valid canonical entry: {error}")
    if entry.seq != position:
        return VerificationFailure(
            position, f"out of order: the entry stored at seq {position} says seq {entry.seq}"
        )
    return entry


def _check_roots(
    recomputed: InMemorySubtreeHashes,
    claimed: list[bytes | None],
    pinned: Checkpoint,
    signed: Checkpoint,
) -> VerificationFailure | None:
    signed_root = tree_root(recomputed, signed.tree_size)
    pinned_root = tree_root(recomputed, pinned.tree_size)
    if signed_root == signed.root_hash and pinned_root == pinned.root_hash:
        return None
    # Locate the change: the stored leaf hashes are trustworthy exactly when they give the
    # signed root (SHA-256 collision resistance); the first entry that disagrees with them
    # is the first changed one.
    stored = claimed[: signed.tree_size]
    if all(value is not None for value in stored):
        stored_tree = InMemorySubtreeHashes.from_leaf_hashes(
            [value for value in stored if value is not None]
        )
        if stored_tree.compact_range.root == signed.root_hash:
            leaves = recomputed.levels[0]
            for seq, value in enumerate(stored):
                if leaves[seq] != value:
                    return VerificationFailure(
                        seq,
                        "changed: its bytes hash to "
                        f"{leaves[seq].hex()[:16]}..., not to the leaf the signed checkpoint "
                        f"of size {signed.tree_size:,} covers ({(value or b'').hex()[:16]}...)",
                    )
    if pinned_root != pinned.root_hash and signed_root == signed.root_hash:
        return VerificationFailure(
            None,
            f"forked: the signed log's first {pinned.tree_size:,} entries differ from those "
            "of the pinned checkpoint",
        )
    where = (
        f"among the first {pinned.tree_size:,}"
        if pinned_root != pinned.root_hash
        else f"between {pinned.tree_size:,} and {signed.tree_size:,}"
    )
    return VerificationFailure(
        None,
        f"the entries give root {signed_root.hex()[:16]}... for size {signed.tree_size:,}, not "
        f"the signed {signed.root_hash.hex()[:16]}...; an entry {where} was changed and the "
        "stored tree hashes with it, so it cannot be located",
    )
