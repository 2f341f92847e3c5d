"""An advice request's rules (workflows/advice/rules.py): when it chases its agency, and whether an answer
can be taken. Asked on Mon 17 Feb 2025, the advice is due 6 weeks later, Mon 31 Mar (reg 8(1)); with the
default 7 days, the agency is reminded on 24 Mar, chased on 1 Apr (the day it is overdue) and the manager
told on 8 Apr."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from tests.unit.workflows.builders import ADMIN, AGENCY, AGENCY_ID, CASEWORKER, MANAGER, D, refusal
from workflows.advice.messages import AdviceRequestStart, AdviceState, SubmitAdvice
from workflows.advice.rules import AdviceFacts, chase_steps, check_submit_advice
from workflows.common.messages import Actor, AdviceSpec

SPEC = AdviceSpec(advice_id="ep", advice="psychological", agency_id=AGENCY_ID)
START = AdviceRequestStart(
    case_id=uuid.UUID(int=7),
    la_code="878",
    advice=SPEC,
    requested_on=D("2025-02-17"),
    due=D("2025-03-31"),
    practical_due=D("2025-03-31"),
)
STATE = AdviceState(
    case_id=START.case_id,
    advice_id="ep",
    advice="psychological",
    agency_id=AGENCY_ID,
    due=START.due,
    practical_due=START.practical_due,
    status="requested",
)
TODAY = D("2025-03-20")


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


REMIND, CHASE, ESCALATE = at("2025-03-24"), at("2025-04-01"), at("2025-04-08")


def test_the_chase_in_full() -> None:
    steps = chase_steps(START, at("2025-02-17T10:00"))
    assert [(s.at, s.status, s.template, s.to) for s in steps] == [
        (REMIND, "reminded", "advice_reminder", "agency"),
        (CHASE, "chased", "advice_overdue", "agency"),
        (ESCALATE, "escalated", "advice_escalated", "manager"),
    ]


@pytest.mark.parametrize(
    ("now", "statuses"),
    [
        ("2025-03-23T23:59", ["reminded", "chased", "escalated"]),
        ("2025-03-25T09:00", ["reminded", "chased", "escalated"]),  # the reminder is sent at once
        ("2025-03-31T23:59", ["reminded", "chased", "escalated"]),
        ("2025-04-01T00:00", ["chased", "escalated"]),  # recorded late: no reminder after the due date
        ("2025-04-07T23:59", ["chased", "escalated"]),
        ("2025-04-08T00:00", ["escalated"]),  # only the latest past step, to the manager
        ("2025-09-01T00:00", ["escalated"]),
    ],
)
def test_a_request_recorded_late_sends_only_the_latest_past_step(now: str, statuses: list[str]) -> None:
    assert [s.status for s in chase_steps(START, at(now))] == statuses


def test_the_chase_follows_the_councils_settings() -> None:
    start = START.model_copy(update={"remind_before_days": 14, "escalate_after_days": 3})
    assert [s.at for s in chase_steps(start, at("2025-02-17"))] == [
        at("2025-03-17"),
        at("2025-04-01"),
        at("2025-04-04"),
    ]


def facts(*, submitted: bool = False, state: AdviceState = STATE) -> AdviceFacts:
    return AdviceFacts(start=START, state=state, submitted=submitted, today=TODAY)


def submit(actor: Actor = AGENCY, received_on: date = TODAY, reason: str = "") -> SubmitAdvice:
    return SubmitAdvice(actor=actor, received_on=received_on, reason=reason)


@pytest.mark.parametrize("actor", [AGENCY, CASEWORKER, MANAGER, ADMIN], ids=lambda a: a.role)
def test_the_agency_or_the_council_records_the_advice(actor: Actor) -> None:
    check_submit_advice(facts(), submit(actor))


@pytest.mark.parametrize("received_on", ["2025-02-17", "2025-03-20"])
def test_the_council_dates_advice_from_the_request_to_today(received_on: str) -> None:
    check_submit_advice(facts(), submit(CASEWORKER, received_on=D(received_on), reason="came by post"))


@pytest.mark.parametrize("reason", ["", "   "])
def test_advice_recorded_as_received_before_today_says_why(reason: str) -> None:
    # The date of receipt decides whether the advice was on time: an earlier one is the council's word,
    # audited with its reason (issue 9 s.5).
    refusal(
        check_submit_advice,
        facts(),
        submit(CASEWORKER, received_on=D("2025-03-19"), reason=reason),
        "InvalidInput",
        "reason: advice recorded as received before today (2025-03-20) needs the reason",
    )


def test_advice_recorded_as_received_today_needs_no_reason() -> None:
    check_submit_advice(facts(), submit(CASEWORKER, received_on=TODAY))


@pytest.mark.parametrize("received_on", ["2025-03-20", "2025-03-21"])  # England is UTC or a day ahead
def test_an_agencys_advice_is_received_the_day_it_arrives(received_on: str) -> None:
    check_submit_advice(facts(), submit(AGENCY, received_on=D(received_on)))


def test_an_agency_cannot_backdate_its_advice() -> None:
    # A backdated answer would count a late return as on time (issue 9 s.5).
    refusal(
        check_submit_advice,
        facts(),
        submit(AGENCY, received_on=D("2025-03-19")),
        "InvalidInput",
        "received_on: an agency's advice is received the day it is sent here (2025-03-20)",
    )


def test_advice_is_taken_once() -> None:
    taken = facts(submitted=True, state=STATE.model_copy(update={"status": "received", "received_on": TODAY}))
    refusal(
        check_submit_advice, taken, submit(), "IllegalStep", "advice 'ep' was already received on 2025-03-20"
    )


@pytest.mark.parametrize(
    "agency",
    [
        AGENCY.model_copy(update={"agency_id": uuid.UUID(int=101)}),
        AGENCY.model_copy(update={"agency_id": None}),
    ],
)
def test_another_agency_does_not_see_the_request(agency: Actor) -> None:
    refusal(check_submit_advice, facts(), submit(agency), "NotFound", "not sent to your agency")


@pytest.mark.parametrize(
    ("received_on", "words"),
    [
        ("2025-02-16", "received_on: 2025-02-16 is before the request was sent, 2025-02-17"),
        ("2025-03-22", "received_on: 2025-03-22 is in the future"),  # a day's grace, as every date
    ],
)
def test_advice_is_not_dated_before_the_request_or_in_the_future(received_on: str, words: str) -> None:
    refusal(check_submit_advice, facts(), submit(received_on=D(received_on)), "InvalidInput", words)
