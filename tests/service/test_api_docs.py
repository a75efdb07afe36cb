"""docs/api.md lists every /api/v1 and /auth path the OpenAPI document has."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from accord.service import create_app
from tests.service._api import settings_for

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_api_path_is_documented(tmp_path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    # "/api/v1/agreements/{id}/suspend`, `/resume`" documents the siblings too.
    documented = set(re.findall(r"`(?:[A-Z]+ )?(/(?:api/v1|auth)[^`\s?]*)", text))
    with TestClient(create_app(settings_for(tmp_path))) as client:
        paths = client.get("/openapi.json").json()["paths"]
    missing = []
    for path in paths:
        if not path.startswith(("/api/v1", "/auth")):
            continue
        generic = re.sub(r"\{[a-z_]+\}", "{id}", path)
        candidates = {path, generic}
        if not candidates & {re.sub(r"\{[a-z_]+\}", "{id}", d) for d in documented} and not any(
            path.endswith(f"/{tail}") and f"`/{tail}`" in text for tail in path.split("/")[-1:]
        ):
            missing.append(path)
    assert missing == []
