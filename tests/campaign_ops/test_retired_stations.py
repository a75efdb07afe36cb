"""A retired ground station stays in a pool's history but takes no downlinks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from accord.access import retire_station
from accord.campaign_ops import CampaignError, add_pool_station
from accord.campaign_ops._pool import DEFAULT_POOL, pooled_stations
from accord.store import PartnerRepository, transaction
from tests.campaign_ops._campaign import AT, principal, setup_campaign


def test_retired_station_leaves_planning_but_not_history(
    engine: Engine, shared: Callable[[str], Path]
) -> None:
    setup_campaign(engine, shared)
    with transaction(engine, write_lock=True) as session:
        assert [s.station_id for _, s in pooled_stations(session, DEFAULT_POOL)] == ["esa:svalbard"]
        retire_station(session, PartnerRepository(session).get_by_handle("esa"), "esa:svalbard")
    with transaction(engine) as session:
        assert pooled_stations(session, DEFAULT_POOL) == []
        kept = pooled_stations(session, DEFAULT_POOL, include_retired=True)
        assert [s.station_id for _, s in kept] == ["esa:svalbard"]


def test_a_retired_station_cannot_be_offered_to_a_pool(
    engine: Engine, shared: Callable[[str], Path]
) -> None:
    setup_campaign(engine, shared)
    with transaction(engine, write_lock=True) as session:
        retire_station(session, PartnerRepository(session).get_by_handle("esa"), "esa:svalbard")
    with transaction(engine, write_lock=True) as session:
        with pytest.raises(CampaignError, match="retired.*reactivate it first"):
            add_pool_station(
                session, principal(session, "esa"), "esa:svalbard", pool="other", at=AT
            )
