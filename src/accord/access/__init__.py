"""The authorisation point over the store: principals, agreements in force, visible data.

`accord.agreements` decides (pure, Cedar); this package feeds it from the store and applies
its decisions: who asks (`Principal`, from an API key or a console session), the compiled
policy of the agreements stored and in force (`access_policy`, cached), `authorize` for one
request, `visible_catalog` / `get_visible_object` for catalog data (ownership by claims,
release conditions, `data.released` audit entries, 404 for what is not granted), and the
audited state changes of agreements, assets, API keys and console users. See docs/access.md.
"""

from accord.access._catalog import (
    MAX_PAGE_SIZE,
    MAX_RELEASE_SUBJECTS,
    PUBLIC_POLICY_ID,
    CatalogItem,
    NotFoundError,
    ReleasedState,
    VisibleCatalogPage,
    get_visible_object,
    record_catalog_release,
    visible_element_sets,
)
from accord.access._conjunctions import (
    PUBLIC_CONJUNCTION_POLICY_ID,
    ReleasedCdm,
    VisibleConjunction,
    VisibleEvent,
    degrade_cdm,
    get_visible_cdm,
    get_visible_event,
    record_conjunction_release,
    release_conjunctions,
    visible_conjunctions,
    visible_events,
)
from accord.access._history import MAX_HISTORY, visible_history
from accord.access._listing import ListingError, ListingPlan, listing_plan, visible_catalog
from accord.access._policy import (
    POLICY_CACHE_SIZE,
    PolicyCache,
    access_policy,
    authorize,
    default_cache,
)
from accord.access._principal import (
    ACTION_SCOPES,
    SCOPE_ROLES,
    Principal,
    principal_for_partner,
    principal_from_api_key,
    principal_from_session,
)
from accord.access._records import (
    AgreementRepository,
    AgreementStoreError,
    UnknownAgreementError,
)
from accord.access._workflows import (
    API_KEY_PURPOSE,
    add_console_user,
    amend_agreement,
    claim_satellite,
    create_api_key,
    import_stations,
    propose_agreement,
    register_station,
    resume_agreement,
    revoke_api_key,
    rotate_api_key,
    sign_agreement,
    suspend_agreement,
    terminate_agreement,
    withdraw_claim,
)

__all__ = [
    "ACTION_SCOPES",
    "API_KEY_PURPOSE",
    "MAX_HISTORY",
    "MAX_PAGE_SIZE",
    "MAX_RELEASE_SUBJECTS",
    "POLICY_CACHE_SIZE",
    "PUBLIC_CONJUNCTION_POLICY_ID",
    "PUBLIC_POLICY_ID",
    "SCOPE_ROLES",
    "AgreementRepository",
    "AgreementStoreError",
    "CatalogItem",
    "ListingError",
    "ListingPlan",
    "NotFoundError",
    "PolicyCache",
    "Principal",
    "ReleasedCdm",
    "ReleasedState",
    "UnknownAgreementError",
    "VisibleCatalogPage",
    "VisibleConjunction",
    "VisibleEvent",
    "access_policy",
    "add_console_user",
    "amend_agreement",
    "authorize",
    "claim_satellite",
    "create_api_key",
    "default_cache",
    "degrade_cdm",
    "get_visible_cdm",
    "get_visible_event",
    "get_visible_object",
    "import_stations",
    "listing_plan",
    "principal_for_partner",
    "principal_from_api_key",
    "principal_from_session",
    "propose_agreement",
    "record_catalog_release",
    "record_conjunction_release",
    "register_station",
    "release_conjunctions",
    "resume_agreement",
    "revoke_api_key",
    "rotate_api_key",
    "sign_agreement",
    "suspend_agreement",
    "terminate_agreement",
    "visible_catalog",
    "visible_conjunctions",
    "visible_events",
    "visible_history",
    "visible_element_sets",
    "withdraw_claim",
]
