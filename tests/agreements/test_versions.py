"""The version and signature state machine: transitions, refusals, and what is in force when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.agreements import (
    AccessRequestError,
    Agreement,
    AgreementRecord,
    AgreementStatus,
    AgreementTerminatedError,
    AgreementVersion,
    AlreadySignedError,
    InvalidTransitionError,
    NotAPartyError,
    SignedVersionImmutableError,
    agreements_in_force,
    amend,
    edit_draft,
    propose,
    resume,
    sign,
    suspend,
    terminate,
)
from tests.agreements._builders import T0, agreement, document, signed_record

DAY = timedelta(days=1)


def test_a_proposal_is_a_draft_until_every_signatory_signs() -> None:
    doc = agreement()
    record = propose(doc, by="esa", at=T0)
    assert record.status_at(T0) is AgreementStatus.DRAFT
    record = sign(
        record, party="esa", at=T0 + DAY, version=1, content_sha256=record.latest.content_sha256
    )
    assert record.latest.awaiting == {"jaxa"}
    assert record.status_at(T0 + 2 * DAY) is AgreementStatus.DRAFT
    digest = record.latest.content_sha256
    record = sign(record, party="jaxa", at=T0 + 2 * DAY, version=1, content_sha256=digest)
    # In force from the last signature, not from effective_from (2026-01-01 = T0).
    assert record.status_at(T0 + DAY) is AgreementStatus.DRAFT
    assert record.status_at(T0 + 2 * DAY) is AgreementStatus.IN_FORCE
    assert record.version_in_force(T0 + 2 * DAY) is record.latest


def test_signed_before_effective_from_is_signed_not_in_force() -> None:
    record = signed_record(agreement(effective_from="2026-03-01"), at=T0)
    assert record.status_at(T0) is AgreementStatus.SIGNED
    assert record.version_in_force(T0) is None
    assert record.status_at(datetime(2026, 3, 1, tzinfo=UTC)) is AgreementStatus.IN_FORCE


def test_expired_after_effective_until() -> None:
    record = signed_record(agreement(effective_until="2026-02-01"))
    assert record.status_at(datetime(2026, 1, 31, 23, tzinfo=UTC)) is AgreementStatus.IN_FORCE
    assert record.status_at(datetime(2026, 2, 1, tzinfo=UTC)) is AgreementStatus.EXPIRED
    assert agreements_in_force([record], datetime(2026, 2, 1, tzinfo=UTC)) == ()


def test_signing_refusals_are_specific() -> None:
    record = propose(agreement(), by="esa", at=T0)
    digest = record.latest.content_sha256
    with pytest.raises(NotAPartyError, match="'nasa' is not a signatory of version 1"):
        sign(record, party="nasa", at=T0, version=1, content_sha256=digest)
    once = sign(record, party="esa", at=T0, version=1, content_sha256=digest)
    with pytest.raises(AlreadySignedError):
        sign(once, party="esa", at=T0, version=1, content_sha256=digest)
    with pytest.raises(InvalidTransitionError, match="re-read the version"):
        sign(record, party="jaxa", at=T0, version=1, content_sha256="0" * 64)
    with pytest.raises(InvalidTransitionError, match="version 2 is not the latest"):
        sign(record, party="jaxa", at=T0, version=2, content_sha256=digest)
    with pytest.raises(InvalidTransitionError, match="before the record's last change"):
        sign(record, party="jaxa", at=T0 - DAY, version=1, content_sha256=digest)
    with pytest.raises(AccessRequestError, match="no time zone"):
        sign(record, party="jaxa", at=datetime(2026, 1, 2), version=1, content_sha256=digest)


def test_an_observer_never_signs_and_a_non_party_never_proposes() -> None:
    doc = agreement(
        parties=[
            {"partner": "esa", "name": "ESA"},
            {"partner": "jaxa", "name": "JAXA"},
            {"partner": "unoosa", "name": "UNOOSA", "role": "observer"},
        ]
    )
    record = signed_record(doc)
    assert record.status_at(T0) is AgreementStatus.IN_FORCE  # the observer's signature not needed
    with pytest.raises(NotAPartyError):
        propose(doc, by="unoosa", at=T0)
    with pytest.raises(InvalidTransitionError, match="starts at version 1"):
        propose(agreement(version=2), by="esa", at=T0)


def test_unsigned_drafts_are_edited_signed_versions_are_not() -> None:
    record = propose(agreement(), by="esa", at=T0)
    record = edit_draft(record, agreement(title="Better title"), by="jaxa", at=T0)
    assert record.latest.document.title == "Better title" and len(record.versions) == 1
    record = sign(
        record, party="esa", at=T0, version=1, content_sha256=record.latest.content_sha256
    )
    with pytest.raises(SignedVersionImmutableError, match="amend it with version 2"):
        edit_draft(record, agreement(title="Sneaky"), by="esa", at=T0)
    with pytest.raises(InvalidTransitionError, match="unsigned; edit it"):
        amend(propose(agreement(), by="esa", at=T0), agreement(version=2), by="esa", at=T0)


def test_amendment_supersedes_once_all_sign_and_every_version_is_kept() -> None:
    record = signed_record(agreement())
    v2 = agreement(version=2, title="Amended")
    record = amend(record, v2, by="jaxa", at=T0 + DAY)
    # Version 1 stays in force while version 2 collects signatures.
    assert record.version_in_force(T0 + 2 * DAY) is record.version(1)
    digest = record.latest.content_sha256
    for party in ("esa", "jaxa"):
        record = sign(record, party=party, at=T0 + 3 * DAY, version=2, content_sha256=digest)
    assert [v.number for v in record.versions] == [1, 2]
    assert record.version_in_force(T0 + 2 * DAY) is record.version(1)
    assert record.version_in_force(T0 + 3 * DAY) is record.version(2)
    assert agreements_in_force([record], T0 + 3 * DAY)[0].title == "Amended"
    with pytest.raises(InvalidTransitionError, match="expected version 3"):
        amend(record, agreement(version=2), by="esa", at=T0 + 4 * DAY)
    with pytest.raises(InvalidTransitionError, match="document's id"):
        amend(record, agreement(version=3, id="other"), by="esa", at=T0 + 4 * DAY)


def test_amendment_with_a_later_effective_date_leaves_the_old_version_in_force_until_then() -> None:
    record = signed_record(agreement())
    record = amend(record, agreement(version=2, effective_from="2026-06-01"), by="esa", at=T0 + DAY)
    digest = record.latest.content_sha256
    for party in ("esa", "jaxa"):
        record = sign(record, party=party, at=T0 + DAY, version=2, content_sha256=digest)
    assert record.version_in_force(datetime(2026, 5, 31, tzinfo=UTC)) is record.version(1)
    assert record.version_in_force(datetime(2026, 6, 1, tzinfo=UTC)) is record.version(2)


def test_suspension_and_resumption() -> None:
    record = signed_record(agreement())
    with pytest.raises(InvalidTransitionError, match="not suspended"):
        resume(record, by="esa", at=T0 + DAY, reason="-")
    record = suspend(record, by="jaxa", at=T0 + DAY, reason="breach of clause esa-elsets")
    assert record.status_at(T0 + DAY) is AgreementStatus.SUSPENDED
    assert record.version_in_force(T0 + 2 * DAY) is None
    with pytest.raises(InvalidTransitionError, match="already suspended"):
        suspend(record, by="esa", at=T0 + 2 * DAY, reason="-")
    with pytest.raises(NotAPartyError):
        resume(record, by="nasa", at=T0 + 2 * DAY, reason="-")
    record = resume(record, by="jaxa", at=T0 + 3 * DAY, reason="remedied")
    assert record.status_at(T0 + 2 * DAY) is AgreementStatus.SUSPENDED  # history is kept
    assert record.status_at(T0 + 3 * DAY) is AgreementStatus.IN_FORCE
    with pytest.raises(InvalidTransitionError, match="no version has been signed"):
        suspend(propose(agreement(), by="esa", at=T0), by="esa", at=T0, reason="-")


def test_termination_is_final() -> None:
    record = signed_record(agreement())
    record = terminate(record, by="esa", at=T0 + DAY, reason="superseded by treaty")
    assert record.status_at(T0) is AgreementStatus.IN_FORCE
    assert record.status_at(T0 + DAY) is AgreementStatus.TERMINATED
    assert agreements_in_force([record], T0 + DAY) == ()
    digest = record.latest.content_sha256
    with pytest.raises(AgreementTerminatedError, match="cannot sign: it is terminated"):
        sign(record, party="jaxa", at=T0 + 2 * DAY, version=1, content_sha256=digest)
    for attempt in (
        lambda: amend(record, agreement(version=2), by="esa", at=T0 + 2 * DAY),
        lambda: suspend(record, by="esa", at=T0 + 2 * DAY, reason="-"),
        lambda: resume(record, by="esa", at=T0 + 2 * DAY, reason="-"),
        lambda: terminate(record, by="esa", at=T0 + 2 * DAY, reason="-"),
        lambda: edit_draft(record, agreement(), by="esa", at=T0 + 2 * DAY),
    ):
        with pytest.raises(AgreementTerminatedError):
            attempt()


def test_transitions_leave_the_old_record_unchanged() -> None:
    record = propose(agreement(), by="esa", at=T0)
    signed = sign(
        record, party="esa", at=T0, version=1, content_sha256=record.latest.content_sha256
    )
    assert record.latest.signatures == () and len(signed.latest.signatures) == 1


def _three_party() -> list[dict[str, str]]:
    return [
        {"partner": "esa", "name": "European Space Agency"},
        {"partner": "jaxa", "name": "Japan Aerospace Exploration Agency"},
        {"partner": "nasa", "name": "National Aeronautics and Space Administration"},
    ]


def _esa_nasa() -> list[dict[str, str]]:
    return [_three_party()[0], _three_party()[2]]


def _esa_nasa_doc(version: int) -> Agreement:
    """ESA and NASA only: ESA grants NASA (JAXA, a party before, is dropped)."""
    clauses = document()["clauses"]
    clauses[0]["data_sharing"]["grantees"] = ["nasa"]
    return agreement(version=version, parties=_esa_nasa(), clauses=clauses)


def _sign_all(record: AgreementRecord, parties: list[str], at: datetime) -> AgreementRecord:
    digest = record.latest.content_sha256
    for party in parties:
        record = sign(
            record, party=party, at=at, version=record.latest.number, content_sha256=digest
        )
    return record


def test_an_amendment_that_drops_a_party_needs_the_dropped_partys_signature() -> None:
    record = signed_record(agreement(parties=_three_party()))
    record = amend(record, _esa_nasa_doc(2), by="esa", at=T0 + DAY)
    assert record.latest.departing == {"jaxa"}
    assert record.latest.awaiting == {"esa", "jaxa", "nasa"}
    record = _sign_all(record, ["esa", "nasa"], T0 + 2 * DAY)
    # The two remaining parties alone cannot push JAXA out: version 1 stays in force.
    assert record.latest.fully_signed_at is None
    assert record.version_in_force(T0 + 3 * DAY) is record.version(1)
    record = _sign_all(record, ["jaxa"], T0 + 3 * DAY)  # JAXA signs its departure
    assert record.version_in_force(T0 + 3 * DAY) is record.version(2)
    assert agreements_in_force([record], T0 + 3 * DAY)[0].signatory_ids == {"esa", "nasa"}


def test_departing_parties_are_derived_again_when_a_record_is_rebuilt() -> None:
    record = signed_record(agreement(parties=_three_party()))
    record = amend(record, _esa_nasa_doc(2), by="nasa", at=T0 + DAY)
    # The store rebuilds records from plain versions, without `departing`: it comes back.
    plain = tuple(
        AgreementVersion(v.document, v.proposed_by, v.proposed_at, v.signatures)
        for v in record.versions
    )
    assert AgreementRecord(record.agreement_id, plain).latest.departing == {"jaxa"}


def test_only_a_signatory_of_the_version_in_force_may_propose_an_amendment() -> None:
    record = signed_record(agreement())  # esa and jaxa
    v2 = agreement(version=2, parties=_three_party())
    with pytest.raises(NotAPartyError, match="'nasa' is not a signatory of version 1"):
        amend(record, v2, by="nasa", at=T0 + DAY)
    record = amend(record, v2, by="jaxa", at=T0 + DAY)
    record = _sign_all(record, ["esa"], T0 + DAY)
    # A newcomer named only in the pending version 2 cannot amend or terminate either.
    with pytest.raises(NotAPartyError, match="'nasa' is not a signatory of version 1"):
        amend(record, _esa_nasa_doc(3), by="nasa", at=T0 + 2 * DAY)
    with pytest.raises(NotAPartyError, match="'nasa' is not a signatory of version 1"):
        terminate(record, by="nasa", at=T0 + 2 * DAY, reason="-")


def test_adding_a_party_needs_the_newcomers_signature() -> None:
    record = signed_record(agreement())
    record = amend(record, agreement(version=2, parties=_three_party()), by="esa", at=T0 + DAY)
    assert record.latest.departing == frozenset()
    record = _sign_all(record, ["esa", "jaxa"], T0 + 2 * DAY)
    assert record.latest.awaiting == {"nasa"}
    assert record.version_in_force(T0 + 2 * DAY) is record.version(1)
    record = _sign_all(record, ["nasa"], T0 + 3 * DAY)
    assert record.version_in_force(T0 + 3 * DAY) is record.version(2)
    # Once in force, the newcomer is bound and may propose the next amendment.
    record = amend(record, agreement(version=3, parties=_three_party()), by="nasa", at=T0 + 4 * DAY)
    assert record.latest.number == 3


def test_an_abandoned_draft_does_not_let_the_parties_in_force_be_dropped() -> None:
    record = signed_record(agreement(parties=_three_party()))
    # Version 2 (partly signed) drops JAXA; version 3 amends it and drops NASA too.
    record = amend(record, _esa_nasa_doc(2), by="esa", at=T0 + DAY)
    record = _sign_all(record, ["esa"], T0 + DAY)
    clauses = document()["clauses"]
    clauses[0]["data_sharing"]["grantees"] = ["unoosa"]
    v3 = agreement(
        version=3,
        parties=[_three_party()[0], {"partner": "unoosa", "name": "UNOOSA"}],
        clauses=clauses,
    )
    record = amend(record, v3, by="esa", at=T0 + 2 * DAY)
    assert record.latest.departing == {"jaxa", "nasa"}
    with pytest.raises(NotAPartyError, match="required signers: esa, jaxa, nasa, unoosa"):
        _sign_all(record, ["isro"], T0 + 2 * DAY)
    record = _sign_all(record, ["esa", "unoosa", "nasa"], T0 + 2 * DAY)
    assert record.version_in_force(T0 + 3 * DAY) is record.version(1)
    record = _sign_all(record, ["jaxa"], T0 + 3 * DAY)
    assert record.version_in_force(T0 + 3 * DAY) is record.version(3)
