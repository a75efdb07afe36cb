"""Agreements for people: clauses in plain words next to the document, and who has signed."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
