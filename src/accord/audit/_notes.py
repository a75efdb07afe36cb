"""C2SP signed notes with Ed25519, and transparency-log checkpoints carried in them.

Formats: c2sp.org/signed-note (text, a blank line, then lines `— <key name>
<base64(key id || signature)>` with the em dash U+2014; key id = SHA-256(key name || 0x0A ||
0x01 || 32-byte public key)[:4]; verifier key text `<name>+<hex key id>+<base64(0x01 ||
public key)>`) and c2sp.org/tlog-checkpoint (note text: origin, tree size, base64 root
hash, one per line). Written by hand from the specifications: no maintained Python package
implements them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from accord.audit._errors import NoteFormatError, NoteSignatureError
from accord.audit._merkle import HASH_SIZE

__all__ = [
    "Checkpoint",
    "NoteSigner",
    "NoteVerifier",
    "note_key_id",
    "open_checkpoint",
    "open_note",
    "sign_checkpoint",
]

#: Signature type byte of Ed25519 in c2sp.org/signed-note.
_ED25519 = b"\x01"
_EM_DASH_PREFIX = "\u2014 "
#: Verifiers must accept 16 signatures (C2SP); more than this is refused as abuse.
_MAX_SIGNATURES = 100
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_TREE_SIZE = re.compile(r"0|[1-9][0-9]*")


def _raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _check_key_name(name: str) -> None:
    if not name or "+" in name or any(char.isspace() for char in name) or _CONTROL.search(name):
        raise NoteFormatError(
            f"key name {name!r} is not valid: it must be non-empty, without spaces or '+' "
            "(c2sp.org/signed-note); use a schema-less URL such as accord.example/log"
        )


def _b64decode(text: str, what: str) -> bytes:
    try:
        decoded = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise NoteFormatError(f"{what} {text!r} is not standard base64 (RFC 4648)") from None
    if base64.b64encode(decoded).decode("ascii") != text:
        raise NoteFormatError(f"{what} {text!r} is not canonical base64")
    return decoded


def note_key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte key id SHA-256(name || 0x0A || 0x01 || public key)[:4] (c2sp signed-note)."""
    _check_key_name(name)
    material = name.encode("utf-8") + b"\n" + _ED25519 + _raw_public_key(public_key)
    return hashlib.sha256(material).digest()[:4]


@dataclass(frozen=True, slots=True)
class NoteVerifier:
    """A named Ed25519 public key that verifies signed notes, and its published text form."""

    name: str
    public_key: Ed25519PublicKey

    @property
    def key_id(self) -> bytes:
        """The 4-byte key id carried at the start of each signature."""
        return note_key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key text `<name>+<hex key id>+<base64(0x01 || public key)>`."""
        encoded = base64.b64encode(_ED25519 + _raw_public_key(self.public_key)).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Read a verifier key text; refuse other algorithms and mismatched key ids."""
        parts = vkey.strip().split("+", 2)  # the base64 key may itself hold a "+"
        if len(parts) != 3:
            raise NoteFormatError(
                f"verifier key {vkey!r} is not <name>+<hex key id>+<base64 key> "
                "(c2sp.org/signed-note)"
            )
        name, key_id_hex, key_b64 = parts
        _check_key_name(name)
        if not re.fullmatch(r"[0-9a-f]{8}", key_id_hex):
            raise NoteFormatError(f"verifier key id {key_id_hex!r} is not 8 lowercase hex digits")
        key = _b64decode(key_b64, "verifier key")
        if len(key) != 33 or key[:1] != _ED25519:
            raise NoteFormatError(
                f"verifier key for {name!r} is not an Ed25519 key (type byte 0x01 then 32 "
                f"bytes); got {len(key)} bytes starting {key[:1].hex() or 'nothing'}"
            )
        verifier = cls(name, Ed25519PublicKey.from_public_bytes(key[1:]))
        if verifier.key_id.hex() != key_id_hex:
            raise NoteFormatError(
                f"verifier key for {name!r} says key id {key_id_hex}, but its name and key "
                f"give {verifier.key_id.hex()}; the text was altered or mis-copied"
            )
        return verifier

    def verify_signature(self, text: bytes, signature: bytes) -> bool:
        """Whether `signature` (without key id) is this key's Ed25519 signature on `text`."""
        try:
            self.public_key.verify(signature, text)
        except InvalidSignature:
            return False
        return True


class NoteSigner:
    """Signs note texts with a named Ed25519 private key (the log's checkpoint key)."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        _check_key_name(name)
        self.name = name
        self._private_key = private_key
        self.verifier = NoteVerifier(name, private_key.public_key())

    def signature_line(self, text: str) -> str:
        """The line `— <name> <base64(key id || signature)>` (no newline) over `text`."""
        _check_text(text)
        signature = self._private_key.sign(text.encode("utf-8"))
        encoded = base64.b64encode(self.verifier.key_id + signature).decode("ascii")
        return f"{_EM_DASH_PREFIX}{self.name} {encoded}"

    def sign(self, text: str) -> str:
        """The signed note: `text`, a blank line, this key's signature line."""
        return f"{text}\n{self.signature_line(text)}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteFormatError("a note text must end with a newline (c2sp.org/signed-note)")
    if _CONTROL.search(text):
        raise NoteFormatError("a note text must not hold control characters other than newline")


def open_note(note: str | bytes, verifiers: Sequence[NoteVerifier]) -> str:
    """Verify a signed note against known keys and return its text.

    c2sp.org/signed-note: signatures by unknown keys are ignored; one by a known key (same
    name and key id) that fails rejects the note; at least one known key must have signed.
    Raises NoteFormatError for syntax, NoteSignatureError for signatures.
    """
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as error:
            raise NoteFormatError(f"the signed note is not UTF-8 ({error})") from None
    if _CONTROL.search(note):
        raise NoteFormatError("the signed note holds control characters other than newline")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteFormatError(
            "the signed note has no blank line before its signatures, or does not end with "
            "a newline (c2sp.org/signed-note)"
        )
    text, signature_lines = note[: split + 1], note[split + 2 : -1].split("\n")
    if len(signature_lines) > _MAX_SIGNATURES:
        raise NoteFormatError(f"the signed note has more than {_MAX_SIGNATURES} signatures")
    known = {(verifier.name, verifier.key_id): verifier for verifier in verifiers}
    verified = False
    for number, line in enumerate(signature_lines, start=1):
        if not line.startswith(_EM_DASH_PREFIX) or line.count(" ") != 2:
            raise NoteFormatError(
                f"signature line {number} {line!r} is not '— <key name> <base64 signature>' "
                "(em dash U+2014)"
            )
        name, encoded = line[len(_EM_DASH_PREFIX) :].split(" ")
        _check_key_name(name)
        blob = _b64decode(encoded, f"signature line {number}")
        if len(blob) < 5:
            raise NoteFormatError(f"signature line {number} is shorter than key id + signature")
        verifier = known.get((name, blob[:4]))
        if verifier is None:
            continue
        if not verifier.verify_signature(text.encode("utf-8"), blob[4:]):
            raise NoteSignatureError(
                f"the signature by {name} (key id {blob[:4].hex()}) on this note is invalid: "
                "the text was changed after signing, or the signature was"
            )
        verified = True
    if not verified:
        expected = ", ".join(verifier.vkey for verifier in verifiers) or "none given"
        raise NoteSignatureError(f"the note carries no signature by a known key ({expected})")
    return text


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement of a log's tree size and root hash (c2sp.org/tlog-checkpoint)."""

    origin: str
    tree_size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or _CONTROL.search(self.origin) or "\n" in self.origin:
            raise NoteFormatError(f"checkpoint origin {self.origin!r} must be one non-empty line")
        if self.tree_size < 0:
            raise NoteFormatError(f"checkpoint tree size {self.tree_size} is negative")
        if len(self.root_hash) != HASH_SIZE:
            raise NoteFormatError(
                f"checkpoint root hash is {len(self.root_hash)} bytes; SHA-256 gives 32"
            )
        for line in self.extensions:
            if not line or "\n" in line:
                raise NoteFormatError(f"checkpoint extension line {line!r} must be non-empty")

    @property
    def text(self) -> str:
        """The note text: origin, tree size, base64 root hash, extensions, each with '\\n'."""
        lines = [self.origin, str(self.tree_size), base64.b64encode(self.root_hash).decode()]
        return "".join(line + "\n" for line in [*lines, *self.extensions])

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Read a checkpoint note text (already verified); NoteFormatError when malformed."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteFormatError(
                "a checkpoint has at least three lines (origin, tree size, root hash), each "
                "ending in a newline (c2sp.org/tlog-checkpoint)"
            )
        origin, size_text, root_text, *extensions = lines[:-1]
        if not _TREE_SIZE.fullmatch(size_text):
            raise NoteFormatError(
                f"checkpoint tree size {size_text!r} is not a decimal without leading zeros"
            )
        return cls(
            origin,
            int(size_text),
            _b64decode(root_text, "checkpoint root hash"),
            tuple(extensions),
        )


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> str:
    """The checkpoint as a signed note; the key name must be the origin, as C2SP advises."""
    if signer.name != checkpoint.origin:
        raise NoteFormatError(
            f"the checkpoint origin {checkpoint.origin!r} differs from the signing key name "
            f"{signer.name!r}; name the log key after the origin"
        )
    return signer.sign(checkpoint.text)


def open_checkpoint(note: str | bytes, verifier: NoteVerifier) -> Checkpoint:
    """Verify a signed checkpoint with the log's key and return it.

    Raises NoteSignatureError when the log key did not sign it, NoteFormatError when it is
    malformed or its origin is not the key's name.
    """
    checkpoint = Checkpoint.from_text(open_note(note, [verifier]))
    if checkpoint.origin != verifier.name:
        raise NoteFormatError(
            f"checkpoint origin {checkpoint.origin!r} is not the log key name {verifier.name!r}"
        )
    return checkpoint
