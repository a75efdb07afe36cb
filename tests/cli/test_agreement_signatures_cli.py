"""`accord agreement edit` and `--signature` / `--key-id` on the agreement commands."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from typer.testing import Result

from accord.audit import AuditAction, AuditLog, parse_entry, submission_statement
from accord.store import create_engine, transaction
from tests.cli.test_partner_cli import EXAMPLE, accord  # noqa: F401 (the fixture)

AGREEMENT = "esa-jaxa-leo-exchange"


def _last_entry_signed(database_url: str) -> bool:
    engine = create_engine(database_url)
    try:
        with transaction(engine) as session:
            log = AuditLog(session)
            stored = log.entry(log.tree_size - 1)
            assert stored is not None
            return parse_entry(stored).submission is not None
    finally:
        engine.dispose()


def test_edit_a_draft_and_sign_with_a_signature_file(
    accord: Callable[..., Result],  # noqa: F811
    database_url: str,
    tmp_path: Path,
) -> None:
    added = accord("partner", "add", "ESA", "--kind", "space_agency", "--handle", "esa").output
    match = re.search(r"Registered partner (\d+)", added)
    assert match
    esa_id = match.group(1)
    accord("partner", "add", "JAXA", "--kind", "space_agency", "--handle", "jaxa")
    key = Ed25519PrivateKey.generate()
    public = tmp_path / "esa.pub"
    public.write_bytes(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    accord("partner", "key", "add", "ESA", "--public-key", str(public))

    original = (EXAMPLE / "leo-data-exchange.yaml").read_text()
    draft = tmp_path / "v1.yaml"
    draft.write_text(original)
    accord("agreement", "propose", str(draft), "-p", "esa")
    edited = tmp_path / "v1-edited.yaml"
    edited.write_text(original.replace("title: ", "title: Edited - ", 1))
    out = accord("agreement", "edit", AGREEMENT, str(edited), "-p", "jaxa").output
    digest = re.search(r"\(([0-9a-f]{64})\)", out)
    assert out.startswith(f"Edited {AGREEMENT} version 1") and digest
    wrong_id = accord("agreement", "edit", "other", str(edited), "-p", "jaxa", expect=1).output
    assert "is agreement 'esa-jaxa-leo-exchange', not 'other'" in wrong_id

    signature = tmp_path / "sign.sig"
    statement = submission_statement(AuditAction.AGREEMENT_VERSION_SIGNED, esa_id, "0" * 64)
    signature.write_bytes(key.sign(statement))  # over other bytes: refused
    refused = accord(
        "agreement", "sign", AGREEMENT, "-p", "esa", "--signature", str(signature), expect=1
    ).output
    assert refused.startswith("error: ") and "verifies with none" in refused
    assert "Nothing was stored" in refused
    statement = submission_statement(AuditAction.AGREEMENT_VERSION_SIGNED, esa_id, digest.group(1))
    signature.write_text(base64.b64encode(key.sign(statement)).decode() + "\n")
    key_id = hashlib.sha256(public.read_bytes()).hexdigest()
    signed = accord(
        "agreement",
        "sign",
        AGREEMENT,
        "-p",
        "esa",
        "--signature",
        str(signature),
        "--key-id",
        key_id,
    ).output
    assert "awaiting jaxa" in signed
    assert _last_entry_signed(database_url)
    late = accord("agreement", "edit", AGREEMENT, str(draft), "-p", "esa", expect=1).output
    assert "amend it with version 2" in late
