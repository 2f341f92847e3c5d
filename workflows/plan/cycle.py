"""A plan's review cycle: what one run of `PlanWorkflow` holds and hands to the next (CFA s.44(1): a review
within every 12 months), as pure functions, unit-tested without Temporal
(tests/unit/workflows/test_plan_cycle.py).

A cycle opens at its anchor (the plan's making, or the LA's decision after a review) and owns the
deadlines that start on or after it. When a review decision has been made and every deadline that started
before it is settled, the next cycle can begin: the run continues as new carrying only what is dated from
the new anchor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from workflows.common.deadlines import is_pending, key_of, start_of
from workflows.common.messages import DeadlineView, StatuteEvent
from workflows.common.rules import last
from workflows.plan.messages import PlanStart

# The events that open a review cycle: its review is due 12 months later (CFA s.44(1)).
ANCHORS = ("final_issued", "plan_reviewed")
# A plan transferred to another LA: these are that LA's duties (reg 15(4)-(5)), not this one's.
NEW_LA_DEADLINES = frozenset({"transfer_inform", "transfer_review"})
# When the caseworker is reminded to arrange a review, before its deadline: for an annual review, the
# invitations (2 weeks before a meeting held 4 weeks before the due date, so the decision can follow within
# 4 weeks, reg 20(10)) are 6 weeks out; for a phase transfer, the meeting must be 12 weeks before the
# deadline (the 4-week decision and the 8-week amended plan, Devon [2022]).
REMIND = {
    "review_due": (timedelta(weeks=8), timedelta(weeks=4)),  # (remind before, meet by) the due date
    "transfer_review": (timedelta(weeks=8), timedelta(weeks=4)),
    "phase_transfer_review": (timedelta(weeks=14), timedelta(weeks=12)),
}


@dataclass
class PlanCycle:
    """What a run of the plan carries, in one object: the cycle it serves, the events dated from its
    anchor, which of its deadlines were reported breached, escalated or reminded of, whether an appeal
    against ceasing was decided without an order, and the latest commands' update ids (a command retried
    after the run continued as new is answered, not applied twice)."""

    cycle: int
    cycle_from: date
    events: list[StatuteEvent]
    breached: set[str] = field(default_factory=set)
    escalated: set[str] = field(default_factory=set)
    reminded: set[str] = field(default_factory=set)
    applied: list[str] = field(default_factory=list)
    appeal_concluded_on: date | None = None

    @classmethod
    def of(cls, start: PlanStart) -> PlanCycle:
        """The cycle a run starts: the first run is given the assessment's whole history and keeps what is
        dated from the plan's making."""
        cycle_from = start.cycle_from or start.made_on
        return cls(
            cycle=start.cycle,
            cycle_from=cycle_from,
            events=_answered_within([e for e in start.events if e.date >= cycle_from]),
            breached=set(start.breached),
            escalated=set(start.escalated),
            reminded=set(start.reminded),
            applied=list(start.applied),
            appeal_concluded_on=start.appeal_concluded_on,
        )

    def owned(self, deadlines: Sequence[DeadlineView]) -> list[DeadlineView]:
        """The deadlines this cycle owns: those starting on or after its anchor."""
        return [d for d in deadlines if d.from_date >= self.cycle_from]

    def next_anchor(self, deadlines: Sequence[DeadlineView]) -> StatuteEvent | None:
        """The review decision that opens the next cycle, once every deadline before it is settled."""
        anchor = last(self.events, "plan_reviewed")
        if anchor is None or anchor.date <= self.cycle_from:
            return None
        unsettled = [
            d
            for d in deadlines
            if d.from_date < anchor.date
            and (is_pending(d) or (d.deadline == "appeal" and d.status == "open"))
        ]
        return None if unsettled else anchor

    def carried(self, deadlines: Sequence[DeadlineView]) -> PlanCycle:
        """What the next run carries: the next cycle's, or this cycle's again (when Temporal suggested
        continuing as new before the cycle ended)."""
        anchor = self.next_anchor(deadlines)
        cycle_from = anchor.date if anchor is not None else self.cycle_from
        kept = {key_of(d) for d in deadlines if d.from_date >= cycle_from}
        return PlanCycle(
            cycle=self.cycle + (1 if anchor is not None else 0),
            cycle_from=cycle_from,
            events=[e for e in self.events if e.date >= cycle_from],
            breached=self.breached & kept,
            escalated=self.escalated & kept,
            reminded=self.reminded & kept,
            applied=list(self.applied),
            appeal_concluded_on=self.appeal_concluded_on,
        )

    def start(self, start: PlanStart, *, state_version: int) -> PlanStart:
        """The run's input for this cycle: the plan's own facts from `start`, and this cycle's state."""
        return start.model_copy(
            update={
                "events": self.events,
                "state_version": state_version,
                "breached": sorted(self.breached),
                "escalated": sorted(self.escalated),
                "reminded": sorted(self.reminded),
                "cycle": self.cycle,
                "cycle_from": self.cycle_from,
                "appeal_concluded_on": self.appeal_concluded_on,
                "applied": self.applied,
                "arriving": None,  # recorded by the first run
            }
        )

    def remind_now(self, deadlines: Sequence[DeadlineView], now: datetime) -> list[DeadlineView]:
        """The reviews whose reminder is due at `now`, marked as reminded (each is reminded once)."""
        due = [d for at, d in self.reminders(deadlines, now) if now >= at]
        self.reminded.update(key_of(d) for d in due)
        return due

    def forgo_reminders(self, deadlines: Sequence[DeadlineView], before: datetime) -> None:
        """Mark as reminded the reviews whose reminder fell due before `before`: an imported plan's."""
        self.reminded.update(key_of(d) for at, d in self.reminders(deadlines, before) if at < before)

    def reminders(
        self, deadlines: Sequence[DeadlineView], now: datetime
    ) -> list[tuple[datetime, DeadlineView]]:
        """The reviews not yet reminded of and not yet due, with when to remind of each."""
        return [
            (start_of(d.due - REMIND[d.deadline][0]), d)
            for d in self.owned(deadlines)
            if d.deadline in REMIND
            and is_pending(d)
            and key_of(d) not in self.reminded
            and now < start_of(d.due + timedelta(days=1))
        ]


def meeting_dates(d: DeadlineView) -> dict[str, str]:
    """When the review meeting and its invitations must be, for a review due on `d`'s date."""
    meet_by = d.due - REMIND[d.deadline][1]
    return {
        "meeting_by": meet_by.isoformat(),
        "invitations_by": (meet_by - timedelta(weeks=2)).isoformat(),
    }


def _answered_within(events: list[StatuteEvent]) -> list[StatuteEvent]:
    """The events less answers whose question is not among them: advice received (or a school's answer)
    dated on or after the plan's making, to a request made before it. The statute engine refuses an
    answer with no request, and the plan's timeline then failed for ever."""
    asked = {(e.event, getattr(e, "id", None) or getattr(e, "school", None)) for e in events}
    questions = {"advice_received": "advice_requested", "school_responded": "school_consulted"}
    return [
        e
        for e in events
        if e.event not in questions
        or (questions[e.event], getattr(e, "id", None) or getattr(e, "school", None)) in asked
    ]
