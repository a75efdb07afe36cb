"""The shared pieces of signed submissions: decoding, canonical decisions, the documented bytes.

Reference: docs/audit.md, "What each submission hashes" and its worked example.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from accord.access import lifecycle_submission
from accord.audit import SubmissionSignatureError, canonical_submission, decode_submission_signature

AUDIT_DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"


def test_signatures_decode_from_base64_or_raw_bytes_and_bad_ones_name_the_input() -> None:
    raw = bytes(range(64))
    assert decode_submission_signature(base64.b64encode(raw).decode(), where="h") == raw
    assert decode_submission_signature(raw, where="file") == raw
    assert decode_submission_signature(base64.b64encode(raw) + b"\n", where="file") == raw
    with pytest.raises(SubmissionSignatureError, match="X-Accord-Signature is not standard"):
        decode_submission_signature("not base64!", where="X-Accord-Signature")
    with pytest.raises(SubmissionSignatureError, match="sig.b64 decodes to 3 bytes"):
        decode_submission_signature("AAAA", where="sig.b64")


def test_the_worked_examples_in_the_docs_hash_as_stated() -> None:
    text = AUDIT_DOC.read_text(encoding="utf-8")
    suspension = lifecycle_submission("esa-jaxa-leo-exchange", 1, "suspend", "review")
    refusal = canonical_submission(
        {"reason": "no propellant", "decision": "refuse", "case_id": "case-42"}
    )
    for payload in (suspension, refusal):
        assert payload.decode() in text  # the canonical JSON as the docs print it
        assert hashlib.sha256(payload).hexdigest() in text
    assert re.search(r"printf 'accord-submission/v1\\nagreement\.suspension\\n7\\n%s\\n'", text)
