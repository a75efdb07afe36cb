"""The service skeleton: factory, lifespan, health, OpenAPI and RFC 9457 problems."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

import accord
from accord.service import create_app
from accord.settings import Settings
from accord.store import CatalogRepository, transaction


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(var_dir=tmp_path / "var", seed_demo=False)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_importing_the_service_builds_no_app_and_no_engine() -> None:
    for name in ("accord.service", "accord.service._app", "accord.service.api.health"):
        module = importlib.import_module(name)
        built = [n for n, v in vars(module).items() if isinstance(v, FastAPI | Engine)]
        assert built == [], f"{name} builds {built} at import time"


def test_health_reports_the_version_and_a_reachable_database(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": accord.__version__, "database": "ok"}


def test_openapi_document_and_docs_page_are_served(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["info"]["title"] == "Accord"
    assert "/health" in document["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_root_sends_people_to_the_web_console(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/console/"


def test_errors_are_rfc_9457_problem_documents(client: TestClient) -> None:
    response = client.get("/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404 and problem["title"] == "Not Found"
    assert problem["type"] == "about:blank" and problem["instance"] == "/no-such-thing"


def test_first_start_migrates_and_seeds_the_demo_once(tmp_path: Path) -> None:
    settings = Settings(
        var_dir=tmp_path / "var", demo_catalog="synthetic", demo_synthetic_objects=150
    )
    for _ in range(2):  # a restart must not seed again
        app = create_app(settings)
        with TestClient(app):
            with transaction(app.state.engine) as session:
                # 150 generated and the near-crossing satellite the demo places
                assert CatalogRepository(session).object_count() == 151
    assert (tmp_path / "var" / "accord.db").is_file()
