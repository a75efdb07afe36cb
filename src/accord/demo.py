"""The demo coalition and catalog a new user sees on first start.

With network access the catalog is CelesTrak's live GP data (`accord catalog sync`); without
it, a generated population with realistic shells, stored with source kind `synthetic` so that
it is labelled as such everywhere it shows. The demo grows as capabilities land.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import Engine

from accord._demo_members import DemoMember, DemoUser, seed_members, write_credentials
from accord._demo_operations import seed_operations
from accord.catalog import (
    CatalogSyncError,
    CelestrakClient,
    FetchedCatalog,
    import_catalog,
    import_element_sets,
)
from accord.orbits import synthetic_population
from accord.settings import Settings
from accord.store import CatalogRepository, PartnerKind, PartnerRepository, SourceKind, transaction

__all__ = [
    "CELESTRAK_PARTNER",
    "DEMO_CELESTRAK_GROUP",
    "DEMO_CREDENTIALS_FILE",
    "DEMO_COALITION",
    "DemoOutcome",
    "DemoPartner",
    "SYNTHETIC_PARTNER",
    "seed_demo",
    "seed_demo_if_empty",
]


@dataclass(frozen=True, slots=True)
class DemoPartner:
    """A fictional member of the demo coalition.

    Country codes are from ISO 3166-1's user-assigned range (XA-XZ), which no real state
    has, so demo partners can never be mistaken for real ones.
    """

    name: str
    kind: PartnerKind
    country_code: str | None
    #: Handle (the partner's id in agreement documents), or None for submitters of data.
    handle: str | None = None
    #: Whether it claims satellites of the demo catalog, and its console user's role.
    claims: bool = False
    role: str = "operator"


DEMO_COALITION: tuple[DemoPartner, ...] = (
    DemoPartner(
        "Aurora Space Agency (demo)", PartnerKind.SPACE_AGENCY, "XA", "aurora", True, "admin"
    ),
    DemoPartner(
        "Borealis Satellite Operations (demo)", PartnerKind.OPERATOR, "XB", "borealis", True
    ),
    DemoPartner("Cygnus Earth Observation (demo)", PartnerKind.OPERATOR, "XC", "cygnus", True),
    DemoPartner(
        "Meridian Space Safety Secretariat (demo)",
        PartnerKind.INTERNATIONAL_ORGANISATION,
        None,
        "meridian",
        False,
        "observer",
    ),
    DemoPartner(
        "Delta University Space Lab (demo)", PartnerKind.ACADEMIC, "XD", "delta", True, "analyst"
    ),
)
#: Submitter of catalogs pulled from CelesTrak.
CELESTRAK_PARTNER = DemoPartner("CelesTrak", PartnerKind.DATA_PROVIDER, None)
#: Submitter of generated populations: Accord itself.
SYNTHETIC_PARTNER = DemoPartner("Accord synthetic population", PartnerKind.SYSTEM, None)
#: Where the demo users' generated passwords are written (under the var dir, mode 0600).
DEMO_CREDENTIALS_FILE = "demo-credentials.txt"
#: CelesTrak GP group the online demo pulls (every active satellite).
DEMO_CELESTRAK_GROUP = "active"
#: Seed of the offline demo population, so every fresh install shows the same catalog.
_SYNTHETIC_SEED = 2026


@dataclass(frozen=True, slots=True)
class DemoOutcome:
    """What the demo seeding stored."""

    partners: tuple[str, ...]
    catalog_source: Literal["celestrak", "synthetic"]
    object_count: int
    batch_id: int
    #: Why the synthetic population was used instead of CelesTrak, when it was a fallback.
    fallback_reason: str | None = None
    #: Console users created now; their passwords are in `credentials_file` (mode 0600).
    users: tuple[str, ...] = ()
    credentials_file: Path | None = None

    @property
    def summary(self) -> str:
        """One line for logs and the CLI."""
        source = (
            "CelesTrak GP data"
            if self.catalog_source == "celestrak"
            else "a SYNTHETIC generated population"
        )
        text = (
            f"{len(self.partners)} partners and {self.object_count:,} objects from {source} "
            f"(batch {self.batch_id})"
        )
        if self.fallback_reason:
            text += f"; CelesTrak was not used: {self.fallback_reason}"
        if self.credentials_file is not None:
            text += (
                f"; console users {', '.join(self.users)} (passwords in "
                f"{self.credentials_file}, readable by you only)"
            )
        return text


def _fetch_celestrak(settings: Settings) -> FetchedCatalog:
    with CelestrakClient(settings, timeout_s=30.0) as client:
        return client.fetch_group(DEMO_CELESTRAK_GROUP, format="csv")


def seed_demo(engine: Engine, settings: Settings) -> DemoOutcome:
    """Register the demo coalition and store a demo catalog, in one transaction.

    The CelesTrak download (when `settings.demo_catalog` allows it) happens before the
    transaction opens, so no database lock is held during network I/O. With `celestrak`
    a failed download is an error; with `auto` it falls back to the synthetic population.
    """
    fetched: FetchedCatalog | None = None
    fallback_reason: str | None = None
    if settings.demo_catalog in ("auto", "celestrak"):
        try:
            fetched = _fetch_celestrak(settings)
        except CatalogSyncError as exc:
            if settings.demo_catalog == "celestrak":
                raise
            fallback_reason = str(exc)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with transaction(engine, write_lock=True) as session:
        partners = PartnerRepository(session)
        members = (*DEMO_COALITION, CELESTRAK_PARTNER if fetched else SYNTHETIC_PARTNER)
        stored = {
            member.handle or member.name: partners.get_or_create(
                member.name,
                kind=member.kind,
                country_code=member.country_code,
                handle=member.handle,
            )
            for member in members
        }
        if fetched is not None:
            report = import_catalog(
                session,
                fetched.data,
                source_name=fetched.url,
                partner=CELESTRAK_PARTNER.name,
                source_kind=SourceKind.CELESTRAK,
            )
            source: Literal["celestrak", "synthetic"] = "celestrak"
        else:
            count = settings.demo_synthetic_objects
            report = import_element_sets(
                session,
                synthetic_population(count, seed=_SYNTHETIC_SEED, epoch=now),
                source_name=f"synthetic population: {count} objects, seed {_SYNTHETIC_SEED}",
                partner=SYNTHETIC_PARTNER.name,
                source_kind=SourceKind.SYNTHETIC,
            )
            source = "synthetic"
        users = seed_members(
            session,
            {m.handle: stored[m.handle] for m in DEMO_COALITION if m.handle},
            [DemoMember(m.handle, m.claims, m.role) for m in DEMO_COALITION if m.handle],
            now=now,
        )
        object_count = CatalogRepository(session).object_count()
    credentials = _write_users(settings, users)
    seed_operations(engine, now=now)  # screening, case and plan, campaign, compliance
    return DemoOutcome(
        partners=tuple(member.name for member in members),
        catalog_source=source,
        object_count=object_count,
        batch_id=report.batch_id,
        fallback_reason=fallback_reason,
        users=tuple(user.username for user in users),
        credentials_file=credentials,
    )


def _write_users(settings: Settings, users: list[DemoUser]) -> Path | None:
    """Write the new users' passwords once the seeding transaction has committed."""
    if not users:
        return None
    return write_credentials(settings.var_dir / DEMO_CREDENTIALS_FILE, users)


def seed_demo_if_empty(engine: Engine, settings: Settings) -> DemoOutcome | None:
    """Seed the demo when the catalog holds no object yet; None when it already does."""
    with transaction(engine) as session:
        if CatalogRepository(session).object_count() > 0:
            return None
    return seed_demo(engine, settings)
