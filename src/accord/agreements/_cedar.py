"""Compiling agreements in force to Cedar policies, and requests to Cedar entities.

One `permit` per data-sharing clause plus fixed base rules; Cedar denies whatever no
policy permits. Clause conditions (grantee, owner, data class, assets, embargo) are
evaluated by Cedar; degradation and redistribution are looked up from the granting
policy's id. Times are Cedar Longs in Unix seconds (context.now_s, resource.embargo_start_s).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import cedarpy

from accord.agreements._access import AccessRequest, ClauseRef, Principal, Resource
from accord.agreements._coordination import (
    CaseResource,
    ComplianceReportResource,
    CoordinationResource,
    DisputeResource,
    PlanResource,
)
from accord.agreements._document import Agreement, DataSharingClause
from accord.agreements._errors import AgreementError
from accord.agreements._vocabulary import AccessAction, AdminResourceType, PrincipalRole

__all__ = [
    "CEDAR_SCHEMA",
    "COORDINATION_POLICY_IDS",
    "AccessPolicy",
    "BASE_POLICY_IDS",
    "compile_policy",
]

#: The Cedar schema every compiled policy set is validated against (docs/agreements.md).
CEDAR_SCHEMA = """
namespace Accord {
  entity Partner;
  entity Principal in [Partner] { partner: Partner, roles: Set<String> };
  entity DataItem {
    data_class: String,
    owner: Partner,
    norad_id?: Long,
    station_id?: String,
    embargo_start_s?: Long,
  };
  entity AdminItem { kind: String, owner: Partner, parties: Set<Partner> };
  entity CoordinationCase { parties: Set<Partner>, platform: Set<Partner> };
  entity ManoeuvrePlan {
    owner: Partner,
    kind: String,
    norad_id: Long,
    case_parties: Set<Partner>,
    platform: Set<Partner>,
  };
  entity Dispute { parties: Set<Partner>, mediators: Set<Partner>, platform: Set<Partner> };
  entity ComplianceReport {
    obligor: Partner,
    beneficiaries: Set<Partner>,
    platform: Set<Partner>,
  };
  action "read", "list", "export", "write", "administer" appliesTo {
    principal: [Principal],
    resource: [
      DataItem, AdminItem, CoordinationCase, ManoeuvrePlan, Dispute, ComplianceReport
    ],
    context: { now_s: Long },
  };
}
"""

_A = 'Accord::Action::"{}"'
_READS = f"[{_A.format('read')}, {_A.format('list')}]"

#: The fixed rules, the same in every policy set; ids start with `base/`.
_BASE_POLICIES = f"""
@id("base/owner-reads-own-data")
permit (principal, action in [{_A.format("read")}, {_A.format("list")}, {_A.format("export")}],
        resource is Accord::DataItem)
when {{ resource.owner == principal.partner }};

@id("base/operator-writes-own-data")
permit (principal, action == {_A.format("write")}, resource is Accord::DataItem)
when {{
  resource.owner == principal.partner &&
  (principal.roles.contains("operator") || principal.roles.contains("admin"))
}};

@id("base/members-read-directory")
permit (principal, action in {_READS}, resource is Accord::AdminItem)
when {{ resource.kind == "partner" || resource.kind == "asset" }};

@id("base/parties-read-agreement")
permit (principal, action in {_READS}, resource is Accord::AdminItem)
when {{ resource.kind == "agreement" && resource.parties.contains(principal.partner) }};

@id("base/admin-reads-own-keys")
permit (principal, action in {_READS}, resource is Accord::AdminItem)
when {{
  resource.kind == "api_key" && resource.owner == principal.partner &&
  principal.roles.contains("admin")
}};

@id("base/operator-writes-own-assets")
permit (principal, action == {_A.format("write")}, resource is Accord::AdminItem)
when {{
  resource.kind == "asset" && resource.owner == principal.partner &&
  (principal.roles.contains("operator") || principal.roles.contains("admin"))
}};

@id("base/admin-administers-own")
permit (principal, action in [{_A.format("write")}, {_A.format("administer")}],
        resource is Accord::AdminItem)
when {{
  principal.roles.contains("admin") &&
  (resource.owner == principal.partner ||
   (resource.kind == "agreement" && resource.parties.contains(principal.partner)))
}};
"""

_ACTING = 'principal.roles.contains("operator") || principal.roles.contains("admin")'

#: Coordination (docs/access.md, "Coordination"): parties read and act, a plan is its
#: owner's until shared, mediators join a dispute at the step that names them, a compliance
#: report is its obligor's and its beneficiaries', and the platform's admins read all but
#: hypothetical plans. Acting (`write`) is always for the caller's own partner.
_COORDINATION_POLICIES = f"""
@id("base/parties-read-case")
permit (principal, action in {_READS}, resource is Accord::CoordinationCase)
when {{ resource.parties.contains(principal.partner) }};

@id("base/party-operators-act-on-case")
permit (principal, action == {_A.format("write")}, resource is Accord::CoordinationCase)
when {{ resource.parties.contains(principal.partner) && ({_ACTING}) }};

@id("base/owner-reads-own-plan")
permit (principal, action in {_READS}, resource is Accord::ManoeuvrePlan)
when {{ resource.owner == principal.partner }};

@id("base/parties-read-shared-plan")
permit (principal, action in {_READS}, resource is Accord::ManoeuvrePlan)
when {{ resource.kind != "hypothetical" && resource.case_parties.contains(principal.partner) }};

@id("base/owner-operators-move-plan")
permit (principal, action == {_A.format("write")}, resource is Accord::ManoeuvrePlan)
when {{ resource.owner == principal.partner && ({_ACTING}) }};

@id("base/parties-and-mediators-read-dispute")
permit (principal, action in {_READS}, resource is Accord::Dispute)
when {{
  resource.parties.contains(principal.partner) || resource.mediators.contains(principal.partner)
}};

@id("base/parties-and-mediators-act-on-dispute")
permit (principal, action == {_A.format("write")}, resource is Accord::Dispute)
when {{
  (resource.parties.contains(principal.partner) ||
   resource.mediators.contains(principal.partner)) && ({_ACTING})
}};

@id("base/obligor-and-beneficiaries-read-compliance")
permit (principal, action in {_READS}, resource is Accord::ComplianceReport)
when {{
  resource.obligor == principal.partner || resource.beneficiaries.contains(principal.partner)
}};

@id("base/platform-admins-read-coordination")
permit (principal, action in {_READS}, resource)
when {{
  (resource is Accord::CoordinationCase || resource is Accord::ManoeuvrePlan ||
   resource is Accord::Dispute || resource is Accord::ComplianceReport) &&
  resource.platform.contains(principal.partner) && principal.roles.contains("admin") &&
  !(resource is Accord::ManoeuvrePlan && resource.kind == "hypothetical")
}};
"""

BASE_POLICY_IDS = tuple(re.findall(r'@id\("([^"]+)"\)', _BASE_POLICIES + _COORDINATION_POLICIES))
#: The base rules that decide coordination cases, plans, disputes and compliance reports.
COORDINATION_POLICY_IDS = tuple(re.findall(r'@id\("([^"]+)"\)', _COORDINATION_POLICIES))

#: Characters allowed in a Cedar string literal we generate: the schema restricts ids to
#: these, so quoting never needs escapes (Cedar's escapes differ from JSON's).
_SAFE_LITERAL = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _literal(text: str) -> str:
    if not _SAFE_LITERAL.match(text):
        raise AgreementError(f"{text!r} cannot appear in a policy; ids use [A-Za-z0-9_.:-]")
    return f'"{text}"'


def _partner(partner: str) -> str:
    return f"Accord::Partner::{_literal(partner)}"


def _clause_policy(ref: ClauseRef, clause: DataSharingClause) -> str:
    actions = ["read", "list"] + (["export"] if clause.redistribution_allowed else [])
    grantees = ", ".join(_partner(g) for g in sorted(clause.grantees))
    classes = ", ".join(_literal(c.value) for c in sorted(clause.data_classes))
    conditions = [
        f"[{grantees}].contains(principal.partner)",
        f"resource.owner == {_partner(clause.grantor)}",
        f"[{classes}].contains(resource.data_class)",
    ]
    if not clause.assets.all_claimed:
        alternatives = []
        if clause.assets.norad_ids:
            ids = ", ".join(str(n) for n in sorted(clause.assets.norad_ids))
            alternatives.append(f"(resource has norad_id && [{ids}].contains(resource.norad_id))")
        if clause.assets.station_ids:
            ids = ", ".join(_literal(s) for s in sorted(clause.assets.station_ids))
            alternatives.append(
                f"(resource has station_id && [{ids}].contains(resource.station_id))"
            )
        conditions.append("(" + " || ".join(alternatives) + ")")
    if clause.embargo_hours > 0:
        # Whole seconds, rounded up: an embargo is never shortened by rounding.
        embargo_s = math.ceil(clause.embargo_hours * 3600)
        conditions.append(
            "(resource has embargo_start_s && "
            f"resource.embargo_start_s + {embargo_s} <= context.now_s)"
        )
    action_list = ", ".join(_A.format(a) for a in actions)
    body = " &&\n  ".join(conditions)
    return (
        f'@id("{ref.policy_id}")\n'
        f"permit (principal, action in [{action_list}], resource is Accord::DataItem)\n"
        f"when {{\n  {body}\n}};\n"
    )


@dataclass(frozen=True, slots=True)
class _Grant:
    ref: ClauseRef
    clause: DataSharingClause


class AccessPolicy:
    """The compiled, validated Cedar policy set of a set of agreements in force.

    Build it with `compile_policy`; reuse it for every request until an agreement record
    changes or an effective date passes. `cedar_text` is the whole policy set as text.
    """

    def __init__(self, agreements: Sequence[Agreement]) -> None:
        seen: set[str] = set()
        grants: dict[str, _Grant] = {}
        texts = [_BASE_POLICIES, _COORDINATION_POLICIES]
        for agreement in agreements:
            if agreement.id in seen:
                raise AgreementError(
                    f"agreement {agreement.id!r} passed twice; pass the one version in force"
                )
            seen.add(agreement.id)
            for clause in agreement.data_sharing:
                ref = ClauseRef(agreement.id, agreement.version, clause.id)
                grants[ref.policy_id] = _Grant(ref, clause)
                texts.append(_clause_policy(ref, clause))
        self.agreements = tuple(agreements)
        self.cedar_text = "\n".join(texts)
        self._grants = grants
        # Type-check every generated policy against the schema: a compiler bug that made a
        # policy error at evaluation would otherwise silently deny (or, worse, skip a forbid).
        checked = cedarpy.validate_policies(self.cedar_text, _schema())
        if not checked.validation_passed:
            raise AgreementError(f"compiled policies fail the Cedar schema: {checked.errors}")
        self._policy_set = cedarpy.PolicySet.from_str(self.cedar_text)

    def grant(self, policy_id: str) -> tuple[ClauseRef, DataSharingClause] | None:
        """The clause behind a policy id; None for a base rule."""
        found = self._grants.get(policy_id)
        return None if found is None else (found.ref, found.clause)

    def evaluate(self, requests: Sequence[AccessRequest]) -> list[tuple[bool, list[str]]]:
        """Cedar's decision and the ids of the permitting policies, per request, in one batch."""
        if not requests:
            return []
        entities, cedar_requests = _to_cedar(requests)
        results = cedarpy.is_authorized_batch(cedar_requests, self._policy_set, entities)
        answers = []
        for result in results:
            if result.diagnostics.errors:
                # A policy that errors is skipped by Cedar (deny-safe); surface it anyway.
                raise AgreementError(f"Cedar evaluation error: {result.diagnostics.errors}")
            annotations = result.diagnostics.id_annotations_by_reason
            ids = sorted(annotations.get(reason, reason) for reason in result.diagnostics.reasons)
            answers.append((result.allowed, ids))
        return answers


@cache
def _schema() -> cedarpy.Schema:
    return cedarpy.Schema.from_str(CEDAR_SCHEMA)


def compile_policy(agreements: Iterable[Agreement]) -> AccessPolicy:
    """Compile the documents in force (from `agreements_in_force`) into an AccessPolicy."""
    return AccessPolicy(tuple(agreements))


def _entity(kind: str, ident: str, attrs: dict[str, Any], parents: list[dict[str, str]]) -> dict:
    return {"uid": {"type": f"Accord::{kind}", "id": ident}, "attrs": attrs, "parents": parents}


def _ref(kind: str, ident: str) -> dict[str, dict[str, str]]:
    return {"__entity": {"type": f"Accord::{kind}", "id": ident}}


def _partners(handles: frozenset[str]) -> list[dict[str, dict[str, str]]]:
    return [_ref("Partner", p) for p in sorted(handles)]


def _coordination_attrs(resource: CoordinationResource) -> dict[str, Any]:
    attrs: dict[str, Any] = {"platform": _partners(resource.platform)}
    match resource:
        case CaseResource():
            attrs["parties"] = _partners(resource.parties)
        case PlanResource():
            attrs["owner"] = _ref("Partner", resource.owner)
            attrs["kind"] = resource.kind
            attrs["norad_id"] = resource.norad_id
            attrs["case_parties"] = _partners(resource.case_parties)
        case DisputeResource():
            attrs["parties"] = _partners(resource.parties)
            attrs["mediators"] = _partners(resource.mediators)
        case ComplianceReportResource():
            attrs["obligor"] = _ref("Partner", resource.obligor)
            attrs["beneficiaries"] = _partners(resource.beneficiaries)
    return attrs


def _resource_attrs(resource: Resource) -> dict[str, Any]:
    if not resource.is_data:
        assert isinstance(resource.kind, AdminResourceType)
        return {
            "kind": resource.kind.value,
            "owner": _ref("Partner", resource.owner),
            "parties": [_ref("Partner", p) for p in sorted(resource.parties)],
        }
    attrs: dict[str, Any] = {
        "data_class": resource.kind.value,
        "owner": _ref("Partner", resource.owner),
    }
    if resource.norad_id is not None:
        attrs["norad_id"] = resource.norad_id
    if resource.station_id is not None:
        attrs["station_id"] = resource.station_id
    start = resource.embargo_start()
    if start is not None:
        # Rounded up like the embargo, and `now` rounded down: a release is never early.
        attrs["embargo_start_s"] = math.ceil(start.timestamp())
    return attrs


def _to_cedar(requests: Sequence[AccessRequest]) -> tuple[list[dict], list[dict]]:
    principals: dict[Principal, str] = {}
    partners: set[str] = set()
    entities: list[dict] = []
    cedar_requests: list[dict] = []
    for index, request in enumerate(requests):
        principal = request.principal
        if principal not in principals:
            ident = f"p{len(principals)}"
            principals[principal] = ident
            roles = sorted(PrincipalRole(r).value for r in principal.roles)
            entities.append(
                _entity(
                    "Principal",
                    ident,
                    {"partner": _ref("Partner", principal.partner), "roles": roles},
                    [{"type": "Accord::Partner", "id": principal.partner}],
                )
            )
            partners.add(principal.partner)
        resource = request.resource
        if isinstance(resource, Resource):
            kind = "DataItem" if resource.is_data else "AdminItem"
            entities.append(_entity(kind, f"r{index}", _resource_attrs(resource), []))
            partners.add(resource.owner)
            partners.update(resource.parties)
        else:
            kind = resource.cedar_type
            entities.append(_entity(kind, f"r{index}", _coordination_attrs(resource), []))
            partners.update(resource.partners())
        cedar_requests.append(
            {
                "principal": {"type": "Accord::Principal", "id": principals[principal]},
                "action": {"type": "Accord::Action", "id": AccessAction(request.action).value},
                "resource": {"type": f"Accord::{kind}", "id": f"r{index}"},
                "context": {"now_s": math.floor(request.at.timestamp())},
            }
        )
    entities += [_entity("Partner", p, {}, []) for p in sorted(partners)]
    return entities, cedar_requests
