"""Partner-signed submissions: signed before submitting, checked on receipt and from the log."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.audit import (
    Actor,
    AuditAction,
    AuditEntry,
    SubmissionSignatureError,
    content_sha256,
    entry_bytes,
    parse_entry,
    public_key_sha256,
    sign_submission,
    submission_statement,
    verify_entry_submission,
    verify_submission,
)

PARTNER_KEY = Ed25519PrivateKey.generate()
PAYLOAD = b"CCSDS_OMM_VERS = 3.0\nOBJECT_NAME = ISS (ZARYA)\n"
ACCEPTED = AuditAction.CATALOG_BATCH_ACCEPTED


def test_statement_binds_kind_partner_and_payload_hash() -> None:
    digest = content_sha256(PAYLOAD)
    assert submission_statement(ACCEPTED, "esa", digest) == (
        f"accord-submission/v1\ncatalog.batch\nesa\n{digest}\n".encode()
    )


def test_a_valid_signature_verifies_on_receipt_and_from_the_recorded_entry() -> None:
    signature = sign_submission(PARTNER_KEY, ACCEPTED, "esa", PAYLOAD)
    public_key = PARTNER_KEY.public_key()
    verify_submission(public_key, ACCEPTED, "esa", PAYLOAD, signature)
    entry = AuditEntry(
        7,
        datetime(2026, 3, 1, tzinfo=UTC),
        ACCEPTED,
        Actor.partner("esa"),
        content_sha256=content_sha256(PAYLOAD),
        submission=signature,
    )
    # An auditor with only the exported entry and the registered key can check it.
    verify_entry_submission(parse_entry(entry_bytes(entry)), public_key)


def test_actions_of_one_submission_kind_share_the_signature() -> None:
    """A proposed version and the amendment it becomes both sign `agreement.version`."""
    signature = sign_submission(PARTNER_KEY, AuditAction.AGREEMENT_VERSION_PROPOSED, "esa", PAYLOAD)
    verify_submission(
        PARTNER_KEY.public_key(), AuditAction.AGREEMENT_AMENDED, "esa", PAYLOAD, signature
    )


@pytest.mark.parametrize(
    ("action", "partner", "payload"),
    [
        pytest.param(ACCEPTED, "esa", PAYLOAD + b" ", id="changed-payload"),
        pytest.param(ACCEPTED, "jaxa", PAYLOAD, id="other-partner"),
        pytest.param(AuditAction.EPHEMERIS_ACCEPTED, "esa", PAYLOAD, id="other-kind"),
    ],
)
def test_signature_fails_for_other_bytes_partner_or_kind(
    action: AuditAction, partner: str, payload: bytes
) -> None:
    signature = sign_submission(PARTNER_KEY, ACCEPTED, "esa", PAYLOAD)
    with pytest.raises(SubmissionSignatureError, match="does not verify"):
        verify_submission(PARTNER_KEY.public_key(), action, partner, payload, signature)


def test_signature_by_an_unregistered_key_names_both_keys() -> None:
    other = Ed25519PrivateKey.generate()
    signature = sign_submission(other, ACCEPTED, "esa", PAYLOAD)
    registered = PARTNER_KEY.public_key()
    with pytest.raises(SubmissionSignatureError, match=public_key_sha256(registered)):
        verify_submission(registered, ACCEPTED, "esa", PAYLOAD, signature)


def test_a_signature_over_the_raw_bytes_is_not_accepted() -> None:
    """Domain separation: a signature made for another purpose never verifies here."""
    signature = sign_submission(PARTNER_KEY, ACCEPTED, "esa", PAYLOAD)
    raw = type(signature)(signature.key_sha256, PARTNER_KEY.sign(PAYLOAD))
    with pytest.raises(SubmissionSignatureError):
        verify_submission(PARTNER_KEY.public_key(), ACCEPTED, "esa", PAYLOAD, raw)


def test_actions_without_submissions_cannot_be_signed() -> None:
    with pytest.raises(SubmissionSignatureError, match="takes no signed submission"):
        sign_submission(PARTNER_KEY, AuditAction.CDM_ISSUED, "esa", PAYLOAD)


def test_entry_without_signature_is_reported() -> None:
    entry = AuditEntry(0, datetime(2026, 3, 1, tzinfo=UTC), ACCEPTED, Actor.partner("esa"))
    with pytest.raises(SubmissionSignatureError, match="holds no partner signature"):
        verify_entry_submission(entry, PARTNER_KEY.public_key())
