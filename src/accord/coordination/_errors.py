"""Exceptions of the coordination package: rule sets, encounters, cases, disputes, compliance."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AmbiguousRulesError",
    "CaseClosedError",
    "CaseNotWarrantedError",
    "CoordinationError",
    "DisputeClauseMissingError",
    "DisputeClosedError",
    "EncounterError",
    "IncompleteRulesError",
    "InvalidCaseTransitionError",
    "InvalidDisputeTransitionError",
    "NoFurtherStepError",
    "NotACasePartyError",
    "NotADisputeParticipantError",
    "NotAuthorisedToDecideError",
    "RuleProblem",
    "RuleSetError",
    "TimeOrderError",
]


class CoordinationError(ValueError):
    """Base of every error raised by accord.coordination."""


@dataclass(frozen=True, slots=True)
class RuleProblem:
    """One problem in a rule-set document: where (`rules[2].when.regime`), found, expected."""

    path: str
    found: str
    expected: str

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: found {self.found}; expected {self.expected}"


class RuleSetError(CoordinationError):
    """A rule-set document failed schema or semantic validation; lists every problem."""

    def __init__(self, source: str, problems: list[RuleProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = [f"{source}: {len(self.problems)} problem(s) in the rules of the road"]
        lines += [f"  - {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))


class AmbiguousRulesError(RuleSetError):
    """Two rules of equal specificity both match some encounter: found when rules are compiled."""


class IncompleteRulesError(RuleSetError):
    """Some encounter matches no rule (the baseline needs its catch-all rule)."""


class EncounterError(CoordinationError):
    """An encounter description that cannot be true (debris marked manoeuvrable, naive TCA)."""


class CaseNotWarrantedError(CoordinationError):
    """An event that does not open a case (below thresholds, one partner's own objects)."""


class InvalidCaseTransitionError(CoordinationError):
    """A step the coordination case's current state does not allow."""

    def __init__(self, case_id: str, transition: str, reason: str) -> None:
        self.case_id = case_id
        self.transition = transition
        self.reason = reason
        super().__init__(f"coordination case {case_id!r}: cannot {transition}: {reason}")


class CaseClosedError(InvalidCaseTransitionError):
    """Any step on a case that is closed, refused or lapsed: those states are final."""


class NotACasePartyError(InvalidCaseTransitionError):
    """A partner that is not a party of the case tried to act on it."""


class InvalidDisputeTransitionError(CoordinationError):
    """A step the dispute's current state does not allow."""

    def __init__(self, dispute_id: str, transition: str, reason: str) -> None:
        self.dispute_id = dispute_id
        self.transition = transition
        self.reason = reason
        super().__init__(f"dispute {dispute_id!r}: cannot {transition}: {reason}")


class DisputeClosedError(InvalidDisputeTransitionError):
    """Any step on a resolved, withdrawn or exhausted dispute: those states are final."""


class NotADisputeParticipantError(InvalidDisputeTransitionError):
    """A partner that is neither a party nor the current step's mediator tried to act."""


class NotAuthorisedToDecideError(InvalidDisputeTransitionError):
    """A decision recorded by someone the current step does not let decide."""


class NoFurtherStepError(InvalidDisputeTransitionError):
    """Escalating from the clause's last step: there is nothing to escalate to."""


class DisputeClauseMissingError(CoordinationError):
    """The agreement has no dispute_resolution clause to follow."""


class TimeOrderError(CoordinationError):
    """A step dated before the last recorded step, or a naive (zone-less) time."""
