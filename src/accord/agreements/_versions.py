"""Versions, signatures and the lifecycle of an agreement, as a pure state machine.

A record keeps every version ever proposed and every lifecycle event; transitions return a
new record and never change the old one, so the store can persist the difference. What
is stored: versions (document, proposer, time), signatures, and suspension/resumption/
termination events. What is derived at a time t: draft, signed, in force, expired.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from accord.agreements._document import Agreement
from accord.agreements._errors import (
    AccessRequestError,
    AgreementTerminatedError,
    AlreadySignedError,
    InvalidTransitionError,
    NotAPartyError,
    SignedVersionImmutableError,
)
from accord.agreements._loading import content_sha256

__all__ = [
    "AgreementRecord",
    "AgreementStatus",
    "AgreementVersion",
    "LifecycleEvent",
    "LifecycleEventKind",
    "Signature",
    "agreements_in_force",
    "amend",
    "edit_draft",
    "propose",
    "resume",
    "sign",
    "suspend",
    "terminate",
]


class AgreementStatus(StrEnum):
    """An agreement's status at one instant (derived, except suspended and terminated)."""

    DRAFT = "draft"
    SIGNED = "signed"
    IN_FORCE = "in_force"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class LifecycleEventKind(StrEnum):
    """Stored events that change an agreement's status without a new version."""

    SUSPENDED = "suspended"
    RESUMED = "resumed"
    TERMINATED = "terminated"


@dataclass(frozen=True, slots=True)
class Signature:
    """A party's signature of one version: who, when, and the content hash it covers."""

    party: str
    signed_at: datetime
    content_sha256: str
    signer: str | None = None


@dataclass(frozen=True, slots=True)
class LifecycleEvent:
    """A suspension, resumption or termination, with the party that made it and why."""

    kind: LifecycleEventKind
    at: datetime
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class AgreementVersion:
    """One version of an agreement and the signatures it has collected.

    `departing` are the parties that must sign this version although it does not name them
    as signatories: the signatories of the version it amends and of the version in force
    that it leaves out (a party leaving signs its departure). It is derived by
    `AgreementRecord` from the versions before this one, never stored.
    """

    document: Agreement
    proposed_by: str
    proposed_at: datetime
    signatures: tuple[Signature, ...] = ()
    departing: frozenset[str] = frozenset()

    @property
    def number(self) -> int:
        """The version number (1 for the first proposal)."""
        return self.document.version

    @property
    def content_sha256(self) -> str:
        """Hash of the canonical document that every signature of this version covers."""
        return content_sha256(self.document)

    @property
    def signed_by(self) -> frozenset[str]:
        """Parties that have signed this version."""
        return frozenset(s.party for s in self.signatures)

    @property
    def required_signers(self) -> frozenset[str]:
        """Every party whose signature this version needs: its signatories and `departing`."""
        return self.document.signatory_ids | self.departing

    @property
    def awaiting(self) -> frozenset[str]:
        """Required signers (signatories and departing parties) that have not signed yet."""
        return self.required_signers - self.signed_by

    @property
    def fully_signed_at(self) -> datetime | None:
        """When the last signatory signed; None while any signature is missing."""
        if self.awaiting:
            return None
        return max(s.signed_at for s in self.signatures)

    def applies_from(self) -> datetime | None:
        """When the version starts to apply: effective_from, but never before it is signed."""
        signed = self.fully_signed_at
        return None if signed is None else max(signed, self.document.effective_from)


@dataclass(frozen=True, slots=True)
class AgreementRecord:
    """Every version and lifecycle event of one agreement, oldest first."""

    agreement_id: str
    versions: tuple[AgreementVersion, ...]
    events: tuple[LifecycleEvent, ...] = ()

    def __post_init__(self) -> None:
        # Who must sign an amendment follows from the versions before it, so it is derived
        # here, whoever builds the record (a transition or the store), and never stored.
        derived: list[AgreementVersion] = []
        for version in self.versions:
            departing = _departing(version, derived)
            if departing != version.departing:
                version = replace(version, departing=departing)
            derived.append(version)
        object.__setattr__(self, "versions", tuple(derived))

    @property
    def latest(self) -> AgreementVersion:
        """The most recent version (possibly a draft awaiting signatures)."""
        return self.versions[-1]

    def version(self, number: int) -> AgreementVersion:
        """Version `number`; KeyError when there is none."""
        for version in self.versions:
            if version.number == number:
                return version
        raise KeyError(f"agreement {self.agreement_id!r} has no version {number}")

    def latest_fully_signed(self) -> AgreementVersion | None:
        """The highest-numbered version every required signer has signed, or None."""
        return _latest_fully_signed(self.versions)

    def terminated_at(self) -> datetime | None:
        """When the agreement was terminated, or None."""
        return next((e.at for e in self.events if e.kind is LifecycleEventKind.TERMINATED), None)

    def _suspended_at(self, at: datetime) -> bool:
        state = False
        for event in self.events:
            if event.at <= at and event.kind is not LifecycleEventKind.TERMINATED:
                state = event.kind is LifecycleEventKind.SUSPENDED
        return state

    def _applicable(self, at: datetime) -> AgreementVersion | None:
        """The highest fully signed version that applies at `at`, lifecycle aside."""
        candidates = [v for v in self.versions if (start := v.applies_from()) and start <= at]
        return max(candidates, key=lambda v: v.number, default=None)

    def status_at(self, at: datetime) -> AgreementStatus:
        """The agreement's status at instant `at` (tz-aware)."""
        _require_aware(at, "at")
        terminated = self.terminated_at()
        if terminated is not None and terminated <= at:
            return AgreementStatus.TERMINATED
        if self._suspended_at(at):
            return AgreementStatus.SUSPENDED
        applicable = self._applicable(at)
        if applicable is not None:
            until = applicable.document.effective_until
            return AgreementStatus.EXPIRED if until and at >= until else AgreementStatus.IN_FORCE
        signed = [v for v in self.versions if (s := v.fully_signed_at) and s <= at]
        return AgreementStatus.SIGNED if signed else AgreementStatus.DRAFT

    def version_in_force(self, at: datetime) -> AgreementVersion | None:
        """The version whose clauses apply at `at`; None unless the status is in force."""
        if self.status_at(at) is not AgreementStatus.IN_FORCE:
            return None
        return self._applicable(at)


def _latest_fully_signed(versions: Iterable[AgreementVersion]) -> AgreementVersion | None:
    signed = [v for v in versions if v.fully_signed_at is not None]
    return max(signed, key=lambda v: v.number, default=None)


def _departing(version: AgreementVersion, earlier: list[AgreementVersion]) -> frozenset[str]:
    """Signatories of the amended version and of the latest fully signed one, left out."""
    if not earlier:
        return frozenset()
    bound = set(earlier[-1].document.signatory_ids)
    in_force = _latest_fully_signed(earlier)
    if in_force is not None:
        # An abandoned draft in between must not let the parties in force be dropped unseen.
        bound |= in_force.document.signatory_ids
    return frozenset(bound - version.document.signatory_ids)


def agreements_in_force(records: Iterable[AgreementRecord], at: datetime) -> tuple[Agreement, ...]:
    """The documents of the versions in force at `at`: what `compile_policy` takes."""
    found = (record.version_in_force(at) for record in records)
    return tuple(version.document for version in found if version is not None)


# --- transitions ------------------------------------------------------------------------


def _require_aware(at: datetime, name: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise AccessRequestError(f"{name}={at.isoformat()} has no time zone; pass a UTC datetime")


def _last_time(record: AgreementRecord) -> datetime:
    times = [v.proposed_at for v in record.versions]
    times += [s.signed_at for v in record.versions for s in v.signatures]
    times += [e.at for e in record.events]
    return max(times)


def _check_open(record: AgreementRecord, transition: str, at: datetime) -> None:
    _require_aware(at, "at")
    if record.terminated_at() is not None:
        raise AgreementTerminatedError(
            record.agreement_id, transition, "it is terminated; propose a new agreement instead"
        )
    last = _last_time(record)
    if at < last:
        raise InvalidTransitionError(
            record.agreement_id,
            transition,
            f"{at.isoformat()} is before the record's last change ({last.isoformat()})",
        )


def _check_signatory(record_id: str, document: Agreement, by: str, transition: str) -> None:
    if by not in document.signatory_ids:
        raise NotAPartyError(
            record_id,
            transition,
            f"{by!r} is not a signatory of version {document.version} "
            f"(signatories: {', '.join(sorted(document.signatory_ids))})",
        )


def propose(document: Agreement, *, by: str, at: datetime) -> AgreementRecord:
    """Start an agreement with version 1, proposed by one of its signatories."""
    _require_aware(at, "at")
    if document.version != 1:
        raise InvalidTransitionError(
            document.id, "propose", f"a new agreement starts at version 1, not {document.version}"
        )
    _check_signatory(document.id, document, by, "propose")
    return AgreementRecord(document.id, (AgreementVersion(document, by, at),))


def edit_draft(
    record: AgreementRecord, document: Agreement, *, by: str, at: datetime
) -> AgreementRecord:
    """Replace the latest version's text while nobody has signed it yet."""
    _check_open(record, "edit", at)
    latest = record.latest
    if latest.signatures:
        raise SignedVersionImmutableError(
            record.agreement_id,
            "edit",
            f"version {latest.number} is signed by {', '.join(sorted(latest.signed_by))}; "
            f"amend it with version {latest.number + 1}",
        )
    _check_same_agreement(record, document, latest.number, "edit")
    _check_signatory(record.agreement_id, latest.document, by, "edit")
    edited = AgreementVersion(document, by, at)
    return replace(record, versions=(*record.versions[:-1], edited))


def amend(
    record: AgreementRecord, document: Agreement, *, by: str, at: datetime
) -> AgreementRecord:
    """Propose the next version of a signed agreement; every required signer signs it anew.

    `by` must be a signatory of the latest fully signed version (of the amended version when
    none is fully signed yet). The new version is fully signed once every signatory of it,
    of the version it amends and of the latest fully signed version has signed it: a party
    that the amendment drops signs its departure (`AgreementVersion.departing`).
    """
    _check_open(record, "amend", at)
    latest = record.latest
    if not latest.signatures:
        raise InvalidTransitionError(
            record.agreement_id,
            "amend",
            f"version {latest.number} is unsigned; edit it instead of amending "
            f"(`accord agreement edit`, PUT /api/v1/agreements/{record.agreement_id}/versions/"
            f"{latest.number})",
        )
    _check_same_agreement(record, document, latest.number + 1, "amend")
    # Only a party already bound may propose to change the terms: a signatory of the version
    # in force or latest signed (of the amended draft while nothing is fully signed yet).
    bound = record.latest_fully_signed() or latest
    _check_signatory(record.agreement_id, bound.document, by, "amend")
    return replace(record, versions=(*record.versions, AgreementVersion(document, by, at)))


def _check_same_agreement(
    record: AgreementRecord, document: Agreement, number: int, transition: str
) -> None:
    if document.id != record.agreement_id:
        raise InvalidTransitionError(
            record.agreement_id, transition, f"the document's id is {document.id!r}"
        )
    if document.version != number:
        raise InvalidTransitionError(
            record.agreement_id,
            transition,
            f"the document says version {document.version}; expected version {number}",
        )


def sign(
    record: AgreementRecord,
    *,
    party: str,
    at: datetime,
    version: int,
    content_sha256: str,
    signer: str | None = None,
) -> AgreementRecord:
    """Record `party`'s signature of the latest version.

    `version` and `content_sha256` name what the party read; a mismatch (a newer version
    was proposed, or the text differs) is refused so nobody signs text they did not see.
    """
    _check_open(record, "sign", at)
    latest = record.latest
    if version != latest.number:
        raise InvalidTransitionError(
            record.agreement_id,
            "sign",
            f"version {version} is not the latest; version {latest.number} awaits signatures",
        )
    if content_sha256 != latest.content_sha256:
        raise InvalidTransitionError(
            record.agreement_id,
            "sign",
            f"content hash {content_sha256[:12]}... is not version {version}'s "
            f"({latest.content_sha256[:12]}...); re-read the version and sign again",
        )
    if party not in latest.required_signers:
        raise NotAPartyError(
            record.agreement_id,
            "sign",
            f"{party!r} is not a signatory of version {latest.number} "
            f"(required signers: {', '.join(sorted(latest.required_signers))})",
        )
    if party in latest.signed_by:
        raise AlreadySignedError(
            record.agreement_id, "sign", f"{party!r} already signed version {version}"
        )
    signed = replace(
        latest,
        signatures=(*latest.signatures, Signature(party, at, latest.content_sha256, signer)),
    )
    return replace(record, versions=(*record.versions[:-1], signed))


def _signatory_of_signed(record: AgreementRecord, by: str, transition: str) -> None:
    signed = record.latest_fully_signed()
    if signed is None:
        raise InvalidTransitionError(
            record.agreement_id, transition, "no version has been signed by every party yet"
        )
    _check_signatory(record.agreement_id, signed.document, by, transition)


def suspend(record: AgreementRecord, *, by: str, at: datetime, reason: str) -> AgreementRecord:
    """Suspend a signed agreement: from `at` on, its clauses grant nothing until resumed."""
    _check_open(record, "suspend", at)
    _signatory_of_signed(record, by, "suspend")
    if record._suspended_at(at):
        raise InvalidTransitionError(record.agreement_id, "suspend", "it is already suspended")
    event = LifecycleEvent(LifecycleEventKind.SUSPENDED, at, by, reason)
    return replace(record, events=(*record.events, event))


def resume(record: AgreementRecord, *, by: str, at: datetime, reason: str) -> AgreementRecord:
    """End a suspension; the version that applies at `at` is in force again."""
    _check_open(record, "resume", at)
    _signatory_of_signed(record, by, "resume")
    if not record._suspended_at(at):
        raise InvalidTransitionError(record.agreement_id, "resume", "it is not suspended")
    event = LifecycleEvent(LifecycleEventKind.RESUMED, at, by, reason)
    return replace(record, events=(*record.events, event))


def terminate(record: AgreementRecord, *, by: str, at: datetime, reason: str) -> AgreementRecord:
    """End the agreement for good; a draft that is abandoned is terminated too.

    `by` must be a signatory of the latest fully signed version (of the latest draft while
    none is): a party named only in a pending amendment cannot end what it never joined.
    """
    _check_open(record, "terminate", at)
    bound = record.latest_fully_signed() or record.latest
    _check_signatory(record.agreement_id, bound.document, by, "terminate")
    event = LifecycleEvent(LifecycleEventKind.TERMINATED, at, by, reason)
    return replace(record, events=(*record.events, event))
