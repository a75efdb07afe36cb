"""The coordination scheduler: opening cases, deadlines, escalations and e-mail, periodically.

Each tick runs, at one `now`: `open_cases_from_alerts`, `advance_all`,
`open_disputes_from_claims` (contested satellite claims) and `send_pending`, each in its
own short transactions. The scheduler keeps no state between ticks: what is
due is read from the store every time, each item is applied in one transaction together
with its audit entries and queued notices, and re-checked under a lock before it is, so a
process killed at any instant (kill -9) leaves every item done or untouched and the next
tick (of this process after a restart, or of another) does the rest, dated at the
deadlines. Notifications are at least once: a row whose e-mail the server accepted just
before the process died is sent again (nothing can make SMTP and the store commit
together); every other row once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from accord.coordination_ops._cases import open_cases_from_alerts
from accord.coordination_ops._claims import ClaimDisputesReport, open_disputes_from_claims
from accord.coordination_ops._disputes import AdvanceReport, advance_all
from accord.coordination_ops._notify import SendReport, send_pending
from accord.settings import Settings

__all__ = ["CoordinationScheduler", "TickReport", "run_coordination_tick"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one tick did: cases opened, what `advance_all` changed, e-mails sent, and the
    disputes of contested claims (opened or already open, and pairs without one)."""

    at: datetime
    cases_opened: tuple[str, ...]
    advanced: AdvanceReport
    sent: SendReport
    claims: ClaimDisputesReport = ClaimDisputesReport()


def run_coordination_tick(engine: Engine, settings: Settings, *, now: datetime) -> TickReport:
    """One scheduler step at `now` (aware UTC): open cases, apply deadlines, send e-mail.

    Idempotent: a second call at the same `now` changes nothing but retries due e-mail.
    """
    opened = open_cases_from_alerts(engine, now=now)
    advanced = advance_all(engine, now)
    claims = open_disputes_from_claims(engine, now)
    sent = send_pending(engine, settings, now=now)
    return TickReport(now, tuple(opened), advanced, sent, claims)


class CoordinationScheduler:
    """Runs `run_coordination_tick` every `ACCORD_COORDINATION_TICK_S` seconds in a thread.

    The first tick runs at `start()` (catching up on whatever fell due while no process
    ran); 0 seconds disables the scheduler. `clock` (aware UTC now) is injectable.
    """

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._clock = clock or (lambda: datetime.now(UTC))
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def interval_s(self) -> float:
        """Seconds between the starts of two ticks (ACCORD_COORDINATION_TICK_S)."""
        return self._settings.coordination_tick_s

    def tick(self) -> TickReport:
        """One step now, in the calling thread."""
        return run_coordination_tick(self._engine, self._settings, now=self._clock())

    def start(self) -> None:
        """Start the thread (nothing when the interval is 0)."""
        if self.interval_s <= 0 or self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._loop, name="accord-coordination-scheduler", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Ask the thread to stop after its current tick and wait up to `timeout_s`.

        A tick cut short is harmless: what it did not apply is still due in the store.
        """
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                report = self.tick()
            except Exception:  # a failing tick is retried at the next interval
                _log.exception("coordination scheduler: tick failed; retrying next interval")
            else:
                if report.cases_opened or report.advanced.cases or report.advanced.disputes:
                    _log.info(
                        "coordination scheduler: %d case(s) opened, %d advanced, %d dispute(s) "
                        "opened, %d escalated, %d e-mail(s) sent",
                        len(report.cases_opened),
                        len(report.advanced.cases),
                        len(report.advanced.disputes_opened),
                        len(report.advanced.disputes),
                        report.sent.sent,
                    )
            self._stopping.wait(self.interval_s)
