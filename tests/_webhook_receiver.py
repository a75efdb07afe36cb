"""A real webhook receiver on 127.0.0.1 for tests (stdlib `http.server` in a thread).

It checks every POST's `X-Accord-Signature` against HMAC-SHA256(secret, timestamp + "." +
body) and answers 401 when it does not match; `fail_next(n)` makes the next n valid POSTs
answer 500, to test retries. Each valid POST is kept (headers, parsed JSON body).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass
class ReceivedHook:
    """One POST as the receiver got it, with whether its signature verified."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int


@dataclass
class _State:
    secret: bytes
    received: list[ReceivedHook] = field(default_factory=list)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Server(ThreadingHTTPServer):
    state: _State


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return

    def do_POST(self) -> None:
        state = self.server.state
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        timestamp = self.headers.get("X-Accord-Timestamp", "")
        expected = (
            "sha256="
            + hmac.new(
                state.secret, timestamp.encode("ascii") + b"." + raw, hashlib.sha256
            ).hexdigest()
        )
        signature = self.headers.get("X-Accord-Signature", "")
        with state.lock:
            if not hmac.compare_digest(expected, signature):
                status = 401
            elif state.fail_next > 0:
                state.fail_next -= 1
                status = 500
            else:
                status = 204
            state.received.append(
                ReceivedHook(self.path, dict(self.headers.items()), json.loads(raw), status)
            )
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class WebhookReceiver:
    """Context manager: a receiver on an ephemeral port; `url` to subscribe with."""

    def __init__(self, secret: str) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State(secret.encode("utf-8"))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/accord"

    @property
    def received(self) -> list[ReceivedHook]:
        with self._server.state.lock:
            return list(self._server.state.received)

    def fail_next(self, count: int) -> None:
        with self._server.state.lock:
            self._server.state.fail_next = count

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
