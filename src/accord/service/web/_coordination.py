"""Coordination cases and disputes as threads with their steps and deadlines."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
