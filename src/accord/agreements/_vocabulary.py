"""The fixed vocabularies of agreements and access: data classes, metrics, roles, actions.

Every name here appears verbatim in agreement documents (docs/agreements.md) and in the
compiled Cedar policies, so renaming a member is a breaking change of the published schema.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AccessAction",
    "AdminResourceType",
    "Comparison",
    "CommitmentMetric",
    "DataClass",
    "DisputeStepKind",
    "PartyRole",
    "PrincipalRole",
]


class DataClass(StrEnum):
    """The classes of data an agreement's data-sharing clause can grant."""

    CATALOG_ELEMENT_SETS = "catalog_element_sets"
    OPERATOR_EPHEMERIDES = "operator_ephemerides"
    CONJUNCTION_DATA = "conjunction_data"
    MANOEUVRE_PLANS = "manoeuvre_plans"
    OBSERVATION_PRODUCTS = "observation_products"
    CAMPAIGN_PLANS = "campaign_plans"


class AdminResourceType(StrEnum):
    """Resources that are not shared data: they are governed by role, never by a clause."""

    PARTNER = "partner"
    ASSET = "asset"
    AGREEMENT = "agreement"
    API_KEY = "api_key"


class PartyRole(StrEnum):
    """A party's role in an agreement: signatories sign every version, observers never sign."""

    SIGNATORY = "signatory"
    OBSERVER = "observer"


class CommitmentMetric(StrEnum):
    """Measurable obligations of a reciprocal commitment; the suffix names the unit."""

    EPHEMERIS_UPDATE_INTERVAL_H = "ephemeris_update_interval_h"
    CATALOG_UPDATE_INTERVAL_H = "catalog_update_interval_h"
    COORDINATION_RESPONSE_TIME_H = "coordination_response_time_h"
    ACQUISITION_OPPORTUNITIES_PER_MONTH = "acquisition_opportunities_per_month"
    CONJUNCTION_SCREENING_INTERVAL_H = "conjunction_screening_interval_h"


class Comparison(StrEnum):
    """How a measured value is compared with a commitment's threshold."""

    AT_MOST = "at_most"
    AT_LEAST = "at_least"


class DisputeStepKind(StrEnum):
    """Steps of dispute resolution, in their only allowed order of escalation."""

    NEGOTIATION = "negotiation"
    MEDIATION = "mediation"
    ARBITRATION = "arbitration"


class PrincipalRole(StrEnum):
    """Roles a person or API key holds inside its partner organisation."""

    ADMIN = "admin"
    OPERATOR = "operator"
    ANALYST = "analyst"
    OBSERVER = "observer"


class AccessAction(StrEnum):
    """What a principal asks to do with a resource.

    `read` one item, `list` (membership of a collection, counts included), `export` (pass
    the data on outside Accord: needs a clause that allows redistribution), `write`
    (create or change), `administer` (keys, agreements' lifecycle, the partner's profile).
    """

    READ = "read"
    LIST = "list"
    EXPORT = "export"
    WRITE = "write"
    ADMINISTER = "administer"
