"""The log's Ed25519 signing key on disk: created once with owner-only permissions.

The file is an unencrypted PKCS #8 PEM (readable by OpenSSL). It is created with
`os.open(O_CREAT | O_EXCL, 0o600)` so that it is never, even for an instant, readable by
others, and refused at load time when its mode lets group or others read or write it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from accord.audit._errors import KeyFileError, KeyFilePermissionError

__all__ = ["create_signing_key", "load_or_create_signing_key", "load_signing_key"]

_OWNER_ONLY = 0o600
_GROUP_OTHER_BITS = 0o077
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_MAX_KEY_FILE_BYTES = 4096


def create_signing_key(path: Path) -> Ed25519PrivateKey:
    """Generate a key and write it to `path` (mode 0600); refuse to overwrite a file.

    The key is written to a temporary file created with O_EXCL and mode 0600 beside `path`,
    then hard-linked into place, so `path` appears complete or not at all. Missing parent
    folders are created with mode 0700. Raises FileExistsError when `path` exists,
    KeyFileError for other failures.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_key = Ed25519PrivateKey.generate()
    pem = private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
    try:
        descriptor = os.open(partial, flags, _OWNER_ONLY)
    except OSError as error:
        raise KeyFileError(
            f"could not create {partial} for the new signing key ({error}); remove a stale "
            "partial file or fix the folder's permissions"
        ) from error
    try:
        with os.fdopen(descriptor, "wb") as key_file:
            key_file.write(pem)
            key_file.flush()
            os.fsync(key_file.fileno())
        os.link(partial, path)
    except FileExistsError:
        raise
    except OSError as error:
        raise KeyFileError(f"could not write the signing key {path}: {error}") from error
    finally:
        # After the link `path` holds the key; the temporary name goes either way.
        partial.unlink(missing_ok=True)
    return private_key


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """Read the Ed25519 key at `path`, refusing a file that others may read or write.

    Raises KeyFilePermissionError (with the chmod that fixes it), FileNotFoundError when it
    does not exist, KeyFileError when it is not an Ed25519 PKCS #8 PEM key.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise KeyFileError(
            f"cannot open the signing key {path} ({error}); it must be a regular file, "
            "not a symbolic link, readable by the Accord user"
        ) from error
    with os.fdopen(descriptor, "rb") as key_file:
        # Check the open file itself, not the name, so a swap between check and read is moot.
        status = os.fstat(key_file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise KeyFileError(f"the signing key {path} is not a regular file")
        if os.name == "posix" and status.st_mode & _GROUP_OTHER_BITS:
            raise KeyFilePermissionError(
                f"the signing key {path} has mode {stat.S_IMODE(status.st_mode):04o}, so users "
                f"other than its owner can read or change it; run `chmod 600 {path}` (and "
                "consider the key exposed: rotate it if others could have read it)"
            )
        pem = key_file.read(_MAX_KEY_FILE_BYTES + 1)
    if len(pem) > _MAX_KEY_FILE_BYTES:
        raise KeyFileError(f"the signing key {path} is larger than a PEM Ed25519 key can be")
    try:
        private_key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as error:
        raise KeyFileError(
            f"the signing key {path} is not an unencrypted PKCS #8 PEM private key ({error})"
        ) from error
    if not isinstance(private_key, Ed25519PrivateKey):
        raise KeyFileError(
            f"the signing key {path} is a {type(private_key).__name__}, not an Ed25519 key; "
            "move it away and let Accord create a new one"
        )
    return private_key


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """Load the key at `path`, generating it on first use (see `create_signing_key`)."""
    try:
        return load_signing_key(path)
    except FileNotFoundError:
        pass
    try:
        return create_signing_key(path)
    except FileExistsError:
        # Another process created it between our two calls: use theirs.
        return load_signing_key(path)
