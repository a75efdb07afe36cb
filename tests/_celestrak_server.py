"""A local HTTP server that answers CelesTrak GP queries with the real files of the shared data.

Used by the sync client's tests and by the demo's: a real server on 127.0.0.1, not a mock.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

GP_PATH = "/NORAD/elements/gp.php"
LAST_MODIFIED = "Sat, 22 Aug 2026 20:39:00 GMT"


@dataclass
class Recorded:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class CelestrakLikeServer:
    """Serves files for (GROUP, FORMAT) queries, with ETag revalidation and forced replies."""

    files: dict[tuple[str, str], bytes]
    requests: list[Recorded] = field(default_factory=list)
    #: Replies to send instead of the file, first in first out: (status, headers, body).
    forced: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    base_url: str = ""

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        query = parse_qs(split.query)
        self.requests.append(Recorded(split.path, query, dict(handler.headers.items())))
        if self.forced:
            status, headers, body = self.forced.pop(0)
            self.reply(handler, status, headers, body)
            return
        key = (query.get("GROUP", [""])[0], query.get("FORMAT", [""])[0])
        if split.path != GP_PATH or key not in self.files:
            self.reply(handler, 200, {}, b"Invalid query")  # as a GP server answers nonsense
            return
        body = self.files[key]
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if handler.headers.get("If-None-Match") == etag:
            self.reply(handler, 304, headers, b"")
        else:
            self.reply(handler, 200, headers, body)

    @staticmethod
    def reply(
        handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        if status != 304:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if status != 304:
            handler.wfile.write(body)


@contextmanager
def serve_celestrak_files(shared: Callable[[str], Path]) -> Iterator[CelestrakLikeServer]:
    state = CelestrakLikeServer(
        files={
            ("active", "csv"): shared("catalogs/celestrak_active_gp_2026-08-22.csv").read_bytes(),
            ("stations", "tle"): shared(
                "catalogs/celestrak-groups-2026-05-30/stations.tle"
            ).read_bytes(),
        }
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            state.handle(self)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep pytest's output clean

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A short poll interval lets shutdown() return quickly at teardown.
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}{GP_PATH}"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
