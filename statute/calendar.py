"""Working days and the tribunal's moves (rules R4, R5, R7, R8), over England and Wales bank holidays.

A working day is Monday to Friday, not an England and Wales bank holiday. School holidays are not
skipped (docs/statute.md §1.1). The bank holidays come from the `holidays` package unless given: a workflow
passes the list it recorded, so a later change of that package cannot change an old case's dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import holidays

ONE_DAY = timedelta(days=1)


def england_and_wales_bank_holidays(years: Iterable[int]) -> frozenset[date]:
    """The bank holidays of England and Wales in the given years, special ones included."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=list(years)).keys())


class Calendar:
    """Which days are working days, and the rules that count them.

    Given `bank_holidays`, those are the only ones it knows; otherwise it loads each year's from the
    `holidays` package the first time a date in that year is asked about.
    """

    __slots__ = ("_bank", "_fixed", "_years", "practical_cache")

    def __init__(self, bank_holidays: Iterable[date] | None = None) -> None:
        self._fixed = bank_holidays is not None
        self._bank: set[date] = set(bank_holidays or ())
        self._years: set[int] = set()
        self.practical_cache: dict[date, date] = {}

    def _load(self, year: int) -> None:
        # Load neighbouring years too: counting forward from late December crosses into January.
        wanted = {year - 1, year, year + 1} - self._years
        self._bank |= england_and_wales_bank_holidays(wanted)
        self._years |= wanted

    def bank_holidays(self, year: int) -> list[date]:
        """The bank holidays this calendar uses in one year, in order."""
        if not self._fixed and year not in self._years:
            self._load(year)
        return sorted(d for d in self._bank if d.year == year)

    def is_working_day(self, d: date) -> bool:
        """Monday to Friday and not an England and Wales bank holiday."""
        if d.weekday() >= 5:
            return False
        if not self._fixed and d.year not in self._years:
            self._load(d.year)
        return d not in self._bank

    def working_days_after(self, d: date, n: int) -> date:
        """R4: the n-th working day after d, d itself not counted (mediation certificates, regs 34, 39)."""
        while n > 0:
            d += ONE_DAY
            if self.is_working_day(d):
                n -= 1
        return d

    def working_days_beginning_with(self, d: date, n: int) -> date:
        """R5: the last of n working days beginning with d; d is day 1 if it is a working day (reg 15)."""
        if self.is_working_day(d):
            n -= 1
        return self.working_days_after(d, n)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days fall on or after start and before end."""
        count, d = 0, start
        while d < end:
            count += self.is_working_day(d)
            d += ONE_DAY
        return count

    def practical_due(self, due: date) -> date:
        """R8: a due date is never moved; the practical deadline is the last working day on or before it."""
        found = self.practical_cache.get(due)
        if found is None:
            found = due
            while not self.is_working_day(found):
                found -= ONE_DAY
            self.practical_cache[due] = found
        return found

    def next_working_day(self, d: date) -> date:
        """The first working day on or after d."""
        while not self.is_working_day(d):
            d += ONE_DAY
        return d

    def tribunal_deadline(self, d: date, *, holiday_moves: bool = True) -> date:
        """R7's moves (HESC r.12): off a non-working day to the next working day; with `holiday_moves`,
        a deadline ending on 25 Dec - 1 Jan goes to the first working day after 1 Jan, and one ending in
        August to the first working day after 31 August. Repeated until none applies."""
        while True:
            if holiday_moves and d.month == 12 and d.day >= 25:
                d = date(d.year + 1, 1, 2)
            elif holiday_moves and d.month == 1 and d.day == 1:
                d = date(d.year, 1, 2)
            elif holiday_moves and d.month == 8:
                d = date(d.year, 9, 1)
            elif not self.is_working_day(d):
                d += ONE_DAY
            else:
                return d
