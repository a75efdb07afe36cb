"""Partner-signed agreement changes: verified before any write, kept in the entry, checkable.

Reference: docs/audit.md, "Signed submissions" (which bytes each kind hashes).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import rfc8785
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from accord.access import (
    AgreementRepository,
    PartnerSignature,
    amend_agreement,
    edit_agreement_draft,
    lifecycle_submission,
    propose_agreement,
    resume_agreement,
    sign_agreement,
    suspend_agreement,
    terminate_agreement,
)
from accord.agreements import Agreement, NotAPartyError, SignedVersionImmutableError
from accord.audit import (
    AuditAction,
    AuditEntry,
    AuditLog,
    SubmissionSignatureError,
    parse_entry,
    public_key_sha256,
    register_partner_key,
    revoke_partner_key,
    submission_statement,
    verify_entry_submission,
)
from accord.store import (
    AgreementVersionRow,
    Partner,
    PartnerKind,
    PartnerRepository,
    transaction,
)
from tests.agreements._builders import agreement

T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


@dataclass
class Party:
    partner_id: int
    key: Ed25519PrivateKey

    def sign(self, action: AuditAction, payload_sha256: str) -> PartnerSignature:
        statement = submission_statement(action, str(self.partner_id), payload_sha256)
        return PartnerSignature(self.key.sign(statement))


@pytest.fixture
def parties(engine: Engine) -> dict[str, Party]:
    """ESA and JAXA, each with one registered signing key."""
    made = {}
    with transaction(engine) as session:
        for handle in ("esa", "jaxa"):
            partner = PartnerRepository(session).create(
                handle.upper(), kind=PartnerKind.SPACE_AGENCY, handle=handle
            )
            key = Ed25519PrivateKey.generate()
            register_partner_key(session, partner, _raw(key))
            made[handle] = Party(partner.id, key)
    return made


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _partner(session: Session, handle: str) -> Partner:
    return PartnerRepository(session).get_by_handle(handle)


def _document_sha256(document: Agreement) -> str:
    """The SHA-256 of the document's RFC 8785 canonical JSON, computed here independently."""
    return hashlib.sha256(rfc8785.dumps(cast(Any, document.raw))).hexdigest()


def _last_entry(engine: Engine) -> AuditEntry:
    with transaction(engine) as session:
        log = AuditLog(session)
        stored = log.entry(log.tree_size - 1)
    assert stored is not None
    return parse_entry(stored)


def _state(engine: Engine) -> tuple[int, int, str]:
    """Log size, stored versions and the record's fingerprint: what a refusal must not move."""
    with transaction(engine) as session:
        versions = session.scalar(sa.select(sa.func.count()).select_from(AgreementVersionRow))
        return (
            AuditLog(session).tree_size,
            int(versions or 0),
            AgreementRepository(session).fingerprint(),
        )


def _kept_and_verifiable(engine: Engine, party: Party, action: AuditAction, digest: str) -> None:
    entry = _last_entry(engine)
    assert entry.action is action
    assert entry.content_sha256 == digest
    assert entry.submission is not None
    assert entry.submission.key_sha256 == public_key_sha256(party.key.public_key())
    verify_entry_submission(entry, party.key.public_key())  # from the entry alone


def test_each_agreement_change_keeps_a_verifiable_signature(
    engine: Engine, parties: dict[str, Party]
) -> None:
    esa, jaxa = parties["esa"], parties["jaxa"]
    proposed = AuditAction.AGREEMENT_VERSION_PROPOSED
    v1 = agreement()
    digest = _document_sha256(v1)
    with transaction(engine, write_lock=True) as session:
        propose_agreement(
            session, v1, by=_partner(session, "esa"), at=T0, signature=esa.sign(proposed, digest)
        )
    _kept_and_verifiable(engine, esa, proposed, digest)

    edited = agreement(title="Test agreement, edited")
    digest = _document_sha256(edited)
    with transaction(engine, write_lock=True) as session:
        edit_agreement_draft(
            session,
            edited,
            by=_partner(session, "jaxa"),
            at=T0 + HOUR,
            signature=jaxa.sign(proposed, digest),
        )
    _kept_and_verifiable(engine, jaxa, proposed, digest)
    details = _last_entry(engine).details
    assert details is not None and details["edited"] is True

    signed = AuditAction.AGREEMENT_VERSION_SIGNED
    for handle, party in parties.items():
        with transaction(engine, write_lock=True) as session:
            sign_agreement(
                session,
                "test-agreement",
                by=_partner(session, handle),
                at=T0 + 2 * HOUR,
                signature=party.sign(signed, digest),
            )
        _kept_and_verifiable(engine, party, signed, digest)

    v2 = agreement(version=2, title="Amended")
    digest = _document_sha256(v2)
    with transaction(engine, write_lock=True) as session:
        amend_agreement(
            session,
            v2,
            by=_partner(session, "jaxa"),
            at=T0 + 3 * HOUR,
            signature=jaxa.sign(proposed, digest),
        )
    _kept_and_verifiable(engine, jaxa, proposed, digest)

    for when, (function, action, kind) in enumerate(
        [
            (suspend_agreement, AuditAction.AGREEMENT_SUSPENDED, "suspend"),
            (resume_agreement, AuditAction.AGREEMENT_RESUMED, "resume"),
            (terminate_agreement, AuditAction.AGREEMENT_TERMINATED, "terminate"),
        ],
        start=4,
    ):
        reason = f"{kind} for the test"
        canonical = (
            '{"action":"'
            + kind
            + '","agreement_id":"test-agreement","reason":"'
            + reason
            + '","version":2}'
        ).encode()
        assert lifecycle_submission("test-agreement", 2, kind, reason) == canonical  # type: ignore[arg-type]
        digest = hashlib.sha256(canonical).hexdigest()
        with transaction(engine, write_lock=True) as session:
            function(
                session,
                "test-agreement",
                by=_partner(session, "esa"),
                reason=reason,
                at=T0 + when * HOUR,
                signature=esa.sign(action, digest),
            )
        _kept_and_verifiable(engine, esa, action, digest)


def test_unsigned_changes_are_still_accepted(engine: Engine, parties: dict[str, Party]) -> None:
    with transaction(engine, write_lock=True) as session:
        propose_agreement(session, agreement(), by=_partner(session, "esa"), at=T0)
    assert _last_entry(engine).submission is None


def _refusals(parties: dict[str, Party], digest: str) -> dict[str, tuple[PartnerSignature, str]]:
    esa, jaxa = parties["esa"], parties["jaxa"]
    proposed = AuditAction.AGREEMENT_VERSION_PROPOSED
    good = esa.sign(proposed, digest)
    return {
        "wrong bytes": (esa.sign(proposed, "0" * 64), "verifies with none of the partner's 1"),
        "another partner's key": (jaxa.sign(proposed, digest), "verifies with none"),
        "another kind": (esa.sign(AuditAction.AGREEMENT_VERSION_SIGNED, digest), "none"),
        "unknown key": (
            PartnerSignature(good.signature, public_key_sha256(jaxa.key.public_key())),
            "is not registered to this partner",
        ),
        "malformed key id": (PartnerSignature(good.signature, "abc"), "not 64 hex digits"),
        "short signature": (PartnerSignature(good.signature[:63]), "64 bytes, got 63"),
    }


def test_every_bad_signature_is_refused_with_nothing_written(
    engine: Engine, parties: dict[str, Party]
) -> None:
    v1 = agreement()
    for case, (signature, message) in _refusals(parties, _document_sha256(v1)).items():
        before = _state(engine)
        with (
            pytest.raises(SubmissionSignatureError, match=message),
            transaction(engine, write_lock=True) as session,
        ):
            propose_agreement(session, v1, by=_partner(session, "esa"), at=T0, signature=signature)
        assert _state(engine) == before, case


def test_a_revoked_key_is_refused_and_says_so(engine: Engine, parties: dict[str, Party]) -> None:
    esa = parties["esa"]
    with transaction(engine, write_lock=True) as session:
        propose_agreement(session, agreement(), by=_partner(session, "esa"), at=T0)
        revoke_partner_key(session, public_key_sha256(esa.key.public_key()))
    before = _state(engine)
    digest = _document_sha256(agreement())
    with (
        pytest.raises(SubmissionSignatureError, match="revoked at .*sign with an active key"),
        transaction(engine, write_lock=True) as session,
    ):
        sign_agreement(
            session,
            "test-agreement",
            by=_partner(session, "esa"),
            at=T0 + HOUR,
            signature=esa.sign(AuditAction.AGREEMENT_VERSION_SIGNED, digest),
        )
    assert _state(engine) == before


def test_a_lifecycle_signature_binds_the_reason(engine: Engine, parties: dict[str, Party]) -> None:
    esa = parties["esa"]
    with transaction(engine, write_lock=True) as session:
        propose_agreement(session, agreement(), by=_partner(session, "esa"), at=T0)
    action = AuditAction.AGREEMENT_TERMINATED
    signed_for = hashlib.sha256(
        lifecycle_submission("test-agreement", 1, "terminate", "a")
    ).hexdigest()
    before = _state(engine)
    with (
        pytest.raises(SubmissionSignatureError, match="verifies with none"),
        transaction(engine, write_lock=True) as session,
    ):
        terminate_agreement(
            session,
            "test-agreement",
            by=_partner(session, "esa"),
            reason="another reason",
            at=T0 + HOUR,
            signature=esa.sign(action, signed_for),
        )
    assert _state(engine) == before


def test_editing_a_draft_is_for_its_signatories_and_only_before_anyone_signs(
    engine: Engine, parties: dict[str, Party]
) -> None:
    with transaction(engine, write_lock=True) as session:
        PartnerRepository(session).create("NASA", kind=PartnerKind.SPACE_AGENCY, handle="nasa")
        propose_agreement(session, agreement(), by=_partner(session, "esa"), at=T0)
    with (
        pytest.raises(NotAPartyError, match="'nasa' is not a signatory of version 1"),
        transaction(engine, write_lock=True) as session,
    ):
        edit_agreement_draft(session, agreement(title="x"), by=_partner(session, "nasa"), at=T0)
    with transaction(engine, write_lock=True) as session:
        record = edit_agreement_draft(
            session, agreement(title="Edited"), by=_partner(session, "jaxa"), at=T0 + HOUR
        )
        sign_agreement(session, "test-agreement", by=_partner(session, "esa"), at=T0 + HOUR)
    assert record.latest.document.title == "Edited"
    with (
        pytest.raises(SignedVersionImmutableError, match="amend it with version 2"),
        transaction(engine, write_lock=True) as session,
    ):
        edit_agreement_draft(
            session, agreement(title="Late"), by=_partner(session, "esa"), at=T0 + 2 * HOUR
        )
    with transaction(engine) as session:
        stored = AgreementRepository(session).get("test-agreement")
    assert stored.latest.document.title == "Edited" and stored.latest.proposed_by == "jaxa"
