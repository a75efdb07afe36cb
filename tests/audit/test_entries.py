"""Audit entries: canonical bytes (RFC 8785), strict parsing, and the entry rules."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.audit import (
    ACTION_SPECS,
    MAX_ENTRY_BYTES,
    Actor,
    AuditAction,
    AuditEntry,
    EntryFormatError,
    SubjectRef,
    SubmissionSignature,
    content_sha256,
    entry_bytes,
    entry_leaf_hash,
    leaf_hash,
    parse_entry,
)

MOMENT = datetime(2026, 3, 1, 12, 30, 5, 250_000, tzinfo=UTC)
PAYLOAD = b"0 ISS (ZARYA)\n1 25544U ...\n"
SIGNATURE = SubmissionSignature("ab" * 32, bytes(range(64)))
SIGNATURE_B64 = base64.b64encode(bytes(range(64))).decode()


def catalog_entry(**changes: object) -> AuditEntry:
    fields: dict[str, object] = {
        "seq": 41,
        "time": MOMENT,
        "action": AuditAction.CATALOG_BATCH_ACCEPTED,
        "actor": Actor.partner("esa"),
        "subjects": (SubjectRef("catalog_batch", "b-2026-0301-7"),),
        "content_sha256": content_sha256(PAYLOAD),
        "submission": SIGNATURE,
        "details": {"objects": 1, "format": "3le"},
    }
    fields.update(changes)
    return AuditEntry(**fields)  # type: ignore[arg-type]


def test_entry_bytes_are_the_documented_canonical_json() -> None:
    expected = (
        '{"action":"catalog.batch.accepted","actor":{"id":"esa","kind":"partner"},'
        f'"content_sha256":"{content_sha256(PAYLOAD)}","details":{{"format":"3le","objects":1}},'
        '"seq":41,"subjects":[{"id":"b-2026-0301-7","kind":"catalog_batch"}],'
        f'"submission":{{"key_sha256":"{"ab" * 32}","signature":"{SIGNATURE_B64}"}},'
        '"time":"2026-03-01T12:30:05.250000Z","v":1}'
    ).encode()
    assert entry_bytes(catalog_entry()) == expected
    assert entry_leaf_hash(catalog_entry()) == leaf_hash(expected)


def test_minimal_system_entry_round_trips() -> None:
    entry = AuditEntry(0, MOMENT, AuditAction.CDM_ISSUED, Actor.system())
    data = entry_bytes(entry)
    assert data == (
        b'{"action":"cdm.issued","actor":{"kind":"system"},"seq":0,"subjects":[],'
        b'"time":"2026-03-01T12:30:05.250000Z","v":1}'
    )
    assert parse_entry(data) == entry


def test_times_in_other_zones_are_stored_in_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    entry = catalog_entry(time=datetime(2026, 3, 1, 14, 30, 5, 250_000, tzinfo=plus_two))
    assert entry.time == MOMENT and entry.time.tzinfo == UTC
    assert b'"time":"2026-03-01T12:30:05.250000Z"' in entry_bytes(entry)


def test_naive_time_is_refused() -> None:
    with pytest.raises(EntryFormatError, match="'time'.*no time zone"):
        catalog_entry(time=datetime(2026, 3, 1))


_details = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(st.characters(codec="utf-8"), max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=80, deadline=None)
@given(
    seq=st.integers(0, 2**53 - 1),
    time=st.datetimes(timezones=st.just(UTC)),
    action=st.sampled_from(list(AuditAction)),
    partner=st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True),
    subjects=st.lists(
        st.builds(
            SubjectRef,
            st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
            st.text(
                st.characters(codec="utf-8", min_codepoint=0x20, exclude_characters="\x7f"),
                min_size=1,
            ),
        ),
        max_size=4,
    ),
    details=st.dictionaries(
        st.text(st.characters(codec="utf-8"), max_size=8), _details, max_size=4
    ),
)
def test_any_valid_entry_round_trips_byte_for_byte(
    seq: int,
    time: datetime,
    action: AuditAction,
    partner: str,
    subjects: list[SubjectRef],
    details: dict,
) -> None:
    entry = AuditEntry(
        seq, time, action, Actor.partner(partner), tuple(subjects), None, None, details
    )
    data = entry_bytes(entry)
    assert data == rfc8785.dumps(json.loads(data))
    assert parse_entry(data) == entry
    assert entry_bytes(parse_entry(data)) == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # Same content, not canonical: spacing, key order, escapes.
        (
            b'{"action": "cdm.issued","actor":{"kind":"system"},"seq":0,"subjects":[],'
            b'"time":"2026-03-01T12:30:05.250000Z","v":1}',
            "canonical",
        ),
        (
            b'{"seq":0,"action":"cdm.issued","actor":{"kind":"system"},"subjects":[],'
            b'"time":"2026-03-01T12:30:05.250000Z","v":1}',
            "canonical",
        ),
        (
            b'{"action":"cdm\\u002eissued","actor":{"kind":"system"},"seq":0,"subjects":[],'
            b'"time":"2026-03-01T12:30:05.250000Z","v":1}',
            "canonical",
        ),
        (
            b'{"action":"cdm.issued","actor":{"kind":"system"},"details":{},"seq":0,'
            b'"subjects":[],"time":"2026-03-01T12:30:05.250000Z","v":1}',
            "canonical",
        ),
        # Malformed or against the rules.
        (
            b'{"action":"cdm.issued","action":"cdm.issued","actor":{"kind":"system"},"seq":0,'
            b'"subjects":[],"time":"2026-03-01T12:30:05.250000Z","v":1}',
            "appears twice",
        ),
        (
            b'{"action":"cdm.issued","actor":{"kind":"system"},"seq":0.0,"subjects":[],'
            b'"time":"2026-03-01T12:30:05.250000Z","v":1}',
            "not an integer",
        ),
        (
            b'{"action":"cdm.issued","actor":{"kind":"system"},"seq":0,"subjects":[],'
            b'"time":"2026-03-01T12:30:05Z","v":1}',
            "'time'",
        ),
        (
            b'{"action":"cdm.issued","actor":{"kind":"system"},"seq":0,"subjects":[],'
            b'"time":"2026-02-30T12:30:05.250000Z","v":1}',
            "not a calendar time",
        ),
        (
            b'{"action":"cdm.exploded","actor":{"kind":"system"},"seq":0,"subjects":[],'
            b'"time":"2026-03-01T12:30:05.250000Z","v":1}',
            "not a known action",
        ),
        (
            b'{"action":"cdm.issued","actor":{"kind":"system"},"seq":0,"subjects":[],'
            b'"time":"2026-03-01T12:30:05.250000Z","v":2}',
            "version 2",
        ),
        (
            b'{"action":"cdm.issued","actor":{"kind":"system"},"seq":0,"subjects":[],'
            b'"time":"2026-03-01T12:30:05.250000Z","v":1,"x":1}',
            "'x'",
        ),
        (
            b'{"action":"cdm.issued","actor":{"kind":"system"},"seq":true,"subjects":[],'
            b'"time":"2026-03-01T12:30:05.250000Z","v":1}',
            "'seq'",
        ),
        (
            b'{"action":"cdm.issued","actor":{"kind":"system"},"subjects":[],'
            b'"time":"2026-03-01T12:30:05.250000Z","v":1}',
            "'seq': is missing",
        ),
        (
            b'{"action":"cdm.issued","actor":{"kind":"robot"},"seq":0,"subjects":[],'
            b'"time":"2026-03-01T12:30:05.250000Z","v":1}',
            "unknown kind",
        ),
        (b"\xff", "not UTF-8"),
        (b"[]", "not a JSON object"),
        (b"{", "not JSON"),
    ],
)
def test_parse_refuses_non_canonical_or_invalid_bytes(data: bytes, message: str) -> None:
    with pytest.raises(EntryFormatError, match=message):
        parse_entry(data)


def test_floats_are_refused_in_details() -> None:
    with pytest.raises(EntryFormatError, match=r"details\.miss.*floating-point"):
        catalog_entry(details={"miss": 0.5})


def test_signature_needs_a_partner_a_signable_action_and_a_content_hash() -> None:
    with pytest.raises(EntryFormatError, match="takes no partner submission"):
        catalog_entry(action=AuditAction.CDM_ISSUED)
    with pytest.raises(EntryFormatError, match="needs a partner actor"):
        catalog_entry(actor=Actor.system())
    with pytest.raises(EntryFormatError, match="content_sha256"):
        catalog_entry(content_sha256=None)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Actor.partner("ESA"), "partner id"),
        (lambda: Actor("system", "esa"), "no partner id"),
        (lambda: SubjectRef("Agreement", "a-1"), "subject kind"),
        (lambda: SubjectRef("agreement", "a\n1"), "control characters"),
        (lambda: SubjectRef("agreement", "a\ud8001"), "lone surrogates"),
        (lambda: catalog_entry(details={"note": "\udfff"}), "lone surrogate"),
        (lambda: SubmissionSignature("AB" * 32, bytes(64)), "lowercase hex"),
        (lambda: SubmissionSignature("ab" * 32, bytes(63)), "64 bytes"),
        (lambda: catalog_entry(seq=-1), "out of range"),
        (lambda: catalog_entry(content_sha256="abc"), "64 lowercase hex"),
    ],
)
def test_invalid_parts_are_refused_with_the_field_named(make, message: str) -> None:
    with pytest.raises(EntryFormatError, match=message):
        make()


def test_oversized_entries_are_refused_in_favour_of_a_content_hash() -> None:
    entry = catalog_entry(details={"notes": "x" * MAX_ENTRY_BYTES})
    with pytest.raises(EntryFormatError, match="content_sha256"):
        entry_bytes(entry)


def test_every_action_has_a_spec() -> None:
    assert set(ACTION_SPECS) == set(AuditAction)
    assert all(spec.action is action for action, spec in ACTION_SPECS.items())


def test_changing_any_field_changes_the_leaf_hash() -> None:
    base = entry_leaf_hash(catalog_entry())
    variants = [
        catalog_entry(seq=42),
        catalog_entry(time=MOMENT + timedelta(microseconds=1)),
        catalog_entry(action=AuditAction.EPHEMERIS_ACCEPTED),
        catalog_entry(actor=Actor.partner("jaxa")),
        catalog_entry(subjects=()),
        catalog_entry(content_sha256=content_sha256(PAYLOAD + b" ")),
        catalog_entry(details=None),
    ]
    hashes = {entry_leaf_hash(variant) for variant in variants}
    assert base not in hashes and len(hashes) == len(variants)
