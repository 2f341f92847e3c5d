"""Deadlines as the workflows hold them: which are still owed, when one becomes overdue, and the watch
that reports each breach once and escalates statutory ones to a manager.

Deterministic: no I/O, no wall clock (`workflow.now()` only).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.common.messages import DeadlineView, TimelineResult

# Periods that belong to the family: never breached, they simply close.
WINDOWS = frozenset({"representations_end", "appeal"})


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of `day`: when a deadline due the day before becomes overdue."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def key_of(d: DeadlineView) -> str:
    """A stable key for one occurrence of a deadline."""
    return f"{d.deadline}:{d.id or ''}:{d.from_date.isoformat()}"


def latest(timeline: TimelineResult | Sequence[DeadlineView] | None, name: str) -> DeadlineView | None:
    """The latest occurrence (by the day it started) of a deadline on a timeline."""
    if timeline is None:
        return None
    deadlines = timeline.deadlines if isinstance(timeline, TimelineResult) else timeline
    found = [d for d in deadlines if d.deadline == name]
    return max(found, key=lambda d: d.from_date, default=None)


def is_pending(d: DeadlineView) -> bool:
    """Not met and not excepted: something still must happen. A deadline met late keeps the status
    `overdue` (it was missed), but nothing more is owed on it."""
    return d.deadline not in WINDOWS and d.met_on is None and d.status in ("open", "overdue")


def today() -> date:
    """Today's date by the workflow's clock (UTC; the statute activity works in England's date)."""
    return workflow.now().date()


class DeadlineWatch:
    """Which deadlines have been reported breached or escalated, and when the next one falls due.

    A deadline is breached the day after its due date (overdue is `as_of > due`); a statutory one is
    escalated to a manager `escalate_after_days` later if still pending. Advice deadlines are left to
    their own `AdviceRequestWorkflow`. State is plain sets of keys, carried over continue-as-new.
    """

    def __init__(self, *, escalate_after_days: int, breached: set[str], escalated: set[str]) -> None:
        self.escalate_after = timedelta(days=escalate_after_days)
        self.breached = breached
        self.escalated = escalated

    def next_wake(self, deadlines: list[DeadlineView], *, advice: bool = False) -> datetime | None:
        """When something next needs doing: a breach, an escalation, or a window closing; with `advice`,
        also the day an advice deadline becomes overdue (its request chases it; the case's read model
        only shows it)."""
        wakes: list[datetime] = []
        for d in deadlines:
            if d.deadline == "advice":
                if advice and d.status == "open":
                    wakes.append(start_of(d.due + timedelta(days=1)))
                continue
            key = key_of(d)
            if is_pending(d) and key not in self.breached:
                wakes.append(start_of(d.due + timedelta(days=1)))
            elif is_pending(d) and d.statutory and key not in self.escalated:
                wakes.append(start_of(d.due + timedelta(days=1) + self.escalate_after))
            elif d.status == "open":  # a family's window: refresh the read model when it closes
                wakes.append(start_of(d.due + timedelta(days=1)))
        return min(wakes, default=None)

    def silence(self, deadlines: list[DeadlineView], *, before: date) -> None:
        """Take every deadline due before `before` as reported already: an imported case's past breaches
        are in its read model, not announced (`ehcp import`)."""
        past = {key_of(d) for d in deadlines if d.due < before}
        self.breached |= past
        self.escalated |= past

    def due_now(self, deadlines: list[DeadlineView], now: datetime) -> list[tuple[str, DeadlineView]]:
        """The notices owed now, as (template, deadline), marking them sent."""
        owed: list[tuple[str, DeadlineView]] = []
        for d in deadlines:
            if d.deadline == "advice" or not is_pending(d) or d.status != "overdue":
                continue
            key = key_of(d)
            if key not in self.breached:
                self.breached.add(key)
                owed.append(("deadline_breached", d))
            escalate_at = start_of(d.due + timedelta(days=1) + self.escalate_after)
            if d.statutory and key not in self.escalated and now >= escalate_at:
                self.escalated.add(key)
                owed.append(("deadline_escalated", d))
        return owed


async def wait_until(wake: datetime | None, done: Callable[[], bool]) -> None:
    """Sleep until `wake` (forever if None) or until `done()`; at once if `wake` has passed."""
    wait = None if wake is None else wake - workflow.now()
    if wait is not None and wait <= timedelta(0):
        return
    with contextlib.suppress(TimeoutError):
        await workflow.wait_condition(done, timeout=wait)
