"""schemathesis against the OpenAPI document: no 5xx, and every response is one it declares.

Generated requests (a few per operation, as an esa admin key) run on the ASGI app over the
coalition of tests/access/_world.py. Checks: `not_a_server_error`,
`status_code_conformance` (the status is one the operation declares),
`content_type_conformance` (the media type is the one declared for that status, so errors
must be `application/problem+json`), `response_headers_conformance` (`Retry-After`,
`WWW-Authenticate` as declared) and `response_schema_conformance` (the body matches the
schema, the RFC 9457 `Problem` for errors).
"""

from __future__ import annotations

from collections.abc import Iterator

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis import BaseSchema
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accord.access import create_api_key
from accord.service import create_app
from accord.store import PartnerRepository, transaction
from tests.access._world import build_world
from tests.service._api import settings_for

#: Generated cases per operation (about 30 operations: ~150 requests in all).
EXAMPLES_PER_OPERATION = 5
#: Operations that must be among those walked (the management routes of partners' contacts
#: and API keys, whose generated requests create, rotate and remove things).
REQUIRED_OPERATIONS = {
    ("GET", "/api/v1/partners/{handle}/contacts"),
    ("POST", "/api/v1/partners/{handle}/contacts"),
    ("DELETE", "/api/v1/partners/{handle}/contacts/{contact_id}"),
    ("GET", "/api/v1/keys"),
    ("POST", "/api/v1/keys"),
    ("POST", "/api/v1/keys/{prefix}/rotate"),
    ("DELETE", "/api/v1/keys/{prefix}"),
    ("PATCH", "/api/v1/partners/{handle}"),
    ("PATCH", "/api/v1/assets/stations/{station_id}"),
    ("DELETE", "/api/v1/assets/stations/{station_id}"),
    ("POST", "/api/v1/ephemerides"),
    ("GET", "/api/v1/ephemerides"),
    ("GET", "/api/v1/ephemerides/{ephemeris_id}"),
    ("GET", "/api/v1/ephemerides/{ephemeris_id}/oem"),
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: The esa admin key the module's app issued (set by the fixture, read by the test).
_TOKEN: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BaseSchema]:
    app = create_app(settings_for(tmp_path_factory.mktemp("schemathesis"), rate_limit_per_minute=0))
    with TestClient(app):  # runs the lifespan: the store is open while the module runs
        build_world(app.state.engine)
        with transaction(app.state.engine, write_lock=True) as session:
            esa = PartnerRepository(session).get_by_handle("esa")
            _TOKEN["esa"] = create_api_key(session, esa, ("read", "write", "admin")).token
        # HTML console pages and the Space-Track grammar (free-form paths) have own tests.
        yield schemathesis.openapi.from_asgi("/openapi.json", app).exclude(
            path_regex=r"^/(console|basicspacedata|ajaxauth)"
        )


def test_api_conforms_to_its_openapi_document(api_schema: BaseSchema) -> None:
    # One hypothesis run per operation (schemathesis' pytest plugin and pytest 9 disagree
    # about node ids, so the operations are walked here rather than parametrized).
    headers = {"Authorization": f"Bearer {_TOKEN['esa']}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 20
    assert REQUIRED_OPERATIONS <= {(o.method.upper(), o.path) for o in operations}

    for operation in operations:

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        conforms()
