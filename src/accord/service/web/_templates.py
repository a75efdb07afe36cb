"""The console's Jinja2 environment: autoescaped templates, filters for times and numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from accord.service._auth import CSRF_COOKIE

__all__ = ["TEMPLATES_DIR", "render"]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_templates: Jinja2Templates | None = None


def _utc(value: datetime | None) -> str:
    """`2026-03-01 12:00:00 UTC`, or an em dash for nothing."""
    if value is None:
        return "\u2014"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _iso(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _environment() -> Jinja2Templates:
    # Built on first use, not at import (nothing is created at import time).
    global _templates
    if _templates is None:
        _templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
        _templates.env.filters["utc"] = _utc
        _templates.env.filters["iso"] = _iso
    return _templates


def render(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render `template` with `context`; every page gets the request, the signed-in
    principal (or None) and the session's CSRF token for its forms."""
    full = {
        "principal": None,
        "csrf_token": request.cookies.get(CSRF_COOKIE, ""),
        "vendor_ready": (
            Path(__file__).resolve().parent / "static" / "vendor" / ".installed"
        ).is_file(),
        **context,
    }
    return _environment().TemplateResponse(request, template, full, status_code=status_code)
