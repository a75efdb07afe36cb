"""`accord partner key ...` and `accord catalog import --signature`, end to end."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from typer.testing import Result

from accord.audit import AuditAction, submission_statement
from tests.catalog.test_ingest_audit import HEADER, ROW
from tests.cli._store_cli import store_cli


@pytest.fixture
def accord(tmp_path: Path, database_url: str) -> Callable[..., Result]:
    return store_cli(tmp_path, database_url)


def test_register_sign_import_revoke_and_refuse(
    accord: Callable[..., Result], tmp_path: Path
) -> None:
    added = accord("partner", "add", "ESA", "--kind", "space_agency").output
    match = re.search(r"Registered partner (\d+)", added)
    assert match
    partner_id = match.group(1)
    key = Ed25519PrivateKey.generate()
    pem = tmp_path / "esa.pub.pem"
    pem.write_bytes(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    key_sha256 = hashlib.sha256(
        key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    ).hexdigest()
    assert key_sha256 in accord("partner", "key", "add", "ESA", "--public-key", str(pem)).output
    # The same key again, now as raw bytes: refused.
    raw = tmp_path / "esa.pub"
    raw.write_bytes(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    refused = accord("partner", "key", "add", "ESA", "--public-key", str(raw), expect=1)
    assert "already registered" in refused.output
    assert "active" in accord("partner", "key", "list", "ESA").output

    data = (HEADER + ROW.format(n=25544)).encode()
    batch = tmp_path / "gp.csv"
    batch.write_bytes(data)
    statement = submission_statement(
        AuditAction.CATALOG_BATCH_ACCEPTED, partner_id, hashlib.sha256(data).hexdigest()
    )
    signature = tmp_path / "gp.csv.sig"
    signature.write_bytes(base64.b64encode(key.sign(statement)) + b"\n")
    imported = accord("catalog", "import", "-p", "ESA", "--signature", str(signature), str(batch))
    assert "1 stored" in imported.output

    # Signed over other bytes: refused, nothing stored.
    other = tmp_path / "other.csv"
    other.write_bytes((HEADER + ROW.format(n=25545)).encode())
    refused = accord(
        "catalog", "import", "-p", "ESA", "--signature", str(signature), str(other), expect=1
    )
    assert "signature refused" in refused.output
    assert "25545" not in accord("catalog", "list").output
    # One signature, two files: a usage error.
    accord(
        "catalog",
        "import",
        "-p",
        "ESA",
        "--signature",
        str(signature),
        str(batch),
        str(other),
        expect=2,
    )

    accord("partner", "key", "revoke", key_sha256)
    assert "active" not in accord("partner", "key", "list", "ESA").output
    refused = accord(
        "catalog", "import", "-p", "ESA", "--signature", str(signature), str(batch), expect=1
    )
    assert "revoked" in refused.output
