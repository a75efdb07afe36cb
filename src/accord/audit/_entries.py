"""Audit log entries and their canonical JSON bytes (RFC 8785), the leaves of the Merkle tree.

An entry records one action: which (`action`), who (`actor`), when (`time`, UTC), on what
(`subjects`), the SHA-256 of any large payload kept in the store (`content_sha256`), the
partner's signature over its submission (`submission`) and small structured `details`. Its
position in the log is `seq`, the leaf index, written into the entry so an entry read on its
own says where it belongs and two identical actions are still two distinct leaves.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import rfc8785

from accord.audit._actions import ACTION_SPECS, AuditAction
from accord.audit._errors import EntryFormatError
from accord.audit._merkle import leaf_hash

__all__ = [
    "ENTRY_FORMAT_VERSION",
    "MAX_ENTRY_BYTES",
    "Actor",
    "AuditEntry",
    "SubjectRef",
    "SubmissionSignature",
    "content_sha256",
    "entry_bytes",
    "entry_leaf_hash",
    "format_entry_time",
    "parse_entry",
]

#: The `v` field of every entry this code writes; a reader refuses other versions.
ENTRY_FORMAT_VERSION = 1
#: Largest canonical entry; larger payloads belong in the store, referenced by content hash.
MAX_ENTRY_BYTES = 16_384
#: I-JSON (RFC 7493) integer range, which RFC 8785 requires.
_MAX_JSON_INT = 2**53 - 1

_PARTNER_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_SUBJECT_KIND = re.compile(r"[a-z][a-z0-9_.]{0,63}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _is_unicode_text(text: str) -> bool:
    """Whether `text` encodes to UTF-8 (no lone surrogates), as RFC 8785 requires."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _fail(field_name: str, problem: str, fix: str) -> EntryFormatError:
    return EntryFormatError(f"audit entry field {field_name!r}: {problem}; {fix}")


def content_sha256(payload: bytes) -> str:
    """Lowercase hex SHA-256 of a payload, the form `content_sha256` holds."""
    return hashlib.sha256(payload).hexdigest()


def format_entry_time(moment: datetime) -> str:
    """RFC 3339 UTC with exactly six fractional digits and 'Z', the one form entries use."""
    # isoformat pads the year to four digits, which strftime("%Y") does not everywhere.
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acted: a partner (by its Accord partner id) or the platform itself ("system").

    No person is named: the log can never be erased, so it holds no personal data.
    """

    kind: Literal["partner", "system"]
    partner_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind == "system":
            if self.partner_id is not None:
                raise _fail("actor", "a system actor has no partner id", "drop partner_id")
        elif self.kind == "partner":
            if self.partner_id is None or not _PARTNER_ID.fullmatch(self.partner_id):
                raise _fail(
                    "actor.id",
                    f"partner id {self.partner_id!r} is not valid",
                    "use 1-64 characters of a-z, 0-9, '.', '_', '-', starting with a-z or 0-9",
                )
        else:
            raise _fail("actor.kind", f"unknown kind {self.kind!r}", "use 'partner' or 'system'")

    @classmethod
    def system(cls) -> Actor:
        """The platform acting on its own (screening, scheduled jobs)."""
        return cls("system")

    @classmethod
    def partner(cls, partner_id: str) -> Actor:
        """A partner acting through its credentials."""
        return cls("partner", partner_id)

    def to_json(self) -> dict[str, str]:
        """The JSON object form."""
        if self.partner_id is None:
            return {"kind": self.kind}
        return {"kind": self.kind, "id": self.partner_id}


@dataclass(frozen=True, slots=True)
class SubjectRef:
    """A reference to something the action concerns: `kind` ("agreement", "object"), `id`."""

    kind: str
    id: str

    def __post_init__(self) -> None:
        if not _SUBJECT_KIND.fullmatch(self.kind):
            raise _fail(
                "subjects.kind",
                f"{self.kind!r} is not a subject kind",
                "use 1-64 characters of a-z, 0-9, '_', '.', starting with a letter",
            )
        if not 0 < len(self.id) <= 256 or _CONTROL.search(self.id) or not _is_unicode_text(self.id):
            raise _fail(
                "subjects.id",
                f"{self.id!r} is empty, over 256 characters, or has control characters or lone "
                "surrogates",
                "use a short printable identifier",
            )

    def to_json(self) -> dict[str, str]:
        """The JSON object form."""
        return {"kind": self.kind, "id": self.id}


@dataclass(frozen=True, slots=True)
class SubmissionSignature:
    """A partner's Ed25519 signature over its submission statement (see `accord.audit`).

    `key_sha256` is the lowercase hex SHA-256 of the 32-byte public key that signed.
    """

    key_sha256: str
    signature: bytes

    def __post_init__(self) -> None:
        if not _SHA256_HEX.fullmatch(self.key_sha256):
            raise _fail(
                "submission.key_sha256",
                f"{self.key_sha256!r} is not 64 lowercase hex digits",
                "give the SHA-256 of the partner's raw 32-byte Ed25519 public key",
            )
        if len(self.signature) != 64:
            raise _fail(
                "submission.signature",
                f"an Ed25519 signature has 64 bytes, got {len(self.signature)}",
                "pass the raw signature bytes",
            )

    def to_json(self) -> dict[str, str]:
        """The JSON object form (signature in standard base64)."""
        return {
            "key_sha256": self.key_sha256,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }


def _check_details_value(value: object, where: str) -> None:
    if isinstance(value, str):
        if not _is_unicode_text(value):
            raise _fail(where, f"{value!r} holds a lone surrogate", "use valid Unicode text")
        return
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if abs(value) > _MAX_JSON_INT:
            raise _fail(where, f"integer {value} is outside +-(2**53 - 1)", "use a string")
        return
    if isinstance(value, float):
        raise _fail(
            where,
            "floating-point numbers are not allowed in entries",
            "use an integer in stated units (e.g. miss_m) or a decimal string",
        )
    if isinstance(value, list):
        for position, item in enumerate(value):
            _check_details_value(item, f"{where}[{position}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not _is_unicode_text(key):
                raise _fail(where, f"key {key!r} is not a Unicode string", "use string keys")
            _check_details_value(item, f"{where}.{key}")
        return
    raise _fail(where, f"{type(value).__name__} is not JSON", "use str, int, bool, list, dict")


@dataclass(frozen=True)
class AuditEntry:
    """One action in the audit log; `entry_bytes` gives the canonical bytes that are hashed.

    `seq` is the entry's leaf index (0-based), `time` a timezone-aware datetime stored in UTC
    with microsecond resolution. A `submission` needs a partner actor, an action that takes
    submissions (`ActionSpec.submission_kind`) and the `content_sha256` of what was signed.
    """

    seq: int
    time: datetime
    action: AuditAction
    actor: Actor
    subjects: tuple[SubjectRef, ...] = ()
    content_sha256: str | None = None
    submission: SubmissionSignature | None = None
    details: Mapping[str, Any] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        if isinstance(self.seq, bool) or not isinstance(self.seq, int):
            raise _fail("seq", f"{self.seq!r} is not an integer", "give the leaf index")
        if not 0 <= self.seq <= _MAX_JSON_INT:
            raise _fail("seq", f"{self.seq} is out of range", "give 0 <= seq < 2**53")
        if self.time.tzinfo is None or self.time.utcoffset() is None:
            raise _fail("time", f"{self.time!r} has no time zone", "pass an aware UTC datetime")
        object.__setattr__(self, "time", self.time.astimezone(UTC))
        try:
            object.__setattr__(self, "action", AuditAction(self.action))
        except ValueError:
            raise _fail(
                "action", f"{self.action!r} is not a known action", "see AuditAction"
            ) from None
        object.__setattr__(self, "subjects", tuple(self.subjects))
        if self.content_sha256 is not None and not _SHA256_HEX.fullmatch(self.content_sha256):
            raise _fail(
                "content_sha256",
                f"{self.content_sha256!r} is not 64 lowercase hex digits",
                "use content_sha256(payload)",
            )
        if self.submission is not None:
            self._check_submission()
        if self.details is not None:
            if not isinstance(self.details, Mapping):
                raise _fail("details", "is not a JSON object", "pass a dict")
            details = dict(self.details)
            _check_details_value(details, "details")
            object.__setattr__(self, "details", details or None)

    def _check_submission(self) -> None:
        kind = ACTION_SPECS[self.action].submission_kind
        if kind is None:
            raise _fail(
                "submission",
                f"action {self.action.value!r} takes no partner submission",
                "drop the signature or record the submission's own action",
            )
        if self.actor.kind != "partner":
            raise _fail("submission", "a signed submission needs a partner actor", "fix actor")
        if self.content_sha256 is None:
            raise _fail(
                "content_sha256",
                "a signed submission must record the SHA-256 of what was submitted",
                "set content_sha256",
            )

    def to_json(self) -> dict[str, Any]:
        """The JSON object whose RFC 8785 serialisation is the entry's bytes."""
        document: dict[str, Any] = {
            "v": ENTRY_FORMAT_VERSION,
            "seq": self.seq,
            "time": format_entry_time(self.time),
            "action": self.action.value,
            "actor": self.actor.to_json(),
            "subjects": [subject.to_json() for subject in self.subjects],
        }
        if self.content_sha256 is not None:
            document["content_sha256"] = self.content_sha256
        if self.submission is not None:
            document["submission"] = self.submission.to_json()
        if self.details is not None:
            document["details"] = dict(self.details)
        return document


def entry_bytes(entry: AuditEntry) -> bytes:
    """The canonical JSON (RFC 8785) bytes of `entry`: the data d of its leaf hash."""
    try:
        encoded = rfc8785.dumps(entry.to_json())
    except rfc8785.CanonicalizationError as error:
        raise EntryFormatError(
            f"audit entry seq {entry.seq} cannot be canonicalised: {error}"
        ) from error
    if len(encoded) > MAX_ENTRY_BYTES:
        raise _fail(
            "details",
            f"the entry is {len(encoded)} bytes, above the {MAX_ENTRY_BYTES}-byte limit",
            "keep the payload in the store and record its content_sha256",
        )
    return encoded


def entry_leaf_hash(entry: AuditEntry) -> bytes:
    """The Merkle leaf hash SHA-256(0x00 || entry_bytes(entry))."""
    return leaf_hash(entry_bytes(entry))


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise EntryFormatError(f"audit entry: key {key!r} appears twice; keys are unique")
        document[key] = value
    return document


def _reject_float(text: str) -> Any:
    raise EntryFormatError(f"audit entry: number {text} is not an integer; entries hold none")


def _take(document: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in document:
        raise _fail(name, "is missing", "every entry has v, seq, time, action, actor, subjects")
    value = document.pop(name)
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise _fail(name, f"{value!r} has the wrong JSON type", "see docs/audit.md")
    return value


def _object(value: Any, name: str, keys: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(name, f"{value!r} is not an object", "see docs/audit.md")
    if not required <= value.keys() <= keys:
        raise _fail(name, f"has keys {sorted(value)}", f"use exactly {sorted(keys)}")
    for key in value:
        if not isinstance(value[key], str):
            raise _fail(f"{name}.{key}", f"{value[key]!r} is not a string", "use a string")
    return value


def parse_entry(data: bytes) -> AuditEntry:
    """Read entry bytes back; refuse anything that `entry_bytes` would not have written.

    Raises EntryFormatError for invalid UTF-8 or JSON, duplicate keys, unknown or missing
    fields, wrong types, unknown actions or versions, and any input that is valid but not
    in RFC 8785 canonical form (re-encoding must give the same bytes).
    """
    try:
        document = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_reject_duplicates,
            parse_float=_reject_float,
            parse_constant=_reject_float,
        )
    except UnicodeDecodeError as error:
        raise EntryFormatError(f"audit entry is not UTF-8 ({error})") from None
    except json.JSONDecodeError as error:
        raise EntryFormatError(f"audit entry is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise EntryFormatError("audit entry is not a JSON object")
    version = _take(document, "v", int)
    if version != ENTRY_FORMAT_VERSION:
        raise _fail(
            "v",
            f"version {version} is not known",
            f"this reader reads version {ENTRY_FORMAT_VERSION}",
        )
    seq = _take(document, "seq", int)
    time_text = _take(document, "time", str)
    if not _TIME.fullmatch(time_text):
        raise _fail("time", f"{time_text!r}", "use YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC)")
    try:
        time = datetime.fromisoformat(time_text)
    except ValueError:
        raise _fail("time", f"{time_text!r} is not a calendar time", "fix the date") from None
    action = _take(document, "action", str)
    actor_json = _object(_take(document, "actor", dict), "actor", {"kind", "id"}, {"kind"})
    actor = Actor(actor_json["kind"], actor_json.get("id"))
    subjects = tuple(
        SubjectRef(**_object(item, "subjects[]", {"kind", "id"}, {"kind", "id"}))
        for item in _take(document, "subjects", list)
    )
    digest = _take(document, "content_sha256", str) if "content_sha256" in document else None
    submission = None
    if "submission" in document:
        signed = _object(
            _take(document, "submission", dict),
            "submission",
            {"key_sha256", "signature"},
            {"key_sha256", "signature"},
        )
        try:
            signature = base64.b64decode(signed["signature"], validate=True)
        except binascii.Error:
            raise _fail("submission.signature", "is not base64", "use standard base64") from None
        submission = SubmissionSignature(signed["key_sha256"], signature)
    details = _take(document, "details", dict) if "details" in document else None
    if document:
        raise _fail(next(iter(document)), "is not an entry field", "remove it")
    entry = AuditEntry(seq, time, action, actor, subjects, digest, submission, details)
    if entry_bytes(entry) != data:
        raise EntryFormatError(
            f"audit entry seq {seq} is not in RFC 8785 canonical form (key order, spacing, "
            "escapes or empty details); re-encode it with entry_bytes"
        )
    return entry
