"""Partners' contacts and assets: satellite claims (checked against the catalog), stations.

Row access inside the caller's session. The audited state changes (a claim, a contest, a
station registered) go through `accord.access`, which also appends their audit entries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from accord.store._access_models import (
    ClaimStatus,
    GroundStationRow,
    PartnerContact,
    SatelliteClaim,
    StationKind,
)
from accord.store._campaign_models import PoolStationRow
from accord.store._coordination import NotificationRow, NotificationStatus
from accord.store._models import Partner, SpaceObject

__all__ = [
    "STATION_ID",
    "AssetError",
    "AssetRepository",
    "ClaimOutcome",
    "StationStatus",
    "UnknownObjectError",
    "station_id_for",
    "station_prefix",
    "station_status",
]

#: A station id as agreement documents name it in `station_ids`.
STATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_ACTIVE = (ClaimStatus.CLAIMED.value, ClaimStatus.CONTESTED.value)
#: An e-mail address as notices are sent to it: local part, '@', a dotted domain (RFC 5321's
#: 254-character limit on a path). Deliberately plain: quoted local parts and address
#: literals are valid but no partner desk uses them, and each is a way to smuggle a space.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_MAX_EMAIL = 254
#: Longest contact name and role (the columns' sizes).
_MAX_NAME, _MAX_ROLE = 200, 100
_UNDELIVERED = (NotificationStatus.PENDING.value, NotificationStatus.FAILED.value)


def _plain_text(text: str) -> bool:
    """True for text without control characters or lone surrogates (neither can be stored
    in every backend nor printed on one line)."""
    return not any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


class AssetError(ValueError):
    """An asset cannot be registered, claimed or withdrawn as asked (the message says why)."""


class UnknownObjectError(AssetError, LookupError):
    """A claim names a NORAD id that the catalog does not hold (or, to the claimant, seems
    not to: an object none of whose element sets it may see gets the same error)."""

    @classmethod
    def for_claim(cls, norad_id: int) -> UnknownObjectError:
        """The one refusal for an absent object and for one the claimant cannot see."""
        return cls(
            f"NORAD id {norad_id} is not in the catalog; a claim must name a catalogued "
            "object that you can see: import or sync its element set first (`accord catalog "
            "import`), or check the id with `accord catalog show`"
        )


class StationStatus(StrEnum):
    """Whether a station takes part in planning (`active`) or is kept for history only."""

    ACTIVE = "active"
    RETIRED = "retired"


def station_status(row: GroundStationRow) -> StationStatus:
    """`retired` once the station was retired, else `active`."""
    return StationStatus.ACTIVE if row.retired_at is None else StationStatus.RETIRED


def station_prefix(partner: Partner) -> str:
    """The prefix every station id of `partner` starts with: `<handle>:`."""
    return f"{partner.handle or partner.id}:"


def station_id_for(partner: Partner, name: str) -> str:
    """The default station id of `partner`'s station `name`: `<handle>:<name slug>`.

    The slug is the name in lower case with every run of other characters as one '-'
    (`Kiruna (ESTRACK)` -> `esa:kiruna-estrack`); the id is cut at 64 characters.
    """
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower())
    return f"{station_prefix(partner)}{'-'.join(filter(None, slug.split('-')))}"[:64]


@dataclass(frozen=True, slots=True)
class ClaimOutcome:
    """A new claim and the other partners' active claims on the same object, if any.

    `contested_with` is empty for an uncontested claim; otherwise those claims (and the new
    one) are now `contested`, every one of them kept.
    """

    claim: SatelliteClaim
    contested_with: tuple[SatelliteClaim, ...]

    @property
    def contested(self) -> bool:
        """True when another partner already claimed the object."""
        return bool(self.contested_with)


class AssetRepository:
    """Contacts, satellite claims and ground stations, inside the caller's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- contacts --------------------------------------------------------------------

    def add_contact(
        self,
        partner: Partner,
        *,
        name: str,
        email: str,
        role: str,
        at: datetime | None = None,
    ) -> PartnerContact:
        """Add a contact (name, e-mail address, what to contact them for) to `partner`.

        Raises `AssetError` naming the field and the fix for an empty or over-long name or
        role, text with control characters, or an e-mail address that is not `local@domain`.
        """
        where = f"contact of {partner.handle or partner.name!r}"
        for field, text, longest in (("name", name, _MAX_NAME), ("role", role, _MAX_ROLE)):
            if not text.strip() or len(text) > longest or not _plain_text(text):
                raise AssetError(
                    f"{where}: {field} {text!r} must be 1-{longest} characters of plain text "
                    "(no control characters)"
                )
        if len(email) > _MAX_EMAIL or not _EMAIL.fullmatch(email):
            raise AssetError(
                f"{where}: e-mail {email!r} is not an address notices can be sent to; give "
                "one like ops-desk@agency.example (local part, '@', a dotted domain)"
            )
        contact = PartnerContact(
            partner_id=partner.id,
            name=name.strip(),
            email=email,
            role=role.strip(),
            created_at=at or datetime.now(UTC),
        )
        self.session.add(contact)
        self.session.flush()
        return contact

    def contacts(self, partner: Partner) -> list[PartnerContact]:
        """The partner's contacts, oldest first."""
        return list(
            self.session.scalars(
                sa.select(PartnerContact)
                .where(PartnerContact.partner_id == partner.id)
                .order_by(PartnerContact.id)
            )
        )

    def contact(self, partner: Partner, contact_id: int) -> PartnerContact:
        """`partner`'s contact `contact_id`; `AssetError` if it has none with that id."""
        contact = self.session.get(PartnerContact, contact_id)
        if contact is None or contact.partner_id != partner.id:
            raise AssetError(
                f"partner {partner.handle or partner.name!r} has no contact {contact_id}; "
                "list its contacts (`accord partner contact list HANDLE`)"
            )
        return contact

    def remove_contact(self, partner: Partner, contact_id: int) -> tuple[PartnerContact, int]:
        """Delete `partner`'s contact `contact_id`; returns it and the notices dropped.

        Notices queued for it and not yet delivered (pending or failed) are dropped: they
        would otherwise still go to the removed address. Delivered ones are kept, unlinked
        from the contact, as the record of what was sent.
        """
        contact = self.contact(partner, contact_id)
        dropped = self.session.execute(
            sa.delete(NotificationRow).where(
                NotificationRow.recipient_contact_id == contact.id,
                NotificationRow.status.in_(_UNDELIVERED),
            )
        )
        self.session.execute(
            sa.update(NotificationRow)
            .where(NotificationRow.recipient_contact_id == contact.id)
            .values(recipient_contact_id=None)
        )
        self.session.delete(contact)
        self.session.flush()
        return contact, int(getattr(dropped, "rowcount", 0) or 0)

    # --- satellite claims --------------------------------------------------------------

    def claim(self, partner: Partner, norad_id: int, *, at: datetime | None = None) -> ClaimOutcome:
        """Record `partner`'s claim on the catalogued object `norad_id`.

        Raises `UnknownObjectError` when the catalog has no such object and `AssetError`
        when the partner already holds an active claim on it. Another partner's active
        claim makes both (all) claims `contested`; none is dropped.
        """
        if self.session.get(SpaceObject, norad_id) is None:
            raise UnknownObjectError.for_claim(norad_id)
        active = self.active_claims(norad_id)
        if any(c.partner_id == partner.id for c in active):
            raise AssetError(f"{partner.name!r} already claims NORAD id {norad_id}")
        others = tuple(active)
        status = ClaimStatus.CONTESTED if others else ClaimStatus.CLAIMED
        for other in others:
            other.status = ClaimStatus.CONTESTED.value
        claim = SatelliteClaim(
            partner_id=partner.id,
            norad_id=norad_id,
            claimed_at=at or datetime.now(UTC),
            status=status.value,
            withdrawn_at=None,
        )
        self.session.add(claim)
        self.session.flush()
        return ClaimOutcome(claim, others)

    def withdraw(self, partner: Partner, norad_id: int, *, at: datetime | None = None) -> None:
        """Withdraw `partner`'s claim; a sole remaining claim is no longer contested."""
        active = self.active_claims(norad_id)
        own = [c for c in active if c.partner_id == partner.id]
        if not own:
            raise AssetError(f"{partner.name!r} holds no active claim on NORAD id {norad_id}")
        for claim in own:
            claim.status = ClaimStatus.WITHDRAWN.value
            claim.withdrawn_at = at or datetime.now(UTC)
        remaining = [c for c in active if c.partner_id != partner.id]
        if len(remaining) == 1:
            remaining[0].status = ClaimStatus.CLAIMED.value
        self.session.flush()

    def active_claims(self, norad_id: int) -> list[SatelliteClaim]:
        """Claims on the object that are not withdrawn, earliest first."""
        return list(
            self.session.scalars(
                sa.select(SatelliteClaim)
                .where(SatelliteClaim.norad_id == norad_id, SatelliteClaim.status.in_(_ACTIVE))
                .order_by(SatelliteClaim.claimed_at, SatelliteClaim.id)
            )
        )

    def claims_of(self, partner: Partner) -> list[SatelliteClaim]:
        """Every claim `partner` made, withdrawn ones included, by NORAD id."""
        return list(
            self.session.scalars(
                sa.select(SatelliteClaim)
                .where(SatelliteClaim.partner_id == partner.id)
                .order_by(SatelliteClaim.norad_id, SatelliteClaim.id)
            )
        )

    def owners(self, norad_ids: Iterable[int] | None = None) -> dict[int, int]:
        """NORAD id -> partner id of its owner: the earliest active claim.

        While a claim is contested, the first claimant keeps ownership until one of them
        withdraws, so that claiming an object never reveals another partner's data.
        Objects without an active claim are absent. `None` asks for every claimed object.
        """
        query = (
            sa.select(SatelliteClaim.norad_id, SatelliteClaim.partner_id)
            .where(SatelliteClaim.status.in_(_ACTIVE))
            .order_by(SatelliteClaim.claimed_at.desc(), SatelliteClaim.id.desc())
        )
        if norad_ids is not None:
            ids = list(norad_ids)
            if not ids:
                return {}
            query = query.where(SatelliteClaim.norad_id.in_(ids))
        # Latest first, so the earliest claim is written last and wins.
        return {norad_id: partner_id for norad_id, partner_id in self.session.execute(query)}

    # --- ground stations and sensors -----------------------------------------------------

    def add_station(
        self,
        partner: Partner,
        *,
        name: str,
        latitude_deg: float,
        longitude_deg: float,
        station_id: str | None = None,
        altitude_m: float = 0.0,
        min_elevation_deg: float = 5.0,
        max_range_km: float | None = None,
        kind: StationKind = StationKind.GROUND_STATION,
        provider: str | None = None,
    ) -> GroundStationRow:
        """Register a ground station or sensor of `partner` (WGS-84 degrees, metres, km).

        `station_id` must start with the partner's `<handle>:` (a partner names only its own
        stations: agreements grant by station id); None derives it from the name
        (`station_id_for`). Raises `AssetError` naming the field and the fix.
        """
        station_id = station_id_for(partner, name) if station_id is None else station_id
        where = f"station {station_id!r} ({name})"
        if not STATION_ID.fullmatch(station_id):
            raise AssetError(
                f"{where}: the id must be letters, digits, '_', '.', ':', '-' (at most 64)"
            )
        prefix = station_prefix(partner)
        if not station_id.startswith(prefix) or station_id == prefix:
            raise AssetError(
                f"{where}: a station id of partner {partner.handle or partner.name!r} starts "
                f"with {prefix!r}; name it {prefix}<station> (such as "
                f"{station_id_for(partner, name)!r}), or give no id to derive it from the name"
            )
        _check_station(
            where,
            name=name,
            latitude_deg=latitude_deg,
            longitude_deg=longitude_deg,
            altitude_m=altitude_m,
            min_elevation_deg=min_elevation_deg,
            max_range_km=max_range_km,
            provider=provider,
        )
        existing = self.station(station_id)
        if existing is not None:
            retired = " (retired: ids are never reused)" if existing.retired_at else ""
            raise AssetError(f"{where}: a station with this id is already registered{retired}")
        row = GroundStationRow(
            partner_id=partner.id,
            station_id=station_id,
            name=name,
            kind=StationKind(kind).value,
            latitude_deg=latitude_deg,
            longitude_deg=longitude_deg,
            altitude_m=altitude_m,
            min_elevation_deg=min_elevation_deg,
            max_range_km=max_range_km,
            provider=provider,
            created_at=datetime.now(UTC),
            retired_at=None,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def own_station(self, partner: Partner, station_id: str) -> GroundStationRow:
        """`partner`'s station `station_id`; `AssetError` if it has none with that id."""
        row = self.station(station_id)
        if row is None or row.partner_id != partner.id:
            raise AssetError(
                f"partner {partner.handle or partner.name!r} has no station {station_id!r}; "
                "list its stations (`accord partner station list HANDLE`)"
            )
        return row

    def update_station(
        self, partner: Partner, station_id: str, **changes: object
    ) -> dict[str, tuple[object, object]]:
        """Change `partner`'s station; returns {field: (before, after)} for what changed.

        `changes` may name `name`, `latitude_deg`, `longitude_deg`, `altitude_m`,
        `min_elevation_deg`, `max_range_km` (None removes the limit), `provider` (None
        removes it) and `status` (`StationStatus`: retiring keeps the row, reactivating
        clears `retired_at`). The id and kind never change. A retired station is changed
        only together with `status: active`. Raises `AssetError` naming the field.
        """
        row = self.own_station(partner, station_id)
        unknown = sorted(set(changes) - _STATION_FIELDS - {"status"})
        if unknown:
            raise AssetError(
                f"station {station_id!r}: {', '.join(unknown)} cannot be changed; change "
                f"{', '.join(sorted(_STATION_FIELDS | {'status'}))} (id and kind are fixed: "
                "register a new station)"
            )
        status = changes.pop("status", None)
        status = None if status is None else StationStatus(str(status))
        if row.retired_at is not None and changes and status is not StationStatus.ACTIVE:
            raise AssetError(
                f"station {station_id!r} is retired; reactivate it (status 'active') in the "
                "same change to edit it"
            )
        for field, value in changes.items():
            if value is None and field not in _OPTIONAL_STATION_FIELDS:
                raise AssetError(
                    f"station {station_id!r}: {field} cannot be removed; give a value, or leave "
                    "it out to keep the current one"
                )
        fields = {f: getattr(row, f) for f in _STATION_FIELDS}
        fields.update(changes)
        _check_station(f"station {station_id!r}", **fields)
        changed: dict[str, tuple[object, object]] = {}
        for field, value in changes.items():
            if getattr(row, field) != value:
                changed[field] = (getattr(row, field), value)
                setattr(row, field, value)
        if status is not None and status is not station_status(row):
            changed["status"] = (station_status(row).value, status.value)
            row.retired_at = datetime.now(UTC) if status is StationStatus.RETIRED else None
        self.session.flush()
        return changed

    def retire_station(
        self, partner: Partner, station_id: str, *, at: datetime | None = None
    ) -> GroundStationRow:
        """Retire `partner`'s station: it stays registered for history, with `retired_at`.

        Nothing that names it is deleted (pool memberships, tasks, agreements, audit
        entries) and its id is never reused. Raises `AssetError` when it is already retired.
        """
        row = self.own_station(partner, station_id)
        if row.retired_at is not None:
            raise AssetError(
                f"station {station_id!r} was already retired at {row.retired_at.isoformat()}"
            )
        row.retired_at = at or datetime.now(UTC)
        self.session.flush()
        return row

    def station_pools(self, row: GroundStationRow) -> list[str]:
        """The pools that `row` was offered to, by name."""
        return list(
            self.session.scalars(
                sa.select(PoolStationRow.pool)
                .where(PoolStationRow.station_row_id == row.id)
                .order_by(PoolStationRow.pool)
            )
        )

    def station(self, station_id: str) -> GroundStationRow | None:
        """The station with this id (active or retired), or None."""
        return self.session.scalars(
            sa.select(GroundStationRow).where(GroundStationRow.station_id == station_id)
        ).first()

    def stations(
        self, partner: Partner | None = None, *, status: StationStatus | None = None
    ) -> list[GroundStationRow]:
        """Stations of `partner` (or of everyone), by station id; `status` filters."""
        query = sa.select(GroundStationRow).order_by(GroundStationRow.station_id)
        if partner is not None:
            query = query.where(GroundStationRow.partner_id == partner.id)
        if status is StationStatus.ACTIVE:
            query = query.where(GroundStationRow.retired_at.is_(None))
        elif status is StationStatus.RETIRED:
            query = query.where(GroundStationRow.retired_at.is_not(None))
        return list(self.session.scalars(query))


#: The fields of a station that can change after registration.
_STATION_FIELDS = frozenset(
    {
        "name",
        "latitude_deg",
        "longitude_deg",
        "altitude_m",
        "min_elevation_deg",
        "max_range_km",
        "provider",
    }
)
#: The changeable fields that may be None (no range limit, no separate provider).
_OPTIONAL_STATION_FIELDS = frozenset({"max_range_km", "provider"})
#: Altitude bounds of a station (m above the WGS-84 ellipsoid): the Dead Sea shore to a
#: high-altitude platform; outside them the value is a unit mistake (km for m).
_MIN_ALTITUDE_M, _MAX_ALTITUDE_M = -500.0, 100_000.0


def _check_station(
    where: str,
    *,
    name: str,
    latitude_deg: float,
    longitude_deg: float,
    altitude_m: float,
    min_elevation_deg: float,
    max_range_km: float | None,
    provider: str | None,
) -> None:
    """Raise `AssetError` naming the first field out of range and its range."""
    for field, text in (("name", name), ("provider", provider)):
        if text is not None and (
            not text.strip() or len(text) > _MAX_NAME or not _plain_text(text)
        ):
            raise AssetError(
                f"{where}: {field} {text!r} must be 1-{_MAX_NAME} characters of plain text"
            )
    # `not a <= x <= b` also refuses NaN.
    if not -90.0 <= latitude_deg <= 90.0 or not -180.0 <= longitude_deg <= 180.0:
        raise AssetError(
            f"{where}: latitude {latitude_deg} / longitude {longitude_deg} out of range "
            "(latitude_deg -90..90, longitude_deg -180..180 degrees)"
        )
    if not _MIN_ALTITUDE_M <= altitude_m <= _MAX_ALTITUDE_M:
        raise AssetError(
            f"{where}: altitude_m {altitude_m} is not in {_MIN_ALTITUDE_M:g}..{_MAX_ALTITUDE_M:g} "
            "m (metres above the WGS-84 ellipsoid, not km)"
        )
    if not -90.0 <= min_elevation_deg <= 90.0:
        raise AssetError(
            f"{where}: min_elevation_deg {min_elevation_deg} is not in -90..90 degrees"
        )
    if max_range_km is not None and not max_range_km > 0:
        raise AssetError(
            f"{where}: max_range_km {max_range_km} must be positive (or none for no limit)"
        )
