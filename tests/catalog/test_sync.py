"""CelesTrak GP sync against a real local HTTP server serving real CelesTrak files."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from accord import __version__
from accord.catalog import (
    CELESTRAK_REFRESH_INTERVAL,
    CatalogSyncError,
    CelestrakClient,
    FetchedCatalog,
    GpFormat,
)
from accord.settings import Settings
from tests._celestrak_server import GP_PATH, LAST_MODIFIED, CelestrakLikeServer

pytestmark = pytest.mark.network

START = datetime(2026, 8, 23, 6, 0, tzinfo=UTC)


@pytest.fixture
def server(celestrak_server: CelestrakLikeServer) -> CelestrakLikeServer:
    return celestrak_server


class Clock:
    """A settable UTC clock, so that tests move time instead of sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def client(server: CelestrakLikeServer, clock: Clock, tmp_path: Path) -> Iterator[CelestrakClient]:
    settings = Settings(var_dir=tmp_path / "var", celestrak_gp_url=server.base_url)
    with CelestrakClient(settings, clock=clock) as celestrak:
        yield celestrak


def test_fetches_a_group_with_the_documented_query_and_user_agent(
    client: CelestrakClient, server: CelestrakLikeServer, shared: Callable[[str], Path]
) -> None:
    fetched = client.fetch_group("active", format="csv")
    assert fetched.data == shared("catalogs/celestrak_active_gp_2026-08-22.csv").read_bytes()
    assert not fetched.from_cache
    assert fetched.fetched_at == START
    assert fetched.last_modified == LAST_MODIFIED and fetched.etag
    assert fetched.url == f"{server.base_url}?GROUP=active&FORMAT=csv"
    [request] = server.requests
    assert request.path == GP_PATH
    assert request.query == {"GROUP": ["active"], "FORMAT": ["csv"]}
    assert request.headers["User-Agent"].startswith(f"Accord/{__version__} ")
    assert "If-None-Match" not in request.headers


def test_fetches_tle_groups(
    client: CelestrakClient, server: CelestrakLikeServer, shared: Callable[[str], Path]
) -> None:
    fetched = client.fetch_group("stations", format="tle")
    expected = shared("catalogs/celestrak-groups-2026-05-30/stations.tle").read_bytes()
    assert fetched.data == expected
    assert server.requests[0].query == {"GROUP": ["stations"], "FORMAT": ["tle"]}


def test_second_fetch_within_the_interval_makes_no_request(
    client: CelestrakClient, server: CelestrakLikeServer, clock: Clock
) -> None:
    first = client.fetch_group("active")
    clock.advance(CELESTRAK_REFRESH_INTERVAL - timedelta(seconds=1))
    second = client.fetch_group("active")
    assert len(server.requests) == 1
    assert second.from_cache and second.data == first.data
    assert second.fetched_at == START


def test_cache_is_shared_by_clients_on_the_same_folder(
    client: CelestrakClient, server: CelestrakLikeServer, clock: Clock, tmp_path: Path
) -> None:
    client.fetch_group("active")
    settings = Settings(var_dir=tmp_path / "var", celestrak_gp_url=server.base_url)
    with CelestrakClient(settings, clock=clock) as another:
        assert another.fetch_group("active").from_cache
    assert len(server.requests) == 1


def test_stale_cache_is_revalidated_with_a_conditional_request(
    client: CelestrakClient, server: CelestrakLikeServer, clock: Clock
) -> None:
    first = client.fetch_group("active")
    clock.advance(CELESTRAK_REFRESH_INTERVAL)
    revalidated = client.fetch_group("active")
    assert len(server.requests) == 2
    conditional = server.requests[1].headers
    assert conditional["If-None-Match"] == first.etag
    assert conditional["If-Modified-Since"] == LAST_MODIFIED
    assert revalidated.from_cache and revalidated.data == first.data
    assert revalidated.fetched_at == START + CELESTRAK_REFRESH_INTERVAL
    # The 304 restarts the interval: no request for another two hours.
    clock.advance(timedelta(hours=1))
    client.fetch_group("active")
    assert len(server.requests) == 2


def test_changed_data_replaces_the_cache(
    client: CelestrakClient, server: CelestrakLikeServer, clock: Clock
) -> None:
    client.fetch_group("stations", format="tle")
    server.files[("stations", "tle")] += b"NEW OBJECT\n"
    clock.advance(CELESTRAK_REFRESH_INTERVAL)
    updated = client.fetch_group("stations", format="tle")
    assert not updated.from_cache and updated.data.endswith(b"NEW OBJECT\n")
    clock.advance(timedelta(minutes=1))
    assert client.fetch_group("stations", format="tle").data == updated.data


def test_429_raises_with_the_retry_time_and_blocks_requests_until_then(
    client: CelestrakClient, server: CelestrakLikeServer, clock: Clock
) -> None:
    server.forced.append((429, {"Retry-After": "1800"}, b"Too many requests"))
    with pytest.raises(CatalogSyncError, match="HTTP 429") as refused:
        client.fetch_group("active")
    retry_at = START + timedelta(seconds=1800)
    assert refused.value.retry_at == retry_at and refused.value.status_code == 429
    assert retry_at.isoformat() in str(refused.value)
    assert len(server.requests) == 1  # no retry loop

    clock.advance(timedelta(minutes=29))
    with pytest.raises(CatalogSyncError, match="will not ask again before"):
        client.fetch_group("active")
    assert len(server.requests) == 1  # the back-off holds without asking the server

    clock.advance(timedelta(minutes=1))
    assert not client.fetch_group("active").from_cache
    assert len(server.requests) == 2


def test_403_without_retry_after_backs_off_for_the_update_interval(
    client: CelestrakClient, server: CelestrakLikeServer
) -> None:
    message = (
        b"GP data has not updated since your last successful download of GROUP=active.\n"
        b"Data is updated once every 2 hours."
    )
    server.forced.append((403, {}, message))
    with pytest.raises(CatalogSyncError, match="Data is updated once every 2 hours") as refused:
        client.fetch_group("active")
    assert refused.value.retry_at == START + CELESTRAK_REFRESH_INTERVAL


def test_retry_after_as_an_http_date(client: CelestrakClient, server: CelestrakLikeServer) -> None:
    server.forced.append((429, {"Retry-After": "Sun, 23 Aug 2026 09:30:00 GMT"}, b""))
    with pytest.raises(CatalogSyncError) as refused:
        client.fetch_group("active")
    assert refused.value.retry_at == datetime(2026, 8, 23, 9, 30, tzinfo=UTC)


def test_server_error_raises_once_and_caches_nothing(
    client: CelestrakClient, server: CelestrakLikeServer
) -> None:
    server.forced.append((500, {}, b"Internal Server Error"))
    with pytest.raises(CatalogSyncError, match="HTTP 500") as failed:
        client.fetch_group("active")
    assert failed.value.status_code == 500 and failed.value.retry_at is None
    assert len(server.requests) == 1
    assert not client.cache_dir.exists() or not any(client.cache_dir.iterdir())
    assert not client.fetch_group("active").from_cache  # nothing held against the next try


def test_redirects_are_reported_not_followed(
    client: CelestrakClient, server: CelestrakLikeServer
) -> None:
    server.forced.append((301, {"Location": "https://celestrak.org/new"}, b""))
    with pytest.raises(CatalogSyncError, match="update ACCORD_CELESTRAK_GP_URL"):
        client.fetch_group("active")
    assert len(server.requests) == 1


@pytest.mark.parametrize("format", ["csv", "tle"])
def test_a_message_instead_of_data_is_not_cached(
    client: CelestrakClient, server: CelestrakLikeServer, format: GpFormat
) -> None:
    with pytest.raises(CatalogSyncError, match=f"'Invalid query' instead of {format.upper()}"):
        client.fetch_group("no-such-group", format=format)
    assert not client.cache_dir.exists() or not any(client.cache_dir.iterdir())


def test_connection_refused_reports_offline(tmp_path: Path, clock: Clock) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(var_dir=tmp_path, celestrak_gp_url=f"http://127.0.0.1:{port}{GP_PATH}")
    with CelestrakClient(settings, clock=clock) as offline_client:
        with pytest.raises(CatalogSyncError, match="no network access to 127.0.0.1") as error:
            offline_client.fetch_group("active")
    assert error.value.offline
    assert "synthetic catalog" in str(error.value)


def test_cache_files_are_complete_and_readable(client: CelestrakClient) -> None:
    fetched: FetchedCatalog = client.fetch_group("active")
    files = sorted(path.name for path in client.cache_dir.iterdir())
    assert files == ["active.csv", "active.csv.json"]  # no temporary files left behind
    for name in files:
        assert (client.cache_dir / name).stat().st_mode & 0o777 == 0o644
    assert (client.cache_dir / "active.csv").read_bytes() == fetched.data


def test_damaged_cache_is_downloaded_again(
    client: CelestrakClient, server: CelestrakLikeServer
) -> None:
    client.fetch_group("active")
    (client.cache_dir / "active.csv").write_bytes(b"OBJECT_NAME,truncated")
    again = client.fetch_group("active")
    assert not again.from_cache and len(server.requests) == 2
    assert "If-None-Match" not in server.requests[1].headers


@pytest.mark.parametrize(
    ("group", "format"), [("../etc/passwd", "csv"), ("", "csv"), ("active", "html")]
)
def test_bad_queries_are_refused_before_any_request(
    client: CelestrakClient, server: CelestrakLikeServer, group: str, format: str
) -> None:
    with pytest.raises(ValueError, match="group|format"):
        client.fetch_group(group, format=format)  # type: ignore[arg-type]
    assert server.requests == []
