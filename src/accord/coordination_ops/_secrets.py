"""Webhook secrets at rest: Fernet-encrypted with a key file that only the service reads.

A webhook subscription's HMAC secret must be known in clear to sign each POST, so it cannot
be hashed like a password; it is encrypted instead. The key is a Fernet key (`cryptography`:
AES-128-CBC with an HMAC-SHA256 tag, the token carries its own IV and time stamp) kept in a
file (ACCORD_WEBHOOK_SECRET_KEY_FILE, default `<var_dir>/keys/webhook-secrets.fernet`),
created on first use with `os.open(O_CREAT | O_EXCL, 0o600)` and refused when group or
others may read it. The `subscriptions.secret` column holds `fernet:<token>` only, so a
database dump or backup alone does not reveal any secret. Nothing here logs a secret.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from accord.settings import Settings

__all__ = [
    "ENCRYPTED_PREFIX",
    "WebhookSecretKey",
    "WebhookSecretKeyError",
    "is_encrypted",
]

#: What every encrypted value in `subscriptions.secret` starts with.
ENCRYPTED_PREFIX = "fernet:"
_OWNER_ONLY = 0o600
_GROUP_OTHER_BITS = 0o077
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_FERNET_KEY_BYTES = 44  # url-safe base64 of 32 bytes


class WebhookSecretKeyError(ValueError):
    """The key file cannot be used, or a stored secret cannot be read with it."""


class WebhookSecretKey:
    """The key that encrypts and decrypts webhook secrets (one per deployment)."""

    def __init__(self, key: bytes, *, path: Path | None = None) -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError as error:
            raise WebhookSecretKeyError(
                f"webhook secret key {path or '(in memory)'}: not a Fernet key (32 bytes, "
                "url-safe base64); move the file away to let Accord create one"
            ) from error
        self.path = path

    def __repr__(self) -> str:  # never show the key itself
        return f"WebhookSecretKey(path={str(self.path)!r})"

    @classmethod
    def generate(cls) -> WebhookSecretKey:
        """A fresh key held in memory only (tests, tools)."""
        return cls(Fernet.generate_key())

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookSecretKey:
        """The deployment's key: ACCORD_WEBHOOK_SECRET_KEY_FILE, created on first use."""
        return cls.load_or_create(settings.resolved_webhook_secret_key_file)

    @classmethod
    def load_or_create(cls, path: Path) -> WebhookSecretKey:
        """Read the key at `path`, or create it there (mode 0600, parents 0700) if absent."""
        try:
            return cls.load(path)
        except FileNotFoundError:
            pass
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Fernet.generate_key()
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
            descriptor = os.open(path, flags, _OWNER_ONLY)
        except FileExistsError:
            return cls.load(path)  # another process created it meanwhile: use theirs
        except OSError as error:
            raise WebhookSecretKeyError(
                f"cannot create the webhook secret key {path} ({error}); fix the folder's "
                "permissions or set ACCORD_WEBHOOK_SECRET_KEY_FILE to a writable path"
            ) from error
        with os.fdopen(descriptor, "wb") as key_file:
            key_file.write(key)
            key_file.flush()
            os.fsync(key_file.fileno())
        return cls(key, path=path)

    @classmethod
    def load(cls, path: Path) -> WebhookSecretKey:
        """Read the key at `path`; FileNotFoundError when absent, refused when others read it."""
        try:
            descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW)
        except FileNotFoundError:
            raise
        except OSError as error:
            raise WebhookSecretKeyError(
                f"cannot open the webhook secret key {path} ({error}); it must be a regular "
                "file, not a symbolic link, readable by the Accord user"
            ) from error
        with os.fdopen(descriptor, "rb") as key_file:
            status = os.fstat(key_file.fileno())
            if os.name == "posix" and status.st_mode & _GROUP_OTHER_BITS:
                raise WebhookSecretKeyError(
                    f"the webhook secret key {path} has mode "
                    f"{stat.S_IMODE(status.st_mode):04o}: users other than its owner can read "
                    f"it; run `chmod 600 {path}` (and rotate the webhook secrets if others "
                    "could have read it)"
                )
            key = key_file.read(_FERNET_KEY_BYTES + 2).strip()
        return cls(key, path=path)

    def encrypt(self, secret: str) -> str:
        """The value to store for `secret`: `fernet:` + the Fernet token (ASCII)."""
        return ENCRYPTED_PREFIX + self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str, *, subscription_id: int | None = None) -> str:
        """The clear secret of a stored value; refuses a clear or foreign value."""
        where = f"subscription {subscription_id}" if subscription_id is not None else "secret"
        if not is_encrypted(stored):
            raise WebhookSecretKeyError(
                f"{where}: the stored secret is not encrypted; run the store's migrations "
                "(`accord serve` or any command that opens the store does)"
            )
        try:
            clear = self._fernet.decrypt(stored[len(ENCRYPTED_PREFIX) :].encode("ascii"))
        except InvalidToken:
            raise WebhookSecretKeyError(
                f"{where}: the secret was encrypted with another key than {self.path}; "
                "restore that key file (ACCORD_WEBHOOK_SECRET_KEY_FILE) or add the "
                "subscription again with its secret"
            ) from None
        return clear.decode("utf-8")


def is_encrypted(stored: str) -> bool:
    """Whether a `subscriptions.secret` value is already an encrypted token."""
    return stored.startswith(ENCRYPTED_PREFIX)
