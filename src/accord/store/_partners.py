"""Partners: who submits data. Minimal for now; the agreements work extends it."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.store._countries import country_code_problem
from accord.store._models import Partner, PartnerKind, PartnerSigningKey

__all__ = [
    "ED25519_PUBLIC_KEY_BYTES",
    "MEMBER_KINDS",
    "PARTNER_HANDLE",
    "handle_from_name",
    "PartnerError",
    "PartnerKeyError",
    "PartnerKeyRepository",
    "PartnerRepository",
    "UnknownPartnerError",
]

#: Length of a raw Ed25519 public key (RFC 8032 section 5.1.5).
ED25519_PUBLIC_KEY_BYTES = 32

#: A partner handle: the partner's id in agreement documents (their schema's `identifier`).
PARTNER_HANDLE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


def handle_from_name(name: str) -> str:
    """The default handle of a partner called `name`: lower case, other characters as '-'."""
    handle = re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-_.")[:64]
    return handle or "partner"


#: Kinds of the coalition's members. A partner may move between these; `data_provider`
#: (whose unclaimed element sets are public) and `system` (whose admins administer the
#: deployment) are fixed at admission, since changing them changes who owns catalog data
#: or who runs the platform.
MEMBER_KINDS = frozenset(
    {
        PartnerKind.STATE,
        PartnerKind.SPACE_AGENCY,
        PartnerKind.OPERATOR,
        PartnerKind.INTERNATIONAL_ORGANISATION,
        PartnerKind.ACADEMIC,
    }
)
#: Longest partner name (the column's size).
_MAX_NAME = 200


class UnknownPartnerError(LookupError):
    """No partner of that name (or id) is registered."""


class PartnerError(ValueError):
    """A partner cannot be registered or changed as asked (the message names field and fix)."""


class PartnerKeyError(ValueError):
    """A partner signing key cannot be registered or revoked as asked (the message says why)."""


class PartnerRepository:
    """Look partners up and register them, inside the caller's session (transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, partner_id: int) -> Partner:
        """The partner with this id; `UnknownPartnerError` if there is none."""
        partner = self.session.get(Partner, partner_id)
        if partner is None:
            raise UnknownPartnerError(f"no partner with id {partner_id}")
        return partner

    def all(self) -> list[Partner]:
        """Every registered partner, by name."""
        return list(self.session.scalars(sa.select(Partner).order_by(Partner.name)))

    def find_by_name(self, name: str) -> Partner | None:
        """The partner with exactly this name, or None."""
        return self.session.scalars(sa.select(Partner).where(Partner.name == name)).first()

    def get_by_name(self, name: str) -> Partner:
        """The partner with exactly this name; `UnknownPartnerError` naming the fix if absent."""
        partner = self.find_by_name(name)
        if partner is None:
            raise UnknownPartnerError(
                f"no partner named {name!r}; register it first "
                "(`accord partner add NAME --kind KIND`), or list them with `accord partner list`"
            )
        return partner

    def find_by_handle(self, handle: str) -> Partner | None:
        """The partner whose agreement id (handle) is exactly `handle`, or None."""
        return self.session.scalars(sa.select(Partner).where(Partner.handle == handle)).first()

    def get_by_handle(self, handle: str) -> Partner:
        """The partner with this handle; `UnknownPartnerError` naming the fix if absent."""
        partner = self.find_by_handle(handle)
        if partner is None:
            raise UnknownPartnerError(
                f"no partner with handle {handle!r} (the id agreement documents use); "
                "`accord partner list` shows each partner's handle"
            )
        return partner

    def get_by_name_or_handle(self, name: str) -> Partner:
        """The partner with this exact name, else with this handle (what the CLI accepts)."""
        partner = self.find_by_name(name) or self.find_by_handle(name)
        return partner if partner is not None else self.get_by_name(name)

    def create(
        self,
        name: str,
        *,
        kind: PartnerKind,
        country_code: str | None = None,
        handle: str | None = None,
    ) -> Partner:
        """Register a new partner; `country_code` is ISO 3166-1 alpha-2 or alpha-3.

        `handle` is its id in agreement documents, by default derived from the name
        (`handle_from_name`); it must be unique.
        """
        _check_name(f"partner {name!r}", name)
        kind = PartnerKind(kind)
        handle = handle_from_name(name) if handle is None else handle
        if not PARTNER_HANDLE.fullmatch(handle):
            raise PartnerError(
                f"partner {name!r}: handle {handle!r} is not an agreement identifier; use "
                "lower-case letters, digits, '_', '.', '-' (at most 64, starting alphanumeric)"
            )
        if self.find_by_handle(handle) is not None:
            raise PartnerError(
                f"partner {name!r}: handle {handle!r} is taken by another partner; "
                "choose another with --handle"
            )
        if country_code is not None:
            _check_country_code(f"partner {name!r}", country_code)
        partner = Partner(
            name=name,
            kind=kind.value,
            country_code=country_code,
            handle=handle,
            created_at=datetime.now(UTC),
        )
        self.session.add(partner)
        self.session.flush()
        return partner

    def update(
        self,
        partner: Partner,
        *,
        name: str | None = None,
        kind: PartnerKind | None = None,
        country_code: str | None = None,
        clear_country_code: bool = False,
    ) -> dict[str, tuple[str | None, str | None]]:
        """Change a partner's descriptive fields; returns {field: (before, after)} changed.

        `None` leaves a field as it is; `clear_country_code` removes the country code (an
        international body has none). The handle never changes: agreements, station ids and
        audit entries name it. `kind` moves only between `MEMBER_KINDS`. Who may change
        what is the caller's decision (the API asks the authorisation point); this checks
        the values and raises `PartnerError` naming the field and the fix.
        """
        where = f"partner {partner.handle or partner.name!r}"
        if clear_country_code and country_code is not None:
            raise PartnerError(f"{where}: give a country code or clear it, not both")
        wanted: dict[str, str | None] = {}
        if name is not None:
            _check_name(where, name)
            other = self.find_by_name(name)
            if other is not None and other.id != partner.id:
                raise PartnerError(
                    f"{where}: name {name!r} is taken by partner {other.handle!r}; names are "
                    "unique, choose another"
                )
            wanted["name"] = name
        if country_code is not None:
            _check_country_code(where, country_code)
            wanted["country_code"] = country_code
        elif clear_country_code:
            wanted["country_code"] = None
        if kind is not None:
            kind = PartnerKind(kind)
            current = PartnerKind(partner.kind)
            if kind != current and (kind not in MEMBER_KINDS or current not in MEMBER_KINDS):
                raise PartnerError(
                    f"{where}: kind cannot change from {current.value!r} to {kind.value!r}; a "
                    "partner moves only between "
                    f"{', '.join(sorted(k.value for k in MEMBER_KINDS))} (a data provider's or "
                    "the system partner's kind is fixed at admission: admit a new partner)"
                )
            wanted["kind"] = kind.value
        changed: dict[str, tuple[str | None, str | None]] = {}
        for field, value in wanted.items():
            before = getattr(partner, field)
            if before != value:
                changed[field] = (before, value)
                setattr(partner, field, value)
        self.session.flush()
        return changed

    def get_or_create(
        self,
        name: str,
        *,
        kind: PartnerKind,
        country_code: str | None = None,
        handle: str | None = None,
    ) -> Partner:
        """The partner of this name, registered with `kind` and `country_code` if new."""
        return self.find_by_name(name) or self.create(
            name, kind=kind, country_code=country_code, handle=handle
        )


def _check_name(where: str, name: str) -> None:
    if not name.strip() or len(name) > _MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise PartnerError(
            f"{where}: name {name!r} must be the body's official name, 1-{_MAX_NAME} "
            "characters without control characters"
        )


def _check_country_code(where: str, country_code: str) -> None:
    problem = country_code_problem(country_code)
    if problem is not None:
        raise PartnerError(f"{where}: {problem}")


class PartnerKeyRepository:
    """Partners' Ed25519 signing keys, inside the caller's session (transaction).

    Row access only: `accord.audit.register_partner_key` and `revoke_partner_key` also
    append the `key.created` / `key.revoked` audit entries; use those for state changes.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def register_signing_key(self, partner: Partner, public_key: bytes) -> PartnerSigningKey:
        """Register `public_key` (raw 32 bytes) for `partner`; refuses a key already known."""
        if len(public_key) != ED25519_PUBLIC_KEY_BYTES:
            raise PartnerKeyError(
                f"partner {partner.name!r}: a raw Ed25519 public key has "
                f"{ED25519_PUBLIC_KEY_BYTES} bytes, got {len(public_key)}; pass the raw key "
                "(or a PEM SubjectPublicKeyInfo file to `accord partner key add`)"
            )
        key_sha256 = hashlib.sha256(public_key).hexdigest()
        existing = self.find(key_sha256)
        if existing is not None:
            owner = self.session.get(Partner, existing.partner_id)
            raise PartnerKeyError(
                f"key {key_sha256} is already registered (partner "
                f"{owner.name if owner else existing.partner_id!r}"
                f"{', revoked' if existing.revoked_at else ''}); a key is registered once: "
                "generate a new key pair for a new registration"
            )
        key = PartnerSigningKey(
            partner_id=partner.id,
            public_key=bytes(public_key),
            key_sha256=key_sha256,
            created_at=datetime.now(UTC),
            revoked_at=None,
        )
        self.session.add(key)
        self.session.flush()
        return key

    def find(self, key_sha256: str) -> PartnerSigningKey | None:
        """The key with this SHA-256 (hex), revoked or not, or None."""
        return self.session.scalars(
            sa.select(PartnerSigningKey).where(PartnerSigningKey.key_sha256 == key_sha256)
        ).first()

    def revoke_signing_key(self, key_sha256: str) -> PartnerSigningKey:
        """Mark the key revoked now; it verifies no new submission from then on."""
        key = self.find(key_sha256.lower())
        if key is None:
            raise PartnerKeyError(
                f"no signing key with SHA-256 {key_sha256}; list a partner's keys with "
                "`accord partner key list NAME`"
            )
        if key.revoked_at is not None:
            raise PartnerKeyError(
                f"key {key.key_sha256} was already revoked at {key.revoked_at.isoformat()}"
            )
        key.revoked_at = datetime.now(UTC)
        self.session.flush()
        return key

    def signing_keys(self, partner: Partner) -> list[PartnerSigningKey]:
        """Every key of `partner`, revoked ones included, oldest first."""
        return list(
            self.session.scalars(
                sa.select(PartnerSigningKey)
                .where(PartnerSigningKey.partner_id == partner.id)
                .order_by(PartnerSigningKey.id)
            )
        )

    def active_signing_keys(self, partner: Partner) -> list[PartnerSigningKey]:
        """The keys of `partner` that are not revoked, oldest first."""
        return [key for key in self.signing_keys(partner) if key.revoked_at is None]
