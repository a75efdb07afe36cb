"""A running Accord app (TestClient) over a small coalition, with keys for each partner.

The coalition is tests/access/_world.py: esa, jaxa, nasa (members), CelesTrak (public data),
and docs/examples/agreements/leo-data-exchange.yaml signed by esa and jaxa.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from accord.access import create_api_key
from accord.service import create_app
from accord.settings import Settings
from accord.store import PartnerRepository, transaction
from tests.access._world import build_world


def settings_for(tmp_path: Path, **changes: Any) -> Settings:
    """Test settings: own store, no demo, no background work, cookies over plain HTTP."""
    values: dict[str, Any] = {
        "var_dir": tmp_path / "var",
        "seed_demo": False,
        "audit_checkpoint_interval_s": 0,
        "job_workers": 0,
        "session_cookie_secure": False,
    }
    values.update(changes)
    return Settings(**values)


def issue_key(
    engine: Engine, handle: str, scopes: tuple[str, ...], *, expires_at: datetime | None = None
) -> str:
    """A new API key token for the partner `handle`."""
    with transaction(engine, write_lock=True) as session:
        partner = PartnerRepository(session).get_by_handle(handle)
        return create_api_key(session, partner, scopes, expires_at=expires_at).token


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of an API key."""
    return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    """The client, its engine, and a read+write+admin key per member partner."""

    client: TestClient
    engine: Engine
    keys: dict[str, str]

    def as_partner(self, handle: str) -> dict[str, str]:
        return bearer(self.keys[handle])


@contextmanager
def running_world(tmp_path: Path, *, agreement: bool = True, **settings: Any) -> Iterator[World]:
    """Start the app on a fresh store, build the coalition, and issue one key per partner."""
    app = create_app(settings_for(tmp_path, **settings))
    with TestClient(app) as client:
        engine: Engine = app.state.engine
        build_world(engine, agreement=agreement)
        keys = {
            h: issue_key(engine, h, ("read", "write", "admin")) for h in ("esa", "jaxa", "nasa")
        }
        yield World(client, engine, keys)
