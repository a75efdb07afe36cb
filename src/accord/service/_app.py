"""The FastAPI application factory; nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

import accord
from accord.coordination_ops import CoordinationScheduler
from accord.jobs import JobRunner
from accord.service._problems import install_problem_handlers
from accord.service.api import (
    agreements,
    audit,
    auth,
    campaigns,
    catalog,
    coordination,
    ephemerides,
    health,
    keys,
    partners,
    screenings,
)
from accord.service.api._common import install_api_error_handlers
from accord.service.spacetrack import router as spacetrack_router
from accord.service.web import install_console
from accord.settings import Settings
from accord.startup import open_store

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the Accord service for `settings` (read from the environment when omitted).

    The store is opened, migrated and (on an empty store, when enabled) seeded with the
    demo during the application's lifespan, so importing this module has no side effects.
    """
    resolved = settings if settings is not None else Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = open_store(resolved)
        # Background jobs (screenings): stale ones resumed or failed first, then run.
        app.state.job_runner = JobRunner(app.state.engine, resolved)
        app.state.job_runner.start()
        # Deadlines, escalations and notifications: every tick reads what is due from the
        # store, so a restart (even after kill -9) resumes where the last commit left off.
        app.state.coordination_scheduler = CoordinationScheduler(app.state.engine, resolved)
        app.state.coordination_scheduler.start()
        try:
            async with audit.checkpoint_signing(app):
                yield
        finally:
            app.state.coordination_scheduler.stop()
            app.state.job_runner.stop()
            app.state.engine.dispose()

    app = FastAPI(
        title="Accord",
        version=accord.__version__,
        summary="Open platform for international space cooperation.",
        lifespan=lifespan,
    )
    app.state.settings = resolved
    install_problem_handlers(app)
    install_api_error_handlers(app)
    # Public: health, docs, the audit log's verification endpoints and POST /auth/login.
    # Every other route takes `CurrentPrincipal` (tests/service/test_auth.py checks it).
    app.include_router(health.router)
    app.include_router(audit.router)
    app.include_router(auth.router)
    app.include_router(partners.router)
    app.include_router(keys.router)
    app.include_router(agreements.router)
    app.include_router(catalog.router)
    app.include_router(ephemerides.router)
    app.include_router(screenings.router)
    app.include_router(campaigns.router)
    app.include_router(coordination.router)
    app.include_router(spacetrack_router)

    install_console(app)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/console/")

    return app
