"""The 3-D globe: the whole visible catalog and one encounter, drawn by CesiumJS."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
