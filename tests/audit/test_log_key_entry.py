"""The log's signing key is recorded once, even if a process stopped between writing the key
file and committing its `key.created` entry."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from accord.audit import LOG_KEY_FILE, AuditAction, AuditLog, open_log_signer, parse_entry
from accord.audit._keys import create_signing_key
from accord.settings import Settings
from accord.store import transaction


def _log_key_entries(engine: Engine) -> list[str]:
    with transaction(engine) as session:
        entries = [parse_entry(e.entry) for e in AuditLog(session).entries(0, 1000)]
    return [
        s.id
        for entry in entries
        if entry.action is AuditAction.KEY_CREATED
        for s in entry.subjects
        if s.kind == "log_key"
    ]


def test_a_key_file_without_its_entry_is_logged_at_the_next_start(
    engine: Engine, tmp_path: Path
) -> None:
    settings = Settings(var_dir=tmp_path, seed_demo=False, audit_checkpoint_interval_s=0)
    create_signing_key(tmp_path / LOG_KEY_FILE)  # the key file written, its entry never
    assert _log_key_entries(engine) == []
    signer = open_log_signer(engine, settings)
    assert _log_key_entries(engine) == [signer.verifier.vkey]
    again = open_log_signer(engine, settings)  # a restart logs nothing more
    assert again.verifier.vkey == signer.verifier.vkey
    assert _log_key_entries(engine) == [signer.verifier.vkey]
