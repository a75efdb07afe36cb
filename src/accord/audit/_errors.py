"""Errors raised by the audit log core, one type per failure family."""

from __future__ import annotations

__all__ = [
    "AuditError",
    "ConsistencyProofError",
    "EntryFormatError",
    "InclusionProofError",
    "KeyFileError",
    "KeyFilePermissionError",
    "LogIntegrityError",
    "LogKeyMissingError",
    "LogSourceError",
    "MissingSubtreeError",
    "NoteFormatError",
    "NoteSignatureError",
    "ProofError",
    "SubmissionSignatureError",
]


class AuditError(Exception):
    """Base class of every error the audit log core raises."""


class ProofError(AuditError, ValueError):
    """A Merkle proof does not verify (RFC 9162 section 2.1.3.2 or 2.1.4.2)."""


class InclusionProofError(ProofError):
    """An inclusion proof does not show the leaf in the tree with the given root."""


class ConsistencyProofError(ProofError):
    """A consistency proof does not show the larger tree extends the smaller one."""


class MissingSubtreeError(AuditError, LookupError):
    """A subtree hash needed for a proof or a root is not in the subtree store.

    Raised when a proof is asked for a tree size larger than the store holds, or when the
    store lost rows; either way the proof cannot be built without rehashing leaves.
    """


class EntryFormatError(AuditError, ValueError):
    """An audit entry is malformed, not canonical, or breaks an entry rule."""


class NoteFormatError(AuditError, ValueError):
    """A signed note, checkpoint or verifier key is not in the C2SP text format."""


class NoteSignatureError(AuditError, ValueError):
    """A signed note carries no valid signature from the expected key."""


class KeyFileError(AuditError, OSError):
    """A signing key file cannot be created or loaded."""


class KeyFilePermissionError(KeyFileError, PermissionError):
    """A signing key file is readable or writable by users other than its owner."""


class LogKeyMissingError(KeyFileError, FileNotFoundError):
    """The log's signing key file is gone although checkpoints signed with it exist.

    Generating a new key would sign checkpoints no verifier pinned; restore the file.
    """


class SubmissionSignatureError(AuditError, ValueError):
    """A partner's signature over a submission is missing, from the wrong key, or invalid."""


class LogSourceError(AuditError, ValueError):
    """An audit export file or a server's answer cannot be read as an audit log."""


class LogIntegrityError(AuditError):
    """The stored log no longer agrees with a checkpoint it signed: it was changed in place.

    The server refuses to sign over such a log, since that would sign the change.
    """
