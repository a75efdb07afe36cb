"""The one typed settings object, read from `ACCORD_*` environment variables at start-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Accord's configuration; construct it once at start-up and pass it down.

    Every field can be set by an environment variable named `ACCORD_<FIELD>`,
    for example `ACCORD_DATABASE_URL=postgresql+psycopg://accord@db/accord`.
    """

    model_config = SettingsConfigDict(env_prefix="ACCORD_", extra="ignore")

    var_dir: Path = Field(
        default=Path("var"),
        description="Directory for the embedded database, keys and caches.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; default: SQLite at <var_dir>/accord.db.",
    )
    celestrak_gp_url: str = Field(
        default="https://celestrak.org/NORAD/elements/gp.php",
        description="CelesTrak GP query endpoint used by `accord catalog sync`.",
    )
    seed_demo: bool = Field(
        default=True,
        description="Seed the demo coalition and catalog on first start of an empty store.",
    )

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the embedded SQLite file under `var_dir`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'accord.db').as_posix()}"
