"""Credentials: partners' API keys, console users (argon2id passwords) and their sessions.

No secret is stored. An API key token is `acc_<prefix>_<secret>`: the prefix (12 hex digits)
names the key in lists and logs, the secret is 32 random bytes (`secrets.token_urlsafe`),
and the store keeps the SHA-256 of the whole token. SHA-256 is enough here, and argon2 is not
needed: a slow, salted hash protects secrets that people choose (a guessable password can be
found by trying likely ones against a stolen hash), while a 256-bit random secret cannot be
guessed at any hashing speed; a fast hash also lets every API request be checked in
microseconds. Console passwords are chosen by people, so they get argon2id (argon2-cffi's
defaults, RFC 9106). Session cookies and CSRF tokens are random like keys: SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from accord.store._access_models import (
    ApiKeyRow,
    ApiKeyScope,
    ConsoleSessionRow,
    ConsoleUserRow,
    UserRole,
)
from accord.store._models import Partner

__all__ = [
    "API_KEY_TOKEN_PREFIX",
    "LAST_USED_RESOLUTION",
    "MIN_PASSWORD_LENGTH",
    "ApiKeyRejected",
    "ApiKeyRejection",
    "ApiKeyRepository",
    "CredentialError",
    "InvalidLoginError",
    "InvalidSessionError",
    "IssuedApiKey",
    "OpenedSession",
    "UserRepository",
    "parse_scopes",
    "scopes_of",
    "token_sha256",
]

#: Every token starts with this, so secret scanners and people recognise Accord keys.
API_KEY_TOKEN_PREFIX = "acc"
#: `last_used_at` is written at most this often per key (not one write per request).
LAST_USED_RESOLUTION = timedelta(minutes=1)
#: Shortest console password accepted (NIST SP 800-63B allows 8; we ask for more).
MIN_PASSWORD_LENGTH = 12
_TOKEN = re.compile(rf"{API_KEY_TOKEN_PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})")
_USERNAME = re.compile(r"[a-z0-9][a-z0-9_.@-]{1,99}")


class CredentialError(ValueError):
    """A key, user or session cannot be created or changed as asked (the message says why)."""


class ApiKeyRejection(StrEnum):
    """Why a presented API key was refused (for logs; the client is told only 401)."""

    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    MISMATCH = "mismatch"
    REVOKED = "revoked"
    EXPIRED = "expired"


class ApiKeyRejected(PermissionError):
    """A presented API key is not valid now; `reason` says why, for the server's logs."""

    def __init__(self, reason: ApiKeyRejection, key_prefix: str | None = None) -> None:
        super().__init__(f"API key {key_prefix or '?'} refused: {reason.value}")
        self.reason = reason
        self.key_prefix = key_prefix


class InvalidLoginError(PermissionError):
    """Unknown username, wrong password or disabled user (one error: no user enumeration)."""


class InvalidSessionError(PermissionError):
    """A console session cookie or CSRF token is unknown, expired, revoked or wrong."""


def token_sha256(token: str) -> str:
    """Lowercase hex SHA-256 of a token's UTF-8 bytes: how keys and sessions are stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_scopes(scopes: Iterable[str]) -> frozenset[ApiKeyScope]:
    """The scopes named, checked against the vocabulary (`read`, `write`, `admin`)."""
    found = set()
    for scope in scopes:
        try:
            found.add(ApiKeyScope(scope))
        except ValueError:
            raise CredentialError(
                f"unknown API key scope {scope!r}; use {', '.join(s.value for s in ApiKeyScope)}"
            ) from None
    if not found:
        raise CredentialError("an API key needs at least one scope (read, write or admin)")
    return frozenset(found)


def scopes_of(row: ApiKeyRow) -> frozenset[ApiKeyScope]:
    """The scopes stored for a key."""
    return frozenset(ApiKeyScope(s) for s in row.scopes.split())


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    """A new key: its row and the token, which is shown to the partner once and never again."""

    row: ApiKeyRow
    token: str


@dataclass(frozen=True, slots=True)
class OpenedSession:
    """A new console session: the cookie value and the CSRF token, both shown only now."""

    row: ConsoleSessionRow
    session_token: str
    csrf_token: str


def _aware(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None or at.utcoffset() is None:
        raise CredentialError(f"time {at.isoformat()} has no time zone; pass a UTC datetime")
    return at


class ApiKeyRepository:
    """Partners' API keys, inside the caller's session (audit entries: `accord.access`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self,
        partner: Partner,
        scopes: Iterable[str],
        *,
        expires_at: datetime | None = None,
        at: datetime | None = None,
    ) -> IssuedApiKey:
        """Issue a key for `partner` with `scopes`; the returned token is never stored."""
        now = _aware(at)
        scope_set = parse_scopes(scopes)
        if expires_at is not None and _aware(expires_at) <= now:
            raise CredentialError(
                f"expiry {expires_at.isoformat()} is not after now ({now.isoformat()})"
            )
        prefix = secrets.token_hex(6)
        while self.find(prefix) is not None:  # 48 bits: a repeat is rare, but cheap to rule out
            prefix = secrets.token_hex(6)
        token = f"{API_KEY_TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        row = ApiKeyRow(
            partner_id=partner.id,
            key_prefix=prefix,
            secret_sha256=token_sha256(token),
            scopes=" ".join(sorted(s.value for s in scope_set)),
            created_at=now,
            expires_at=expires_at,
            revoked_at=None,
            last_used_at=None,
            replaced_by_id=None,
        )
        self.session.add(row)
        self.session.flush()
        return IssuedApiKey(row, token)

    def find(self, key_prefix: str) -> ApiKeyRow | None:
        """The key with this prefix, or None."""
        return self.session.scalars(
            sa.select(ApiKeyRow).where(ApiKeyRow.key_prefix == key_prefix)
        ).first()

    def get(self, key_prefix: str) -> ApiKeyRow:
        """The key with this prefix; `CredentialError` naming the fix if absent."""
        row = self.find(key_prefix)
        if row is None:
            raise CredentialError(
                f"no API key with prefix {key_prefix!r}; list a partner's keys with "
                "`accord key list --partner NAME`"
            )
        return row

    def keys_of(self, partner: Partner) -> list[ApiKeyRow]:
        """Every key of `partner`, revoked and expired ones included, oldest first."""
        return list(
            self.session.scalars(
                sa.select(ApiKeyRow).where(ApiKeyRow.partner_id == partner.id).order_by("id")
            )
        )

    def verify(self, token: str, *, at: datetime | None = None) -> ApiKeyRow:
        """The key a presented token belongs to, if it is valid at `at`; else `ApiKeyRejected`.

        The hash comparison is constant-time. Records `last_used_at` (at most once a minute).
        """
        now = _aware(at)
        match = _TOKEN.fullmatch(token.strip())
        if match is None:
            raise ApiKeyRejected(ApiKeyRejection.MALFORMED)
        prefix = match.group(1)
        row = self.find(prefix)
        if row is None:
            raise ApiKeyRejected(ApiKeyRejection.UNKNOWN, prefix)
        if not hmac.compare_digest(row.secret_sha256, token_sha256(token.strip())):
            raise ApiKeyRejected(ApiKeyRejection.MISMATCH, prefix)
        if row.revoked_at is not None and row.revoked_at <= now:
            raise ApiKeyRejected(ApiKeyRejection.REVOKED, prefix)
        if row.expires_at is not None and row.expires_at <= now:
            raise ApiKeyRejected(ApiKeyRejection.EXPIRED, prefix)
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            row.last_used_at = now
            self.session.flush()
        return row

    def revoke(self, key_prefix: str, *, at: datetime | None = None) -> ApiKeyRow:
        """Revoke the key now: it is refused from `at` on."""
        row = self.get(key_prefix)
        if row.revoked_at is not None:
            raise CredentialError(
                f"API key {key_prefix} was already revoked at {row.revoked_at.isoformat()}"
            )
        row.revoked_at = _aware(at)
        self.session.flush()
        return row

    def rotate(
        self,
        key_prefix: str,
        *,
        grace: timedelta,
        expires_at: datetime | None = None,
        at: datetime | None = None,
    ) -> IssuedApiKey:
        """Issue a replacement with the same partner and scopes; the old key expires after
        `grace` (or sooner, if it already expired sooner), so clients can switch over."""
        now = _aware(at)
        old = self.get(key_prefix)
        if old.revoked_at is not None or (old.expires_at is not None and old.expires_at <= now):
            raise CredentialError(
                f"API key {key_prefix} is revoked or expired; create a new key instead"
            )
        partner = self.session.get(Partner, old.partner_id)
        assert partner is not None
        issued = self.create(partner, old.scopes.split(), expires_at=expires_at, at=now)
        end = now + grace
        old.expires_at = end if old.expires_at is None else min(old.expires_at, end)
        old.replaced_by_id = issued.row.id
        self.session.flush()
        return issued


class UserRepository:
    """Console users and their login sessions, inside the caller's session."""

    def __init__(self, session: Session, hasher: PasswordHasher | None = None) -> None:
        self.session = session
        # argon2-cffi's defaults are RFC 9106's second recommended argon2id profile.
        self.hasher = hasher or PasswordHasher()

    def add(self, username: str, partner: Partner, role: str, password: str) -> ConsoleUserRow:
        """Add a console user of `partner` with `role`; the password is stored argon2id-hashed."""
        if not _USERNAME.fullmatch(username):
            raise CredentialError(
                f"username {username!r}: use 2-100 lower-case letters, digits, '_', '.', '@', '-'"
            )
        try:
            user_role = UserRole(role)
        except ValueError:
            raise CredentialError(
                f"role {role!r}: use one of {', '.join(r.value for r in UserRole)}"
            ) from None
        if len(password) < MIN_PASSWORD_LENGTH:
            raise CredentialError(
                f"the password of {username!r} has {len(password)} characters; use at least "
                f"{MIN_PASSWORD_LENGTH}"
            )
        if self.find(username) is not None:
            raise CredentialError(f"a console user named {username!r} already exists")
        row = ConsoleUserRow(
            username=username,
            partner_id=partner.id,
            role=user_role.value,
            password_hash=self.hasher.hash(password),
            created_at=datetime.now(UTC),
            disabled_at=None,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def find(self, username: str) -> ConsoleUserRow | None:
        """The user with this username, or None."""
        return self.session.scalars(
            sa.select(ConsoleUserRow).where(ConsoleUserRow.username == username)
        ).first()

    def users_of(self, partner: Partner) -> list[ConsoleUserRow]:
        """The partner's console users, by username."""
        return list(
            self.session.scalars(
                sa.select(ConsoleUserRow)
                .where(ConsoleUserRow.partner_id == partner.id)
                .order_by(ConsoleUserRow.username)
            )
        )

    def authenticate(self, username: str, password: str) -> ConsoleUserRow:
        """The user if the password matches and the user is enabled; else `InvalidLoginError`.

        A stored hash made with weaker parameters than the current ones is upgraded.
        """
        row = self.find(username)
        if row is None:
            # Spend the same time as a real check so timing does not reveal the username.
            self.hasher.hash(password)
            raise InvalidLoginError("unknown username or wrong password")
        try:
            self.hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise InvalidLoginError("unknown username or wrong password") from None
        if row.disabled_at is not None:
            raise InvalidLoginError("unknown username or wrong password")
        if self.hasher.check_needs_rehash(row.password_hash):
            row.password_hash = self.hasher.hash(password)
            self.session.flush()
        return row

    def open_session(
        self, user: ConsoleUserRow, *, lifetime: timedelta, at: datetime | None = None
    ) -> OpenedSession:
        """Start a session with fresh random ids (never one the client offered: no fixation)."""
        now = _aware(at)
        session_token = secrets.token_urlsafe(32)
        csrf_token = secrets.token_urlsafe(32)
        row = ConsoleSessionRow(
            session_sha256=token_sha256(session_token),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
            csrf_sha256=token_sha256(csrf_token),
            revoked_at=None,
        )
        self.session.add(row)
        self.session.flush()
        return OpenedSession(row, session_token, csrf_token)

    def session_user(
        self, session_token: str, *, at: datetime | None = None
    ) -> tuple[ConsoleSessionRow, ConsoleUserRow]:
        """The live session of a cookie value and its user; `InvalidSessionError` otherwise."""
        now = _aware(at)
        row = self.session.scalars(
            sa.select(ConsoleSessionRow).where(
                ConsoleSessionRow.session_sha256 == token_sha256(session_token)
            )
        ).first()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise InvalidSessionError("no live console session; log in again")
        user = self.session.get(ConsoleUserRow, row.user_id)
        if user is None or user.disabled_at is not None:
            raise InvalidSessionError("no live console session; log in again")
        return row, user

    @staticmethod
    def check_csrf(session_row: ConsoleSessionRow, csrf_token: str | None) -> None:
        """Refuse a state-changing request whose CSRF token is not the session's."""
        if not csrf_token or not hmac.compare_digest(
            session_row.csrf_sha256, token_sha256(csrf_token)
        ):
            raise InvalidSessionError("missing or wrong CSRF token; reload the page and retry")

    def close_session(self, session_token: str, *, at: datetime | None = None) -> None:
        """End a session (logout); an unknown token is ignored."""
        row = self.session.scalars(
            sa.select(ConsoleSessionRow).where(
                ConsoleSessionRow.session_sha256 == token_sha256(session_token)
            )
        ).first()
        if row is not None and row.revoked_at is None:
            row.revoked_at = _aware(at)
            self.session.flush()
