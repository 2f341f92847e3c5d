"""The date arithmetic of docs/statute.md §5 (rules R1-R10), as pure functions.

R4, R5, R7 and R8 need to know the working days: they live on `statute.calendar.Calendar`.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def weeks(d: date, n: int, *, event_day_is_day_1: bool = False) -> date:
    """R1: 'within n weeks of' d. The day of the event is not counted: d + 7n days.

    With the "day 1" convention some planners use, the day of the event counts, one day earlier.
    """
    return d + timedelta(days=7 * n - (1 if event_day_is_day_1 else 0))


def days_beginning_with(d: date, n: int) -> date:
    """R2: the last day of 'n days beginning with the day' d: d counts as day 1."""
    return d + timedelta(days=n - 1)


def within_days(d: date, n: int) -> date:
    """R3: 'within n days' of d: d + n."""
    return d + timedelta(days=n)


def months(d: date, n: int) -> date:
    """R6: the corresponding date n calendar months later (1 Oct + 2 months = 1 Dec).

    Where the later month is too short (31 Jan + 1 month), the last day of that month, as the courts read
    a corresponding date that does not exist.
    """
    index = d.month - 1 + n
    year, month = d.year + index // 12, index % 12 + 1
    day = d.day
    if day > 28:
        day = min(day, _stdlib_calendar.monthrange(year, month)[1])
    return date(year, month, day)


def period_starting_with_ends(d: date, n_months: int) -> date:
    """R6: the last day of 'the period of n months starting with' d (CFA s.44(1)): months(d, n) - 1 day."""
    return months(d, n_months) - ONE_DAY


def closure_qualifies(first_closed: date, reopens: date, *, min_days: int = 28) -> bool:
    """R9: a closure counts for reg 10(4)(a)/(b) when it lasts at least 4 weeks."""
    return (reopens - first_closed).days >= min_days


def closure_window(first_closed: date, reopens: date) -> tuple[date, date]:
    """R9: the reg 10(4)(a) window: one week before the first closed day to one week before re-opening."""
    return first_closed - timedelta(days=7), reopens - timedelta(days=7)


def in_window(d: date, window: tuple[date, date], *, inclusive: bool = True) -> bool:
    """Whether d falls inside a window, its ends included or not (a convention)."""
    start, end = window
    return start <= d <= end if inclusive else start < d < end


def absence_qualifies(departure: date, returned: date, *, min_days: int = 28) -> bool:
    """R10: an absence from the LA's area counts when it lasts at least 4 weeks."""
    return (returned - departure).days >= min_days
