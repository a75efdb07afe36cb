"""The one typed settings object, read from `ACCORD_*` environment variables at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

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
    demo_catalog: Literal["auto", "celestrak", "synthetic"] = Field(
        default="auto",
        description=(
            "Where the demo catalog comes from: CelesTrak's GP service, a generated "
            "(synthetic) population, or `auto` (CelesTrak when reachable, else synthetic)."
        ),
    )
    demo_synthetic_objects: int = Field(
        default=10_000, ge=100, description="Size of the synthetic demo population."
    )

    audit_origin: str = Field(
        default="accord.local/log",
        pattern=r"^[^\s+]+$",
        description=(
            "Origin (and key name) of the audit log's signed checkpoints: a schema-less URL "
            "naming this deployment's log, e.g. `accord.example.org/log`."
        ),
    )
    audit_checkpoint_interval_s: float = Field(
        default=60.0,
        ge=0.0,
        description=(
            "Seconds between checkpoints the service signs (only when the log grew); "
            "0 disables the periodic signing."
        ),
    )

    alert_pc_threshold: float = Field(
        default=1e-4,
        gt=0.0,
        le=1.0,
        description=(
            "A conjunction event whose latest Pc is at or above this raises the `alert` level."
        ),
    )
    alert_miss_km: float = Field(
        default=1.0,
        ge=0.0,
        description=(
            "A conjunction event whose latest miss distance (km) is at or below this raises "
            "at least the `watch` level."
        ),
    )
    event_tca_tolerance_s: float = Field(
        default=600.0,
        gt=0.0,
        description=(
            "CDMs of the same pair whose TCAs are within this many seconds belong to one "
            "conjunction event."
        ),
    )

    dask_scheduler: str | None = Field(
        default=None,
        description=(
            "Address of an existing Dask scheduler (e.g. `tcp://host:8786`) that screenings "
            "run on, `accord screen` and screening jobs alike."
        ),
    )
    dask_workers: int | None = Field(
        default=None,
        ge=0,
        description=(
            "Worker processes of the local Dask cluster screening jobs use when no scheduler "
            "is set; unset: one per core; 0: screen in the job runner's own process."
        ),
    )
    job_workers: int = Field(
        default=1,
        ge=0,
        description=(
            "Background jobs the service runs at once (threads); 0: the service runs no jobs."
        ),
    )
    job_max_attempts: int = Field(
        default=3,
        ge=1,
        description=(
            "Attempts a job gets: a job found running with a stale heartbeat at start-up is "
            "queued again while it has attempts left, else marked failed."
        ),
    )
    job_heartbeat_stale_s: float = Field(
        default=120.0,
        gt=0.0,
        description=(
            "A running job whose heartbeat is older than this (s) belongs to a dead process."
        ),
    )

    rate_limit_per_minute: int = Field(
        default=600,
        ge=0,
        description=(
            "Requests each API key or console session may make per minute (token bucket, "
            "bursts up to this many, per service process); 0 disables the limit."
        ),
    )
    login_max_failures: int = Field(
        default=5,
        ge=0,
        description=(
            "Failed console logins a username may have within `login_failure_window_s` "
            "before further logins of it answer 429 until the window passes (per service "
            "process); 0 disables the per-username throttle."
        ),
    )
    login_max_failures_per_address: int = Field(
        default=20,
        ge=0,
        description=(
            "Failed console logins one client address may have within "
            "`login_failure_window_s`, whatever the usernames, before its logins answer 429; "
            "0 disables the per-address throttle."
        ),
    )
    login_failure_window_s: float = Field(
        default=900.0,
        gt=0.0,
        description="Seconds a failed console login counts against its username and address.",
    )
    public_base_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/?#\s]+/?$",
        description=(
            "The origin browsers reach this deployment at (e.g. `https://accord.example.org`); "
            "a browser's login must come from it. Unset: the scheme and Host of the request."
        ),
    )
    session_lifetime_s: float = Field(
        default=8 * 3600.0,
        gt=0.0,
        description="Seconds a web-console login session lasts before it must log in again.",
    )
    session_cookie_secure: bool = Field(
        default=True,
        description=(
            "Send the console session cookie with the `Secure` attribute (HTTPS only); turn "
            "off only for plain-HTTP development away from localhost."
        ),
    )

    smtp_host: str | None = Field(
        default=None,
        description="SMTP server that notifications are sent through; unset: e-mail is not sent.",
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_from: str = Field(
        default="accord@localhost",
        description="Sender address (From) of notification e-mails.",
    )
    smtp_username: str | None = Field(
        default=None, description="User name for SMTP AUTH; unset: no authentication."
    )
    smtp_password: str | None = Field(
        default=None, description="Password for SMTP AUTH (never printed or logged)."
    )
    smtp_starttls: bool = Field(
        default=False, description="Upgrade the SMTP connection with STARTTLS before sending."
    )
    smtp_timeout_s: float = Field(
        default=30.0, gt=0.0, description="Seconds an SMTP connection or command may take."
    )
    coordination_tick_s: float = Field(
        default=60.0,
        ge=0.0,
        description=(
            "Seconds between two ticks of the service's coordination scheduler (cases opened "
            "from alerts, deadlines and escalations applied, notifications sent); 0: the "
            "service runs no scheduler."
        ),
    )
    notification_max_attempts: int = Field(
        default=5,
        ge=1,
        description="Attempts a notification gets before it stays failed (back-off doubles).",
    )
    notification_retry_s: float = Field(
        default=60.0,
        gt=0.0,
        description="Wait after a notification's first failed attempt; doubled at each failure.",
    )

    webhook_secret_key_file: Path | None = Field(
        default=None,
        description=(
            "Fernet key file that encrypts webhook secrets at rest; created on first use with "
            "mode 0600; default: <var_dir>/keys/webhook-secrets.fernet."
        ),
    )

    @property
    def resolved_webhook_secret_key_file(self) -> Path:
        """The webhook secrets' key file; default `<var_dir>/keys/webhook-secrets.fernet`."""
        if self.webhook_secret_key_file is not None:
            return self.webhook_secret_key_file
        return self.var_dir / "keys" / "webhook-secrets.fernet"

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the embedded SQLite file under `var_dir`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'accord.db').as_posix()}"

    @property
    def redacted_database_url(self) -> str:
        """The database URL with any password masked, safe to print and log."""
        return make_url(self.resolved_database_url).render_as_string(hide_password=True)
