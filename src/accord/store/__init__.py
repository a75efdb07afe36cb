"""The store: SQLAlchemy 2 models, repositories and Alembic migrations.

SQLite under `./var/` by default, any SQLAlchemy URL (PostgreSQL via psycopg 3) when
`ACCORD_DATABASE_URL` is set. Nothing connects at import time: build one engine with
`create_engine(settings.resolved_database_url)`, run `upgrade(engine)`, and do each unit of
work in `with transaction(engine) as session:`. See docs/store.md.
"""

from accord.store._audit import (
    AUDIT_LOCK_KEY,
    AuditCheckpointRow,
    AuditEntryRow,
    AuditLogRepository,
    AuditSubtreeRow,
    StoredAuditEntry,
)
from accord.store._catalog import (
    BatchRecord,
    CatalogFreshness,
    CatalogPage,
    CatalogRepository,
    DuplicateElementSet,
    StoredBatch,
    StoredElementSet,
    element_set_fingerprint,
)
from accord.store._engine import SQLITE_BUSY_TIMEOUT_S, create_engine, session_factory, transaction
from accord.store._migrate import current_revision, downgrade, head_revision, upgrade
from accord.store._models import (
    Base,
    BatchRejection,
    CatalogBatch,
    ElementSetRow,
    IngestMode,
    Partner,
    PartnerKind,
    PartnerSigningKey,
    SourceKind,
    SpaceObject,
)
from accord.store._partners import (
    ED25519_PUBLIC_KEY_BYTES,
    PartnerKeyError,
    PartnerKeyRepository,
    PartnerRepository,
    UnknownPartnerError,
)
from accord.store._screening import (
    ScreeningRecord,
    ScreeningRepository,
    StoredCdm,
    StoredConjunction,
    StoredEvent,
)
from accord.store._screening_models import (
    AlertLevel,
    CdmRow,
    ConjunctionEventRow,
    ConjunctionRow,
    ScreeningRow,
    ScreeningStatus,
)
from accord.store._types import UTCDateTime

__all__ = [
    "AlertLevel",
    "CdmRow",
    "ConjunctionEventRow",
    "ConjunctionRow",
    "ScreeningRecord",
    "ScreeningRepository",
    "ScreeningRow",
    "ScreeningStatus",
    "StoredCdm",
    "StoredConjunction",
    "StoredEvent",
    "ED25519_PUBLIC_KEY_BYTES",
    "AUDIT_LOCK_KEY",
    "SQLITE_BUSY_TIMEOUT_S",
    "AuditCheckpointRow",
    "AuditEntryRow",
    "AuditLogRepository",
    "AuditSubtreeRow",
    "Base",
    "BatchRecord",
    "BatchRejection",
    "CatalogBatch",
    "CatalogFreshness",
    "CatalogPage",
    "CatalogRepository",
    "DuplicateElementSet",
    "ElementSetRow",
    "IngestMode",
    "Partner",
    "PartnerKeyError",
    "PartnerKeyRepository",
    "PartnerKind",
    "PartnerRepository",
    "PartnerSigningKey",
    "SourceKind",
    "SpaceObject",
    "StoredAuditEntry",
    "StoredBatch",
    "StoredElementSet",
    "UTCDateTime",
    "UnknownPartnerError",
    "create_engine",
    "current_revision",
    "downgrade",
    "element_set_fingerprint",
    "head_revision",
    "session_factory",
    "transaction",
    "upgrade",
]
