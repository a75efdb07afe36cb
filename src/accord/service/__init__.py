"""Accord's HTTP edge: the FastAPI application and its routers."""

from accord.service._app import create_app

__all__ = ["create_app"]
