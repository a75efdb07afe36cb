"""RFC 9457 problems: what the API sends, and what its OpenAPI document says it sends."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from accord.service._problems import PROBLEM_MEDIA_TYPE
from tests.service._api import World, running_world

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
#: Operations answered in Space-Track's own shapes (docs/spacetrack.md), not as problems.
SPACETRACK_QUERIES = re.compile(r"^/basicspacedata/")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with running_world(tmp_path_factory.mktemp("problems")) as running:
        yield running


@pytest.fixture(scope="module")
def document(world: World) -> dict[str, Any]:
    body: dict[str, Any] = world.client.get("/openapi.json").json()
    return body


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, by_method in document["paths"].items():
        for method, operation in by_method.items():
            yield method.upper(), path, operation


def test_no_operation_declares_fastapis_default_validation_schema(
    document: dict[str, Any],
) -> None:
    text = json.dumps(document)
    assert "HTTPValidationError" not in text and '"ValidationError"' not in text
    schemas = document["components"]["schemas"]
    assert schemas["Problem"]["required"] == ["type", "title", "status", "detail"]
    assert {"instance", "errors", "conjunction"} <= set(schemas["Problem"]["properties"])


def test_every_declared_error_is_a_problem_in_application_problem_json(
    document: dict[str, Any],
) -> None:
    errors = 0
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                errors += 1
                content = response["content"]
                assert content == {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}, (
                    method,
                    path,
                    status,
                )
                assert response["description"] not in ("", "Validation Error")
    assert errors > 200


def test_authenticated_operations_declare_401_403_429_and_lookups_404(
    document: dict[str, Any],
) -> None:
    api_operations = 0
    for method, path, operation in operations(document):
        responses = operation["responses"]
        if path.startswith("/api/v1/") or path in ("/auth/me", "/auth/logout"):
            api_operations += 1
            assert {"401", "403", "429"} <= set(responses), (method, path)
            assert "Retry-After" in responses["429"]["headers"]
            assert "WWW-Authenticate" in responses["401"]["headers"]
        if "{" in path and not SPACETRACK_QUERIES.match(path):
            assert "404" in responses, (method, path)
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in responses, (method, path)
    assert api_operations >= 60
    for login in ("/auth/login", "/ajaxauth/login"):
        assert {"403", "429"} <= set(document["paths"][login]["post"]["responses"])


def test_a_not_found_problem_keeps_the_quotes_around_the_name(world: World) -> None:
    response = world.client.get("/api/v1/agreements/nope", headers=world.as_partner("esa"))
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["detail"] == "no agreement 'nope'"
    assert response.json()["instance"] == "/api/v1/agreements/nope"


def test_a_validation_problem_lists_every_invalid_field(world: World) -> None:
    response = world.client.get(
        "/api/v1/catalog", params={"limit": 0, "offset": -1}, headers=world.as_partner("esa")
    )
    assert response.status_code == 422
    body = response.json()
    assert {e["location"] for e in body["errors"]} == {"query.limit", "query.offset"}
    assert body["detail"].startswith("query.")
