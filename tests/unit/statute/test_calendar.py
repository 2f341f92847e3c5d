"""Working days over England and Wales bank holidays: R4, R5, R7, R8 (docs/statute.md §1.1, §5).

The bank holidays below are the real England and Wales ones (gov.uk), written out by hand.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statute.calendar import Calendar
from statute.rules import months, weeks

D = date.fromisoformat
ONE_DAY = timedelta(days=1)
PROPERTY = settings(max_examples=300, deadline=None)
DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))

CAL = Calendar()


# Bank holidays and working days.

BANK_HOLIDAYS_2025 = [
    "2025-01-01",  # New Year's Day (Wed)
    "2025-04-18",  # Good Friday
    "2025-04-21",  # Easter Monday
    "2025-05-05",  # Early May
    "2025-05-26",  # Spring
    "2025-08-25",  # Summer
    "2025-12-25",  # Christmas (Thu)
    "2025-12-26",  # Boxing Day (Fri)
]
BANK_HOLIDAYS_2024 = [
    "2024-01-01",
    "2024-03-29",  # Good Friday (Easter Sunday 31 Mar)
    "2024-04-01",  # Easter Monday
    "2024-05-06",
    "2024-05-27",
    "2024-08-26",
    "2024-12-25",
    "2024-12-26",
]
# weekday bank holidays only: 1 Jan 2022 was a Saturday and 25 Dec 2022 a Sunday
WEEKDAY_BANK_HOLIDAYS_2022 = [
    "2022-01-03",  # New Year substitute
    "2022-04-15",
    "2022-04-18",
    "2022-05-02",
    "2022-06-02",  # spring bank holiday moved to Thursday
    "2022-06-03",  # Platinum Jubilee
    "2022-08-29",
    "2022-09-19",  # state funeral of Queen Elizabeth II
    "2022-12-26",  # Boxing Day
    "2022-12-27",  # Christmas substitute
]


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2025, BANK_HOLIDAYS_2025), (2024, BANK_HOLIDAYS_2024)],
)
def test_bank_holidays_of_a_year(year: int, expected: list[str]) -> None:
    assert Calendar().bank_holidays(year) == [D(d) for d in expected]


def test_bank_holidays_2022_weekdays_include_the_special_ones() -> None:
    weekday_ones = [d for d in Calendar().bank_holidays(2022) if d.weekday() < 5]
    assert weekday_ones == [D(d) for d in WEEKDAY_BANK_HOLIDAYS_2022]


@pytest.mark.parametrize(
    "day",
    [
        *BANK_HOLIDAYS_2025,
        *WEEKDAY_BANK_HOLIDAYS_2022,
        "2023-05-08",  # coronation of King Charles III
        "2023-05-01",
        "2023-01-02",  # 1 Jan 2023 a Sunday: substitute Monday
        "2021-12-27",  # 25 and 26 Dec 2021 a weekend: substitutes Mon and Tue
        "2021-12-28",
        "2020-12-28",  # 26 Dec 2020 a Saturday
        "2020-05-08",  # early May moved to VE Day, Friday
        "2026-04-03",  # Good Friday 2026 (Easter Sunday 5 Apr)
        "2026-04-06",
        "2026-08-31",
        "2026-12-28",  # Boxing Day 2026 a Saturday
        "2027-12-27",  # 25 and 26 Dec 2027 a weekend
        "2027-12-28",
        "2028-01-03",  # 1 Jan 2028 a Saturday
        "2012-06-04",  # Diamond Jubilee year: moved spring bank holiday
        "2012-06-05",  # Diamond Jubilee
        "2011-04-29",  # royal wedding
        "2002-06-03",  # Golden Jubilee year
        "2002-06-04",
    ],
)
def test_bank_holidays_are_not_working_days(day: str) -> None:
    assert not Calendar().is_working_day(D(day))


@pytest.mark.parametrize(
    "day",
    [
        "2025-01-02",  # a Scottish bank holiday only
        "2025-03-17",  # St Patrick's Day: Northern Ireland only
        "2025-07-14",  # Battle of the Boyne substitute: Northern Ireland only
        "2025-08-04",  # Scottish summer bank holiday
        "2025-12-01",  # Scottish St Andrew's substitute
        "2025-12-24",  # Christmas Eve is a working day
        "2025-12-31",  # so is New Year's Eve
        "2025-12-29",
        "2025-04-17",  # Maundy Thursday
        "2025-04-22",
        "2025-07-23",  # school holidays are not skipped
        "2025-02-17",
        "2022-09-20",
        "2023-05-09",
        "2024-02-29",
    ],
)
def test_working_days(day: str) -> None:
    assert Calendar().is_working_day(D(day))


@pytest.mark.parametrize("day", ["2025-03-08", "2025-03-09", "2024-12-28", "2026-01-03", "2026-01-04"])
def test_weekends_are_not_working_days(day: str) -> None:
    assert not CAL.is_working_day(D(day))


def test_given_bank_holidays_are_the_only_ones() -> None:
    cal = Calendar(bank_holidays=[D("2025-03-12"), D("2025-03-14")])
    assert not cal.is_working_day(D("2025-03-12"))
    assert cal.is_working_day(D("2025-03-13"))
    assert cal.is_working_day(D("2025-12-25"))  # the package's Christmas is not consulted
    assert not cal.is_working_day(D("2025-03-15"))  # weekends still are not working days
    assert cal.bank_holidays(2025) == [D("2025-03-12"), D("2025-03-14")]
    assert cal.bank_holidays(2024) == []
    assert cal.working_days_after(D("2025-03-11"), 2) == D("2025-03-17")  # 13 Mar, then Mon 17 Mar


def test_empty_bank_holiday_list_means_none() -> None:
    cal = Calendar(bank_holidays=[])
    assert cal.is_working_day(D("2025-12-25"))
    assert cal.bank_holidays(2025) == []


def test_bank_holidays_from_a_generator() -> None:
    cal = Calendar(bank_holidays=(D(d) for d in ["2025-12-26", "2025-12-25"]))
    assert cal.bank_holidays(2025) == [D("2025-12-25"), D("2025-12-26")]  # in order
    assert cal.working_days_after(D("2025-12-24"), 1) == D("2025-12-29")


# R4: the n-th working day after d, d not counted.


@pytest.mark.parametrize(
    ("start", "n", "result"),
    [
        ("2025-03-07", 3, "2025-03-12"),  # Fri -> Mon, Tue, Wed
        ("2025-03-10", 1, "2025-03-11"),
        ("2025-03-10", 5, "2025-03-17"),  # a whole week on
        ("2025-03-08", 1, "2025-03-10"),  # from a Saturday
        ("2025-03-09", 1, "2025-03-10"),  # from a Sunday
        ("2025-04-17", 1, "2025-04-22"),  # Good Friday, weekend and Easter Monday skipped
        ("2025-04-17", 3, "2025-04-24"),  # mediation certificate after a Maundy Thursday mediation
        ("2025-04-16", 3, "2025-04-23"),  # 17, then 22, 23
        ("2025-04-18", 1, "2025-04-22"),  # from a bank holiday
        ("2025-05-23", 1, "2025-05-27"),  # spring bank holiday 26 May skipped
        ("2025-05-23", 3, "2025-05-29"),
        ("2022-09-16", 3, "2022-09-22"),  # state funeral Mon 19 Sep skipped: 20, 21, 22
        ("2023-05-05", 3, "2023-05-11"),  # coronation Mon 8 May skipped: 9, 10, 11
        ("2022-06-01", 1, "2022-06-06"),  # Thu 2 and Fri 3 Jun 2022 bank holidays, then the weekend
        ("2025-12-24", 3, "2025-12-31"),  # 25, 26 Dec and the weekend skipped: 29, 30, 31
        ("2025-12-19", 5, "2025-12-30"),  # 22, 23, 24, 29, 30
        ("2025-12-31", 1, "2026-01-02"),  # across the year end, New Year's Day skipped
        ("2025-12-31", 3, "2026-01-06"),  # 2 Jan, Mon 5, Tue 6
        ("2021-12-24", 1, "2021-12-29"),  # Christmas substitutes Mon 27 and Tue 28 Dec 2021
        ("2021-12-24", 3, "2021-12-31"),
        ("2021-12-24", 4, "2022-01-04"),  # New Year substitute Mon 3 Jan 2022
        ("2022-12-23", 1, "2022-12-28"),  # Boxing Day Mon 26, Christmas substitute Tue 27
        ("2022-12-30", 1, "2023-01-03"),  # New Year substitute Mon 2 Jan 2023
        ("2026-12-24", 1, "2026-12-29"),  # Fri 25 Dec 2026, Boxing Day substitute Mon 28
    ],
)
def test_working_days_after(start: str, n: int, result: str) -> None:
    assert Calendar().working_days_after(D(start), n) == D(result)


# R5: n working days beginning with d; d is day 1 if it is a working day (reg 15 transfers).


@pytest.mark.parametrize(
    ("start", "n", "result"),
    [
        ("2025-01-06", 15, "2025-01-24"),  # Mon 6 Jan is day 1: three full weeks end Fri 24 Jan
        ("2025-01-04", 15, "2025-01-24"),  # a Saturday is not day 1: same end
        ("2025-01-06", 1, "2025-01-06"),  # one working day beginning with a working day is that day
        ("2025-01-04", 1, "2025-01-06"),  # from a Saturday, the Monday
        ("2025-04-07", 15, "2025-04-29"),  # 7-11 (5), 14-17 (9), 22-25 (13), 28, 29
        ("2025-04-21", 15, "2025-05-13"),  # Easter Monday not day 1; 5 May skipped too
        ("2025-12-15", 15, "2026-01-07"),  # 15-19, 22-24, 29-31, 2 Jan, 5-7 Jan
        ("2025-05-26", 1, "2025-05-27"),  # a bank holiday is not day 1
    ],
)
def test_working_days_beginning_with(start: str, n: int, result: str) -> None:
    assert Calendar().working_days_beginning_with(D(start), n) == D(result)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2025-01-06", "2025-01-27", 15),  # reg 15: learned Mon 6 Jan, move Mon 27 Jan: 15 working days
        ("2025-01-06", "2025-01-24", 14),  # the end day is not counted
        ("2025-04-14", "2025-04-28", 8),  # Easter week: 14-17 and 22-25
        ("2025-03-10", "2025-03-10", 0),
        ("2025-03-08", "2025-03-10", 0),  # a weekend
        ("2025-12-22", "2026-01-05", 7),  # 22, 23, 24, 29, 30, 31 Dec and 2 Jan
        ("2025-01-01", "2026-01-01", 253),  # 261 weekdays in 2025 less 8 weekday bank holidays
        ("2024-01-01", "2025-01-01", 254),  # leap year from a Monday: 262 weekdays less 8
        ("2022-01-01", "2023-01-01", 250),  # 260 weekdays less 10 weekday bank holidays
        ("2023-01-01", "2024-01-01", 251),  # 260 weekdays less 9 (with the coronation)
    ],
)
def test_working_days_between(start: str, end: str, count: int) -> None:
    assert Calendar().working_days_between(D(start), D(end)) == count


# R8: a due date is not moved; the practical deadline is the last working day on or before it.


@pytest.mark.parametrize(
    ("due", "practical"),
    [
        (
            "2025-05-26",
            "2025-05-23",
        ),  # the docs/statute.md example's final plan due on the spring bank holiday
        ("2025-02-17", "2025-02-17"),  # the example's decision due on a working Monday: unchanged
        ("2025-04-21", "2025-04-17"),  # design doc: due Easter Monday -> Maundy Thursday
        ("2025-04-18", "2025-04-17"),
        ("2025-03-08", "2025-03-07"),  # Saturday -> Friday
        ("2025-03-09", "2025-03-07"),  # Sunday -> Friday
        ("2026-01-01", "2025-12-31"),  # New Year's Day -> back into the previous year
        ("2026-01-03", "2026-01-02"),
        ("2025-12-26", "2025-12-24"),
        ("2022-12-27", "2022-12-23"),  # Christmas substitute Tue, Boxing Day Mon, weekend
        ("2021-12-28", "2021-12-24"),
        ("2023-01-02", "2022-12-30"),  # New Year substitute
        ("2022-09-19", "2022-09-16"),  # state funeral
        ("2023-05-08", "2023-05-05"),  # coronation
        ("2022-06-05", "2022-06-01"),  # Sunday after the Thursday and Friday jubilee holidays
    ],
)
def test_practical_due(due: str, practical: str) -> None:
    cal = Calendar()
    assert cal.practical_due(D(due)) == D(practical)
    assert cal.practical_due(D(due)) == D(practical)  # asked again: the same answer


def test_statute_example_end_to_end() -> None:
    # docs/statute.md: received 2025-01-06 -> decision due 2025-02-17 -> final plan due 2025-05-26;
    # 26 May 2025 is the spring bank holiday, so the practical deadline is Friday 23 May.
    received = D("2025-01-06")
    assert CAL.practical_due(weeks(received, 6)) == D("2025-02-17")
    assert weeks(received, 20) == D("2025-05-26")
    assert CAL.practical_due(weeks(received, 20)) == D("2025-05-23")


@pytest.mark.parametrize(
    ("day", "result"),
    [
        ("2025-03-10", "2025-03-10"),  # a working day is its own next working day
        ("2025-04-18", "2025-04-22"),
        ("2025-04-19", "2025-04-22"),
        ("2025-12-25", "2025-12-29"),
        ("2026-01-01", "2026-01-02"),
        ("2023-01-01", "2023-01-03"),  # Sunday, then the substitute Monday
    ],
)
def test_next_working_day(day: str, result: str) -> None:
    assert Calendar().next_working_day(D(day)) == D(result)


# R7: the tribunal's moves.


@pytest.mark.parametrize(
    ("deadline", "moved"),
    [
        ("2025-12-24", "2025-12-24"),  # a working day before 25 Dec: not moved
        ("2025-12-25", "2026-01-02"),  # 25 Dec - 1 Jan -> first working day after 1 Jan (Fri 2 Jan)
        ("2025-12-27", "2026-01-02"),  # a Saturday inside the Christmas period
        ("2025-12-29", "2026-01-02"),  # a working day inside the Christmas period still moves
        ("2025-12-31", "2026-01-02"),
        ("2026-01-01", "2026-01-02"),
        ("2026-01-02", "2026-01-02"),  # the first working day after 1 Jan itself
        ("2026-12-25", "2027-01-04"),  # 2 Jan 2027 a Saturday: Monday 4 Jan
        ("2027-01-02", "2027-01-04"),  # a Saturday outside the period: next working day
        ("2021-12-31", "2022-01-04"),  # Sun 2 Jan, substitute Mon 3 Jan 2022
        ("2022-12-28", "2023-01-03"),  # substitute Mon 2 Jan 2023
        ("2023-01-02", "2023-01-03"),  # the substitute bank holiday itself
        # Sat 24 Dec 2022: the next working day (Wed 28 Dec) lies in 25 Dec - 1 Jan, which moves it again
        ("2022-12-24", "2023-01-03"),
        ("2025-07-31", "2025-07-31"),  # a working 31 July: not moved
        ("2025-08-01", "2025-09-01"),  # August -> first working day after 31 Aug (Mon 1 Sep 2025)
        ("2025-08-15", "2025-09-01"),
        ("2025-08-25", "2025-09-01"),  # summer bank holiday, in August
        ("2025-08-31", "2025-09-01"),
        ("2025-09-01", "2025-09-01"),
        ("2024-08-15", "2024-09-02"),  # 1 Sep 2024 a Sunday: Monday 2 Sep
        ("2024-09-01", "2024-09-02"),  # a Sunday in September: next working day
        # Sat 31 Jul 2021: the next working day, Mon 2 Aug, is in August; 30 Aug 2021 was a bank holiday
        ("2021-07-31", "2021-09-01"),
        ("2025-03-08", "2025-03-10"),  # a Saturday -> Monday
        ("2025-03-09", "2025-03-10"),
        ("2025-05-26", "2025-05-27"),  # a bank holiday Monday -> Tuesday
        ("2025-04-18", "2025-04-22"),  # Good Friday -> the Tuesday after Easter Monday
        ("2022-09-19", "2022-09-20"),  # state funeral
        ("2025-12-01", "2025-12-01"),  # IPSEA: 1 Oct + 2 months = Mon 1 Dec, a working day
    ],
)
def test_tribunal_deadline_moves(deadline: str, moved: str) -> None:
    assert Calendar().tribunal_deadline(D(deadline)) == D(moved)


@pytest.mark.parametrize(
    ("deadline", "moved"),
    [
        ("2025-12-24", "2025-12-24"),
        ("2025-12-25", "2025-12-29"),  # only off the non-working days: 25, 26 Dec and the weekend
        ("2025-12-29", "2025-12-29"),  # a working day in the Christmas period stays
        ("2025-12-31", "2025-12-31"),
        ("2026-01-01", "2026-01-02"),
        ("2026-01-02", "2026-01-02"),
        ("2025-07-31", "2025-07-31"),
        ("2025-08-01", "2025-08-01"),  # a working day in August stays
        ("2025-08-25", "2025-08-26"),  # bank holiday -> Tuesday
        ("2025-08-30", "2025-09-01"),
        ("2025-08-31", "2025-09-01"),
        ("2025-09-01", "2025-09-01"),
        ("2025-03-08", "2025-03-10"),
        ("2025-05-26", "2025-05-27"),
        ("2022-12-24", "2022-12-28"),  # Sat 24 Dec 2022 -> Wed 28 Dec (26, 27 bank holidays)
        ("2021-07-31", "2021-08-02"),
    ],
)
def test_tribunal_deadline_without_holiday_moves(deadline: str, moved: str) -> None:
    assert Calendar().tribunal_deadline(D(deadline), holiday_moves=False) == D(moved)


def appeal_deadline(cal: Calendar, notice: date, certificate: date | None = None) -> date:
    """R7: max(notice + 2 months, certificate + 1 month), then the tribunal's moves."""
    latest = months(notice, 2)
    if certificate is not None:
        latest = max(latest, months(certificate, 1))
    return cal.tribunal_deadline(latest)


@pytest.mark.parametrize(
    ("notice", "certificate", "deadline"),
    [
        ("2025-10-01", None, "2025-12-01"),  # IPSEA: 1 Oct -> 1 Dec
        ("2025-10-01", "2025-11-20", "2025-12-22"),  # certificate + 1 month = Sat 20 Dec -> Mon 22 Dec
        ("2025-10-01", "2025-10-15", "2025-12-01"),  # certificate + 1 month (15 Nov) is earlier
        ("2025-10-25", None, "2026-01-02"),  # 25 Dec -> first working day after 1 Jan
        ("2025-06-10", None, "2025-09-01"),  # 10 Aug -> first working day after 31 Aug
        ("2025-06-30", None, "2025-09-01"),  # 30 Aug
        ("2025-07-01", None, "2025-09-01"),  # 1 Sep 2025, a Monday: not moved
        ("2024-06-30", None, "2024-09-02"),  # 30 Aug 2024 -> Mon 2 Sep 2024
        ("2025-05-01", "2025-06-15", "2025-07-15"),  # certificate + 1 month, a Tuesday
        ("2025-12-31", None, "2026-03-02"),  # 31 Dec + 2 months = 28 Feb 2026, a Saturday -> Mon 2 Mar
    ],
)
def test_appeal_deadline_examples(notice: str, certificate: str | None, deadline: str) -> None:
    cert = D(certificate) if certificate else None
    assert appeal_deadline(CAL, D(notice), cert) == D(deadline)


# Properties.


@given(d=DATES)
@PROPERTY
def test_practical_due_property(d: date) -> None:
    practical = CAL.practical_due(d)
    assert CAL.is_working_day(practical)
    assert practical <= d
    assert d - practical < timedelta(days=14)
    day = practical + ONE_DAY
    while day < d:
        assert not CAL.is_working_day(day)
        day += ONE_DAY
    if CAL.is_working_day(d):
        assert practical == d


@given(d=DATES)
@PROPERTY
def test_tribunal_deadline_property(d: date) -> None:
    moved = CAL.tribunal_deadline(d)
    assert moved >= d
    assert moved.weekday() < 5
    assert moved not in CAL.bank_holidays(moved.year)
    assert CAL.is_working_day(moved)
    assert not (moved.month == 12 and moved.day >= 25)
    assert not (moved.month == 1 and moved.day == 1)
    assert moved.month != 8
    assert moved - d < timedelta(days=45)


@given(d=DATES)
@PROPERTY
def test_tribunal_deadline_without_moves_is_next_working_day(d: date) -> None:
    moved = CAL.tribunal_deadline(d, holiday_moves=False)
    assert moved >= d
    assert CAL.is_working_day(moved)
    day = d
    while day < moved:
        assert not CAL.is_working_day(day)
        day += ONE_DAY


@given(d=DATES, n=st.integers(min_value=1, max_value=40))
@PROPERTY
def test_working_days_after_property(d: date, n: int) -> None:
    result = CAL.working_days_after(d, n)
    assert CAL.is_working_day(result)
    assert result > d
    count = sum(CAL.is_working_day(d + timedelta(days=i)) for i in range(1, (result - d).days + 1))
    assert count == n
    assert CAL.working_days_between(d + ONE_DAY, result + ONE_DAY) == n


@given(d=DATES, n=st.integers(min_value=1, max_value=40))
@PROPERTY
def test_working_days_beginning_with_property(d: date, n: int) -> None:
    result = CAL.working_days_beginning_with(d, n)
    assert CAL.is_working_day(result)
    assert result >= d
    assert CAL.working_days_between(d, result + ONE_DAY) == n


@given(
    a=DATES,
    first=st.integers(min_value=0, max_value=60),
    second=st.integers(min_value=0, max_value=60),
)
@PROPERTY
def test_working_days_between_adds_up(a: date, first: int, second: int) -> None:
    b = a + timedelta(days=first)
    c = b + timedelta(days=second)
    assert CAL.working_days_between(a, b) + CAL.working_days_between(b, c) == CAL.working_days_between(a, c)
    assert CAL.working_days_between(a, b) <= first
