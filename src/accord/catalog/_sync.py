"""A polite client for CelesTrak's GP query API, with an on-disk cache and conditional requests.

Endpoint: `<celestrak_gp_url>?GROUP=<group>&FORMAT=<format>` (CelesTrak, "A New Way to Obtain
GP Data", https://celestrak.org/NORAD/documentation/gp-data-formats.php). CelesTrak updates GP
data at most every 2 hours and asks machine clients to stop at the first non-200 answer
(https://celestrak.org/usage-policy.php). So: one download per group and format per
`refresh_interval` (2 hours by default), revalidation with If-None-Match / If-Modified-Since
after that, no automatic retries ever, and a recorded back-off after HTTP 403 or 429.
docs/demo-data.md describes the policy.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, NoReturn, get_args

import httpx
from sqlalchemy.orm import Session

from accord import __version__
from accord.settings import Settings
from accord.store import BatchRecord, CatalogRepository, PartnerRepository

__all__ = [
    "CELESTRAK_REFRESH_INTERVAL",
    "CatalogSyncError",
    "CelestrakClient",
    "FetchedCatalog",
    "GpFormat",
    "USER_AGENT",
    "previous_sync",
]

#: Formats of CelesTrak's GP API this client asks for ("tle" is the 3-line form with names).
GpFormat = Literal["csv", "json", "xml", "kvn", "tle"]
_FORMATS: tuple[str, ...] = get_args(GpFormat)

#: CelesTrak does not update GP data more often than this; we never download faster.
CELESTRAK_REFRESH_INTERVAL = timedelta(hours=2)
#: Group names as CelesTrak spells them ("active", "gps-ops", "iridium-NEXT").
_GROUP_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
#: How the first bytes of a good answer look, per format; anything else is a server message.
_BODY_STARTS = {
    "csv": (b"OBJECT_NAME,",),
    "json": (b"[",),
    "xml": (b"<",),
    "kvn": (b"CCSDS_OMM_VERS",),
    "tle": (),  # checked by _TLE_PAIR instead
}
_TLE_PAIR = re.compile(rb"(?m)^1 [^\n]*\r?\n2 ")
#: Names Accord and its version, as CelesTrak can then tell who to contact about traffic.
USER_AGENT = f"Accord/{__version__} (catalog sync; python-httpx/{httpx.__version__})"
_UTF8_BOM = b"\xef\xbb\xbf"
_MESSAGE_CHARS = 300


class CatalogSyncError(Exception):
    """A catalog source could not be synchronised; the message says why and what to do.

    `retry_at` (UTC) is set when the source asked us to wait; `offline` is true when the
    host could not be reached at all; `status_code` is the HTTP status, if one came back.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status_code: int | None = None,
        retry_at: datetime | None = None,
        offline: bool = False,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status_code = status_code
        self.retry_at = retry_at
        self.offline = offline


@dataclass(frozen=True, slots=True)
class FetchedCatalog:
    """The bytes of one CelesTrak GP answer and where they came from.

    `fetched_at` (UTC) is when CelesTrak last confirmed these bytes: the download, or the
    latest 304 revalidation. `from_cache` is true when they were read from the cache.
    """

    data: bytes
    url: str
    group: str
    format: GpFormat
    fetched_at: datetime
    from_cache: bool
    etag: str | None = None
    last_modified: str | None = None


def previous_sync(session: Session, fetched: FetchedCatalog, *, partner: str) -> BatchRecord | None:
    """The batch in which `partner` already stored exactly these bytes from this URL, or None.

    A sync inside CelesTrak's 2-hour window is served from the cache, and CelesTrak may
    answer a later one with unchanged data: importing it again would store nothing new
    but still write a batch of duplicates and an audit entry. Callers skip it instead.
    Matching is by the URL and the SHA-256 of the body, so another group, another format or
    any changed byte is imported as usual.
    """
    submitter = PartnerRepository(session).get_by_name(partner)
    return CatalogRepository(session).batch_of_file(
        partner_id=submitter.id,
        source_name=fetched.url,
        file_sha256=hashlib.sha256(fetched.data).hexdigest(),
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CelestrakClient:
    """Fetch CelesTrak GP groups without ever asking for the same data twice in 2 hours.

    The base URL comes from `Settings.celestrak_gp_url` and the cache lives in
    `<Settings.var_dir>/cache/celestrak/` unless `cache_dir` is given. `transport` is passed
    to `httpx.Client` (tests and proxies); `clock` returns the current UTC time. Use it as a
    context manager, or call `close()`.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        cache_dir: Path | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = _utc_now,
        refresh_interval: timedelta = CELESTRAK_REFRESH_INTERVAL,
        timeout_s: float = 60.0,
    ) -> None:
        self.base_url = settings.celestrak_gp_url
        self.cache_dir = cache_dir or settings.var_dir / "cache" / "celestrak"
        self.refresh_interval = refresh_interval
        self._clock = clock
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            headers={
                "User-Agent": f"Accord/{__version__} (catalog sync; httpx/{httpx.__version__})"
            },
            follow_redirects=False,  # CelesTrak wants outdated URLs fixed, not followed.
        )

    def __enter__(self) -> CelestrakClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def group_url(self, group: str, format: GpFormat = "csv") -> str:
        """The GP query URL for `group` in `format`, e.g. ...gp.php?GROUP=active&FORMAT=csv."""
        _check_query(group, format)
        return str(httpx.URL(self.base_url, params={"GROUP": group, "FORMAT": format}))

    def fetch_group(self, group: str, *, format: GpFormat = "csv") -> FetchedCatalog:
        """Return the current GP data of `group`, from the cache while it is fresh.

        Fresh means fetched or revalidated less than `refresh_interval` ago. A stale copy is
        revalidated with a conditional request; HTTP 304 keeps it. Raises `CatalogSyncError`
        for an unreachable host, a timeout, any other non-200 answer, or while a back-off
        requested by CelesTrak (HTTP 403/429, Retry-After) is running; it never retries.
        """
        url = self.group_url(group, format)
        now = self._now()
        entry = _CacheEntry(self.cache_dir, group, format)
        meta = entry.read_meta()
        retry_at = _parse_time(meta.get("retry_at"))
        if retry_at is not None and now < retry_at:
            raise CatalogSyncError(
                f"CelesTrak refused {url} with HTTP {meta.get('status_code')} at "
                f"{meta.get('refused_at')}; Accord will not ask again before "
                f"{retry_at.isoformat()} (UTC). Wait until then, or use the cached or "
                "synthetic catalog meanwhile",
                url=url,
                status_code=meta.get("status_code"),
                retry_at=retry_at,
            )
        cached = entry.read_data(meta)
        fetched_at = _parse_time(meta.get("fetched_at"))
        if (
            cached is not None
            and fetched_at is not None
            and now - fetched_at < self.refresh_interval
        ):
            return entry.result(url, cached, meta, fetched_at, from_cache=True)

        headers = {}
        if cached is not None and meta.get("etag"):
            headers["If-None-Match"] = meta["etag"]
        if cached is not None and meta.get("last_modified"):
            headers["If-Modified-Since"] = meta["last_modified"]
        response = self._get(url, headers)

        if response.status_code == httpx.codes.NOT_MODIFIED and cached is not None:
            for key in ("retry_at", "refused_at", "status_code"):
                meta.pop(key, None)
            meta["fetched_at"] = now.isoformat()
            _store(entry, url, None, meta)
            return entry.result(url, cached, meta, now, from_cache=True)
        if response.status_code == httpx.codes.OK:
            body = response.content
            _check_body(url, format, body)
            meta = {
                "url": url,
                "fetched_at": now.isoformat(),
                "etag": response.headers.get("ETag"),
                "last_modified": response.headers.get("Last-Modified"),
                "sha256": hashlib.sha256(body).hexdigest(),
            }
            _store(entry, url, body, meta)
            return entry.result(url, body, meta, now, from_cache=False)
        self._refuse(url, response, entry, meta, now)

    def _now(self) -> datetime:
        now = self._clock()
        if now.utcoffset() is None:
            raise ValueError(f"CelestrakClient clock returned a naive datetime {now!r}; use UTC")
        return now.astimezone(UTC)

    def _get(self, url: str, headers: dict[str, str]) -> httpx.Response:
        host = httpx.URL(url).host
        try:
            return self._http.get(url, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise CatalogSyncError(
                f"no network access to {host} ({error}); check the connection or "
                "ACCORD_CELESTRAK_GP_URL. The demo falls back to a synthetic catalog "
                "(accord.orbits.synthetic_population)",
                url=url,
                offline=True,
            ) from error
        except httpx.TimeoutException as error:
            raise CatalogSyncError(
                f"{host} did not answer {url} in time ({error!r}); not retrying, try again later",
                url=url,
            ) from error
        except httpx.HTTPError as error:
            raise CatalogSyncError(
                f"request to {url} failed ({error!r}); not retrying, try again later", url=url
            ) from error

    def _refuse(
        self,
        url: str,
        response: httpx.Response,
        entry: _CacheEntry,
        meta: dict[str, Any],
        now: datetime,
    ) -> NoReturn:
        status = response.status_code
        said = _server_message(response)
        if status in (httpx.codes.FORBIDDEN, httpx.codes.TOO_MANY_REQUESTS) or (
            "Retry-After" in response.headers
        ):
            retry_at = _retry_after(response.headers.get("Retry-After"), now) or (
                now + self.refresh_interval
            )
            meta.update(
                retry_at=retry_at.isoformat(), refused_at=now.isoformat(), status_code=status
            )
            _store(entry, url, None, meta)
            raise CatalogSyncError(
                f"CelesTrak refused {url} with HTTP {status} ({said}); Accord will not ask "
                f"again before {retry_at.isoformat()} (UTC). Repeated requests get an address "
                "blocked: wait, and check that no other process on this network polls CelesTrak",
                url=url,
                status_code=status,
                retry_at=retry_at,
            )
        if response.is_redirect:
            fix = (
                f"it points to {response.headers.get('Location')}; "
                "update ACCORD_CELESTRAK_GP_URL instead of following redirects"
            )
        elif status == httpx.codes.NOT_MODIFIED:
            fix = "HTTP 304 without a cached copy; delete the cache folder and sync again"
        else:
            fix = f"{said}; not retrying, try again later or report it if it persists"
        raise CatalogSyncError(
            f"CelesTrak answered {url} with HTTP {status}: {fix}", url=url, status_code=status
        )


@dataclass(frozen=True, slots=True)
class _CacheEntry:
    """The cached body `<group>.<format>` and its metadata `<group>.<format>.json`."""

    directory: Path
    group: str
    format: GpFormat

    @property
    def data_path(self) -> Path:
        return self.directory / f"{self.group}.{self.format}"

    @property
    def meta_path(self) -> Path:
        return self.directory / f"{self.group}.{self.format}.json"

    def read_meta(self) -> dict[str, Any]:
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # No cache yet, or a damaged one: behave as if empty.
        return meta if isinstance(meta, dict) else {}

    def read_data(self, meta: dict[str, Any]) -> bytes | None:
        """The cached body, if present and matching the digest recorded with it."""
        try:
            data = self.data_path.read_bytes()
        except OSError:
            return None
        return data if hashlib.sha256(data).hexdigest() == meta.get("sha256") else None

    def write_data(self, data: bytes) -> None:
        _write_atomically(self.data_path, data)

    def write_meta(self, meta: dict[str, Any]) -> None:
        _write_atomically(self.meta_path, json.dumps(meta, indent=2, sort_keys=True).encode())

    def result(
        self,
        url: str,
        data: bytes,
        meta: dict[str, Any],
        fetched_at: datetime,
        *,
        from_cache: bool,
    ) -> FetchedCatalog:
        return FetchedCatalog(
            data=data,
            url=url,
            group=self.group,
            format=self.format,
            fetched_at=fetched_at,
            from_cache=from_cache,
            etag=meta.get("etag"),
            last_modified=meta.get("last_modified"),
        )


def _store(entry: _CacheEntry, url: str, data: bytes | None, meta: dict[str, Any]) -> None:
    """Write the body (if any) and then its metadata, so a reader never pairs old and new."""
    try:
        if data is not None:
            entry.write_data(data)
        entry.write_meta(meta)
    except OSError as error:
        raise CatalogSyncError(
            f"could not write the CelesTrak cache in {entry.directory} ({error}); make that "
            "folder writable or point ACCORD_VAR_DIR to one that is",
            url=url,
        ) from error


def _write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder and rename it over `path`.

    Readers (another process syncing the same group) see the old file or the new one,
    never a torn one. Files are 0644 and folders 0755: CelesTrak's data are public.
    """
    path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _check_query(group: str, format: str) -> None:
    if not _GROUP_PATTERN.fullmatch(group):
        raise ValueError(
            f"CelesTrak group {group!r} is not a group name; use letters, digits, '-' or '_' "
            "as CelesTrak spells them, e.g. 'active', 'stations', 'gps-ops'"
        )
    if format not in _FORMATS:
        raise ValueError(f"GP format {format!r} is not one of {', '.join(_FORMATS)}")


def _check_body(url: str, format: str, body: bytes) -> None:
    """Refuse to cache a 200 answer that is a message ("Invalid query") rather than data."""
    text = body.removeprefix(_UTF8_BOM).lstrip()
    starts = _BODY_STARTS[format]
    if text.startswith(starts) if starts else _TLE_PAIR.search(text) is not None:
        return
    said = text[:_MESSAGE_CHARS].decode("utf-8", "replace").strip() or "an empty body"
    raise CatalogSyncError(
        f"CelesTrak answered {url} with {said!r} instead of {format.upper()} data; check the "
        "group name (CelesTrak lists them at https://celestrak.org/NORAD/elements/)",
        url=url,
        status_code=200,
    )


def _server_message(response: httpx.Response) -> str:
    text = " ".join(response.text[:_MESSAGE_CHARS].split())
    return f"server said: {text}" if text else f"no message, reason {response.reason_phrase!r}"


def _retry_after(value: str | None, now: datetime) -> datetime | None:
    """Retry-After as delay seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.utcoffset() is not None else when.replace(tzinfo=UTC)


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.utcoffset() is not None else None
