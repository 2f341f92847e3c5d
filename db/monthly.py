"""The list behind each month of the dashboard's timeliness measures (db/kpis.py `monthly_kpis`,
`monthly_plan_kpis`): the steps a month's figure counts, each on time or late.

An assessment measure's month is the month its requests were received, and counts the steps taken (the
deadline met); a plan measure's month is the month its deadline fell due, and counts the steps taken or
past due. The conditions are db/kpis.py's, so a list has as many steps as its month's figure counts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.children import CHILD_NAME_COLUMNS, ChildName
from db.models import Case, CaseDeadline, Child
from db.pagination import after_key, decode_key, encode_cursor

_D = CaseDeadline
# The deadline each measure counts, and which family it is of.
MEASURE_FAMILIES: Final[dict[str, Literal["assessment", "plan"]]] = {
    "decision_to_assess": "assessment",
    "decision_not_to_issue": "assessment",
    "final_plan": "assessment",
    "review_decision": "plan",
    "review_due": "plan",
    "amended_plan": "plan",
    "phase_transfer_review": "plan",
}
_PARSERS = (date.fromisoformat, uuid.UUID, str, date.fromisoformat)


@dataclass(frozen=True, slots=True)
class CountedStep:
    """One step a month's measure counts: when it was due and met (None: never, and now past due)."""

    case_id: uuid.UUID
    child: ChildName
    key: str
    received_on: date
    due: date
    met_on: date | None
    exception_accepted: bool

    @property
    def on_time(self) -> bool:
        return self.met_on is not None and self.met_on <= self.due


@dataclass(frozen=True, slots=True)
class CountedSteps:
    steps: tuple[CountedStep, ...]
    next_after: str | None  # pass back as `after` for the next page; None on the last page


def month_end(month: date) -> date:
    """The last day of the month `month` is in."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1) - timedelta(days=1)


async def list_counted_steps(
    *,
    session: AsyncSession,
    la_code: str,
    deadline: str,
    month: date,
    as_of: date,
    late_only: bool = False,
    after: str | None = None,
    limit: int = 50,
) -> CountedSteps:
    """The `deadline` steps the measure counts for `month` (any day of it) as of `as_of`, late ones only
    when `late_only`; by the day the month is of (an assessment's request received, a plan step's due),
    then case, key and clock start; `after` is the previous page's `next_after`."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    family = MEASURE_FAMILIES.get(deadline)
    if family is None:
        raise ValueError(f"{deadline} is not a measure of the dashboard")
    first, last = month.replace(day=1), month_end(month)
    day = Case.received_on if family == "assessment" else _D.due
    sort = (day, _D.case_id, _D.key, _D.from_date)
    stmt = (
        select(
            _D.case_id,
            _D.key,
            _D.from_date,
            _D.due,
            _D.met_on,
            _D.exception_accepted,
            Case.received_on,
            *CHILD_NAME_COLUMNS,
        )
        .join(Case, Case.id == _D.case_id)
        .join(Child, Child.id == Case.child_id)
        .where(Case.la_code == la_code, _D.deadline == deadline)
        .order_by(*sort)
        .limit(limit + 1)
    )
    if family == "assessment":
        stmt = stmt.where(Case.received_on.between(first, last), _D.met_on.is_not(None))
    else:
        stmt = stmt.where(_D.due.between(first, last), or_(_D.met_on.is_not(None), _D.due < as_of))
    if late_only:
        stmt = stmt.where(or_(_D.met_on.is_(None), _D.met_on > _D.due))
    if after is not None:
        stmt = stmt.where(after_key(sort, decode_key(after, *_PARSERS)))
    found = (await session.execute(stmt)).all()
    steps = tuple(
        CountedStep(
            case_id=row.case_id,
            child=ChildName.of(row),
            key=row.key,
            received_on=row.received_on,
            due=row.due,
            met_on=row.met_on,
            exception_accepted=bool(row.exception_accepted),
        )
        for row in found[:limit]
    )
    last_row = found[limit - 1] if len(found) > limit else None
    cursor = None
    if last_row is not None:
        last_day = last_row.received_on if family == "assessment" else last_row.due
        cursor = encode_cursor(
            [last_day.isoformat(), last_row.case_id.hex, last_row.key, last_row.from_date.isoformat()]
        )
    return CountedSteps(steps=steps, next_after=cursor)
