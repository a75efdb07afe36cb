"""Campaigns: the request form with its area drawn on a map, the plan on a map and a timeline."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
