"""The phase-transfer cohort (reg 18): the maintained plans whose child changes phase in September of a
year, with what the read model and the decisions say of their review in the 12 months before it.

A plan is in the cohort when its child's date of birth puts it at a transfer (`statute.phases`), or when
the plan records a `phase_transfer_review` deadline due that year; the recorded deadline wins.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Case, CaseDeadline, Child, Decision
from db.pagination import after_key, decode_key, encode_cursor
from statute.conventions import Conventions
from statute.phases import TRANSFER_YEAR_GROUPS, born_between, phase_transfer_due, settling_period

_D = CaseDeadline


@dataclass(frozen=True, slots=True)
class TransferPlan:
    """One plan of the cohort: its deadline, and its review in the settling period (statute.phases).

    `meeting_on` is the latest review meeting in that period, `decided_on` the LA's decision on it;
    `settled_on` the recorded deadline's `met_on`, or else the first review that kept (or ceased) the
    plan or amended plan issued in the period, as the statute engine settles a recorded transfer.
    """

    case_id: uuid.UUID
    caseworker_id: uuid.UUID | None
    date_of_birth: date
    due: date
    recorded: bool
    meeting_on: date | None
    decided_on: date | None
    settled_on: date | None


@dataclass(frozen=True, slots=True)
class TransferPage:
    plans: tuple[TransferPlan, ...]
    next_after: str | None  # pass back as `after` for the next page; None on the last page


async def list_transfer_plans(
    *,
    session: AsyncSession,
    la_code: str,
    year: int,
    conventions: Conventions,
    after: str | None = None,
    limit: int = 50,
) -> TransferPage:
    """The maintained plans of `la_code` whose child changes phase in September of `year`, soonest
    deadline first (then by case id); `after` is the previous page's `next_after` (`InvalidCursor` for
    anything else)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    ranked = (
        select(
            _D.case_id,
            _D.due,
            _D.met_on,
            func.row_number()
            .over(partition_by=_D.case_id, order_by=(_D.from_date.desc(), _D.due.desc()))
            .label("rank"),
        )
        .where(_D.deadline == "phase_transfer_review", _D.due.between(date(year, 1, 1), date(year, 12, 31)))
        .subquery()
    )
    by_birth = case(
        *(
            (
                Child.date_of_birth.between(*born_between(group, year)),
                literal(phase_transfer_due(kind, year, conventions), Date()),
            )
            for group, kind in TRANSFER_YEAR_GROUPS.items()
        ),
        else_=None,
    )
    due = func.coalesce(ranked.c.due, by_birth)
    cohort = (
        select(
            Case.id.label("case_id"),
            Case.caseworker_id,
            Child.date_of_birth,
            due.label("due"),
            ranked.c.due.is_not(None).label("recorded"),
            ranked.c.met_on,
        )
        .join(Child, Child.id == Case.child_id)
        .outerjoin(ranked, and_(ranked.c.case_id == Case.id, ranked.c.rank == 1))
        .where(Case.la_code == la_code, Case.stage == "plan_maintained", due.is_not(None))
        .subquery()
    )
    sort = (cohort.c.due, cohort.c.case_id)
    stmt = select(cohort).order_by(*sort).limit(limit + 1)
    if after is not None:
        stmt = stmt.where(after_key(sort, decode_key(after, date.fromisoformat, uuid.UUID)))
    found = (await session.execute(stmt)).all()
    rows = found[:limit]
    ids = [row.case_id for row in rows]
    meetings = await _review_meetings(session, ids, year)
    settled = await _settled_by_decisions(session, ids, year)
    plans = tuple(
        TransferPlan(
            case_id=row.case_id,
            caseworker_id=row.caseworker_id,
            date_of_birth=row.date_of_birth,
            due=row.due,
            recorded=bool(row.recorded),
            meeting_on=meetings.get(row.case_id, (None, None))[0],
            decided_on=meetings.get(row.case_id, (None, None))[1],
            settled_on=row.met_on if row.recorded else settled.get(row.case_id),
        )
        for row in rows
    )
    last = plans[-1] if len(found) > limit else None
    return TransferPage(
        plans=plans, next_after=encode_cursor([last.due.isoformat(), last.case_id.hex]) if last else None
    )


async def _review_meetings(
    session: AsyncSession, ids: list[uuid.UUID], year: int
) -> dict[uuid.UUID, tuple[date, date | None]]:
    """Each plan's latest review meeting in the settling period, and the LA's decision on it: the
    `review_decision` deadline runs from the meeting and is met by the decision (reg 20(10))."""
    opens, transfer_day = settling_period(year)
    stmt = (
        select(_D.case_id, _D.from_date, _D.met_on)
        .where(
            _D.case_id.in_(ids),
            _D.deadline == "review_decision",
            _D.from_date >= opens,
            _D.from_date < transfer_day,
        )
        .order_by(_D.case_id, _D.from_date)
    )
    return {case_id: (held, decided) for case_id, held, decided in (await session.execute(stmt)).all()}


async def _settled_by_decisions(
    session: AsyncSession, ids: list[uuid.UUID], year: int
) -> dict[uuid.UUID, date]:
    """The first decision in the settling period that settles a transfer: a review that did not amend the
    plan, or an amended plan issued (as `statute.timeline` settles a recorded `phase_transfer_review`)."""
    opens, transfer_day = settling_period(year)
    settles = or_(
        and_(Decision.kind == "review_decision", Decision.outcome != "amend"), Decision.kind == "amended_plan"
    )
    stmt = (
        select(Decision.case_id, func.min(Decision.decided_on).label("settled_on"))
        .where(
            Decision.case_id.in_(ids),
            settles,
            Decision.decided_on >= opens,
            Decision.decided_on < transfer_day,
        )
        .group_by(Decision.case_id)
    )
    return {row.case_id: row.settled_on for row in (await session.execute(stmt)).all()}
