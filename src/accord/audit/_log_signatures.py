"""Partner signatures checked from the log alone, against the keys the log itself registered.

A verifier reads the entries in seq order. Each partner key's `key.created` entry (purpose
`partner-submission`) registers it, with the raw key in `details.public_key`, for the
partner named in its subjects; `key.revoked` ends it. An entry carrying a submission
signature must then be signed by a key registered at an earlier seq, to the entry's actor,
and not revoked before the entry. Keys registered before the raw key was logged are known
only by their SHA-256: their signatures cannot be checked from the log, and are reported
as such rather than as failures. No server is asked: the log is the only source.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from accord.audit._actions import AuditAction
from accord.audit._entries import AuditEntry
from accord.audit._errors import SubmissionSignatureError
from accord.audit._partner_keys import PARTNER_KEY_PURPOSE, PUBLIC_KEY_DETAIL
from accord.audit._submissions import verify_entry_submission

__all__ = ["LoggedPartnerKeys", "UNCHECKABLE_SIGNATURE"]

#: Why a signature made with a key whose `key.created` entry holds no raw key is not checked.
UNCHECKABLE_SIGNATURE = (
    "signature not checkable from the log (key registered before raw keys were logged)"
)
_ED25519_KEY_BYTES = 32


@dataclass
class _LoggedKey:
    partner_id: str
    registered_seq: int
    public_key: Ed25519PublicKey | None
    revoked_seq: int | None = None


@dataclass
class LoggedPartnerKeys:
    """The partner keys registered so far in a log being read in order, and what they signed.

    `observe(entry)` for every entry in seq order returns the reason the entry fails (a key
    entry that contradicts itself, a signature that does not verify), or None. `checked`
    counts the signatures verified; `uncheckable` lists the seqs of signed entries whose key
    was registered without its raw bytes.
    """

    keys: dict[str, _LoggedKey] = field(default_factory=dict)
    checked: int = 0
    uncheckable: list[int] = field(default_factory=list)

    def observe(self, entry: AuditEntry) -> str | None:
        """Check `entry` against the keys registered before it, then learn any key it logs."""
        if entry.submission is not None:
            if problem := self._check_signature(entry):
                return problem
        details = entry.details or {}
        if details.get("purpose") != PARTNER_KEY_PURPOSE:
            return None
        if entry.action is AuditAction.KEY_CREATED:
            return self._register(entry, details.get(PUBLIC_KEY_DETAIL))
        if entry.action is AuditAction.KEY_REVOKED and entry.content_sha256 in self.keys:
            key = self.keys[entry.content_sha256]
            if key.revoked_seq is None:
                key.revoked_seq = entry.seq
        return None

    def _register(self, entry: AuditEntry, encoded: object) -> str | None:
        partners = [subject.id for subject in entry.subjects if subject.kind == "partner"]
        key_sha256 = entry.content_sha256
        if key_sha256 is None or len(partners) != 1:
            return (
                "a partner key's key.created entry must name one partner in its subjects and "
                "the key's SHA-256 as content_sha256"
            )
        public_key = None
        if encoded is not None:
            try:
                raw = base64.b64decode(str(encoded), validate=True)
            except binascii.Error:
                raw = b""
            if len(raw) != _ED25519_KEY_BYTES or hashlib.sha256(raw).hexdigest() != key_sha256:
                return (
                    f"the key.created entry's details.{PUBLIC_KEY_DETAIL} is not the base64 of "
                    f"the 32-byte key whose SHA-256 it records ({key_sha256})"
                )
            public_key = Ed25519PublicKey.from_public_bytes(raw)
        if key_sha256 in self.keys:
            return (
                f"key {key_sha256} is registered a second time (first at entry "
                f"{self.keys[key_sha256].registered_seq}); a key is registered once"
            )
        self.keys[key_sha256] = _LoggedKey(partners[0], entry.seq, public_key)
        return None

    def _check_signature(self, entry: AuditEntry) -> str | None:
        assert entry.submission is not None
        key_sha256 = entry.submission.key_sha256
        key = self.keys.get(key_sha256)
        if key is None:
            return (
                f"signed with key {key_sha256}, which no earlier key.created entry registers; "
                "a server cannot record a signature from a key it never registered"
            )
        if key.partner_id != entry.actor.partner_id:
            return (
                f"signed with key {key_sha256}, registered (entry {key.registered_seq}) to "
                f"partner {key.partner_id}, not to the acting partner {entry.actor.partner_id}"
            )
        if key.revoked_seq is not None:
            return (
                f"signed with key {key_sha256}, revoked at entry {key.revoked_seq}, before "
                "this entry"
            )
        if key.public_key is None:
            self.uncheckable.append(entry.seq)
            return None
        try:
            verify_entry_submission(entry, key.public_key)
        except SubmissionSignatureError as error:
            return f"the partner signature does not verify: {error}"
        self.checked += 1
        return None
