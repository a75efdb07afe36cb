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

import base64
import binascii
import hashlib
import re
from typing import Any, cast

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.orm import Session

from accord.audit._actions import ACTION_SPECS, AuditAction
from accord.audit._entries import AuditEntry, SubmissionSignature, content_sha256
from accord.audit._errors import SubmissionSignatureError
from accord.store import Partner, PartnerKeyRepository

__all__ = [
    "SUBMISSION_STATEMENT_PREFIX",
    "canonical_submission",
    "decode_submission_signature",
    "public_key_sha256",
    "sign_submission",
    "submission_statement",
    "verified_partner_submission",
    "verify_entry_submission",
    "verify_submission",
    "verify_submission_sha256",
]

_KEY_ID = re.compile(r"[0-9a-f]{64}")

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


def canonical_submission(value: object) -> bytes:
    """RFC 8785 canonical JSON of a structured submission (a decision, a lifecycle action).

    What the partner hashes and signs for submissions that are not files: the same value
    canonicalised by any RFC 8785 implementation gives the same bytes.
    """
    return rfc8785.dumps(cast(Any, value))


def decode_submission_signature(text: str | bytes, *, where: str) -> bytes:
    """The raw 64-byte signature from its standard base64 form (or the raw bytes themselves).

    `where` names the input in the message (`X-Accord-Signature`, a file path).
    Raises SubmissionSignatureError for bad base64 or a wrong length.
    """
    if isinstance(text, bytes) and len(text) == 64:
        return text
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SubmissionSignatureError(
            f"{where} is not standard base64 (A-Z a-z 0-9 + / and = padding); send the 64-byte "
            "Ed25519 signature base64-encoded (`base64 -w0 file.sig`); nothing was stored"
        ) from None
    if len(raw) != 64:
        raise SubmissionSignatureError(
            f"{where} decodes to {len(raw)} bytes; an Ed25519 signature has 64; sign the "
            "submission statement (docs/audit.md) and send the whole signature; nothing was "
            "stored"
        )
    return raw


def verified_partner_submission(
    session: Session,
    partner: Partner,
    action: AuditAction,
    payload_sha256: str,
    signature: bytes,
    *,
    key_sha256: str | None = None,
    what: str,
) -> SubmissionSignature:
    """Check a partner's signature of a submission against its registered keys (reads only).

    The statement is `submission_statement(action, str(partner.id), payload_sha256)`.
    `key_sha256`, when the partner names its key, restricts the check to that key; otherwise
    every key of the partner is tried (an Ed25519 signature names no key). A signature that
    verifies only with a revoked key is told apart, since its fix differs. `what` names the
    submission in messages. Returns the `SubmissionSignature` to keep in the entry; raises
    SubmissionSignatureError, naming the fix, before the caller writes anything.
    """
    where = f"{what} signed by partner {partner.name!r} (id {partner.id})"
    if len(signature) != 64:
        raise SubmissionSignatureError(
            f"{where}: an Ed25519 signature has 64 bytes, got {len(signature)}; send the raw "
            "signature (its base64 form over HTTP or to the CLI); nothing was stored"
        )
    keys = PartnerKeyRepository(session).signing_keys(partner)
    if key_sha256 is not None:
        key_sha256 = key_sha256.strip().lower()
        if not _KEY_ID.fullmatch(key_sha256):
            raise SubmissionSignatureError(
                f"{where}: key id {key_sha256!r} is not 64 hex digits; give the SHA-256 of the "
                "raw public key as `accord partner key list` shows it; nothing was stored"
            )
        keys = [key for key in keys if key.key_sha256 == key_sha256]
        if not keys:
            raise SubmissionSignatureError(
                f"{where}: key {key_sha256} is not registered to this partner; register it "
                "with `accord partner key add` or name one of its keys; nothing was stored"
            )
    statement_fix = (
        f"sign the statement `{SUBMISSION_STATEMENT_PREFIX}`, `{_submission_kind(action)}`, "
        f"`{partner.id}`, `{payload_sha256}` (one per line, each ending in a newline) with a "
        "registered key of this partner (docs/audit.md says which bytes each kind hashes)"
    )
    for key in keys:
        candidate = SubmissionSignature(key.key_sha256, signature)
        try:
            verify_submission_sha256(
                Ed25519PublicKey.from_public_bytes(key.public_key),
                action,
                str(partner.id),
                payload_sha256,
                candidate,
            )
        except SubmissionSignatureError:
            continue
        if key.revoked_at is not None:
            raise SubmissionSignatureError(
                f"{where} is signed by key {key.key_sha256}, revoked at "
                f"{key.revoked_at.isoformat()}; sign with an active key (register a new one "
                "with `accord partner key add`); nothing was stored"
            )
        return candidate
    active = sum(1 for key in keys if key.revoked_at is None)
    if key_sha256 is not None:
        state = f"it does not verify with key {key_sha256}"
    elif active == 0:
        state = "the partner has no active signing key"
        statement_fix = "register the partner's public key with `accord partner key add`"
    else:
        state = f"it verifies with none of the partner's {active} active key(s)"
    raise SubmissionSignatureError(
        f"{where}: signature refused, {state}; {statement_fix}. Nothing was stored"
    )
