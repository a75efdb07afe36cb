"""Shared pieces of the /api/v1 routers: pagination, the store, errors as RFC 9457 problems.

Domain exceptions are mapped once here, so routes raise what the layers below raise and
never build error responses by hand: not found (absent or not granted alike) -> 404, a
refused transition -> 409, an invalid document or record -> 422 with every problem listed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Generic, TypeVar

from fastapi import FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord.access import MAX_PAGE_SIZE, NotFoundError, UnknownAgreementError
from accord.agreements import AgreementValidationError, InvalidTransitionError, NotAPartyError
from accord.catalog import CatalogImportRejected, CatalogSignatureError
from accord.formats import FormatError
from accord.service._problems import problem_response
from accord.store import (
    AssetError,
    CredentialError,
    PartnerError,
    UnknownPartnerError,
    transaction,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_NORAD_ID",
    "NoradIdPath",
    "Forbidden",
    "Page",
    "PageLimit",
    "PageOffset",
    "install_api_error_handlers",
    "paginate",
    "store",
]

DEFAULT_PAGE_SIZE = 100
T = TypeVar("T")

PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="items per page (1-1000)")]
PageOffset = Annotated[int, Query(ge=0, le=2**62, description="items to skip")]
#: Largest NORAD catalog number accepted (nine digits, as in OMM's NORAD_CAT_ID); bounds
#: keep out-of-range integers from reaching the database (a 422, not a 500).
MAX_NORAD_ID = 999_999_999
NoradIdPath = Annotated[int, Path(ge=1, le=MAX_NORAD_ID, description="NORAD catalog number")]


class Page(BaseModel, Generic[T]):
    """One page of a list; `total` counts only what the caller may see."""

    items: list[T]
    total: int = Field(ge=0)
    offset: int = Field(ge=0)
    limit: int = Field(ge=1)


def paginate(items: list[T], offset: int, limit: int) -> Page[T]:
    """Cut one page from an already filtered (visible-only) list."""
    return Page[T](
        items=items[offset : offset + limit], total=len(items), offset=offset, limit=limit
    )


class Forbidden(PermissionError):
    """The caller sees the object but may not do this to it (403, never for invisible data)."""


@contextmanager
def store(request: Request, *, write: bool = True) -> Iterator[Session]:
    """One transaction for one request; `write` takes SQLite's write lock at BEGIN (reads
    of shared data append `data.released` audit entries, so most requests write)."""
    engine: Engine = request.app.state.engine
    with transaction(engine, write_lock=write) as session:
        yield session


def _problem(status: int, request: Request, detail: str, **extensions: Any) -> JSONResponse:
    return problem_response(status, detail, instance=request.url.path, **extensions)


def _message(exc: Exception) -> str:
    """The exception's message as raised: `str()` of a `KeyError` quotes it (`repr`), and
    stripping quotes instead would eat those that close a quoted name ("no agreement 'x'")."""
    if len(exc.args) == 1 and isinstance(exc.args[0], str):
        return exc.args[0]
    return str(exc)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return _problem(404, request, _message(exc))


async def _forbidden(request: Request, exc: Exception) -> JSONResponse:
    return _problem(403, request, str(exc))


async def _conflict(request: Request, exc: Exception) -> JSONResponse:
    return _problem(409, request, str(exc))


async def _invalid_agreement(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AgreementValidationError)
    errors = [{"location": p.path, "found": p.found, "expected": p.expected} for p in exc.problems]
    return _problem(
        422,
        request,
        f"{exc.source}: {len(errors)} problem(s) in the agreement document; fix each one "
        "listed in `errors` (schema: GET /api/v1/agreements/schema)",
        title="Invalid agreement document",
        errors=errors,
    )


async def _invalid_records(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FormatError)
    errors = [
        {
            "source": e.source,
            "record": e.record,
            "line": e.line,
            "field": e.field,
            "problem": e.problem,
            "expected": e.expected,
        }
        for e in exc.errors
    ]
    return _problem(422, request, str(exc), errors=errors)


async def _unprocessable(request: Request, exc: Exception) -> JSONResponse:
    return _problem(422, request, str(exc))


def install_api_error_handlers(app: FastAPI) -> None:
    """Map the domain exceptions the /api/v1 routes let through to RFC 9457 problems."""
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(UnknownAgreementError, _not_found)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(NotAPartyError, _forbidden)
    app.add_exception_handler(InvalidTransitionError, _conflict)
    app.add_exception_handler(AgreementValidationError, _invalid_agreement)
    app.add_exception_handler(CatalogImportRejected, _invalid_records)
    app.add_exception_handler(FormatError, _invalid_records)
    app.add_exception_handler(CatalogSignatureError, _unprocessable)
    app.add_exception_handler(AssetError, _unprocessable)
    app.add_exception_handler(CredentialError, _unprocessable)
    app.add_exception_handler(UnknownPartnerError, _unprocessable)
    app.add_exception_handler(PartnerError, _unprocessable)
