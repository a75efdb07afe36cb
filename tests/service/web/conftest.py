"""A real Accord server on a free port and Debian's Chromium driven by Playwright.

The server is the application `create_app` builds, run by uvicorn in a background thread
over a seeded SQLite store (tests/service/web/_world.py). The browser is /usr/bin/chromium,
never one Playwright downloads; without it the browser tests skip, and fail when
ACCORD_REQUIRE_BROWSER=1 (CI). Every page records its requests and console errors: a
request to anything but the test server, or a script error, fails the test.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn

from accord.service import create_app
from accord.service.web import VENDOR_DIR
from accord.settings import Settings
from accord.store import create_engine, upgrade
from tests.service._api import settings_for
from tests.service.web._world import build_console_world

CHROMIUM = Path("/usr/bin/chromium")
#: Flags known to work in containers and CI: no sandbox (no user namespaces), no GPU,
#: and no background traffic of Chromium's own (which would leave 127.0.0.1).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Longest wait for any page or element, ms: generous for a 2-core CI machine, and a
#: failure rather than a hang if the server never answers.
TIMEOUT_MS = 15_000


def _unavailable(reason: str) -> None:
    if os.environ.get("ACCORD_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (ACCORD_REQUIRE_BROWSER=1 requires the browser tests to run)")
    pytest.skip(reason)


@dataclass
class ConsoleServer:
    """The running service: its base URL and the engine of its store (for assertions)."""

    base_url: str
    host: str
    port: int


@contextmanager
def serve(settings: Settings) -> Iterator[ConsoleServer]:
    """The application `create_app(settings)` builds, served by uvicorn in a background
    thread on 127.0.0.1 and a free port, until the block ends."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    # The socket listens before uvicorn starts, so the first requests queue in its backlog
    # and are answered once the lifespan (migrations, first checkpoint) is done: no polling.
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        yield ConsoleServer(f"http://127.0.0.1:{port}", "127.0.0.1", port)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


@pytest.fixture(scope="session")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    """Accord served by uvicorn on 127.0.0.1 and a free port, over the seeded store."""
    settings = settings_for(tmp_path_factory.mktemp("console"))
    engine = create_engine(settings.resolved_database_url)
    upgrade(engine)
    build_console_world(engine)
    engine.dispose()
    with serve(settings) as server:
        yield server


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (a fresh temporary profile)."""
    if not CHROMIUM.is_file():
        _unavailable(
            f"{CHROMIUM} is missing: install Debian's package (`apt-get install chromium`, "
            "or `make browser` as root) to run the console's browser tests"
        )
    if not (VENDOR_DIR / ".installed").is_file():
        _unavailable(
            f"the console's front-end libraries are not in {VENDOR_DIR}: run `make assets` "
            "(Node.js 20+ and npm)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageWatch:
    """What a page did: every request URL, failed requests and script errors."""

    requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Set by a test that loads a page answering 4xx on purpose (Chromium logs those).
    http_errors_expected: bool = False


@pytest.fixture
def watch() -> PageWatch:
    """The current test page's record (filled by the `page` fixture)."""
    return PageWatch()


@pytest.fixture
def page(chromium: Any, console_server: ConsoleServer, watch: PageWatch) -> Iterator[Any]:
    """A fresh browser context and page; afterwards, nothing may have left 127.0.0.1 and no
    script may have failed."""
    context = chromium.new_context(base_url=console_server.base_url)
    context.set_default_timeout(TIMEOUT_MS)
    browser_page = context.new_page()
    browser_page.on("request", lambda request: watch.requests.append(request.url))
    browser_page.on(
        "requestfailed",
        lambda request: watch.failures.append(f"{request.url}: {request.failure}"),
    )
    browser_page.on("pageerror", lambda error: watch.errors.append(str(error)))
    browser_page.on(
        "console",
        lambda message: watch.errors.append(message.text) if message.type == "error" else None,
    )
    try:
        yield browser_page
    finally:
        context.close()
    remote = [
        url
        for url in watch.requests
        if urlsplit(url).scheme not in ("data", "blob")
        and (urlsplit(url).hostname, urlsplit(url).port)
        != (console_server.host, console_server.port)
    ]
    assert remote == [], f"requests left the test server: {remote}"
    assert watch.failures == [], f"requests failed: {watch.failures}"
    errors = [
        text
        for text in watch.errors
        if not (watch.http_errors_expected and text.startswith("Failed to load resource"))
    ]
    assert errors == [], f"the page logged errors: {errors}"
