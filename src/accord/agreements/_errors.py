"""Exceptions of the agreements package: invalid documents, refused transitions, bad requests."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AgreementError",
    "AgreementProblem",
    "AgreementTerminatedError",
    "AgreementValidationError",
    "AlreadySignedError",
    "InvalidTransitionError",
    "NotAPartyError",
    "SignedVersionImmutableError",
    "AccessRequestError",
]


class AgreementError(ValueError):
    """Base of every error raised by accord.agreements."""


@dataclass(frozen=True, slots=True)
class AgreementProblem:
    """One problem in an agreement document: where it is, what was found, what was expected.

    `path` is written the way a reader finds it in the YAML, e.g.
    `clauses[2].data_sharing.embargo_hours`; the empty path is the document itself.
    """

    path: str
    found: str
    expected: str

    def __str__(self) -> str:
        where = self.path or "(document)"
        return f"{where}: found {self.found}; expected {self.expected}"


class AgreementValidationError(AgreementError):
    """An agreement document failed schema or semantic validation; lists every problem."""

    def __init__(self, source: str, problems: list[AgreementProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = [f"{source}: {len(self.problems)} problem(s) in the agreement document"]
        lines += [f"  - {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))


class InvalidTransitionError(AgreementError):
    """A lifecycle transition that the agreement's current state does not allow."""

    def __init__(self, agreement_id: str, transition: str, reason: str) -> None:
        self.agreement_id = agreement_id
        self.transition = transition
        self.reason = reason
        super().__init__(f"agreement {agreement_id!r}: cannot {transition}: {reason}")


class AgreementTerminatedError(InvalidTransitionError):
    """Any change to a terminated agreement: termination is final."""


class SignedVersionImmutableError(InvalidTransitionError):
    """Editing a version that a party has signed: amend it with a new version instead."""


class NotAPartyError(InvalidTransitionError):
    """A partner that is not a signatory of the version tried to sign or change it."""


class AlreadySignedError(InvalidTransitionError):
    """A party signed the same version twice."""


class AccessRequestError(AgreementError):
    """An authorisation request that cannot be evaluated (naive time, unknown resource kind)."""
