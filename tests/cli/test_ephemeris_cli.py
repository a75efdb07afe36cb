"""`accord ephemeris submit|list` over the coalition of tests/access/_world.py.

Real OEMs: Orekit's test_cov.oem (ISS, OBJECT_ID 25544, which esa claims) and a malformed
file of oem/orekit/invalid/.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from accord.audit import AuditAction, AuditLog, parse_entry, submission_statement
from accord.store import PartnerRepository, create_engine, transaction
from tests.access._ephemeris_world import register_key
from tests.access._world import build_world
from tests.cli.test_partner_cli import accord  # noqa: F401 (the fixture)

pytestmark = pytest.mark.parametrize("database_backend", ["sqlite"], indirect=True)


def test_submit_signed_list_and_refusals(
    accord: Callable[..., Result],  # noqa: F811
    database_url: str,
    tmp_path: Path,
    shared: Callable[[str], Path],
) -> None:
    engine = create_engine(database_url)
    try:
        build_world(engine)
        key = register_key(engine, "esa")
        with transaction(engine) as session:
            esa_id = PartnerRepository(session).get_by_handle("esa").id
        data_path = shared("oem/orekit/test_cov.oem")
        digest = hashlib.sha256(data_path.read_bytes()).hexdigest()
        statement = submission_statement(AuditAction.EPHEMERIS_ACCEPTED, str(esa_id), digest)
        signature = tmp_path / "cov.sig"
        signature.write_text(base64.b64encode(key.sign(statement)).decode())

        out = accord(
            "ephemeris", "submit", str(data_path), "--partner", "esa", "--signature",
            str(signature),
        ).output  # fmt: skip
        assert "ephemeris 1 of NORAD 25544" in out and "signed" in out and digest in out
        with transaction(engine) as session:
            log = AuditLog(session)
            entry = parse_entry(log.entry(log.tree_size - 1))  # type: ignore[arg-type]
        assert entry.action is AuditAction.EPHEMERIS_ACCEPTED and entry.submission is not None

        listed = accord("ephemeris", "list", "--norad", "25544").output
        assert "Ephemerides 1-1 of 1" in listed and "current" in listed
        assert "No ephemerides found" in accord("ephemeris", "list", "--as", "jaxa").output

        refused = accord("ephemeris", "submit", str(data_path), "-p", "jaxa", expect=1).output
        assert "does not claim NORAD id 25544" in refused
        bad = shared("oem/orekit/invalid/OEM-wrong-keyword.txt")
        malformed = accord("ephemeris", "submit", str(bad), "-p", "esa", expect=1).output
        assert "OEM-wrong-keyword.txt, line 19, field WRONG_KEYWORD" in malformed
        lone_key = accord(
            "ephemeris", "submit", str(data_path), "-p", "esa", "--key-id", "ab" * 32, expect=1
        ).output
        assert "--key-id names the key of a signature" in lone_key
    finally:
        engine.dispose()
