"""Confidential details of audit entries: sealed by a salted hash, opened to their readers.

The public log must not publish what the agreements restrict (who received which objects,
the objects, TCA and miss of a conjunction). An event may therefore carry `sealed` details
and the partner ids allowed to read them. On append the log draws a fresh 32-byte salt per
entry and writes into the public entry only

    details.sealed_sha256 = hex(SHA-256(salt || RFC 8785 canonical JSON of the sealed details))

while salt, details and readers go to the append-only `audit_sealed_details` table. The
entry bytes (and so the tree, proofs and checkpoints) commit to the sealed details without
revealing them: the salt, 256 random bits, keeps anyone from confirming a guess (a NORAD id,
a miss distance) by hashing it. A reader given the opening (salt and details) checks it
against the public entry with `verify_opening`. See docs/audit.md, "Confidential details".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import rfc8785

from accord.audit._entries import AuditEntry, _check_details_value, parse_entry
from accord.audit._errors import AuditError, EntryFormatError, LogSourceError

__all__ = [
    "MAX_SEALED_BYTES",
    "SEALED_DETAILS_KEY",
    "SEALED_SALT_BYTES",
    "OpeningHttpClient",
    "OpeningsReport",
    "SealedDetails",
    "SealedOpening",
    "SealedOpeningError",
    "fetch_opening",
    "is_sealed",
    "seal_details",
    "sealed_details_bytes",
    "sealed_sha256",
    "verify_opening",
    "verify_openings",
]

#: The key of the public entry's `details` that holds the commitment to the sealed details.
SEALED_DETAILS_KEY = "sealed_sha256"
#: Salt length: 256 bits, so that the commitment hides even a low-entropy value.
SEALED_SALT_BYTES = 32
#: Largest canonical sealed details (like entries, they are small facts, not payloads).
MAX_SEALED_BYTES = 65_536
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class SealedOpeningError(AuditError, ValueError):
    """An opening (salt and details) does not match the entry's `details.sealed_sha256`."""


def sealed_details_bytes(details: Mapping[str, Any]) -> bytes:
    """The RFC 8785 canonical JSON of sealed `details`, under the rules of entry details.

    No floating-point numbers, integers within +-(2**53 - 1), Unicode text only, at most
    `MAX_SEALED_BYTES`; raises EntryFormatError naming the offending field otherwise.
    """
    if not isinstance(details, Mapping) or not details:
        raise EntryFormatError(
            "audit entry field 'sealed': must be a non-empty JSON object; pass a dict or None"
        )
    document = dict(details)
    _check_details_value(document, "sealed")
    encoded = rfc8785.dumps(document)
    if len(encoded) > MAX_SEALED_BYTES:
        raise EntryFormatError(
            f"audit entry field 'sealed': {len(encoded)} bytes, above the "
            f"{MAX_SEALED_BYTES}-byte limit; split the action into several entries"
        )
    return encoded


def sealed_sha256(salt: bytes, details_json: bytes) -> str:
    """Lowercase hex SHA-256(salt || details_json): what the public entry holds."""
    return hashlib.sha256(salt + details_json).hexdigest()


@dataclass(frozen=True, slots=True)
class SealedDetails:
    """Sealed details ready to store: salt, canonical JSON, readers, and the commitment."""

    salt: bytes
    details_json: bytes
    readers: frozenset[int]

    @property
    def sha256(self) -> str:
        """The commitment written into the public entry (`details.sealed_sha256`)."""
        return sealed_sha256(self.salt, self.details_json)


def seal_details(
    details: Mapping[str, Any], readers: frozenset[int], *, salt: bytes | None = None
) -> SealedDetails:
    """Seal `details` for `readers` (partner ids) under a fresh random salt.

    `salt` is for tests that need a fixed value; the log always draws its own.
    """
    drawn = secrets.token_bytes(SEALED_SALT_BYTES) if salt is None else salt
    if len(drawn) != SEALED_SALT_BYTES:
        raise EntryFormatError(
            f"audit entry field 'sealed': the salt has {len(drawn)} bytes; use "
            f"{SEALED_SALT_BYTES} random bytes"
        )
    for reader in readers:
        if isinstance(reader, bool) or not isinstance(reader, int) or reader < 0:
            raise EntryFormatError(
                f"audit entry field 'readers': {reader!r} is not a partner id; give the "
                "partners' store ids (integers)"
            )
    return SealedDetails(drawn, sealed_details_bytes(details), frozenset(readers))


@dataclass(frozen=True, slots=True)
class SealedOpening:
    """The opening of one entry's sealed details: its seq, the salt and the details."""

    seq: int
    salt: bytes
    details: dict[str, Any] = field(hash=False)

    def to_json(self) -> dict[str, Any]:
        """The JSON form the API serves: salt in standard base64."""
        return {
            "seq": self.seq,
            "salt": base64.b64encode(self.salt).decode("ascii"),
            "details": self.details,
        }

    @classmethod
    def from_json(cls, document: object) -> SealedOpening:
        """Read the API's JSON form back; SealedOpeningError when it is not one."""
        if not isinstance(document, dict) or not {"seq", "salt", "details"} <= document.keys():
            raise SealedOpeningError("an opening is an object with seq, salt and details")
        seq, salt, details = document["seq"], document["salt"], document["details"]
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise SealedOpeningError(f"opening seq {seq!r} is not an integer")
        if not isinstance(details, dict):
            raise SealedOpeningError(f"opening of entry {seq}: details is not a JSON object")
        try:
            raw_salt = base64.b64decode(salt, validate=True) if isinstance(salt, str) else None
        except binascii.Error:
            raw_salt = None
        if raw_salt is None:
            raise SealedOpeningError(f"opening of entry {seq}: salt is not standard base64")
        return cls(seq, raw_salt, details)


def verify_opening(entry: AuditEntry | bytes, opening: SealedOpening) -> dict[str, Any]:
    """Check `opening` against the public entry; return the sealed details when they match.

    `entry` is the entry or its canonical bytes (as the log serves them). Raises
    SealedOpeningError when the entry seals nothing, the seqs differ, the salt is not
    `SEALED_SALT_BYTES` long, or SHA-256(salt || canonical details) is not the entry's
    `details.sealed_sha256` (a changed detail, salt or entry).
    """
    parsed = parse_entry(entry) if isinstance(entry, bytes) else entry
    committed = (parsed.details or {}).get(SEALED_DETAILS_KEY)
    if not isinstance(committed, str) or not _SHA256_HEX.fullmatch(committed):
        raise SealedOpeningError(
            f"entry {parsed.seq} has no details.{SEALED_DETAILS_KEY}: it seals nothing"
        )
    if opening.seq != parsed.seq:
        raise SealedOpeningError(
            f"the opening is for entry {opening.seq}, not entry {parsed.seq}; fetch the "
            f"opening of entry {parsed.seq}"
        )
    if len(opening.salt) != SEALED_SALT_BYTES:
        raise SealedOpeningError(
            f"opening of entry {parsed.seq}: the salt has {len(opening.salt)} bytes, not "
            f"{SEALED_SALT_BYTES}"
        )
    try:
        details_json = sealed_details_bytes(opening.details)
    except EntryFormatError as error:
        raise SealedOpeningError(f"opening of entry {parsed.seq}: {error}") from None
    if not hmac.compare_digest(sealed_sha256(opening.salt, details_json), committed):
        raise SealedOpeningError(
            f"opening of entry {parsed.seq} does not match its details.{SEALED_DETAILS_KEY}: "
            "the salt or the details differ from what was logged"
        )
    return dict(opening.details)


@dataclass(frozen=True, slots=True)
class OpeningsReport:
    """Outcome of `verify_openings`: openings checked, entries not readable, first failure."""

    verified: int
    unreadable: int
    failure: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every opening the caller could read matched its entry."""
        return self.failure is None

    def summary(self) -> str:
        """One line for people."""
        if self.failure is not None:
            return f"FAILED: {self.failure}"
        return (
            f"OK: {self.verified:,} sealed openings verified against their entries; "
            f"{self.unreadable:,} sealed entries are not yours to open"
        )


class OpeningHttpClient(Protocol):
    """An HTTP client bound to a log server that sends the caller's credentials."""

    def get(self, url: str) -> Any: ...


def fetch_opening(client: OpeningHttpClient, seq: int) -> SealedOpening | None:
    """The opening of entry `seq` (`GET /audit/entries/{seq}/sealed`), or None on 404.

    Raises LogSourceError for any other answer (401: the credentials were refused; 429:
    the key's rate limit, retry later).
    """
    try:
        response = client.get(f"/audit/entries/{seq}/sealed")
    except httpx.HTTPError as error:
        raise LogSourceError(f"could not fetch the opening of entry {seq}: {error}") from None
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise LogSourceError(
            f"/audit/entries/{seq}/sealed answered {response.status_code}: {response.text[:200]}"
        )
    return SealedOpening.from_json(response.json())


def is_sealed(entry: bytes) -> bool:
    """Whether canonical entry bytes commit to sealed details (a cheap byte test first)."""
    marker = f'"{SEALED_DETAILS_KEY}":'.encode()
    if marker not in entry:
        return False
    try:
        details = parse_entry(entry).details or {}
    except EntryFormatError:
        return False
    return SEALED_DETAILS_KEY in details


def verify_openings(client: OpeningHttpClient, entries: Iterable[bytes]) -> OpeningsReport:
    """Fetch and check the opening of every sealed entry in `entries` the caller may read.

    `entries` are canonical entry bytes, best those a `verify_log` run just verified.
    Entries the server answers 404 for are counted as not readable; the first opening
    that does not match its entry is the failure.
    """
    verified = unreadable = 0
    for data in entries:
        if not is_sealed(data):
            continue
        entry = parse_entry(data)
        opening = fetch_opening(client, entry.seq)
        if opening is None:
            unreadable += 1
            continue
        try:
            verify_opening(entry, opening)
        except SealedOpeningError as error:
            return OpeningsReport(verified, unreadable, str(error))
        verified += 1
    return OpeningsReport(verified, unreadable)
