"""The one HTTP convention for partner-signed submissions, shared by every route that takes one.

A partner that signs what it submits sends, beside the usual body:

- `X-Accord-Signature`: the standard base64 of the 64-byte Ed25519 signature of the
  submission statement (docs/audit.md, "Signed submissions");
- `X-Accord-Signature-Key` (optional): the SHA-256 hex of the raw public key that signed,
  to name one of the partner's registered keys (otherwise each of its keys is tried).

Catalog batches started this convention; agreements and coordination decisions follow it.
A signature that cannot be decoded or does not verify is a 422 problem naming the fix, and
nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Header, HTTPException
from pydantic import BaseModel

from accord.access import PartnerSignature
from accord.audit import SubmissionSignatureError, decode_submission_signature

__all__ = [
    "SIGNATURE_HEADER",
    "SIGNATURE_KEY_HEADER",
    "SubmittedSignature",
    "decision_submission",
    "refused_as_422",
]

SIGNATURE_HEADER = "X-Accord-Signature"
SIGNATURE_KEY_HEADER = "X-Accord-Signature-Key"


def _submitted_signature(
    signature: Annotated[
        str | None,
        Header(
            alias=SIGNATURE_HEADER,
            description="base64 Ed25519 signature of the submission statement (docs/audit.md)",
        ),
    ] = None,
    key_sha256: Annotated[
        str | None,
        Header(
            alias=SIGNATURE_KEY_HEADER,
            max_length=64,
            description="optional: SHA-256 hex of the registered public key that signed",
        ),
    ] = None,
) -> PartnerSignature | None:
    if signature is None:
        if key_sha256 is not None:
            raise HTTPException(
                422,
                f"{SIGNATURE_KEY_HEADER} was sent without {SIGNATURE_HEADER}; send the "
                "signature too, or neither header for an unsigned submission",
            )
        return None
    try:
        raw = decode_submission_signature(signature, where=SIGNATURE_HEADER)
    except SubmissionSignatureError as exc:
        raise HTTPException(422, str(exc)) from None
    return PartnerSignature(raw, key_sha256)


#: The partner's optional signature of this submission, decoded (422 if malformed).
SubmittedSignature = Annotated[PartnerSignature | None, Depends(_submitted_signature)]


@contextmanager
def refused_as_422() -> Iterator[None]:
    """Turn a refused signature into a 422 problem (the transaction rolls back first)."""
    try:
        yield
    except SubmissionSignatureError as exc:
        raise HTTPException(422, str(exc)) from None


def decision_submission(
    subject_key: str, subject_id: str, decision: str, body: BaseModel
) -> dict[str, object]:
    """The decision a partner signs: the body's fields it sent, the subject id, the name.

    For example `{"case_id": "case-42", "decision": "refuse", "reason": "..."}`; the partner
    signs the SHA-256 of its RFC 8785 canonical JSON (docs/audit.md). Fields left out of the
    request are left out here too, so the partner signs exactly what it sent.
    """
    return {
        **body.model_dump(mode="json", exclude_unset=True),
        subject_key: subject_id,
        "decision": decision,
    }
