"""`accord audit checkpoint / public-key / export / verify` on a real SQLite store."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from accord.audit import (
    LOG_KEY_FILE,
    PARTNER_KEY_PURPOSE,
    PUBLIC_KEY_DETAIL,
    Actor,
    AuditAction,
    AuditEntry,
    AuditEvent,
    AuditLog,
    SubjectRef,
    content_sha256,
    parse_entry,
    sign_submission,
)
from accord.catalog import import_reading
from accord.cli import app
from accord.settings import Settings
from accord.startup import open_store
from accord.store import (
    PartnerKeyRepository,
    PartnerKind,
    PartnerRepository,
    SourceKind,
    transaction,
)
from tests._celestrak_server import CelestrakLikeServer
from tests.store._factory import element_set, reading


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Environment of a store holding two logged catalog batches."""
    engine = open_store(Settings(var_dir=tmp_path, seed_demo=False))
    with transaction(engine) as session:
        PartnerRepository(session).create("JAXA", kind=PartnerKind.SPACE_AGENCY)
    for norad_id in (25544, 25545):
        import_reading(
            engine, reading(element_set(norad_id)), partner="JAXA", source_kind=SourceKind.API
        )
    engine.dispose()
    return {"ACCORD_VAR_DIR": str(tmp_path), "ACCORD_SEED_DEMO": "false"}


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_export_then_verify_against_a_pinned_checkpoint(
    env: dict[str, str], tmp_path: Path
) -> None:
    code, pinned = _run(env, "audit", "checkpoint")
    assert code == 0
    assert pinned.splitlines()[:2] == ["accord.local/log", "3"]  # key.created + 2 batches
    (tmp_path / "pinned.note").write_text(pinned, encoding="utf-8")
    code, vkey = _run(env, "audit", "public-key")
    assert code == 0 and vkey.startswith("accord.local/log+")
    code, output = _run(env, "audit", "export", str(tmp_path / "log.jsonl"))
    assert code == 0, output
    lines = (tmp_path / "log.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["format"] == "accord-audit-export/1"
    assert len(lines) == 1 + 3
    code, output = _run(
        env,
        "audit",
        "verify",
        "--file",
        str(tmp_path / "log.jsonl"),
        "--checkpoint",
        str(tmp_path / "pinned.note"),
        "--public-key",
        vkey.strip(),
    )
    assert code == 0, output
    assert output.startswith("OK: 3 entries verified")

    record = json.loads(lines[2])
    record["seq"] = 7
    lines[2] = json.dumps(record)
    (tmp_path / "log.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, output = _run(
        env,
        "audit",
        "verify",
        "-f",
        str(tmp_path / "log.jsonl"),
        "-c",
        str(tmp_path / "pinned.note"),
        "-k",
        vkey.strip(),
    )
    assert code == 1
    assert "FAILED: entry 1: missing or out of order: position 1 holds seq 7" in output


def test_verify_needs_exactly_one_source(env: dict[str, str], tmp_path: Path) -> None:
    note = tmp_path / "pinned.note"
    note.write_text(_run(env, "audit", "checkpoint")[1], encoding="utf-8")
    code, output = _run(env, "audit", "verify", "-c", str(note), "-k", "x+00000000+AA==")
    assert code == 2
    assert "exactly one of --file and --url" in output


def test_verify_reports_an_unreachable_server_in_one_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    note = tmp_path / "pinned.note"
    note.write_text(_run(env, "audit", "checkpoint")[1], encoding="utf-8")
    vkey = _run(env, "audit", "public-key")[1].strip()
    code, output = _run(
        env, "audit", "verify", "--url", "http://127.0.0.1:9", "-c", str(note), "-k", vkey
    )
    assert code == 1
    assert "error: could not reach the log at http://127.0.0.1:9" in output


# --- partner signatures, admissions, the log key, export destinations -----------------------


def _entries(env: dict[str, str]) -> list[AuditEntry]:
    engine = open_store(Settings(var_dir=Path(env["ACCORD_VAR_DIR"]), seed_demo=False))
    try:
        with transaction(engine) as session:
            return [parse_entry(item.entry) for item in AuditLog(session).entries(0, 1000)]
    finally:
        engine.dispose()


def _jaxa_id(env: dict[str, str]) -> int:
    engine = open_store(Settings(var_dir=Path(env["ACCORD_VAR_DIR"]), seed_demo=False))
    try:
        with transaction(engine) as session:
            return PartnerRepository(session).get_by_name("JAXA").id
    finally:
        engine.dispose()


def _signed_batch(env: dict[str, str], key: Ed25519PrivateKey, norad_id: int) -> None:
    """A catalog batch of JAXA's, signed with `key` over the bytes it stands for."""
    payload = f"signed batch {norad_id}\n".encode()
    signature = sign_submission(
        key, AuditAction.CATALOG_BATCH_ACCEPTED, str(_jaxa_id(env)), payload
    )
    engine = open_store(Settings(var_dir=Path(env["ACCORD_VAR_DIR"]), seed_demo=False))
    try:
        import_reading(
            engine,
            reading(element_set(norad_id)),
            partner="JAXA",
            source_kind=SourceKind.API,
            file_sha256=content_sha256(payload),
            signature=signature.signature,
        )
    finally:
        engine.dispose()


def _export_and_verify(env: dict[str, str], tmp_path: Path) -> tuple[int, str]:
    pinned = tmp_path / "pinned.note"
    pinned.write_text(_run(env, "audit", "checkpoint")[1], encoding="utf-8")
    vkey = _run(env, "audit", "public-key")[1].strip()
    code, output = _run(env, "audit", "export", str(tmp_path / "log.jsonl"))
    assert code == 0, output
    return _run(
        env, "audit", "verify", "-f", str(tmp_path / "log.jsonl"), "-c", str(pinned), "-k", vkey
    )


def test_verify_checks_signatures_against_the_key_the_log_registered(
    env: dict[str, str], tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes_raw()
    (tmp_path / "jaxa.key").write_bytes(raw)
    code, output = _run(
        env, "partner", "key", "add", "JAXA", "--public-key", str(tmp_path / "jaxa.key")
    )
    assert code == 0, output
    [registered] = [e for e in _entries(env) if e.action is AuditAction.KEY_CREATED]
    assert registered.details is not None
    assert base64.b64decode(registered.details[PUBLIC_KEY_DETAIL]) == raw
    _signed_batch(env, key, 25546)
    code, output = _export_and_verify(env, tmp_path)
    assert code == 0, output
    assert "1 partner signatures verified" in output
    assert "not checkable" not in output


def test_signatures_by_keys_logged_before_raw_keys_are_reported_not_failed(
    env: dict[str, str], tmp_path: Path
) -> None:
    """An older log: its key.created entry holds the key's SHA-256 only."""
    key = Ed25519PrivateKey.generate()
    engine = open_store(Settings(var_dir=Path(env["ACCORD_VAR_DIR"]), seed_demo=False))
    with transaction(engine, write_lock=True) as session:
        partner = PartnerRepository(session).get_by_name("JAXA")
        stored = PartnerKeyRepository(session).register_signing_key(
            partner, key.public_key().public_bytes_raw()
        )
        AuditLog(session).append(
            [
                AuditEvent(
                    AuditAction.KEY_CREATED,
                    Actor.system(),
                    subjects=(
                        SubjectRef("partner", str(partner.id)),
                        SubjectRef("partner_signing_key", stored.key_sha256),
                    ),
                    content_sha256=stored.key_sha256,
                    details={"purpose": PARTNER_KEY_PURPOSE, "algorithm": "ed25519"},
                )
            ]
        )
    engine.dispose()
    _signed_batch(env, key, 25546)
    code, output = _export_and_verify(env, tmp_path)
    assert code == 0, output
    [seq] = [e.seq for e in _entries(env) if e.submission is not None]
    assert (
        "0 partner signatures verified; 1 signature not checkable from the log (key registered "
        f"before raw keys were logged): entry {seq}"
    ) in " ".join(output.split())


def test_partner_add_is_logged_as_an_admission(env: dict[str, str]) -> None:
    code, output = _run(
        env, "partner", "add", "Agenzia Spaziale Italiana", "--kind", "space_agency"
    )
    assert code == 0, output
    admitted = _entries(env)[-1]
    partner_id = output.split()[2].rstrip(":")
    assert admitted.action is AuditAction.PARTNER_ADMITTED
    assert admitted.actor == Actor.system()
    assert [(s.kind, s.id) for s in admitted.subjects] == [("partner", partner_id)]
    assert admitted.details == {"kind": "space_agency"}


def test_catalog_sync_admits_celestrak_once_with_its_entry(
    env: dict[str, str], celestrak_server: CelestrakLikeServer
) -> None:
    # A small group of the real active catalog: the first two records after the header.
    lines = celestrak_server.files[("active", "csv")].splitlines(keepends=True)
    celestrak_server.files[("first-two", "csv")] = b"".join(lines[:3])
    sync_env = {**env, "ACCORD_CELESTRAK_GP_URL": celestrak_server.base_url}
    for _ in range(2):
        code, output = _run(sync_env, "catalog", "sync", "--group", "first-two")
        assert code == 0, output
    admissions = [e for e in _entries(env) if e.action is AuditAction.PARTNER_ADMITTED]
    assert len(admissions) == 1
    assert admissions[0].details == {"kind": "data_provider"}


def test_export_to_an_unwritable_path_fails_before_signing(
    env: dict[str, str], tmp_path: Path
) -> None:
    code, output = _run(env, "audit", "export", str(tmp_path / "no-such-folder" / "log.jsonl"))
    assert code == 1
    assert "cannot write the export to" in output and "No checkpoint was signed" in output
    engine = open_store(Settings(var_dir=tmp_path, seed_demo=False))
    with transaction(engine) as session:
        assert AuditLog(session).checkpoints() == []
    engine.dispose()


def test_a_missing_log_key_is_refused_once_checkpoints_were_signed(
    env: dict[str, str], tmp_path: Path
) -> None:
    key_file = tmp_path / LOG_KEY_FILE
    code, first = _run(env, "audit", "public-key")  # no checkpoint yet: the key is created
    assert code == 0 and key_file.exists()
    assert _run(env, "audit", "checkpoint")[0] == 0
    key_file.rename(tmp_path / "moved-away.pem")
    code, output = _run(env, "audit", "checkpoint")
    assert code == 1
    flat = " ".join(output.split())
    assert f"the audit log's signing key {key_file} is missing" in flat
    assert "restore the key file from your backup" in flat
    assert not key_file.exists()  # no new key was made
    (tmp_path / "moved-away.pem").rename(key_file)
    code, again = _run(env, "audit", "public-key")
    assert code == 0 and again == first
