"""Agreements in the store: versions, signatures and lifecycle events, rebuilt exactly.

An `accord.agreements.AgreementRecord` is saved as the rows it adds (a transition returns a
new record; `save` writes the difference) and loaded back equal: documents are kept as RFC
8785 canonical JSON and re-validated on load, so the content hash a signature covers is
recomputed from exactly the stored text. Audit entries are appended by `accord.access`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import UTC, datetime

import rfc8785
import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.agreements import (
    AgreementRecord,
    AgreementVersion,
    LifecycleEvent,
    LifecycleEventKind,
    Signature,
    parse_agreement,
)
from accord.store import (
    AgreementEventRow,
    AgreementRow,
    AgreementSignatureRow,
    AgreementVersionRow,
)

__all__ = ["AgreementRepository", "AgreementStoreError", "UnknownAgreementError"]


class UnknownAgreementError(LookupError):
    """No agreement with that id is stored."""


class AgreementStoreError(ValueError):
    """A record cannot be saved: it contradicts what is stored (the message says how)."""


def _canonical(raw: object) -> str:
    return rfc8785.dumps(raw).decode("utf-8")  # type: ignore[arg-type]


class AgreementRepository:
    """Agreement records inside the caller's session (transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def ids(self) -> list[str]:
        """Every stored agreement id, sorted."""
        return list(
            self.session.scalars(sa.select(AgreementRow.agreement_id).order_by("agreement_id"))
        )

    def find(self, agreement_id: str) -> AgreementRecord | None:
        """The record of `agreement_id`, or None."""
        records = self._load([agreement_id])
        return records[0] if records else None

    def get(self, agreement_id: str) -> AgreementRecord:
        """The record of `agreement_id`; `UnknownAgreementError` naming the fix if absent."""
        record = self.find(agreement_id)
        if record is None:
            raise UnknownAgreementError(
                f"no agreement {agreement_id!r}; propose it first (`accord agreement propose`) "
                "or list them with `accord agreement list`"
            )
        return record

    def all(self) -> list[AgreementRecord]:
        """Every stored agreement record, by id."""
        return self._load(None)

    def fingerprint(self) -> str:
        """SHA-256 over every stored agreement row: equal fingerprints, equal records.

        Cheap next to parsing and compiling (no document validation), so a cache of
        compiled policies can tell in one query whether anything changed.
        """
        digest = hashlib.sha256()
        for table, order in (
            (AgreementVersionRow, AgreementVersionRow.id),
            (AgreementSignatureRow, AgreementSignatureRow.id),
            (AgreementEventRow, AgreementEventRow.id),
        ):
            columns = [c for c in table.__table__.columns if c.name != "document_json"]
            for row in self.session.execute(sa.select(*columns).order_by(order)):
                digest.update(repr(tuple(row)).encode())
            digest.update(b"|")
        return digest.hexdigest()

    def _load(self, agreement_ids: list[str] | None) -> list[AgreementRecord]:
        versions_query = sa.select(AgreementVersionRow).order_by(
            AgreementVersionRow.agreement_id, AgreementVersionRow.number
        )
        events_query = sa.select(AgreementEventRow).order_by(AgreementEventRow.id)
        if agreement_ids is not None:
            versions_query = versions_query.where(
                AgreementVersionRow.agreement_id.in_(agreement_ids)
            )
            events_query = events_query.where(AgreementEventRow.agreement_id.in_(agreement_ids))
        version_rows = list(self.session.scalars(versions_query))
        if not version_rows:
            return []
        signatures: dict[int, list[AgreementSignatureRow]] = defaultdict(list)
        for signature in self.session.scalars(
            sa.select(AgreementSignatureRow)
            .where(AgreementSignatureRow.version_id.in_([v.id for v in version_rows]))
            .order_by(AgreementSignatureRow.id)
        ):
            signatures[signature.version_id].append(signature)
        events: dict[str, list[LifecycleEvent]] = defaultdict(list)
        for event in self.session.scalars(events_query):
            events[event.agreement_id].append(
                LifecycleEvent(
                    LifecycleEventKind(event.kind), event.at, event.by_party, event.reason
                )
            )
        versions: dict[str, list[AgreementVersion]] = defaultdict(list)
        for row in version_rows:
            document = parse_agreement(
                json.loads(row.document_json),
                source=f"store: agreement {row.agreement_id!r} version {row.number}",
            )
            versions[row.agreement_id].append(
                AgreementVersion(
                    document,
                    row.proposed_by,
                    row.proposed_at,
                    tuple(
                        Signature(s.party, s.signed_at, s.content_sha256, s.signer)
                        for s in signatures[row.id]
                    ),
                )
            )
        return [
            AgreementRecord(agreement_id, tuple(found), tuple(events[agreement_id]))
            for agreement_id, found in sorted(versions.items())
        ]

    def save(self, record: AgreementRecord) -> None:
        """Write what `record` adds to the stored one: versions, signatures, events.

        A stored version whose text differs is rewritten only while nobody signed it (an
        edited draft); a stored signature or event that the record lacks is refused.
        """
        if self.session.get(AgreementRow, record.agreement_id) is None:
            self.session.add(
                AgreementRow(agreement_id=record.agreement_id, created_at=datetime.now(UTC))
            )
            self.session.flush()
        stored = {
            row.number: row
            for row in self.session.scalars(
                sa.select(AgreementVersionRow).where(
                    AgreementVersionRow.agreement_id == record.agreement_id
                )
            )
        }
        for version in record.versions:
            row = stored.get(version.number)
            if row is None:
                row = AgreementVersionRow(
                    agreement_id=record.agreement_id,
                    number=version.number,
                    document_json=_canonical(version.document.raw),
                    content_sha256=version.content_sha256,
                    proposed_by=version.proposed_by,
                    proposed_at=version.proposed_at,
                )
                self.session.add(row)
                self.session.flush()
            elif row.content_sha256 != version.content_sha256:
                self._rewrite_draft(record.agreement_id, row, version)
            self._save_signatures(record.agreement_id, row, version)
        self._save_events(record)
        self.session.flush()

    def _rewrite_draft(
        self, agreement_id: str, row: AgreementVersionRow, version: AgreementVersion
    ) -> None:
        signed = self.session.scalar(
            sa.select(sa.func.count()).where(AgreementSignatureRow.version_id == row.id)
        )
        if signed:
            raise AgreementStoreError(
                f"agreement {agreement_id!r} version {row.number} is signed; its text cannot "
                f"change (amend it with version {row.number + 1})"
            )
        row.document_json = _canonical(version.document.raw)
        row.content_sha256 = version.content_sha256
        row.proposed_by = version.proposed_by
        row.proposed_at = version.proposed_at

    def _save_signatures(
        self, agreement_id: str, row: AgreementVersionRow, version: AgreementVersion
    ) -> None:
        stored = set(
            self.session.scalars(
                sa.select(AgreementSignatureRow.party).where(
                    AgreementSignatureRow.version_id == row.id
                )
            )
        )
        missing = stored - version.signed_by
        if missing:
            raise AgreementStoreError(
                f"agreement {agreement_id!r} version {row.number}: the record lacks the stored "
                f"signatures of {', '.join(sorted(missing))}; reload it before a transition"
            )
        for signature in version.signatures:
            if signature.party not in stored:
                self.session.add(
                    AgreementSignatureRow(
                        version_id=row.id,
                        party=signature.party,
                        signed_at=signature.signed_at,
                        content_sha256=signature.content_sha256,
                        signer=signature.signer,
                    )
                )

    def _save_events(self, record: AgreementRecord) -> None:
        count = self.session.scalar(
            sa.select(sa.func.count()).where(AgreementEventRow.agreement_id == record.agreement_id)
        )
        stored = int(count or 0)
        if stored > len(record.events):
            raise AgreementStoreError(
                f"agreement {record.agreement_id!r}: {stored} lifecycle events are stored but "
                f"the record has {len(record.events)}; reload it before a transition"
            )
        for event in record.events[stored:]:
            self.session.add(
                AgreementEventRow(
                    agreement_id=record.agreement_id,
                    kind=event.kind.value,
                    at=event.at,
                    by_party=event.by,
                    reason=event.reason,
                )
            )
