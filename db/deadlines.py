"""The managers' overdue and due-soon lists, read from the deadlines read model.

Lateness is decided here, in SQL, against the day asked about (`due < as_of` and not met), never from
the status stored at projection time: a list must not depend on a timer having fired. Each step says who
its case is about (the child's names and date of birth), read in the same query.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.children import CHILD_NAME_COLUMNS, ChildName
from db.models import Case, CaseDeadline, Child
from db.pagination import after_key, decode_key, encode_cursor


@dataclass(frozen=True, slots=True)
class OverdueStep:
    """One unmet deadline, and how many days late it is (negative: days still to go)."""

    case_id: uuid.UUID
    workflow_id: str
    deadline: str
    key: str
    from_date: date
    due: date
    practical_due: date
    days_overdue: int
    rule: str
    agency_id: uuid.UUID | None
    caseworker_id: uuid.UUID | None
    child: ChildName  # who the case is about


@dataclass(frozen=True, slots=True)
class OverduePage:
    steps: tuple[OverdueStep, ...]
    next_after: str | None  # pass back as `after` for the next page; None on the last page


_D = CaseDeadline
_SORT = (_D.due, _D.case_id, _D.deadline, _D.key, _D.from_date)
_PARSERS = (date.fromisoformat, uuid.UUID, str, str, date.fromisoformat)


def _cursor(step: OverdueStep) -> str:
    return encode_cursor(
        [step.due.isoformat(), step.case_id.hex, step.deadline, step.key, step.from_date.isoformat()]
    )


async def list_overdue_steps(
    *,
    session: AsyncSession,
    as_of: date,
    deadline: str | None = None,
    agency_id: uuid.UUID | None = None,
    caseworker_id: uuid.UUID | None = None,
    due_within_days: int = 0,
    after: str | None = None,
    limit: int = 50,
) -> OverduePage:
    """Steps still owed (`open`, `overdue`) due before `as_of` (or `as_of + due_within_days`: due soon).

    Ordered by (due, case, deadline, key, clock start); `after` is the previous page's `next_after`.
    A family's window (representations, appeal) is never a step the LA is late on, so it is left out.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    horizon = as_of + timedelta(days=max(due_within_days, 0))
    stmt = (
        select(
            _D.case_id,
            Case.workflow_id,
            _D.deadline,
            _D.key,
            _D.from_date,
            _D.due,
            _D.practical_due,
            _D.rule,
            _D.agency_id,
            _D.caseworker_id,
            *CHILD_NAME_COLUMNS,
        )
        .join(Case, Case.id == _D.case_id)
        .join(Child, Child.id == Case.child_id)
        .where(
            _D.met_on.is_(None),  # the partial index ix_deadlines_owed_due
            _D.status.in_(("open", "overdue")),  # owed: not excepted, withdrawn or a lapsed limit
            _D.family_window.is_(False),
            _D.due < horizon,
        )
        .order_by(*_SORT)
        .limit(limit + 1)
    )
    if deadline is not None:
        stmt = stmt.where(_D.deadline == deadline)
    if agency_id is not None:
        stmt = stmt.where(_D.agency_id == agency_id)
    if caseworker_id is not None:
        stmt = stmt.where(_D.caseworker_id == caseworker_id)
    if after is not None:
        stmt = stmt.where(after_key(_SORT, decode_key(after, *_PARSERS)))
    rows = (await session.execute(stmt)).all()
    steps = tuple(
        OverdueStep(
            case_id=row.case_id,
            workflow_id=row.workflow_id,
            deadline=row.deadline,
            key=row.key,
            from_date=row.from_date,
            due=row.due,
            practical_due=row.practical_due,
            days_overdue=(as_of - row.due).days,
            rule=row.rule,
            agency_id=row.agency_id,
            caseworker_id=row.caseworker_id,
            child=ChildName.of(row),
        )
        for row in rows[:limit]
    )
    return OverduePage(steps=steps, next_after=_cursor(steps[-1]) if len(rows) > limit else None)
