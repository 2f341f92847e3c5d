"""The managers' dashboard: the steps still owed, counted by deadline, by agency and by caseworker, each
count split into overdue (due before today) and due soon (from today, within the days asked). The same
steps as the overdue list (db/deadlines.py `list_overdue_steps`): open or overdue, not met, not a family's
window. One grouped query each, on the partial index of unmet deadlines.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Agency, CaseDeadline, User

_D = CaseDeadline
By = Literal["deadline", "agency", "caseworker"]


@dataclass(frozen=True, slots=True)
class OwedCount:
    """One group's steps still owed: the group (a deadline's name, an agency's or caseworker's id and
    name; None for steps owed by nobody in particular), how many are overdue and how many due soon."""

    key: str | uuid.UUID | None
    name: str | None
    overdue: int
    due_soon: int

    @property
    def total(self) -> int:
        return self.overdue + self.due_soon


async def owed_counts(*, session: AsyncSession, as_of: date, due_within_days: int, by: By) -> list[OwedCount]:
    """The steps still owed, due before `as_of + due_within_days`, grouped `by`; most overdue first."""
    horizon = as_of + timedelta(days=max(due_within_days, 0))
    overdue = func.coalesce(func.sum(case((_D.due < as_of, 1), else_=0)), 0)
    due_soon = func.coalesce(func.sum(case((_D.due >= as_of, 1), else_=0)), 0)
    group: Any
    name: Any
    if by == "deadline":
        group, name = _D.deadline, _D.deadline
        stmt = select(group, name, overdue, due_soon).select_from(_D)
    elif by == "agency":
        group, name = _D.agency_id, Agency.name
        stmt = select(group, name, overdue, due_soon).select_from(_D).join(Agency, Agency.id == _D.agency_id)
    else:
        group, name = _D.caseworker_id, User.display_name
        stmt = (
            select(group, name, overdue, due_soon)
            .select_from(_D)
            .outerjoin(User, User.id == _D.caseworker_id)
        )
    stmt = (
        stmt.where(
            _D.met_on.is_(None),
            _D.status.in_(("open", "overdue")),
            _D.family_window.is_(False),
            _D.due < horizon,
        )
        .group_by(group, name)
        .order_by(overdue.desc(), due_soon.desc(), name)
    )
    rows = (await session.execute(stmt)).all()
    return [OwedCount(key=row[0], name=row[1], overdue=int(row[2]), due_soon=int(row[3])) for row in rows]
