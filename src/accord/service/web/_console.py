"""Mounting the console on the service: its routers, its static files, security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from accord.service.web import (
    _agreements,
    _campaigns,
    _coordination,
    _events,
    _globe,
    _pages,
    _session,
)

__all__ = ["CONSOLE_PREFIX", "STATIC_DIR", "VENDOR_DIR", "install_console"]

CONSOLE_PREFIX = "/console"
STATIC_DIR = Path(__file__).resolve().parent / "static"
#: Where `make assets` copies the front-end libraries (gitignored).
VENDOR_DIR = STATIC_DIR / "vendor"

#: Everything from this origin only: no CDN, no third-party request can leave a page.
#: Inline styles are allowed because Plotly sets style attributes on the chart it draws.
#: For the globe (CesiumJS), one addition: 'wasm-unsafe-eval' lets Cesium compile the
#: WebAssembly decoders it bundles (meshoptimizer, at load); it does not allow JavaScript
#: eval. No 'unsafe-eval' and no blob: scripts: `make assets` replaces Cesium's two eval()s
#: at load by their browser outcomes (see the Makefile), and the globe's script has Cesium
#: start its web workers from its own Workers/ folder (static/globe.js).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def install_console(app: FastAPI) -> None:
    """Add the console's pages under `/console/` and its static files under
    `/console/static/`; `/console` itself goes to the dashboard."""
    app.include_router(_session.router, prefix=CONSOLE_PREFIX, include_in_schema=False)
    app.include_router(_pages.router, prefix=CONSOLE_PREFIX, include_in_schema=False)
    for module in (_events, _globe, _coordination, _campaigns, _agreements):
        app.include_router(module.router, prefix=CONSOLE_PREFIX, include_in_schema=False)
    app.mount(f"{CONSOLE_PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="console-static")

    @app.get(CONSOLE_PREFIX, include_in_schema=False)
    def console_root() -> RedirectResponse:
        return RedirectResponse(f"{CONSOLE_PREFIX}/", status_code=307)

    @app.middleware("http")
    async def console_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path.startswith(CONSOLE_PREFIX):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
