"""Who asked for a screening: the partner acted for and the principal, as stored and audited.

A screening submitted over the API records the caller's partner and principal name
(`key:<prefix>`, `user:<id>`); one run from the command line records the *local operator*
(someone with direct access to the store), acting for the partner named with `--as` or
for none. The audit log names the partner, or the system when there is none; the
principal's name stays in the store, since the log can never be erased and holds no
personal data (docs/audit.md). See docs/screening.md, "Who submitted a screening".
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.access import Principal
from accord.audit import Actor

__all__ = ["LOCAL_OPERATOR", "MAX_SUBMITTER_NAME_CHARS", "Submitter", "SubmitterError"]

#: The principal name of a screening run from the command line.
LOCAL_OPERATOR = "local operator"
#: Longest principal name stored (the width of `submitter_name`, migration 0012).
MAX_SUBMITTER_NAME_CHARS = 200


class SubmitterError(ValueError):
    """A submitter cannot be recorded (the message names the field and the fix)."""


@dataclass(frozen=True, slots=True)
class Submitter:
    """The partner (store id; None: the local operator for no partner) and principal name."""

    partner_id: int | None
    name: str

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > MAX_SUBMITTER_NAME_CHARS:
            raise SubmitterError(
                f"submitter name {self.name!r} must have 1 to {MAX_SUBMITTER_NAME_CHARS} "
                "characters; use the principal's name (key:<prefix>, user:<id>) or "
                f"{LOCAL_OPERATOR!r}"
            )
        if self.partner_id is not None and self.partner_id < 1:
            raise SubmitterError(
                f"submitter partner id {self.partner_id} is not a store id; pass the "
                "partner's id (partners.id) or None for the local operator"
            )

    @classmethod
    def of(cls, principal: Principal) -> Submitter:
        """The submitter an API caller (key or console user) is."""
        return cls(principal.partner_id, principal.name or f"partner:{principal.partner}")

    @classmethod
    def local_operator(cls, partner_id: int | None = None) -> Submitter:
        """The command line's operator, acting for `partner_id` (`--as`) or for no partner."""
        return cls(partner_id, LOCAL_OPERATOR)

    @property
    def actor(self) -> Actor:
        """Who the audit log names: the partner, or the system for no partner."""
        return Actor.system() if self.partner_id is None else Actor.partner(str(self.partner_id))
