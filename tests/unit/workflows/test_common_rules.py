"""The rules every workflow's commands share (workflows/common/rules.py): who may act, and when a date may
be."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from pydantic import TypeAdapter, ValidationError
from temporalio.exceptions import ApplicationError

from statute.history import EARLIEST, LATEST
from tests.unit.workflows.builders import ADMIN, AGENCY, CASEWORKER, MANAGER, D, ev
from workflows.common.messages import DAY_YEARS, Actor, Name
from workflows.common.rules import awaits, check_date, last, refuse, require_role

TODAY = D("2025-06-02")


@pytest.mark.parametrize("kind", ["IllegalStep", "InvalidInput", "Forbidden", "NotFound"])
def test_refuse_is_a_non_retryable_error_of_its_kind(kind: str) -> None:
    error = refuse("the reason", kind)
    assert isinstance(error, ApplicationError)
    assert (error.type, error.message, error.non_retryable) == (kind, "the reason", True)


def test_refuse_is_an_illegal_step_by_default() -> None:
    assert refuse("the reason").type == "IllegalStep"


@pytest.mark.parametrize(
    ("actor", "roles"),
    [
        (CASEWORKER, ("caseworker", "manager")),
        (MANAGER, ("caseworker", "manager")),
        (MANAGER, ("manager",)),
        (ADMIN, ("manager",)),  # an admin may take any step
    ],
)
def test_require_role_lets_the_roles_and_an_admin_act(actor: Actor, roles: tuple[str, ...]) -> None:
    require_role(actor, *roles)


@pytest.mark.parametrize(
    ("actor", "roles", "words"),
    [
        (AGENCY, ("caseworker", "manager"), ("an agency cannot do this", "needs a caseworker or manager")),
        (CASEWORKER, ("manager",), ("a caseworker", "needs a manager")),
    ],
)
def test_require_role_forbids_anyone_else(
    actor: Actor, roles: tuple[str, ...], words: tuple[str, ...]
) -> None:
    with pytest.raises(ApplicationError) as caught:
        require_role(actor, *roles)
    assert caught.value.type == "Forbidden"
    assert all(word in caught.value.message for word in words), caught.value.message


@pytest.mark.parametrize(
    "day",
    [
        D("2025-05-01"),  # the step before's own day
        TODAY,
        TODAY + timedelta(days=1),  # a day's grace: the workflow's clock is UTC, the council's England
    ],
)
def test_check_date_accepts_from_the_step_before_to_tomorrow(day: date) -> None:
    check_date(day, "decided_on", not_before=D("2025-05-01"), today=TODAY)


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (D("2025-04-30"), ("decided_on: 2025-04-30 is before 2025-05-01",)),
        (D("2025-06-04"), ("decided_on: 2025-06-04 is in the future",)),
    ],
)
def test_check_date_refuses_a_day_before_the_step_before_or_in_the_future(
    day: date, words: tuple[str, ...]
) -> None:
    with pytest.raises(ApplicationError) as caught:
        check_date(day, "decided_on", not_before=D("2025-05-01"), today=TODAY)
    assert caught.value.type == "InvalidInput"
    assert all(word in caught.value.message for word in words), caught.value.message


def test_last_is_the_latest_event_of_the_name_by_position() -> None:
    first, second = ev("review_meeting", "2025-05-01"), ev("review_meeting", "2025-06-01", led_by="la")
    events = [first, ev("plan_reviewed", "2025-05-20"), second, ev("plan_reviewed", "2025-06-02")]
    assert last(events, "review_meeting") is second
    assert last(events, "appeal_lodged") is None
    assert last([], "review_meeting") is None


@pytest.mark.parametrize(
    ("answers", "waiting"),
    [
        ([], True),  # no answer at all
        (["2025-04-30"], True),  # an answer to an earlier step
        (["2025-05-01"], False),  # answered the same day
        (["2025-04-30", "2025-05-20"], False),
        (["2025-05-20", "2025-04-30"], True),  # by position: the answer recorded last is the one read
    ],
)
def test_awaits_until_an_answer_is_dated_on_or_after_the_event(answers: list[str], waiting: bool) -> None:
    meeting = ev("review_meeting", "2025-05-01")
    events = [meeting, *(ev("plan_reviewed", day) for day in answers)]
    assert awaits(events, meeting, "plan_reviewed") is waiting


@pytest.mark.parametrize(
    ("day", "within"),
    [("1950-01-01", True), ("2150-12-31", True), ("1949-12-31", False), ("2151-01-01", False)],
)
def test_the_schemas_year_pattern_is_the_statute_engines_range(day: str, within: bool) -> None:
    assert bool(re.match(DAY_YEARS, day)) is within
    assert (EARLIEST <= date.fromisoformat(day) <= LATEST) is within


@pytest.mark.parametrize("blank", ["", " ", "\t", " \n "])
def test_a_name_is_not_blank(blank: str) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Name).validate_python(blank)
    assert TypeAdapter(Name).validate_python(" Riverside ") == " Riverside "
