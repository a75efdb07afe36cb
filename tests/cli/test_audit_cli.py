"""`accord audit checkpoint / public-key / export / verify` on a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.catalog import import_reading
from accord.cli import app
from accord.settings import Settings
from accord.startup import open_store
from accord.store import PartnerKind, PartnerRepository, SourceKind, transaction
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
