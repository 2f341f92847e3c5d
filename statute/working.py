"""The working state a timeline is computed in: a case's events grouped by name in date order, and the
deadlines found so far, with the date rules every pathway applies (R1 under the week-counting convention,
service by post). Internal to `statute`: `timeline.py` and `disputes.py` build on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from operator import attrgetter

from statute.calendar import Calendar
from statute.catalogue import CATALOGUE
from statute.conventions import Conventions
from statute.events import Event
from statute.model import Deadline

_WEEK_DELTAS = tuple(timedelta(weeks=n) for n in range(53))
_NO_EVENTS: tuple[Event, ...] = ()
_BY_DATE = attrgetter("date")


class Case:
    """The events of one case, grouped by name in date order, and the deadlines found so far."""

    __slots__ = ("as_of", "by_name", "calendar", "conventions", "deadlines", "practical", "week_offset")

    def __init__(
        self, events: Iterable[Event], calendar: Calendar, conventions: Conventions, as_of: date
    ) -> None:
        self.as_of = as_of
        self.calendar = calendar
        self.conventions = conventions
        self.deadlines: list[Deadline] = []
        self.by_name: dict[str, list[Event]] = {}
        self.practical = calendar.practical_cache
        self.week_offset = timedelta(days=-1 if conventions.week_counting == "event_day_is_day_1" else 0)
        by_name = self.by_name
        for event in sorted(events, key=_BY_DATE):
            group = by_name.get(event.event)
            if group is None:
                by_name[event.event] = [event]
            else:
                group.append(event)

    def all(self, name: str) -> Sequence[Event]:
        return self.by_name.get(name, _NO_EVENTS)

    def first(self, name: str, on_or_after: date) -> Event | None:
        """The earliest event of that name dated on or after `on_or_after`."""
        for event in self.by_name.get(name, ()):
            if event.date >= on_or_after:
                return event
        return None

    def first_of(
        self, names: tuple[str, ...], on_or_after: date, test: Callable[[Event], bool] | None = None
    ) -> Event | None:
        """The earliest event of any of those names dated on or after `on_or_after` that passes `test`."""
        found: Event | None = None
        for name in names:
            for event in self.by_name.get(name, ()):
                if event.date >= on_or_after and (test is None or test(event)):
                    if found is None or event.date < found.date:
                        found = event
                    break
        return found

    def weeks(self, d: date, n: int) -> date:
        """R1, under the week-counting convention."""
        return d + _WEEK_DELTAS[n] + self.week_offset

    def add(
        self,
        name: str,
        due: date,
        start: Event,
        *,
        met_on: date | None = None,
        id: str | None = None,
        start_date: date | None = None,
        rule: str | None = None,
        ended_on: date | None = None,
        lapses: bool = False,
    ) -> None:
        """One occurrence of a deadline. `ended_on`: the day the step stopped being owed unmet (the
        request withdrawn, the advice overtaken by the decision whether to issue). `lapses`: a limit that
        binds only one outcome not yet chosen (reg 10(1) binds a decision *not* to issue), so once past it
        is `closed`, not `overdue`: a later decision to issue breaks no limit."""
        spec = CATALOGUE[name]
        met = met_on is not None and met_on <= due
        if spec.window:  # the family's: closed when its last day has passed, or the request is withdrawn
            status = "met" if met else "closed" if self.as_of > due or ended_on is not None else "open"
        elif met:
            status = "met"
        elif met_on is not None:
            status = "met_late"
        elif ended_on is not None:  # recorded, so it stands even dated tomorrow (as_of decides only
            status = "withdrawn"  # between open and overdue)
        elif self.as_of > due:
            status = "closed" if lapses else "overdue"
        else:
            status = "open"
        # Positional construction: this runs for every deadline of every case (bench/timeline.py).
        self.deadlines.append(
            Deadline(
                name,
                id,
                due,
                self.practical.get(due) or self.calendar.practical_due(due),
                rule or spec.rule,
                spec.statutory,
                spec.window,
                start.event,
                start_date or start.date,
                met_on,
                status,
            )
        )


def on(event: Event | None) -> date | None:
    return event.date if event is not None else None


def served(case: Case, event: Event) -> date:
    """When a draft plan or notice counts as served: by post, some working days after it was sent."""
    conventions = case.conventions
    if (event.method or conventions.default_service_method) == "post":
        return case.calendar.working_days_after(event.date, conventions.post_service_working_days)
    return event.date + timedelta(days=conventions.electronic_service_days)
