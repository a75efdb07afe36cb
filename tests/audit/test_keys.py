"""The log's signing key file: created owner-only, refused when others can read it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from accord.audit import (
    KeyFileError,
    KeyFilePermissionError,
    NoteSigner,
    create_signing_key,
    load_or_create_signing_key,
    load_signing_key,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_use_creates_an_owner_only_key_and_later_uses_load_it(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "log.pem"
    created = load_or_create_signing_key(path)
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    loaded = load_or_create_signing_key(path)
    assert NoteSigner("a.example/log", loaded).verifier.vkey == (
        NoteSigner("a.example/log", created).verifier.vkey
    )
    assert [p.name for p in path.parent.iterdir()] == ["log.pem"]


def test_creation_never_widens_permissions_even_with_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        create_signing_key(tmp_path / "log.pem")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "log.pem") == 0o600


def test_creation_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "log.pem"
    create_signing_key(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        create_signing_key(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644, 0o620])
def test_a_key_others_can_access_is_refused_with_the_fix(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "log.pem"
    create_signing_key(path)
    path.chmod(mode)
    with pytest.raises(KeyFilePermissionError, match=rf"mode 0{mode:o}.*chmod 600 {path}"):
        load_signing_key(path)
    with pytest.raises(KeyFilePermissionError):
        load_or_create_signing_key(path)


def test_owner_read_only_key_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "log.pem"
    create_signing_key(path)
    path.chmod(0o400)
    load_signing_key(path)


def test_a_symbolic_link_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "real.pem"
    create_signing_key(target)
    link = tmp_path / "log.pem"
    link.symlink_to(target)
    with pytest.raises(KeyFileError, match="symbolic link"):
        load_signing_key(link)


def test_a_non_ed25519_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.pem"
    pem = generate_private_key(SECP256R1()).private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    with pytest.raises(KeyFileError, match="not an Ed25519 key"):
        load_signing_key(path)


def test_garbage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.pem"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(b"not a key")
    with pytest.raises(KeyFileError, match="PKCS #8 PEM"):
        load_signing_key(path)
