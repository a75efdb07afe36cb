"""Where a verifier gets a whole log: an export file (JSON lines) or a running server (HTTP).

Export format `accord-audit-export/1`, UTF-8 JSON lines:

- line 1, the header: `{"format": "accord-audit-export/1", "checkpoint": "<signed note>"}`;
- then one line per entry in seq order: `{"seq": 0, "entry": "<base64 entry bytes>",
  "leaf_hash": "<base64 stored leaf hash>"}`.

A server is read through its public endpoints (`/audit/checkpoint`, `/audit/entries`,
`/audit/consistency`) with an HTTP client whose `base_url` is the server's: an
`httpx.Client` in use, or FastAPI's TestClient in tests (any `LogHttpClient`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

import httpx

from accord.audit._errors import AuditError, LogSourceError
from accord.audit._notes import NoteVerifier, open_checkpoint
from accord.audit._verify import LogRecord, VerificationReport, verify_log

__all__ = [
    "EXPORT_FORMAT",
    "fetch_checkpoint",
    "fetch_consistency",
    "fetch_records",
    "read_export",
    "verify_server",
    "write_export",
]

EXPORT_FORMAT = "accord-audit-export/1"
#: Entries asked for per request when reading a server (its maximum page size).
PAGE_SIZE = 1000


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _unb64(text: object, where: str) -> bytes:
    if not isinstance(text, str):
        raise LogSourceError(f"{where}: expected a base64 string, got {text!r}")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise LogSourceError(f"{where}: {text[:40]!r} is not base64") from None


def write_export(stream: IO[str], checkpoint_note: str, records: Iterable[LogRecord]) -> int:
    """Write the header and `records` as export lines; return the number of entries written."""
    header = {"format": EXPORT_FORMAT, "checkpoint": checkpoint_note}
    stream.write(json.dumps(header, ensure_ascii=False) + "\n")
    count = 0
    for record in records:
        line: dict[str, Any] = {"seq": record.seq, "entry": _b64(record.entry)}
        if record.leaf_hash is not None:
            line["leaf_hash"] = _b64(record.leaf_hash)
        stream.write(json.dumps(line) + "\n")
        count += 1
    return count


def _record(document: object, where: str) -> LogRecord:
    if not isinstance(document, dict) or "seq" not in document or "entry" not in document:
        raise LogSourceError(f"{where}: expected an object with seq and entry")
    seq = document["seq"]
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise LogSourceError(f"{where}: seq {seq!r} is not an integer")
    leaf = document.get("leaf_hash")
    return LogRecord(
        seq,
        _unb64(document["entry"], f"{where} entry"),
        None if leaf is None else _unb64(leaf, f"{where} leaf_hash"),
    )


def read_export(path: Path) -> tuple[str, Iterator[LogRecord]]:
    """The checkpoint note and the entry records of an export file (read lazily).

    Raises LogSourceError for a file that is not an export; a malformed entry line raises
    it while iterating, naming the line.
    """
    stream = path.open(encoding="utf-8")
    try:
        header = json.loads(stream.readline() or "null")
    except json.JSONDecodeError as error:
        stream.close()
        raise LogSourceError(f"{path}: line 1 is not JSON ({error})") from None
    if not isinstance(header, dict) or header.get("format") != EXPORT_FORMAT:
        stream.close()
        raise LogSourceError(
            f"{path}: line 1 is not an {EXPORT_FORMAT} header; write the file with "
            "`accord audit export`"
        )
    note = header.get("checkpoint")
    if not isinstance(note, str):
        stream.close()
        raise LogSourceError(f"{path}: the header has no checkpoint note")

    def records() -> Iterator[LogRecord]:
        with stream:
            for number, line in enumerate(stream, start=2):
                where = f"{path}, line {number}"
                try:
                    document = json.loads(line)
                except json.JSONDecodeError as error:
                    raise LogSourceError(f"{where} is not JSON ({error})") from None
                yield _record(document, where)

    return note, records()


class LogHttpClient(Protocol):
    """An HTTP client bound to a log server's base URL (httpx.Client, or a test client)."""

    @property
    def base_url(self) -> Any: ...

    def get(self, url: str, *, params: dict[str, int]) -> Any: ...


def _get(client: LogHttpClient, url: str, **params: int) -> Any:
    try:
        response = client.get(url, params=params)
    except httpx.HTTPError as error:
        raise LogSourceError(f"could not reach the log at {client.base_url}: {error}") from None
    if response.status_code != 200:
        raise LogSourceError(
            f"{client.base_url}{url} answered {response.status_code}: {response.text[:200]}"
        )
    return response


def fetch_checkpoint(client: LogHttpClient) -> str:
    """The server's latest signed checkpoint note (`GET /audit/checkpoint`)."""
    return _get(client, "/audit/checkpoint").text


def fetch_records(client: LogHttpClient, *, page_size: int = PAGE_SIZE) -> Iterator[LogRecord]:
    """Every entry the server holds, in seq order, page by page (`GET /audit/entries`)."""
    start = 0
    while True:
        page = _get(client, "/audit/entries", start=start, limit=page_size).json()
        items = page.get("entries") if isinstance(page, dict) else None
        if not isinstance(items, list):
            raise LogSourceError("the server's /audit/entries answer has no entries list")
        for number, item in enumerate(items):
            yield _record(item, f"/audit/entries?start={start} item {number}")
        following = page.get("next_start")
        if not items or following is None:
            return
        if not isinstance(following, int) or following <= start:
            raise LogSourceError(f"the server's next_start {following!r} does not advance")
        start = following


def fetch_consistency(client: LogHttpClient, first_size: int, second_size: int) -> list[bytes]:
    """The server's consistency proof between two sizes (`GET /audit/consistency`)."""
    answer = _get(client, "/audit/consistency", first=first_size, second=second_size).json()
    proof = answer.get("proof") if isinstance(answer, dict) else None
    if not isinstance(proof, list):
        raise LogSourceError("the server's /audit/consistency answer has no proof list")
    return [_unb64(element, "consistency proof element") for element in proof]


def _observed(
    records: Iterator[LogRecord], on_record: Callable[[LogRecord], None]
) -> Iterator[LogRecord]:
    for record in records:
        on_record(record)
        yield record


def verify_server(
    client: LogHttpClient,
    *,
    pinned_note: str,
    verifier: NoteVerifier,
    on_record: Callable[[LogRecord], None] | None = None,
) -> VerificationReport:
    """`verify_log` over a running server's public endpoints, with its consistency proof.

    Reads the latest checkpoint, the consistency proof from the pinned size to it, and every
    entry. `on_record` sees each record as it is verified (to check sealed openings against
    exactly the entries verified, without reading the log twice). Raises LogSourceError
    when the server cannot be read.
    """
    pinned_size = open_checkpoint(pinned_note, verifier).tree_size
    note = fetch_checkpoint(client)
    proof = None
    try:
        signed_size: int | None = open_checkpoint(note, verifier).tree_size
    except AuditError:
        signed_size = None  # verify_log reports the bad checkpoint as the failure
    if signed_size is not None and 0 < pinned_size < signed_size:
        proof = fetch_consistency(client, pinned_size, signed_size)
    records = fetch_records(client)
    if on_record is not None:
        records = _observed(records, on_record)
    return verify_log(
        records,
        checkpoint_note=note,
        pinned_note=pinned_note,
        verifier=verifier,
        consistency=proof,
    )
