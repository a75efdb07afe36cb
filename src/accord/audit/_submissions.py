"""Partner-signed submissions: what a partner signs, and how anyone checks it from the log.

A partner signs, with its registered Ed25519 key, a short *submission statement* that binds
the SHA-256 of the exact bytes it submitted to what they are and who sends them:

    accord-submission/v1\\n<submission kind>\\n<partner id>\\n<sha256 hex of the bytes>\\n

The statement is domain-separated (a signature made for anything else never verifies here),
ties the signature to one kind and one partner, and can be rebuilt from the audit entry
alone: an auditor checks every signature without fetching the payloads, and checks a
payload against the entry's `content_sha256` when it has one.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from accord.audit._actions import ACTION_SPECS, AuditAction
from accord.audit._entries import AuditEntry, SubmissionSignature, content_sha256
from accord.audit._errors import SubmissionSignatureError

__all__ = [
    "SUBMISSION_STATEMENT_PREFIX",
    "public_key_sha256",
    "sign_submission",
    "submission_statement",
    "verify_entry_submission",
    "verify_submission",
    "verify_submission_sha256",
]

#: First line of every submission statement (domain separation).
SUBMISSION_STATEMENT_PREFIX = "accord-submission/v1"


def public_key_sha256(public_key: Ed25519PublicKey) -> str:
    """Lowercase hex SHA-256 of the raw 32-byte public key: the key's id in entries."""
    return hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()


def _submission_kind(action: AuditAction) -> str:
    kind = ACTION_SPECS[AuditAction(action)].submission_kind
    if kind is None:
        raise SubmissionSignatureError(
            f"action {AuditAction(action).value!r} takes no signed submission; partners sign "
            "only actions whose ActionSpec has a submission_kind"
        )
    return kind


def submission_statement(action: AuditAction, partner_id: str, payload_sha256: str) -> bytes:
    """The bytes a partner signs for a submission recorded under `action`.

    `payload_sha256` is the lowercase hex SHA-256 of the exact submitted bytes.
    """
    lines = [SUBMISSION_STATEMENT_PREFIX, _submission_kind(action), partner_id, payload_sha256]
    for line in lines:
        if not line or "\n" in line:
            raise SubmissionSignatureError(f"statement line {line!r} is empty or multi-line")
    return "".join(line + "\n" for line in lines).encode("utf-8")


def sign_submission(
    private_key: Ed25519PrivateKey, action: AuditAction, partner_id: str, payload: bytes
) -> SubmissionSignature:
    """What a partner's client does before submitting `payload` (also used in tests)."""
    statement = submission_statement(action, partner_id, content_sha256(payload))
    return SubmissionSignature(
        public_key_sha256(private_key.public_key()), private_key.sign(statement)
    )


def _verify(
    public_key: Ed25519PublicKey,
    action: AuditAction,
    partner_id: str,
    payload_sha256: str,
    signature: SubmissionSignature,
) -> None:
    expected_key = public_key_sha256(public_key)
    if signature.key_sha256 != expected_key:
        raise SubmissionSignatureError(
            f"the submission by partner {partner_id!r} is signed by key {signature.key_sha256}, "
            f"not by its registered key {expected_key}; sign with the registered key or "
            "register the new one first"
        )
    statement = submission_statement(action, partner_id, payload_sha256)
    try:
        public_key.verify(signature.signature, statement)
    except InvalidSignature:
        raise SubmissionSignatureError(
            f"the signature of partner {partner_id!r} does not verify over the "
            f"{_submission_kind(action)} statement for content {payload_sha256}: the bytes "
            "differ from what was signed, or the signature was made for another kind or partner"
        ) from None


def verify_submission(
    public_key: Ed25519PublicKey,
    action: AuditAction,
    partner_id: str,
    payload: bytes,
    signature: SubmissionSignature,
) -> None:
    """Check a partner's signature over the exact `payload` it submitted, before recording it.

    Raises SubmissionSignatureError when the key is not the registered one or the signature
    does not cover this payload, kind and partner.
    """
    _verify(public_key, action, partner_id, content_sha256(payload), signature)


def verify_submission_sha256(
    public_key: Ed25519PublicKey,
    action: AuditAction,
    partner_id: str,
    payload_sha256: str,
    signature: SubmissionSignature,
) -> None:
    """`verify_submission` for a payload known by its SHA-256 (lowercase hex) only.

    For callers that hashed the bytes as they read them (an import from an already-read
    catalog); the statement is the same, so the same signature verifies.
    """
    _verify(public_key, action, partner_id, payload_sha256, signature)


def verify_entry_submission(entry: AuditEntry, public_key: Ed25519PublicKey) -> None:
    """Check the partner signature recorded in `entry`, from the entry alone.

    Raises SubmissionSignatureError when the entry holds no signature or it does not verify.
    """
    if entry.submission is None:
        raise SubmissionSignatureError(f"audit entry seq {entry.seq} holds no partner signature")
    if entry.actor.partner_id is None or entry.content_sha256 is None:
        raise SubmissionSignatureError(
            f"audit entry seq {entry.seq} has a signature but no partner or content hash"
        )
    _verify(
        public_key, entry.action, entry.actor.partner_id, entry.content_sha256, entry.submission
    )
