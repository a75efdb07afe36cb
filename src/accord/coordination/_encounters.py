"""What the rules of the road see of a conjunction: two sides, the regime, the relative speed.

An `Encounter` is built by the layer above from a conjunction event, the claims of the two
objects (`operator` None: nobody claims it) and each operator's Pc threshold (the Pc at or
above which that operator acts, from its own settings or an agreement).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from accord.coordination._errors import EncounterError

__all__ = [
    "Encounter",
    "EncounterSide",
    "LowerPcThreshold",
    "ObjectType",
    "OrbitRegime",
    "Side",
]


class ObjectType(StrEnum):
    """The kind of object, as in SATCAT's object type (PAY, R/B, DEB, UNK)."""

    PAYLOAD = "payload"
    ROCKET_BODY = "rocket_body"
    DEBRIS = "debris"
    UNKNOWN = "unknown"


class OrbitRegime(StrEnum):
    """The orbit regime of the encounter (of the primary object).

    LEO: perigee below 2,000 km; GEO: period within 1,436 ± 30 min and eccentricity below
    0.1; HEO: eccentricity 0.25 or more; MEO: the rest (the layer above classifies).
    """

    LEO = "LEO"
    MEO = "MEO"
    GEO = "GEO"
    HEO = "HEO"


class Side(StrEnum):
    """One side of an encounter, in the CDM's order (object 1 is the primary)."""

    PRIMARY = "primary"
    SECONDARY = "secondary"

    @property
    def other(self) -> Side:
        """The opposite side."""
        return Side.SECONDARY if self is Side.PRIMARY else Side.PRIMARY


class LowerPcThreshold(StrEnum):
    """Whose operator acts at the lower Pc (is more cautious): derived, never given."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    EQUAL = "equal"
    #: At least one side has no operator threshold (unclaimed, or not declared).
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class EncounterSide:
    """One object of the encounter and what is known of its operator.

    `operator` is the claiming partner's id, None when nobody claims the object;
    `pc_threshold` is that operator's Pc threshold (dimensionless), None when not declared.
    """

    norad_id: int
    object_type: ObjectType
    manoeuvrable: bool
    operator: str | None = None
    pc_threshold: float | None = None

    def __post_init__(self) -> None:
        if self.object_type is ObjectType.DEBRIS and self.manoeuvrable:
            raise EncounterError(
                f"object {self.norad_id}: object_type=debris with manoeuvrable=true; debris "
                "cannot manoeuvre: fix the object type (payload?) or the manoeuvrability"
            )
        if self.operator is None and self.pc_threshold is not None:
            raise EncounterError(
                f"object {self.norad_id}: pc_threshold={self.pc_threshold} but no operator; "
                "a threshold belongs to the operator that claims the object"
            )
        if self.pc_threshold is not None and not 0.0 < self.pc_threshold <= 1.0:
            raise EncounterError(
                f"object {self.norad_id}: pc_threshold={self.pc_threshold}; expected a "
                "probability in (0, 1]"
            )

    @property
    def claimed(self) -> bool:
        """Whether a partner claims the object."""
        return self.operator is not None


@dataclass(frozen=True, slots=True)
class Encounter:
    """A conjunction as the rules of the road see it.

    `relative_speed_km_s` is the speed of the secondary relative to the primary at TCA.
    """

    primary: EncounterSide
    secondary: EncounterSide
    regime: OrbitRegime
    relative_speed_km_s: float

    def __post_init__(self) -> None:
        if not self.relative_speed_km_s >= 0.0:
            raise EncounterError(
                f"relative_speed_km_s={self.relative_speed_km_s}; expected a speed >= 0 km/s"
            )

    def side(self, which: Side) -> EncounterSide:
        """The primary or secondary side."""
        return self.primary if which is Side.PRIMARY else self.secondary

    @property
    def lower_pc_threshold(self) -> LowerPcThreshold:
        """Which side's operator has the lower Pc threshold."""
        p, s = self.primary.pc_threshold, self.secondary.pc_threshold
        if p is None or s is None:
            return LowerPcThreshold.UNKNOWN
        if p < s:
            return LowerPcThreshold.PRIMARY
        if s < p:
            return LowerPcThreshold.SECONDARY
        return LowerPcThreshold.EQUAL

    @property
    def operators(self) -> frozenset[str]:
        """The partners that claim one of the two objects."""
        return frozenset(o for o in (self.primary.operator, self.secondary.operator) if o)
