"""`accord partner show|contact ...`, `accord agreement amend|resume`, `accord key rotate`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import Result

from accord.audit import AuditAction
from accord.catalog import import_element_sets
from accord.store import ApiKeyRepository, create_engine, transaction
from tests.cli._store_cli import logged_actions, store_cli
from tests.store._factory import element_set

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "agreements"
AGREEMENT = "esa-jaxa-leo-exchange"
TOKEN = re.compile(r"acc_([0-9a-f]{12})_\S{43}")


@pytest.fixture
def accord(tmp_path: Path, database_url: str) -> Callable[..., Result]:
    return store_cli(tmp_path, database_url)


def test_partner_show_and_contacts(
    accord: Callable[..., Result], database_url: str, tmp_path: Path
) -> None:
    accord("partner", "add", "ESA", "--kind", "space_agency", "--country", "FR", "--handle", "esa")
    accord("partner", "add", "JAXA", "--kind", "space_agency", "--handle", "jaxa")
    engine = create_engine(database_url)
    import_element_sets(engine, [element_set(25544)], source_name="t", partner="ESA")
    # A partner may claim only what it can see: JAXA tracks the object too (its own set).
    import_element_sets(engine, [element_set(25544)], source_name="t", partner="JAXA")
    engine.dispose()
    accord("partner", "claim", "esa", "25544")
    accord("partner", "claim", "jaxa", "25544")
    accord("key", "create", "--partner", "esa", "--scope", "read")
    revoked = TOKEN.search(accord("key", "create", "-p", "esa", "-s", "write").stdout)
    assert revoked
    accord("key", "revoke", revoked.group(1))

    added = accord(
        "partner", "contact", "add", "esa", "--name", "Ops Desk", "--email",
        "ops@esa.example", "--role", "operations",
    ).output  # fmt: skip
    contact_id = re.search(r"Added contact (\d+) \(operations\) to esa", added)
    assert contact_id
    bad = accord(
        "partner", "contact", "add", "esa", "--name", "X", "--email", "ops.esa.example",
        "--role", "legal", expect=1,
    ).output  # fmt: skip
    assert bad.startswith("error: contact of 'esa': e-mail 'ops.esa.example' is not an address")
    listed = accord("partner", "contact", "list", "esa").output
    assert "Ops Desk" in listed and "ops@esa.example" in listed and "legal" not in listed

    shown = accord("partner", "show", "esa").output
    assert "esa: ESA (space_agency, country FR)" in shown
    assert "API keys: 2 (1 active, 0 expired, 1 revoked); signing keys: 0" in shown
    assert "ops@esa.example" in shown
    # The first claimant keeps ownership; its claim shows contested all the same.
    assert re.search(r"25544\W+contested\W+yes", shown)
    assert "stations: none" in shown
    assert re.search(r"25544\W+contested\W+yes", accord("partner", "show", "jaxa").output)

    missing = accord("partner", "contact", "remove", "jaxa", contact_id.group(1), expect=1)
    assert "'jaxa' has no contact" in missing.output
    removed = accord("partner", "contact", "remove", "esa", contact_id.group(1)).output
    assert f"Removed contact {contact_id.group(1)} of esa; 0 queued notice(s)" in removed
    assert "contacts: none" in accord("partner", "contact", "list", "esa").output
    assert "no partner" in accord("partner", "show", "nasa", expect=1).output
    assert logged_actions(database_url).count(AuditAction.CONTACT_ADDED) == 1
    assert logged_actions(database_url).count(AuditAction.CONTACT_REMOVED) == 1


def test_agreement_amend_and_resume_and_key_rotate(
    accord: Callable[..., Result], database_url: str, tmp_path: Path
) -> None:
    path = EXAMPLE / "leo-data-exchange.yaml"
    for name in ("esa", "jaxa"):
        accord("partner", "add", name.upper(), "--kind", "space_agency", "--handle", name)
    amended = tmp_path / "v2.yaml"
    amended.write_text(path.read_text().replace("version: 1", "version: 2", 1))
    unknown = tmp_path / "other.yaml"
    unknown.write_text(amended.read_text().replace(f"id: {AGREEMENT}", "id: no-such-agreement"))

    accord("agreement", "propose", str(path), "-p", "esa")
    early = accord("agreement", "amend", str(amended), "-p", "esa", expect=1).output
    assert "version 1 is unsigned; edit it instead of amending" in early
    accord("agreement", "sign", AGREEMENT, "-p", "esa")
    accord("agreement", "sign", AGREEMENT, "-p", "jaxa")
    out = accord("agreement", "amend", str(amended), "-p", "jaxa").output
    assert f"Proposed {AGREEMENT} version 2" in out and "amending version 1" in out
    assert "awaiting signatures of esa, jaxa" in out
    assert (
        "no agreement" in accord("agreement", "amend", str(unknown), "-p", "esa", expect=1).output
    )

    not_suspended = accord("agreement", "resume", AGREEMENT, "-p", "esa", expect=1).output
    assert not_suspended.startswith("error:")
    accord("agreement", "suspend", AGREEMENT, "-p", "jaxa", "--reason", "review")
    resumed = accord("agreement", "resume", AGREEMENT, "-p", "esa").output
    assert resumed == f"Resumed {AGREEMENT}: in_force now.\n"
    assert "resumed by esa: suspension ended" in accord("agreement", "show", AGREEMENT).output

    old = TOKEN.search(accord("key", "create", "-p", "esa", "-s", "read", "-s", "write").stdout)
    assert old
    before = datetime.now(UTC)
    rotated = accord("key", "rotate", old.group(1), "--grace-hours", "2")
    new = TOKEN.fullmatch(rotated.stdout.strip())
    assert new and new.group(1) != old.group(1)
    until = re.search(r"The old key works until (\S+ \S+) UTC", rotated.stderr)
    assert until
    old_until = datetime.fromisoformat(until.group(1)).replace(tzinfo=UTC)
    assert timedelta(hours=2) - timedelta(seconds=1) <= old_until - before
    assert old_until - before <= timedelta(hours=2, minutes=1)
    engine = create_engine(database_url)
    with transaction(engine) as session:
        keys = ApiKeyRepository(session)
        assert keys.verify(new.group(0)).scopes == "read write"
        assert keys.verify(old.group(0)).replaced_by_id == keys.get(new.group(1)).id
    engine.dispose()
    assert "no API key with prefix" in accord("key", "rotate", "0" * 12, expect=1).output
    accord("key", "revoke", new.group(1))
    assert "revoked or expired" in accord("key", "rotate", new.group(1), expect=1).output
    actions = logged_actions(database_url)
    assert actions.count(AuditAction.AGREEMENT_RESUMED) == 1
    assert actions.count(AuditAction.AGREEMENT_VERSION_PROPOSED) == 2
