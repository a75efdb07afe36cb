"""Row values as Space-Track compares them and as it prints them.

Rows come from the store as plain mappings; a value may already be typed (int, float,
datetime, date) or be the string Space-Track would print. Both are accepted everywhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from accord.spacetrack._fields import Field, FieldKind

__all__ = ["comparable_value", "printed_value"]

Comparable = int | float | str | datetime


def comparable_value(field: Field, value: object) -> Comparable | None:
    """`value` as `field`'s kind compares it: number, casefolded text or UTC datetime.

    None (and an empty string in a non-text field) is SQL NULL. Raise ValueError naming
    the field when a stored string does not parse as the field's kind.
    """
    if value is None:
        return None
    kind = field.kind
    if kind is FieldKind.TEXT:
        return str(value).casefold()
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            if kind in (FieldKind.INTEGER, FieldKind.DECIMAL):
                return int(text) if text.lstrip("+-").isdigit() else float(text)
            return _utc(datetime.fromisoformat(text))
        except ValueError:
            raise ValueError(
                f"stored value {value!r} of field {field.name} is not a {kind.value}"
            ) from None
    if kind in (FieldKind.INTEGER, FieldKind.DECIMAL):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        if isinstance(value, Decimal):
            return float(value)
    elif isinstance(value, datetime):
        return _utc(value)
    elif isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    raise ValueError(
        f"stored value {value!r} ({type(value).__name__}) of field {field.name} is not a "
        f"{kind.value}"
    )


def printed_value(field: Field, value: object) -> str | None:
    """The string Space-Track prints for `value` in `field` (None stays None, JSON null).

    Decimals are printed as the shortest positional decimal that reads back to the same
    double (Space-Track pads to the column's scale; see docs/spacetrack.md); times are
    ISO 8601 UTC without zone, with `field.fraction_digits` second decimals.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    kind = field.kind
    if kind is FieldKind.DECIMAL and isinstance(value, float):
        return _positional(value)
    if kind is FieldKind.INTEGER and isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        moment = _utc(value)
        if kind is FieldKind.DATE:
            return moment.date().isoformat()
        digits = field.fraction_digits
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
        if digits:
            text += "." + f"{moment.microsecond:06d}"[:digits].ljust(digits, "0")
        return text
    if isinstance(value, date):
        if kind is FieldKind.DATETIME:
            return printed_value(field, datetime.combine(value, time(0), tzinfo=UTC))
        return value.isoformat()
    return str(value)


def _positional(number: float) -> str:
    """Shortest round-trip decimal without exponent: 1e-05 -> '0.00001'."""
    return format(Decimal(repr(number)), "f")


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
