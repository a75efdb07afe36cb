"""The shared catalog's workflows: importing batches with provenance (and syncing sources).

Reads and writes go through `accord.store` repositories; formats are read by
`accord.formats`.
"""

from accord.catalog._ingest import (
    CatalogImportRejected,
    CatalogSignatureError,
    ImportProgress,
    IngestReport,
    import_catalog,
    import_element_sets,
    import_reading,
)
from accord.catalog._sync import (
    CELESTRAK_REFRESH_INTERVAL,
    USER_AGENT,
    CatalogSyncError,
    CelestrakClient,
    FetchedCatalog,
    GpFormat,
    previous_sync,
)
from accord.store import IngestMode

__all__ = [
    "CELESTRAK_REFRESH_INTERVAL",
    "USER_AGENT",
    "CatalogImportRejected",
    "CatalogSignatureError",
    "CatalogSyncError",
    "CelestrakClient",
    "FetchedCatalog",
    "GpFormat",
    "ImportProgress",
    "IngestMode",
    "IngestReport",
    "import_catalog",
    "import_element_sets",
    "import_reading",
    "previous_sync",
]
