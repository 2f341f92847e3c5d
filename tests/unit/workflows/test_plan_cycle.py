"""A plan's review cycle (workflows/plan/cycle.py): what a run keeps of its start, when the next cycle can
begin, what it carries over, and when the caseworker is reminded to arrange a review.

Dates: a plan made on Mon 3 Mar 2025 is reviewed within the 12 months starting with that day, so by
Mon 2 Mar 2026 (CFA s.44(1), R6); a phase transfer in September 2026 is settled before 15 February, so by
Sat 14 Feb 2026 (reg 18, the strict reading).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.unit.workflows.builders import D, deadline, ev
from workflows.assessment.messages import AssessmentStart, CaseRecord
from workflows.common.deadlines import key_of
from workflows.common.messages import ChildRecord, DeadlineView, StatuteEvent
from workflows.plan.cycle import PlanCycle, meeting_dates
from workflows.plan.messages import PlanStart

MADE = ev("final_issued", "2025-03-03")
REVIEW_DUE = deadline("review_due", "2026-03-02", start=MADE)
MEETING = ev("review_meeting", "2026-02-02")
REVIEWED = ev("plan_reviewed", "2026-02-20", outcome="keep")
NOTICE = ev("decision_notice_sent", "2026-02-20", decision="cease")
NEXT_MEETING = ev("review_meeting", "2026-06-01")


def plan_start(**fields: object) -> PlanStart:
    base: dict[str, object] = {
        "case_id": uuid.UUID(int=7),
        "assessment_workflow_id": "assessment-7",
        "la_code": "878",
        "made_on": MADE.date,
        "events": [ev("request_received", "2024-10-01"), ev("draft_served", "2025-02-03"), MADE],
    }
    return PlanStart.model_validate(base | fields)


def cycle(*events: StatuteEvent, **fields: Any) -> PlanCycle:
    """Cycle 1 from the plan's making, holding these events after it."""
    return PlanCycle(cycle=1, cycle_from=MADE.date, events=[MADE, *events], **fields)


# ---- of: the cycle a run starts ----


def test_an_answer_after_the_plans_making_to_a_question_before_it_is_left_out() -> None:
    """Advice received after a back-dated final plan: the statute engine refuses an answer with no request
    among the events, and the plan's timeline failed for ever."""
    later = [
        ev("advice_received", "2025-04-01", id="parent"),
        ev("school_responded", "2025-04-01", school="Elm"),
    ]
    asked_after = [
        ev("school_consulted", "2025-03-20", school="Oak"),
        ev("school_responded", "2025-03-25", school="Oak"),
    ]
    events = [ev("advice_requested", "2025-01-02", id="parent", advice="parent"), MADE, *later, *asked_after]
    started = PlanCycle.of(plan_start(events=events))
    assert started.events == [MADE, *asked_after]


def test_the_first_run_keeps_what_is_dated_from_the_plans_making() -> None:
    started = PlanCycle.of(plan_start())
    assert (started.cycle, started.cycle_from, started.events) == (1, MADE.date, [MADE])
    assert (started.breached, started.escalated, started.reminded, started.applied) == (
        set(),
        set(),
        set(),
        [],
    )
    assert started.appeal_concluded_on is None


def test_a_later_run_keeps_what_is_dated_from_its_anchor_and_its_state() -> None:
    start = plan_start(
        events=[MADE, MEETING, REVIEWED, NEXT_MEETING],
        cycle=2,
        cycle_from=REVIEWED.date,
        breached=["a"],
        escalated=["b"],
        reminded=["c", "d"],
        applied=["update-1"],
        appeal_concluded_on=D("2026-01-05"),
    )
    started = PlanCycle.of(start)
    assert (started.cycle, started.cycle_from, started.events) == (2, REVIEWED.date, [REVIEWED, NEXT_MEETING])
    assert (started.breached, started.escalated, started.reminded) == ({"a"}, {"b"}, {"c", "d"})
    assert (started.applied, started.appeal_concluded_on) == (["update-1"], D("2026-01-05"))


def test_a_cycle_owns_the_deadlines_starting_from_its_anchor() -> None:
    before = deadline("review_report", "2026-02-16", start=MEETING)
    after = deadline("review_due", "2027-02-19", start=REVIEWED)
    on_the_day = deadline("appeal", "2026-04-20", start=NOTICE, id="cease")
    later = PlanCycle(cycle=2, cycle_from=REVIEWED.date, events=[REVIEWED])
    assert later.owned([before, after, on_the_day]) == [after, on_the_day]


# ---- next_anchor: when the next cycle can begin ----

REPORT = ev("review_report_sent", "2026-02-10")


def settled_review() -> list[DeadlineView]:
    """The first cycle's deadlines once its review is decided: every one met."""
    return [
        deadline("review_due", "2026-03-02", start=MADE, status="met", met_on="2026-02-20"),
        deadline("review_report", "2026-02-16", start=MEETING, status="met", met_on="2026-02-10"),
        deadline("review_decision", "2026-03-02", start=MEETING, status="met", met_on="2026-02-20"),
    ]


def test_no_next_anchor_before_a_review_is_decided() -> None:
    assert cycle(MEETING).next_anchor([REVIEW_DUE]) is None


def test_a_cycles_own_anchor_does_not_open_the_next() -> None:
    later = PlanCycle(cycle=2, cycle_from=REVIEWED.date, events=[REVIEWED])
    assert later.next_anchor([]) is None


@pytest.mark.parametrize(
    ("extra", "settled"),
    [
        ([], True),
        ([deadline("review_invitations", "2026-01-19", start=MEETING, status="overdue")], False),
        ([deadline("amended_plan", "2026-01-26", start=ev("amendment_notice_sent", "2025-12-01"))], False),
        (
            [
                deadline(
                    "review_invitations", "2026-01-19", start=MEETING, status="overdue", met_on="2026-01-25"
                )
            ],
            True,
        ),
        ([deadline("reassessment_decision", "2025-12-16", start=MADE, status="excepted")], True),
        (
            [deadline("appeal", "2026-01-05", start=ev("decision_notice_sent", "2025-11-03"), id="cease")],
            False,
        ),
        (
            [
                deadline(
                    "appeal", "2026-01-05", start=ev("decision_notice_sent", "2025-11-03"), status="closed"
                )
            ],
            True,
        ),
        (
            [deadline("appeal", "2026-01-05", start=ev("decision_notice_sent", "2025-11-03"), status="met")],
            True,
        ),
        # A family's representations window is not the LA's to settle.
        (
            [deadline("representations_end", "2026-01-26", start=ev("amendment_notice_sent", "2026-01-12"))],
            True,
        ),
        # What starts with the decision itself belongs to the next cycle.
        ([deadline("appeal", "2026-04-20", start=NOTICE, id="cease")], True),
        ([deadline("amended_plan", "2026-04-17", start=ev("amendment_notice_sent", "2026-02-20"))], True),
    ],
)
def test_the_next_anchor_waits_for_every_deadline_before_the_decision(
    extra: list[DeadlineView], settled: bool
) -> None:
    reviewed = cycle(MEETING, REPORT, REVIEWED)
    assert reviewed.next_anchor([*settled_review(), *extra]) == (REVIEWED if settled else None)


def test_the_next_anchor_is_the_latest_review_decision() -> None:
    again = ev("plan_reviewed", "2026-03-10", outcome="amend")
    assert cycle(MEETING, REVIEWED, again).next_anchor(settled_review()) == again


# ---- carried: what the next run holds ----


def test_the_next_cycle_carries_only_what_is_dated_from_its_anchor() -> None:
    old = settled_review()
    appeal = deadline("appeal", "2026-04-20", start=NOTICE, id="cease")
    review = deadline("review_due", "2027-02-19", start=REVIEWED)
    reviewed = cycle(
        MEETING,
        REPORT,
        REVIEWED,
        NOTICE,
        breached={key_of(old[0]), key_of(appeal)},
        escalated={key_of(old[1]), "gone:x:2026-02-20"},
        reminded={key_of(old[0]), key_of(review)},
        applied=["u1", "u2"],
        appeal_concluded_on=D("2025-10-01"),
    )
    carried = reviewed.carried([*old, appeal, review])
    assert (carried.cycle, carried.cycle_from, carried.events) == (2, REVIEWED.date, [REVIEWED, NOTICE])
    assert carried.breached == {key_of(appeal)}
    assert carried.escalated == set()  # a key no deadline has any more is dropped too
    assert carried.reminded == {key_of(review)}
    assert (carried.applied, carried.appeal_concluded_on) == (["u1", "u2"], D("2025-10-01"))


def test_without_a_next_anchor_the_same_cycle_is_carried() -> None:
    report = deadline("review_report", "2026-02-16", start=MEETING, status="overdue")
    waiting = cycle(MEETING, breached={key_of(report), "gone:x:2025-01-01"}, reminded={key_of(REVIEW_DUE)})
    carried = waiting.carried([REVIEW_DUE, report])
    assert (carried.cycle, carried.cycle_from, carried.events) == (1, MADE.date, [MADE, MEETING])
    assert (carried.breached, carried.reminded) == ({key_of(report)}, {key_of(REVIEW_DUE)})
    assert carried.events is not waiting.events  # a new list: the old run's is not shared


# ---- start: the next run's input ----

CYCLE_STATE = {
    "events",
    "breached",
    "escalated",
    "reminded",
    "cycle",
    "cycle_from",
    "appeal_concluded_on",
    "applied",
    "state_version",
    "arriving",
}


def test_a_cycle_round_trips_through_the_runs_input() -> None:
    child = ChildRecord(given_name="A", family_name="B", date_of_birth=D("2015-01-01"))
    arriving = CaseRecord(
        case_id=uuid.UUID(int=7),
        workflow_id="assessment-7",
        start=AssessmentStart(
            case_id=uuid.UUID(int=7), la_code="878", received_on=D("2024-10-01"), child=child
        ),
    )
    first = plan_start(arriving=arriving, caseworker_id=uuid.UUID(int=9), escalate_after_days=3)
    state = PlanCycle(
        cycle=2,
        cycle_from=REVIEWED.date,
        events=[REVIEWED, NEXT_MEETING],
        breached={"b:2", "b:1"},
        escalated={"e"},
        reminded={"r:2", "r:1"},
        applied=["u1"],
        appeal_concluded_on=D("2026-01-05"),
    )
    start = state.start(first, state_version=12)
    # The plan's own facts are the first run's; the cycle's state is this cycle's.
    assert start.model_dump(exclude=CYCLE_STATE) == first.model_dump(exclude=CYCLE_STATE)
    assert (start.arriving, start.state_version) == (None, 12)
    assert (start.breached, start.reminded) == (["b:1", "b:2"], ["r:1", "r:2"])
    assert PlanCycle.of(start) == state


# ---- reminders: when to remind the caseworker to arrange a review ----

PHASE = ev("phase_transfer", "2025-09-01", kind="school", year=2026)
PHASE_REVIEW = deadline("phase_transfer_review", "2026-02-14", start=PHASE, id="2026")
MOVED_IN = ev("transferred", "2025-04-01")
TRANSFER_REVIEW = deadline("transfer_review", "2025-07-01", start=MOVED_IN)  # 3 months (reg 15(5))


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("review", "remind_on"),
    [
        (REVIEW_DUE, "2026-01-05"),  # 8 weeks before 2 Mar 2026
        (PHASE_REVIEW, "2025-11-08"),  # 14 weeks before 14 Feb 2026
        (TRANSFER_REVIEW, "2025-05-06"),  # 8 weeks before 1 Jul 2025
    ],
)
def test_a_review_is_reminded_of_weeks_before_it_is_due(review: DeadlineView, remind_on: str) -> None:
    assert cycle().reminders([review], at("2025-03-04")) == [(at(remind_on), review)]


def test_a_review_is_reminded_of_once() -> None:
    assert cycle(reminded={key_of(REVIEW_DUE)}).reminders([REVIEW_DUE, PHASE_REVIEW], at("2025-03-04")) == [
        (at("2025-11-08"), PHASE_REVIEW)
    ]


@pytest.mark.parametrize(
    ("now", "reminded"),
    [
        ("2026-03-02T23:59:59", True),  # the day it is due: still worth arranging
        ("2026-03-03T00:00:00", False),  # overdue: the breach notice says so instead
    ],
)
def test_no_reminder_once_the_review_is_past_due(now: str, reminded: bool) -> None:
    assert bool(cycle().reminders([REVIEW_DUE], at(now))) is reminded


@pytest.mark.parametrize(
    "other",
    [
        deadline("review_due", "2026-03-02", start=MADE, status="met", met_on="2026-02-20"),
        deadline("review_due", "2026-03-02", start=MADE, status="excepted"),
        deadline("review_decision", "2026-03-02", start=MEETING),  # not a review to arrange
        deadline("review_due", "2025-03-02", start=ev("plan_reviewed", "2024-03-03")),  # not this cycle's
    ],
)
def test_no_reminder_for_a_review_met_or_not_this_cycles(other: DeadlineView) -> None:
    assert cycle().reminders([other], at("2025-03-04")) == []


@pytest.mark.parametrize(
    ("review", "meeting_by", "invitations_by"),
    [
        (REVIEW_DUE, "2026-02-02", "2026-01-19"),  # 4 weeks before, so the decision is in time (reg 20(10))
        (PHASE_REVIEW, "2025-11-22", "2025-11-08"),  # 12 weeks before: decision and amended plan (Devon)
    ],
)
def test_meeting_dates(review: DeadlineView, meeting_by: str, invitations_by: str) -> None:
    assert meeting_dates(review) == {"meeting_by": meeting_by, "invitations_by": invitations_by}
