"""`verify_log` checks every partner signature against the keys the same log registered."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.audit import (
    PARTNER_KEY_PURPOSE,
    PUBLIC_KEY_DETAIL,
    UNCHECKABLE_SIGNATURE,
    Actor,
    AuditAction,
    AuditEntry,
    Checkpoint,
    InMemorySubtreeHashes,
    LogRecord,
    NoteSigner,
    SubjectRef,
    SubmissionSignature,
    VerificationReport,
    content_sha256,
    entry_bytes,
    leaf_hash,
    public_key_sha256,
    sign_checkpoint,
    sign_submission,
    verify_log,
)

TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LOG_SIGNER = NoteSigner("accord.test/log", Ed25519PrivateKey.generate())
PARTNER = "7"
PARTNER_KEY = Ed25519PrivateKey.generate()
KEY_SHA256 = public_key_sha256(PARTNER_KEY.public_key())
BATCH = b"example catalog batch\n"
ACCEPTED = AuditAction.CATALOG_BATCH_ACCEPTED


def key_entry(
    action: AuditAction = AuditAction.KEY_CREATED,
    *,
    partner: str = PARTNER,
    key: Ed25519PrivateKey = PARTNER_KEY,
    raw_logged: bool = True,
    public_key: str | None = None,
) -> dict[str, object]:
    """Fields of a partner key's entry as `register_partner_key` / `revoke_partner_key` write
    them; `raw_logged=False` is the older form, with the key's SHA-256 only."""
    raw = key.public_key().public_bytes_raw()
    details: dict[str, str] = {"purpose": PARTNER_KEY_PURPOSE, "algorithm": "ed25519"}
    if action is AuditAction.KEY_CREATED and raw_logged:
        details[PUBLIC_KEY_DETAIL] = public_key or base64.b64encode(raw).decode("ascii")
    digest = public_key_sha256(key.public_key())
    return {
        "action": action,
        "actor": Actor.system(),
        "subjects": (SubjectRef("partner", partner), SubjectRef("partner_signing_key", digest)),
        "content_sha256": digest,
        "details": details,
    }


def batch_entry(
    *, partner: str = PARTNER, signature: SubmissionSignature | None = None
) -> dict[str, object]:
    """A signed catalog batch of `partner`, signed by PARTNER_KEY unless told otherwise."""
    return {
        "action": ACCEPTED,
        "actor": Actor.partner(partner),
        "subjects": (SubjectRef("catalog_batch", "1203"),),
        "content_sha256": content_sha256(BATCH),
        "submission": signature or sign_submission(PARTNER_KEY, ACCEPTED, partner, BATCH),
    }


def verify(*fields: dict[str, object]) -> VerificationReport:
    """Build a log of these entries, sign it whole, and verify it pinned at size 1."""
    data = [
        entry_bytes(AuditEntry(seq=seq, time=TIME, **entry))  # type: ignore[arg-type]
        for seq, entry in enumerate(fields)
    ]
    tree = InMemorySubtreeHashes.from_leaf_hashes(leaf_hash(item) for item in data)
    note = sign_checkpoint(
        Checkpoint(LOG_SIGNER.name, len(data), tree.compact_range.root), LOG_SIGNER
    )
    pinned = sign_checkpoint(Checkpoint(LOG_SIGNER.name, 1, leaf_hash(data[0])), LOG_SIGNER)
    records = [LogRecord(seq, item, leaf_hash(item)) for seq, item in enumerate(data)]
    return verify_log(
        records, checkpoint_note=note, pinned_note=pinned, verifier=LOG_SIGNER.verifier
    )


def test_a_signature_by_a_key_registered_earlier_in_the_log_verifies() -> None:
    report = verify(key_entry(), batch_entry(), batch_entry())
    assert report.ok, report.summary()
    assert (report.signatures_checked, report.signatures_uncheckable) == (2, ())
    assert report.summary().endswith("2 partner signatures verified")


def test_a_key_logged_without_its_raw_bytes_leaves_its_signatures_uncheckable() -> None:
    """Entries from before raw keys were logged: reported, not failed."""
    report = verify(key_entry(raw_logged=False), batch_entry(), batch_entry())
    assert report.ok
    assert (report.signatures_checked, report.signatures_uncheckable) == (0, (1, 2))
    assert f"2 {UNCHECKABLE_SIGNATURE}: entries 1, 2" in report.summary()


OTHER_KEY = Ed25519PrivateKey.generate()


@pytest.mark.parametrize(
    ("entries", "seq", "reason"),
    [
        pytest.param(
            [key_entry(), batch_entry(signature=SubmissionSignature(KEY_SHA256, b"\x00" * 64))],
            1,
            "the partner signature does not verify",
            id="forged-signature",
        ),
        pytest.param(
            [
                key_entry(),
                batch_entry(signature=sign_submission(PARTNER_KEY, ACCEPTED, "8", BATCH)),
            ],
            1,
            "the partner signature does not verify",
            id="signed-for-another-partner",
        ),
        pytest.param(
            [key_entry(key=OTHER_KEY), batch_entry()],
            1,
            f"signed with key {KEY_SHA256}, which no earlier key.created entry registers",
            id="key-never-registered",
        ),
        pytest.param(
            [key_entry(key=OTHER_KEY), batch_entry(), key_entry()],
            1,
            "which no earlier key.created entry registers",
            id="key-registered-after-the-entry",
        ),
        pytest.param(
            [key_entry(), key_entry(AuditAction.KEY_REVOKED), batch_entry()],
            2,
            f"signed with key {KEY_SHA256}, revoked at entry 1, before this entry",
            id="key-revoked-before",
        ),
        pytest.param(
            [key_entry(partner="8"), batch_entry()],
            1,
            "registered (entry 0) to partner 8, not to the acting partner 7",
            id="key-of-another-partner",
        ),
        pytest.param(
            [
                key_entry(
                    public_key=base64.b64encode(OTHER_KEY.public_key().public_bytes_raw()).decode()
                ),
                batch_entry(),
            ],
            0,
            "details.public_key is not the base64 of the 32-byte key whose SHA-256 it records",
            id="logged-key-does-not-match-its-hash",
        ),
    ],
)
def test_the_first_signature_that_fails_is_reported_with_its_seq(
    entries: list[dict[str, object]], seq: int, reason: str
) -> None:
    report = verify(*entries)
    assert report.failure is not None
    assert report.failure.seq == seq
    assert reason in report.failure.reason


def test_a_key_revoked_after_an_entry_still_verifies_it() -> None:
    """Revocation ends a key from its entry on; what it signed before stays valid."""
    report = verify(key_entry(), batch_entry(), key_entry(AuditAction.KEY_REVOKED))
    assert report.ok and report.signatures_checked == 1


def test_a_changed_signed_entry_is_reported_as_changed_not_as_a_bad_signature() -> None:
    """The roots are checked first: a signature failure means the signed log itself is bad."""
    entries = [key_entry(), batch_entry()]
    data = [
        entry_bytes(AuditEntry(seq=seq, time=TIME, **entry))  # type: ignore[arg-type]
        for seq, entry in enumerate(entries)
    ]
    tree = InMemorySubtreeHashes.from_leaf_hashes(leaf_hash(item) for item in data)
    note = sign_checkpoint(Checkpoint(LOG_SIGNER.name, 2, tree.compact_range.root), LOG_SIGNER)
    forged = entry_bytes(
        AuditEntry(seq=1, time=TIME, **{**entries[1], "actor": Actor.partner("8")})  # type: ignore[arg-type]
    )
    records = [LogRecord(0, data[0], leaf_hash(data[0])), LogRecord(1, forged, leaf_hash(data[1]))]
    report = verify_log(
        records, checkpoint_note=note, pinned_note=note, verifier=LOG_SIGNER.verifier
    )
    assert report.failure is not None
    assert (report.failure.seq, report.failure.reason.split(":")[0]) == (1, "changed")
