"""The managers' dashboard (issue 10 s.4), read from the read model:

- the steps still owed, counted by deadline, by agency and by caseworker, each count split into overdue
  (due before today) and due soon (from today, within the days asked). The same steps as the overdue list
  (db/deadlines.py `list_overdue_steps`): open or overdue, not met, not a family's window. One grouped
  query each, on the partial index of unmet deadlines;
- the cases longest overdue: the overdue list read from its oldest step, a case counted once;
- next September's phase transfers (reg 18), counted by transfer and status, and listed. The cohort is
  db/plans.py `list_transfer_plans`'s (a child's date of birth, or a recorded `phase_transfer_review`
  deadline, which wins; plans still maintained), with the status `statute.phases.transfer_status` gives,
  worked out in SQL so it can be counted and filtered, and "settled" split into in time and late.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, Literal

from sqlalchemy import Date, Subquery, and_, case, exists, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.children import CHILD_NAME_COLUMNS, ChildName
from db.deadlines import OverdueStep, list_overdue_steps
from db.models import Agency, Case, CaseDeadline, Child, Decision, User
from db.pagination import after_key, decode_key, encode_cursor
from statute.conventions import Conventions
from statute.phases import (
    INVITATIONS_BEFORE_MEETING,
    MEETING_BEFORE_DEADLINE,
    TRANSFER_YEAR_GROUPS,
    born_between,
    phase_transfer_due,
    settling_period,
    transfer_status,
)

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


# ---- The cases longest overdue ----


@dataclass(frozen=True, slots=True)
class OverdueCase:
    """A case with steps overdue: its oldest (the first the overdue list shows), and how many it has."""

    oldest: OverdueStep
    steps: int


async def longest_overdue_cases(*, session: AsyncSession, as_of: date, limit: int) -> list[OverdueCase]:
    """The `limit` cases whose oldest overdue step is oldest, oldest first: the overdue list (the same
    steps, the same order) read page by page from its start until `limit` cases are found, each case at
    its first step; then how many overdue steps each has, by its key."""
    oldest: dict[uuid.UUID, OverdueStep] = {}
    after: str | None = None
    while len(oldest) < limit:
        page = await list_overdue_steps(session=session, as_of=as_of, after=after, limit=max(5 * limit, 50))
        for step in page.steps:
            oldest.setdefault(step.case_id, step)
        if page.next_after is None:
            break
        after = page.next_after
    cases = list(oldest.values())[:limit]
    if not cases:
        return []
    counted = (
        select(_D.case_id, func.count())
        .where(
            _D.case_id.in_([c.case_id for c in cases]),
            _D.met_on.is_(None),
            _D.status.in_(("open", "overdue")),
            _D.family_window.is_(False),
            _D.due < as_of,
        )
        .group_by(_D.case_id)
    )
    steps = {case_id: int(n) for case_id, n in (await session.execute(counted)).all()}
    return [OverdueCase(oldest=c, steps=steps.get(c.case_id, 1)) for c in cases]


# ---- Next September's phase transfers (reg 18) ----

TransferStatus = Literal["settled", "settled_late", "on_track", "at_risk", "overdue"]
TRANSFER_STATUSES: Final[tuple[TransferStatus, ...]] = (
    "settled",
    "settled_late",
    "on_track",
    "at_risk",
    "overdue",
)
# A transfer: the year group the child enters ("0" is Reception) when their date of birth says so and
# the deadline is of that kind; else a recorded transfer the date of birth cannot tell, by its kind.
TRANSFERS: Final = (*(str(group) for group in TRANSFER_YEAR_GROUPS), "school", "post16")


@dataclass(frozen=True, slots=True)
class TransferCount:
    transfer: str  # one of TRANSFERS
    status: TransferStatus
    plans: int


@dataclass(frozen=True, slots=True)
class TransferRow:
    """One plan of the cohort, as the dashboard's list shows it."""

    case_id: uuid.UUID
    child: ChildName
    transfer: str
    deadline: date
    recorded: bool
    review_meeting_held: bool
    settled_on: date | None
    status: TransferStatus


@dataclass(frozen=True, slots=True)
class TransferRows:
    rows: tuple[TransferRow, ...]
    next_after: str | None  # pass back as `after` for the next page; None on the last page


def status_of(
    *, due: date, today: date, settled: str | None, meeting_held: bool, decided: bool
) -> TransferStatus:
    """`statute.phases.transfer_status` (which reads only whether the meeting, its decision and the
    settling are known), with "settled" split by whether it was in time (`settled`: in_time, late)."""
    if settled is not None:
        return "settled" if settled == "in_time" else "settled_late"
    known = due  # any date: only whether one is known matters
    return transfer_status(
        due=due,
        today=today,
        meeting_on=known if meeting_held else None,
        decided_on=known if decided else None,
        settled_on=None,
    )


def _cohort(*, la_code: str, year: int, conventions: Conventions) -> Subquery:
    """The maintained plans of `la_code` whose child changes phase in September of `year`: the cohort of
    db/plans.py `list_transfer_plans`, a row a plan (columns: case_id, the child's names, due, recorded,
    settled_on, settled (in_time, late or NULL), meeting_held, decided, transfer).

    Each plan's latest recorded deadline and latest review meeting in the settling period are joined
    (none later exists), and the decisions are asked only for a plan without a recorded deadline, once:
    no correlated subquery is repeated however the columns are used."""
    opens, transfer_day = settling_period(year)
    rec, later_rec, review, later_review = (aliased(CaseDeadline) for _ in range(4))

    def recorded(d: Any) -> Any:
        return and_(
            d.case_id == Case.id,
            d.deadline == "phase_transfer_review",
            d.due.between(date(year, 1, 1), date(year, 12, 31)),
        )

    def in_period(d: Any) -> Any:
        return and_(
            d.case_id == Case.id,
            d.deadline == "review_decision",
            d.from_date >= opens,
            d.from_date < transfer_day,
            d.due >= opens,  # implied (a step falls due once its clock has started): an index on due serves
        )

    latest_recorded = and_(
        recorded(rec),
        ~exists().where(
            recorded(later_rec), tuple_(later_rec.from_date, later_rec.due) > tuple_(rec.from_date, rec.due)
        ),
    )
    latest_review = and_(
        in_period(review), ~exists().where(in_period(later_review), later_review.from_date > review.from_date)
    )
    settles = or_(
        and_(Decision.kind == "review_decision", Decision.outcome != "amend"), Decision.kind == "amended_plan"
    )
    settled_by_decisions = (
        select(func.min(Decision.decided_on))
        .where(
            Decision.case_id == Case.id,
            settles,
            Decision.decided_on >= opens,
            Decision.decided_on < transfer_day,
        )
        .scalar_subquery()
    )
    births = {group: born_between(group, year) for group in TRANSFER_YEAR_GROUPS}
    by_birth = case(
        *(
            (
                Child.date_of_birth.between(*births[group]),
                literal(phase_transfer_due(kind, year, conventions), Date()),
            )
            for group, kind in TRANSFER_YEAR_GROUPS.items()
        ),
        else_=None,
    )
    due = func.coalesce(rec.due, by_birth)
    settled_on = case((rec.case_id.is_not(None), rec.met_on), else_=settled_by_decisions)
    school = due < date(year, 3, 1)  # statute.phases.kind_due_on: February is a school's
    transfer = case(
        *(
            (
                and_(Child.date_of_birth.between(*births[group]), school if kind == "school" else ~school),
                literal(str(group)),
            )
            for group, kind in TRANSFER_YEAR_GROUPS.items()
        ),
        (school, literal("school")),
        else_=literal("post16"),
    )
    return (
        select(
            Case.id.label("case_id"),
            *CHILD_NAME_COLUMNS,
            due.label("due"),
            rec.case_id.is_not(None).label("recorded"),
            settled_on.label("settled_on"),
            # A simple CASE: `settled_on`, and the decisions it may ask, is worked out once.
            case(
                {True: literal("in_time"), False: literal("late")}, value=settled_on <= due, else_=None
            ).label("settled"),
            review.case_id.is_not(None).label("meeting_held"),
            review.met_on.is_not(None).label("decided"),
            transfer.label("transfer"),
        )
        .join(Child, Child.id == Case.child_id)
        .outerjoin(rec, latest_recorded)
        .outerjoin(review, latest_review)
        .where(
            Case.la_code == la_code,
            Case.stage == "plan_maintained",
            or_(by_birth.is_not(None), rec.case_id.is_not(None)),
        )
        .subquery()
    )


def _with_status(cohort: Subquery, status: TransferStatus, today: date) -> Any:
    """The cohort's rows at `status` on `today`: `status_of` as a condition (the list filters by it)."""
    c = cohort.c
    if status in ("settled", "settled_late"):
        return c.settled == ("in_time" if status == "settled" else "late")
    unsettled = c.settled.is_(None)
    if status == "overdue":
        return and_(unsettled, c.due < today)
    # transfer_status's comparisons turned round onto the deadline: today is past the latest feasible
    # meeting when due < today + 12 weeks, past its invitations when due < today + 14 weeks.
    at_risk = or_(
        and_(~c.meeting_held, c.due < today + MEETING_BEFORE_DEADLINE + INVITATIONS_BEFORE_MEETING),
        and_(~c.decided, c.due < today + MEETING_BEFORE_DEADLINE),
    )
    return and_(unsettled, c.due >= today, at_risk if status == "at_risk" else ~at_risk)


async def transfer_counts(
    *, session: AsyncSession, la_code: str, year: int, today: date, conventions: Conventions
) -> list[TransferCount]:
    """How many plans of `year`'s cohort are at each transfer and status on `today`: one query, grouped by
    what the status is made of (few groups), each group's status worked out by `status_of`."""
    c = _cohort(la_code=la_code, year=year, conventions=conventions).c
    keys = (c.transfer, c.due, c.settled, c.meeting_held, c.decided)
    counts: dict[tuple[str, TransferStatus], int] = {}
    for transfer, due, settled, held, decided, n in (
        await session.execute(select(*keys, func.count()).group_by(*keys))
    ).all():
        status = status_of(
            due=due, today=today, settled=settled, meeting_held=bool(held), decided=bool(decided)
        )
        counts[transfer, status] = counts.get((transfer, status), 0) + int(n)
    return [TransferCount(transfer=t, status=s, plans=n) for (t, s), n in counts.items()]


async def list_transfers(
    *,
    session: AsyncSession,
    la_code: str,
    year: int,
    today: date,
    conventions: Conventions,
    transfer: str | None = None,
    status: TransferStatus | None = None,
    after: str | None = None,
    limit: int = 50,
) -> TransferRows:
    """The plans of `year`'s cohort (of a `transfer`, at a `status`, when given), soonest deadline first,
    then by case; `after` is the previous page's `next_after` (`InvalidCursor` for anything else)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    cohort = _cohort(la_code=la_code, year=year, conventions=conventions)
    sort = (cohort.c.due, cohort.c.case_id)
    stmt = select(cohort).order_by(*sort).limit(limit + 1)
    if transfer is not None:
        stmt = stmt.where(cohort.c.transfer == transfer)
    if status is not None:
        stmt = stmt.where(_with_status(cohort, status, today))
    if after is not None:
        stmt = stmt.where(after_key(sort, decode_key(after, date.fromisoformat, uuid.UUID)))
    found = (await session.execute(stmt)).all()
    rows = tuple(
        TransferRow(
            case_id=row.case_id,
            child=ChildName.of(row),
            transfer=row.transfer,
            deadline=row.due,
            recorded=bool(row.recorded),
            review_meeting_held=bool(row.meeting_held),
            settled_on=row.settled_on,
            status=status_of(
                due=row.due,
                today=today,
                settled=row.settled,
                meeting_held=bool(row.meeting_held),
                decided=bool(row.decided),
            ),
        )
        for row in found[:limit]
    )
    last = rows[-1] if len(found) > limit else None
    return TransferRows(
        rows=rows, next_after=encode_cursor([last.deadline.isoformat(), last.case_id.hex]) if last else None
    )


async def child_names(*, session: AsyncSession, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, ChildName]:
    """Who each of `case_ids` is about (the cases a list from elsewhere names only by id)."""
    if not case_ids:
        return {}
    stmt = (
        select(Case.id, *CHILD_NAME_COLUMNS)
        .join(Child, Child.id == Case.child_id)
        .where(Case.id.in_(case_ids))
    )
    return {row.id: ChildName.of(row) for row in (await session.execute(stmt)).all()}
