"""Phase transfers (reg 18) from a date of birth, their deadlines, and the planner's working back.

Every expected date is worked out by hand in the comment beside it: a child born 1 Sep Y to 31 Aug Y+1
enters Reception in September Y+5.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statute.conventions import Conventions
from statute.phases import (
    PhaseTransfer,
    TransferStatus,
    born_between,
    invitations_by,
    kind_due_on,
    latest_review_meeting,
    next_transfer_year,
    phase_transfer_due,
    settling_period,
    transfer_from_birth,
    transfer_status,
    year_group,
)


@pytest.mark.parametrize(
    ("born", "year", "expected"),
    [
        ("2015-03-01", 2026, PhaseTransfer("school", 2026, 7)),  # cohort 2014: Reception 2019, Year 7 2026
        ("2014-09-01", 2026, PhaseTransfer("school", 2026, 7)),  # the oldest of that cohort
        ("2015-08-31", 2026, PhaseTransfer("school", 2026, 7)),  # the youngest of that cohort
        ("2015-09-01", 2026, None),  # cohort 2015: Year 6 in 2026
        ("2021-01-10", 2025, PhaseTransfer("school", 2025, 0)),  # cohort 2020: Reception in Sep 2025
        ("2021-01-10", 2026, None),  # Year 1
        ("2018-12-25", 2026, PhaseTransfer("school", 2026, 3)),  # cohort 2018: Reception 2023, Year 3 2026
        ("2010-10-10", 2027, PhaseTransfer("post16", 2027, 12)),  # cohort 2010: Reception 2015, Year 12 2027
        ("2010-10-10", 2026, None),  # Year 11
        ("2023-06-01", 2026, None),  # cohort 2022: still in early years (Reception in 2027)
    ],
)
def test_the_transfer_a_date_of_birth_makes(born: str, year: int, expected: PhaseTransfer | None) -> None:
    assert transfer_from_birth(date.fromisoformat(born), year) == expected


def test_year_groups_around_the_first_of_september() -> None:
    assert year_group(date(2015, 8, 31), 2026) == 7
    assert year_group(date(2015, 9, 1), 2026) == 6
    assert year_group(date(2023, 6, 1), 2026) == -1  # early years


@pytest.mark.parametrize(
    ("group", "year", "first", "last"),
    [
        (7, 2026, date(2014, 9, 1), date(2015, 8, 31)),  # Year 7 in Sep Y+12: Y = 2014
        (0, 2026, date(2021, 9, 1), date(2022, 8, 31)),  # Reception in Sep Y+5: Y = 2021
        (3, 2025, date(2017, 9, 1), date(2018, 8, 31)),  # Year 3 in Sep Y+8: Y = 2017
        (12, 2027, date(2010, 9, 1), date(2011, 8, 31)),  # Year 12 in Sep Y+17: Y = 2010
    ],
)
def test_who_enters_a_year_group(group: int, year: int, first: date, last: date) -> None:
    assert born_between(group, year) == (first, last)


@given(st.dates(date(1995, 1, 1), date(2030, 12, 31)), st.integers(2000, 2045), st.integers(-2, 14))
def test_born_between_is_exactly_who_year_group_puts_there(born: date, year: int, group: int) -> None:
    first, last = born_between(group, year)
    assert (first <= born <= last) == (year_group(born, year) == group)


@pytest.mark.parametrize(
    ("kind", "reading", "due"),
    [
        ("school", "strict", date(2026, 2, 14)),  # "before 15 February"
        ("school", "inclusive", date(2026, 2, 15)),
        ("post16", "strict", date(2026, 3, 30)),  # "before 31 March"
        ("post16", "inclusive", date(2026, 3, 31)),
    ],
)
def test_the_deadline_under_each_reading(kind: str, reading: str, due: date) -> None:
    conventions = Conventions(phase_transfer_reading=reading)  # type: ignore[arg-type]
    assert phase_transfer_due(kind, 2026, conventions) == due  # type: ignore[arg-type]
    assert kind_due_on(due) == kind


def test_the_strict_reading_is_the_default() -> None:
    assert phase_transfer_due("school", 2027) == date(2027, 2, 14)
    assert phase_transfer_due("post16", 2027) == date(2027, 3, 30)


def test_working_back_from_the_deadline() -> None:
    # 14 Feb 2026 - 84 days = Sat 22 Nov 2025: + 4 weeks = 20 Dec (decision), + 8 weeks = 14 Feb 2026.
    assert latest_review_meeting(date(2026, 2, 14)) == date(2025, 11, 22)
    assert invitations_by(date(2025, 11, 22)) == date(2025, 11, 8)
    # 30 Mar 2027 - 84 days = 5 Jan 2027: + 4 weeks = 2 Feb, + 8 weeks = 30 Mar (February has 28 days).
    assert latest_review_meeting(date(2027, 3, 30)) == date(2027, 1, 5)
    assert invitations_by(date(2027, 1, 5)) == date(2026, 12, 22)


def test_the_settling_period_and_the_next_september() -> None:
    assert settling_period(2026) == (date(2025, 9, 1), date(2026, 9, 1))
    assert next_transfer_year(date(2025, 8, 31)) == 2025
    assert next_transfer_year(date(2025, 9, 1)) == 2026
    assert next_transfer_year(date(2026, 1, 10)) == 2026


# For a school transfer in 2026: deadline 14 Feb 2026, latest meeting 22 Nov 2025, invitations by 8 Nov.
DUE = date(2026, 2, 14)


@pytest.mark.parametrize(
    ("today", "meeting_on", "decided_on", "settled_on", "status"),
    [
        (date(2026, 3, 1), date(2025, 12, 1), date(2025, 12, 20), date(2026, 2, 20), "settled"),  # late
        (date(2025, 10, 1), None, None, date(2025, 9, 30), "settled"),
        (date(2026, 2, 15), date(2025, 11, 1), date(2025, 11, 20), None, "overdue"),
        (date(2026, 2, 14), date(2025, 11, 1), date(2025, 11, 20), None, "on_track"),  # the due day
        (date(2025, 11, 8), None, None, None, "on_track"),  # invitations can still go today
        (date(2025, 11, 9), None, None, None, "at_risk"),  # too late to invite for 22 Nov
        (date(2025, 11, 22), date(2025, 11, 20), None, None, "on_track"),
        (date(2025, 11, 23), date(2025, 11, 20), None, None, "at_risk"),  # no decision after the last day
        (date(2025, 11, 23), date(2025, 11, 20), date(2025, 11, 21), None, "on_track"),  # amending
        (date(2025, 10, 1), None, None, None, "on_track"),
    ],
)
def test_transfer_status(
    today: date,
    meeting_on: date | None,
    decided_on: date | None,
    settled_on: date | None,
    status: TransferStatus,
) -> None:
    found = transfer_status(
        due=DUE, today=today, meeting_on=meeting_on, decided_on=decided_on, settled_on=settled_on
    )
    assert found == status
