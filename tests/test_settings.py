"""Settings: environment variables, defaults, and the documentation that describes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"


def test_every_setting_is_documented_with_its_variable() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [
        f"ACCORD_{name.upper()}"
        for name in Settings.model_fields
        if f"`ACCORD_{name.upper()}`" not in text
    ]
    assert missing == []


def test_database_url_defaults_to_sqlite_under_var_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ACCORD_DATABASE_URL", raising=False)
    monkeypatch.setenv("ACCORD_VAR_DIR", str(tmp_path))
    assert Settings().resolved_database_url == f"sqlite:///{tmp_path}/accord.db"


def test_database_url_from_environment_is_never_printed_with_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACCORD_DATABASE_URL", "postgresql+psycopg://accord:s3cret@db:5432/accord")
    settings = Settings()
    assert settings.resolved_database_url.endswith("@db:5432/accord")
    assert "s3cret" not in settings.redacted_database_url
    assert settings.redacted_database_url.startswith("postgresql+psycopg://accord:***@")


def test_invalid_demo_catalog_choice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCORD_DEMO_CATALOG", "space-track")
    with pytest.raises(ValueError, match="demo_catalog"):
        Settings()
