"""When an advice request chases its agency, and whether an answer can be taken (reg 8): pure functions,
unit-tested without Temporal (tests/unit/workflows/test_advice_rules.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from workflows.advice.messages import AdviceRequestStart, AdviceState, AdviceStatus, SubmitAdvice
from workflows.common.deadlines import start_of
from workflows.common.messages import AdviceSpec, DeadlineView
from workflows.common.records import Recipient
from workflows.common.rules import refuse


@dataclass(frozen=True, slots=True)
class ChaseStep:
    """One step of chasing: at `at`, if no answer has come, the status becomes `status` and `template`
    goes to `to`."""

    at: datetime
    status: AdviceStatus
    template: str
    to: Recipient


@dataclass(frozen=True, slots=True)
class AdviceFacts:
    start: AdviceRequestStart
    state: AdviceState
    submitted: bool
    today: date


def chase_steps(
    start: AdviceRequestStart, now: datetime, *, imported_on: date | None = None
) -> list[ChaseStep]:
    """A reminder before the 6-week due date, a chaser the day it becomes overdue, an escalation to a
    manager later. A request recorded late starts with some steps already past: only the latest of those
    is sent (an agency is not sent a reminder, a chaser and an escalation in the same minute). A request
    imported from the council's earlier records sends none that fell due before the day of the import,
    and none at all if it was overdue by then."""
    due = start.due
    steps = [
        ChaseStep(
            start_of(due - timedelta(days=start.remind_before_days)), "reminded", "advice_reminder", "agency"
        ),
        ChaseStep(start_of(due + timedelta(days=1)), "chased", "advice_overdue", "agency"),
        ChaseStep(
            start_of(due + timedelta(days=1 + start.escalate_after_days)),
            "escalated",
            "advice_escalated",
            "manager",
        ),
    ]
    while len(steps) > 1 and steps[1].at <= now:
        steps.pop(0)
    if imported_on is not None:  # overdue before the import: its breach is past, not announced
        steps = [] if due < imported_on else [step for step in steps if step.at >= start_of(imported_on)]
    return steps


def check_submit_advice(facts: AdviceFacts, cmd: SubmitAdvice) -> None:
    """The agency's advice is taken once, from the agency it was sent to (or a caseworker recording it),
    dated between the request and today."""
    state = facts.state
    if facts.submitted:
        raise refuse(f"advice '{state.advice_id}' was already received on {state.received_on}")
    if cmd.actor.role == "agency" and cmd.actor.agency_id != state.agency_id:
        raise refuse("this advice request was not sent to your agency", "NotFound")
    if cmd.received_on < facts.start.requested_on:
        raise refuse(
            f"received_on: {cmd.received_on} is before the request was sent, {facts.start.requested_on}",
            "InvalidInput",
        )
    if cmd.received_on > facts.today + timedelta(days=1):  # the grace of every date check (common/rules.py)
        raise refuse(f"received_on: {cmd.received_on} is in the future", "InvalidInput")
    # An agency's advice is received when it arrives, by the service's clock (England's date is the
    # workflow's UTC date or the day after): a backdated answer would turn a late return into one on
    # time. Advice that came earlier by post or email is recorded by a caseworker, on the agency's behalf.
    if cmd.actor.role == "agency" and cmd.received_on not in (facts.today, facts.today + timedelta(days=1)):
        raise refuse(
            f"received_on: an agency's advice is received the day it is sent here ({facts.today}); advice "
            "that arrived earlier by post or email is recorded by the caseworker",
            "InvalidInput",
        )
    if cmd.actor.role != "agency" and cmd.received_on < facts.today and not cmd.reason.strip():
        raise refuse(
            f"reason: advice recorded as received before today ({facts.today}) needs the reason: how it "
            "came (post, email) and why it is recorded only now",
            "InvalidInput",
        )


def request_start(
    *,
    case_id: UUID,
    la_code: str,
    caseworker_id: UUID | None,
    spec: AdviceSpec,
    requested_on: date,
    deadlines: Sequence[DeadlineView],
    remind_before_days: int = 7,
    escalate_after_days: int = 7,
) -> AdviceRequestStart:
    """What one advice request starts with (an assessment's or a reassessment's): the item of advice, and
    its deadline as the case's timeline has it."""
    due = next(d for d in deadlines if d.deadline == "advice" and d.id == spec.advice_id)
    return AdviceRequestStart(
        case_id=case_id,
        la_code=la_code,
        advice=spec,
        requested_on=requested_on,
        due=due.due,
        practical_due=due.practical_due,
        remind_before_days=remind_before_days,
        escalate_after_days=escalate_after_days,
        caseworker_id=caseworker_id,
    )
