"""RFC 9457 problem details for every error the HTTP API returns, and in its OpenAPI document.

Errors are rendered here (`install_problem_handlers`), and the OpenAPI document is made to
say so (`document_problems`): every 4xx response an operation can give is declared as the
`Problem` schema in `application/problem+json`, in place of FastAPI's default 422 schema
(`HTTPValidationError`, a shape Accord never sends). tests/service/test_openapi_schemathesis.py
checks status codes and content types against the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_SCHEMA",
    "document_problems",
    "install_problem_handlers",
    "problem_response",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemResponse(JSONResponse):
    """JSON rendered with ASCII escapes: a problem may quote client input, which can hold
    lone surrogates (`"\\ud800"` in a JSON or YAML body) that UTF-8 cannot encode."""

    media_type = PROBLEM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def problem_response(
    status: int, detail: str, *, title: str | None = None, **extensions: Any
) -> JSONResponse:
    """A `application/problem+json` response (RFC 9457 section 3) with `about:blank` type."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    body.update(extensions)
    return ProblemResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    response = problem_response(exc.status_code, str(exc.detail), instance=request.url.path)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"location": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()
    ]
    first = errors[0] if errors else {"location": "request", "problem": "invalid"}
    return problem_response(
        422,
        f"{first['location']}: {first['problem']}",
        instance=request.url.path,
        errors=errors,
    )


# --- the OpenAPI document -----------------------------------------------------------------

_REF = "#/components/schemas/"
#: One entry of a problem's `errors`: which members appear depends on what was invalid.
PROBLEM_ERROR_SCHEMA: dict[str, Any] = {
    "title": "ProblemError",
    "type": "object",
    "description": (
        "One problem of an invalid request: `location` and `problem` for request fields "
        "(`body.window_end`); `location`, `found`, `expected` for agreement documents "
        "(`clauses[1].data_sharing.embargo_hours`); `source`, `record`, `line`, `field`, "
        "`problem`, `expected` for catalog records."
    ),
    "properties": {
        "location": {"type": "string"},
        "problem": {"type": "string"},
        "found": {"type": "string"},
        "expected": {"type": ["string", "null"]},
        "source": {"type": "string"},
        "record": {"type": ["integer", "null"]},
        "line": {"type": ["integer", "null"]},
        "field": {"type": ["string", "null"]},
    },
}
#: RFC 9457 section 3.1 members, and the extension members Accord sends.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": (
        "An RFC 9457 problem detail: what went wrong (`detail` says how to fix it). "
        "Extension members: `errors` (every problem of an invalid request or document) and "
        "`conjunction` (the conjunction a refused manoeuvre plan would make worse)."
    ),
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "`about:blank`: the status says it all"},
        "title": {"type": "string", "description": "the status's phrase, or a summary"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "what is wrong and what to do"},
        "instance": {"type": "string", "description": "the request's path"},
        "errors": {"type": "array", "items": {"$ref": f"{_REF}ProblemError"}},
        "conjunction": {
            "type": "object",
            "description": "`secondary_norad_id`, `tca`, `miss_km`, `pc`",
        },
    },
}
#: What each status means when an operation does not say more.
_DESCRIPTIONS = {
    "401": "no credentials, or invalid ones (API key or console session)",
    "403": "the caller may not do this (scope, role, agreement), or a cookie-authenticated "
    "change without the session's CSRF token",
    "404": "no such object, or one the caller may not see (the same answer)",
    "409": "the object's state refuses this transition",
    "413": "the body is larger than the limit",
    "422": "an invalid request: `errors` lists every problem with its location",
    "429": "rate limit reached; retry after `Retry-After` seconds",
}
_HEADERS = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer realm"}},
    "429": {"Retry-After": {"schema": {"type": "string"}, "description": "whole seconds to wait"}},
}
#: FastAPI's own 422 descriptions, replaced by ours.
_FASTAPI_DESCRIPTIONS = {"Validation Error", "Unprocessable Entity", "Unprocessable Content"}
_PATH_PARAMETER = re.compile(r"\{[^}]+\}")


def _problem_response_doc(status: str, declared: dict[str, Any]) -> dict[str, Any]:
    description = declared.get("description")
    if not description or description in _FASTAPI_DESCRIPTIONS:
        description = _DESCRIPTIONS.get(status, HTTPStatus(int(status)).phrase)
    entry: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": f"{_REF}Problem"}}},
    }
    if status in _HEADERS:
        entry["headers"] = _HEADERS[status]
    return entry


def document_problems(
    document: dict[str, Any],
    authenticated: Iterable[tuple[str, str]] = (),
    *,
    own_shapes: Callable[[str], bool] = lambda path: False,
) -> dict[str, Any]:
    """Declare the problems each operation of an OpenAPI document can answer (in place).

    Every operation gets its declared 4xx responses, and 422 where it takes parameters or a
    body, as `Problem` in `application/problem+json`; operations with a path parameter also
    404; those in `authenticated` (method, path) also 401, 403 and 429. Operations whose
    path `own_shapes` accepts answer most errors in another shape (Space-Track's): they get
    only what they declare and the 422 every route shares. Returns `document`.
    """
    needs_principal = {(m.lower(), p) for m, p in authenticated}
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            statuses = {s for s in responses if s.startswith("4")}
            if operation.get("parameters") or operation.get("requestBody"):
                statuses.add("422")
            if not own_shapes(path):
                if _PATH_PARAMETER.search(path):
                    statuses.add("404")
                if (method, path) in needs_principal:
                    statuses |= {"401", "403", "429"}
            for status in statuses:
                responses[status] = _problem_response_doc(status, responses.get(status, {}))
            operation["responses"] = dict(sorted(responses.items()))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["ProblemError"] = PROBLEM_ERROR_SCHEMA
    text = json.dumps(document.get("paths", {}))
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"{_REF}{unused}"' not in text and unused in schemas:
            # Referenced only by the 422 responses replaced above (and by each other).
            del schemas[unused]
    return document


def _authenticated_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route that depends on `current_principal`.

    Walks `iter_route_contexts`: FastAPI keeps included routers as branches, so
    `app.routes` itself holds few `APIRoute`s; a context's dependant has the router's too.
    """
    from accord.service._auth import current_principal  # the service's own dependency

    found = set()
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        stack, calls = [context.dependant], set()
        while stack:
            dependant = stack.pop()
            calls.add(dependant.call)
            stack.extend(dependant.dependencies)
        if current_principal in calls and context.path_format is not None:
            found |= {(method, context.path_format) for method in context.methods or ()}
    return found


def _openapi_with_problems(app: FastAPI, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    document = build()
    if "Problem" not in document.get("components", {}).get("schemas", {}):
        document_problems(
            document,
            _authenticated_operations(app),
            own_shapes=lambda path: path.startswith(("/ajaxauth/", "/basicspacedata/")),
        )
    return document


def install_problem_handlers(app: FastAPI) -> None:
    """Render HTTP and validation errors as RFC 9457 problem details, and declare them in
    the app's OpenAPI document."""
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    build = app.openapi
    app.openapi = lambda: _openapi_with_problems(app, build)  # type: ignore[method-assign]
