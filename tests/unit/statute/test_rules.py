"""R1-R3, R6, R9, R10 (docs/statute.md §1.1 and §5) against worked examples derived by hand."""

from __future__ import annotations

import calendar as stdlib_calendar
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statute.rules import (
    absence_qualifies,
    closure_qualifies,
    closure_window,
    days_beginning_with,
    in_window,
    months,
    period_starting_with_ends,
    weeks,
    within_days,
)

D = date.fromisoformat
PROPERTY = settings(max_examples=300, deadline=None)
DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


# R1: "within N weeks of" the event = event + 7N days, the event day not counted.


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (
            "2025-01-06",
            6,
            "2025-02-17",
        ),  # docs/statute.md §1.1: request Mon 6 Jan 2025 -> decision Mon 17 Feb
        ("2025-01-06", 20, "2025-05-26"),  # docs/statute.md §1.1: -> final plan Mon 26 May 2025 (140 days)
        ("2025-01-06", 16, "2025-04-28"),  # 112 days: 17 Feb + 70 = 28 Apr (decision not to issue)
        ("2025-01-06", 14, "2025-04-14"),  # 98 days: the week-14 draft target
        ("2025-03-10", 6, "2025-04-21"),  # design doc advice example: 10 Mar + 42 = 21 Apr
        ("2024-12-20", 6, "2025-01-31"),  # across the year end: 11 days to 31 Dec, 31 more in January
        ("2024-02-01", 4, "2024-02-29"),  # leap year: 1 Feb + 28 = 29 Feb
        ("2023-02-01", 4, "2023-03-01"),  # non-leap year: 1 Feb + 28 = 1 Mar
        ("2025-06-30", 2, "2025-07-14"),  # tribunal order -> 2-week notification
        ("2025-05-01", 0, "2025-05-01"),
    ],
)
def test_weeks_excludes_event_day(start: str, n: int, due: str) -> None:
    assert weeks(D(start), n) == D(due)


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        ("2025-01-06", 6, "2025-02-16"),  # the "day 1" planners' reading: one day earlier than 17 Feb
        ("2025-01-06", 20, "2025-05-25"),  # one day earlier than 26 May
        ("2025-01-06", 16, "2025-04-27"),  # one day earlier than Mon 28 Apr
        ("2024-12-25", 1, "2024-12-31"),
    ],
)
def test_weeks_with_event_day_as_day_1_is_one_day_earlier(start: str, n: int, due: str) -> None:
    assert weeks(D(start), n, event_day_is_day_1=True) == D(due)


@given(d=DATES, n=st.integers(min_value=0, max_value=60))
@PROPERTY
def test_weeks_property_is_seven_n_days(d: date, n: int) -> None:
    assert weeks(d, n) - d == timedelta(days=7 * n)
    assert weeks(d, n, event_day_is_day_1=True) == weeks(d, n) - timedelta(days=1)


# R2: "n days beginning with the day" d: d is day 1, the last day is d + n - 1.


@pytest.mark.parametrize(
    ("served", "n", "last"),
    [
        (
            "2025-03-03",
            15,
            "2025-03-17",
        ),  # docs/statute.md: 15 days beginning with service end served + 14
        ("2025-05-26", 15, "2025-06-09"),  # served on a bank holiday: calendar days, no pause
        ("2024-12-20", 15, "2025-01-03"),  # across the year end: 11 days in December, 3 in January
        ("2024-02-20", 15, "2024-03-05"),  # leap year: 20 Feb + 14, passing 29 Feb
        ("2025-02-20", 15, "2025-03-06"),  # non-leap year
        ("2025-03-03", 1, "2025-03-03"),  # one day beginning with d is d itself
    ],
)
def test_days_beginning_with_counts_the_first_day(served: str, n: int, last: str) -> None:
    assert days_beginning_with(D(served), n) == D(last)


# R3: "within n days" of d = d + n.


@pytest.mark.parametrize(
    ("sent", "n", "due"),
    [
        ("2025-03-03", 15, "2025-03-18"),  # school consultation: sent + 15
        ("2025-01-15", 30, "2025-02-14"),  # mediation within 30 days: 16 days left in January + 14
        ("2024-12-20", 15, "2025-01-04"),  # across the year end
        ("2024-02-20", 15, "2024-03-06"),  # leap year
        ("2025-12-24", 15, "2026-01-08"),  # Christmas does not pause a calendar-day period
    ],
)
def test_within_days_adds_n_days(sent: str, n: int, due: str) -> None:
    assert within_days(D(sent), n) == D(due)


@given(d=DATES, n=st.integers(min_value=1, max_value=400))
@PROPERTY
def test_within_days_ends_one_day_after_days_beginning_with(d: date, n: int) -> None:
    assert days_beginning_with(d, n) - d == timedelta(days=n - 1)
    assert within_days(d, n) == days_beginning_with(d, n) + timedelta(days=1)


# R6: calendar months, the corresponding date; where that does not exist, the last day of the month.


@pytest.mark.parametrize(
    ("start", "n", "result"),
    [
        ("2025-10-01", 2, "2025-12-01"),  # docs/statute.md / IPSEA: 1 Oct + 2 months = 1 Dec
        ("2025-11-15", 2, "2026-01-15"),  # across the year end
        ("2025-12-15", 1, "2026-01-15"),
        ("2025-12-01", 1, "2026-01-01"),
        ("2025-06-15", 12, "2026-06-15"),
        ("2025-01-15", 24, "2027-01-15"),
        ("2025-01-31", 1, "2025-02-28"),  # no 31 Feb: last day of February (2025 not leap)
        ("2024-01-31", 1, "2024-02-29"),  # leap year: last day is 29 Feb
        ("2025-01-30", 1, "2025-02-28"),
        ("2025-01-29", 1, "2025-02-28"),  # no 29 Feb 2025
        ("2024-01-29", 1, "2024-02-29"),  # 29 Feb 2024 exists
        ("2025-03-31", 1, "2025-04-30"),  # April has 30 days
        ("2025-05-31", 1, "2025-06-30"),
        ("2025-06-30", 1, "2025-07-30"),  # corresponding date exists: not pushed to 31 Jul
        ("2025-08-31", 1, "2025-09-30"),
        ("2025-10-31", 2, "2025-12-31"),
        ("2025-12-31", 2, "2026-02-28"),  # 31 Dec + 2 months: end of February of the next year
        ("2024-02-29", 12, "2025-02-28"),  # leap day + 1 year: last day of February 2025
        ("2024-02-29", 48, "2028-02-29"),  # leap day + 4 years: 2028 is a leap year
        ("2025-05-01", 0, "2025-05-01"),
    ],
)
def test_months_corresponding_date(start: str, n: int, result: str) -> None:
    assert months(D(start), n) == D(result)


@pytest.mark.parametrize(
    ("start", "n", "last"),
    [
        ("2025-03-10", 12, "2026-03-09"),  # CFA s.44(1): start + 12 months - 1 day
        ("2025-01-01", 12, "2025-12-31"),  # a calendar year starting with 1 Jan ends 31 Dec
        ("2024-03-01", 12, "2025-02-28"),  # 1 Mar 2025 - 1 day
        ("2023-03-01", 12, "2024-02-29"),  # 1 Mar 2024 - 1 day: leap year
        ("2025-10-01", 2, "2025-11-30"),
        ("2025-05-26", 12, "2026-05-25"),
    ],
)
def test_period_starting_with_ends_day_before_corresponding_date(start: str, n: int, last: str) -> None:
    assert period_starting_with_ends(D(start), n) == D(last)


@given(d=DATES, n=st.integers(min_value=0, max_value=60))
@PROPERTY
def test_months_property(d: date, n: int) -> None:
    result = months(d, n)
    assert 28 * n <= (result - d).days <= 31 * n
    # exactly n months on, and the same day of the month unless that month is too short
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    last_of_month = stdlib_calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(d.day, last_of_month)
    assert period_starting_with_ends(d, n) == result - timedelta(days=1)


# R9: reg 10(4)(a) closures of at least 4 continuous weeks, and the window they open.


@pytest.mark.parametrize(
    ("first_closed", "reopens", "qualifies"),
    [
        ("2025-07-21", "2025-08-18", True),  # exactly 28 days: 4 weeks, qualifies
        ("2025-07-22", "2025-08-18", False),  # 27 days: one short
        ("2025-07-23", "2025-09-03", True),  # a summer holiday: 42 days
        ("2025-12-20", "2026-01-05", False),  # Christmas: 16 days never qualifies
        ("2025-04-05", "2025-04-22", False),  # Easter: 17 days
        ("2025-10-25", "2025-11-03", False),  # half term: 9 days
        ("2025-12-10", "2026-01-07", True),  # across the year end: 21 + 7 = 28 days
        ("2024-02-01", "2024-02-29", True),  # leap February: 28 days
        ("2023-02-01", "2023-02-28", False),  # 27 days
    ],
)
def test_closure_qualifies_at_four_weeks(first_closed: str, reopens: str, qualifies: bool) -> None:
    assert closure_qualifies(D(first_closed), D(reopens)) is qualifies


@pytest.mark.parametrize(
    ("first_closed", "reopens", "min_days", "qualifies"),
    [
        ("2025-07-21", "2025-08-04", 14, True),  # 14 days with a 14-day setting
        ("2025-07-21", "2025-08-03", 14, False),  # 13
        ("2025-07-21", "2025-08-18", 29, False),  # 28 is not enough when 29 are required
    ],
)
def test_closure_qualifies_with_other_minimum(
    first_closed: str, reopens: str, min_days: int, qualifies: bool
) -> None:
    assert closure_qualifies(D(first_closed), D(reopens), min_days=min_days) is qualifies


@pytest.mark.parametrize(
    ("first_closed", "reopens", "window"),
    [
        ("2025-07-23", "2025-09-03", ("2025-07-16", "2025-08-27")),  # a week before each
        ("2026-01-03", "2026-02-05", ("2025-12-27", "2026-01-29")),  # opens in the previous year
        ("2024-03-07", "2024-04-08", ("2024-02-29", "2024-04-01")),  # leap day
    ],
)
def test_closure_window_is_a_week_before_each_end(
    first_closed: str, reopens: str, window: tuple[str, str]
) -> None:
    assert closure_window(D(first_closed), D(reopens)) == (D(window[0]), D(window[1]))


SUMMER = (D("2025-07-16"), D("2025-08-27"))  # window of a closure 23 Jul - re-opening 3 Sep 2025


@pytest.mark.parametrize(
    ("day", "inclusive", "inside"),
    [
        ("2025-07-15", True, False),  # day before the window opens
        ("2025-07-16", True, True),  # first day, ends included
        ("2025-07-17", True, True),
        ("2025-08-01", True, True),
        ("2025-08-26", True, True),
        ("2025-08-27", True, True),  # last day, ends included
        ("2025-08-28", True, False),  # day after
        ("2025-07-15", False, False),
        ("2025-07-16", False, False),  # first day excluded
        ("2025-07-17", False, True),
        ("2025-08-26", False, True),
        ("2025-08-27", False, False),  # last day excluded
        ("2025-08-28", False, False),
    ],
)
def test_in_window_ends(day: str, inclusive: bool, inside: bool) -> None:
    assert in_window(D(day), SUMMER, inclusive=inclusive) is inside


def test_in_window_includes_ends_by_default() -> None:
    # R9: "[first_closed_day - 7, reopen - 7], inclusive" is the default reading
    assert in_window(SUMMER[0], SUMMER)
    assert in_window(SUMMER[1], SUMMER)


@given(
    first=DATES,
    length=st.integers(min_value=0, max_value=120),
    offset=st.integers(min_value=-200, max_value=200),
)
@PROPERTY
def test_window_property(first: date, length: int, offset: int) -> None:
    reopens = first + timedelta(days=length)
    start, end = closure_window(first, reopens)
    assert end - start == reopens - first
    assert first - start == timedelta(days=7)
    day = start + timedelta(days=offset)
    exclusive, inclusive = in_window(day, (start, end), inclusive=False), in_window(day, (start, end))
    assert not exclusive or inclusive  # the open window lies inside the closed one
    assert inclusive == (0 <= offset <= length)
    assert exclusive == (0 < offset < length)


# R10: absence from the LA's area of at least 4 continuous weeks (2 for tribunal-order deadlines).


@pytest.mark.parametrize(
    ("departure", "returned", "min_days", "qualifies"),
    [
        ("2025-03-01", "2025-03-29", 28, True),  # 28 days
        ("2025-03-01", "2025-03-28", 28, False),  # 27 days
        ("2024-02-10", "2024-03-09", 28, True),  # leap year: 19 days to 29 Feb + 9 = 28
        ("2023-02-10", "2023-03-09", 28, False),  # non-leap: 18 + 9 = 27
        ("2025-12-15", "2026-01-12", 28, True),  # across the year end: 16 + 12 = 28
        ("2025-03-01", "2025-03-15", 14, True),  # tribunal deadlines: 2 weeks
        ("2025-03-01", "2025-03-14", 14, False),  # 13 days
    ],
)
def test_absence_qualifies(departure: str, returned: str, min_days: int, qualifies: bool) -> None:
    assert absence_qualifies(D(departure), D(returned), min_days=min_days) is qualifies


def test_absence_default_minimum_is_four_weeks() -> None:
    assert absence_qualifies(D("2025-03-01"), D("2025-03-29"))
    assert not absence_qualifies(D("2025-03-01"), D("2025-03-28"))
