"""Liveness and readiness of the service and its store."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.engine import Engine

import accord

router = APIRouter(tags=["health"])


class HealthPublic(BaseModel):
    """Service health as reported to load balancers and operators."""

    status: Literal["ok", "degraded"]
    version: str
    database: Literal["ok", "unreachable"]


@router.get("/health", response_model=HealthPublic, summary="Service and database health")
def health(request: Request) -> HealthPublic:
    """Report whether the service is up and its database answers a trivial query."""
    engine: Engine = request.app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database: Literal["ok", "unreachable"] = "ok"
    except Exception:  # noqa: BLE001 - any failure here means "unreachable", never a 500
        database = "unreachable"
    return HealthPublic(
        status="ok" if database == "ok" else "degraded",
        version=accord.__version__,
        database=database,
    )
