"""Failures of the campaign workflow: each family its own type, each message names the fix."""

from __future__ import annotations

__all__ = [
    "CampaignAccessDenied",
    "CampaignError",
    "InvalidCampaignTransition",
    "UnknownCampaignItem",
]


class CampaignError(ValueError):
    """A campaign step cannot be done as asked (the message says why and what to do)."""


class CampaignAccessDenied(CampaignError, PermissionError):
    """The principal may not take this step: wrong role, or not a member of the pool."""


class UnknownCampaignItem(CampaignError, LookupError):
    """A request, plan or task id that the store does not hold."""


class InvalidCampaignTransition(CampaignError):
    """A step that the request's or task's current state does not allow."""

    def __init__(self, item: str, current: str, step: str, allowed: str) -> None:
        self.item, self.current, self.step = item, current, step
        super().__init__(f"{item} is {current}: cannot {step}; {allowed}")
