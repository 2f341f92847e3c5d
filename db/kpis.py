"""Manager KPIs, mirroring DfE SEN2 (docs/statute.md §3): the assessment measures over the requests received
in a period, and the plan measures over the deadlines falling due in a period.

Each assessment measure counts the deadlines of that name that were met (the step happened) and how many
of those were met on or before `due`; undecided or unissued cases are not in a denominator yet, as in
SEN2. The "excluding exceptions" measures leave out the deadlines with an accepted exception (reg 5(4),
reg 10(4)).

A plan measure (KPIs 6-8) counts a deadline once its outcome is known: met, or past its due date unmet
(a review never held is late, not left out: docs/statute.md §4.4). Annual reviews have no exceptions.

Month by month (`monthly_kpis`, `monthly_plan_kpis`, for the managers' dashboard): each month's figure is
what `kpis` or `plan_kpis` would say of that month alone, from one grouped query per family.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, extract, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Agency, Case, CaseDeadline


@dataclass(frozen=True, slots=True)
class Measure:
    """`within` of `total` on time; `percent` to one decimal place, None when `total` is 0."""

    within: int
    total: int
    percent: float | None

    @classmethod
    def of(cls, within: int, total: int) -> Measure:
        return cls(within=within, total=total, percent=round(100 * within / total, 1) if total else None)


@dataclass(frozen=True, slots=True)
class AgencyAdvice:
    """Advice returned within 6 weeks by one agency (reg 8(1)), and how much is still outstanding."""

    agency_id: uuid.UUID | None
    agency_name: str | None
    returned: Measure
    outstanding: int


@dataclass(frozen=True, slots=True)
class Kpis:
    la_code: str
    received_from: date
    received_to: date
    requests: int
    decided_within_6_weeks: Measure  # request_outcome_six_weeks_pc (including exceptions)
    issued_within_20_weeks_excluding_exceptions: Measure  # pc_plans_issued_20_weeks_ex
    issued_within_20_weeks_including_exceptions: Measure  # pc_plans_issued_within_20_weeks
    not_to_issue_within_16_weeks: Measure  # including exceptions
    advice_by_agency: tuple[AgencyAdvice, ...]
    decided_within_6_weeks_excluding_exceptions: Measure
    not_to_issue_within_16_weeks_excluding_exceptions: Measure


@dataclass(frozen=True, slots=True)
class PlanKpis:
    """The plan measures over the deadlines due from `due_from` to `due_to` (both included)."""

    la_code: str
    due_from: date
    due_to: date
    as_of: date
    reviews_decided_within_4_weeks: Measure  # review_decision: reg 20(10), Devon [2022]
    reviews_within_12_months: Measure  # review_due: CFA s.44(1)
    amended_plans_within_8_weeks: Measure  # amended_plan: reg 22(3)
    phase_transfers_by_deadline: Measure  # phase_transfer_review: reg 18


_D = CaseDeadline
_ON_TIME = func.coalesce(func.sum(case((_D.met_on <= _D.due, 1), else_=0)), 0)
# Advice still owed: not returned, and neither withdrawn (the request withdrawn, or decided without it)
# nor closed. Advice whose deadline was excepted is still owed.
_OWED = func.coalesce(
    func.sum(case((and_(_D.met_on.is_(None), _D.status.not_in(("withdrawn", "closed"))), 1), else_=0)), 0
)


def _measure(cohort: ColumnElement[bool], deadline: str) -> Select[int, int]:
    return (
        select(_ON_TIME, func.count())
        .select_from(_D)
        .join(Case, Case.id == _D.case_id)
        .where(cohort, _D.deadline == deadline, _D.met_on.is_not(None))
    )


async def _run(session: AsyncSession, stmt: Select[int, int]) -> Measure:
    within, total = (await session.execute(stmt)).one()
    return Measure.of(int(within), int(total))


async def kpis(*, session: AsyncSession, la_code: str, received_from: date, received_to: date) -> Kpis:
    """The measures for requests received from `received_from` to `received_to` (both included)."""
    cohort = and_(Case.la_code == la_code, Case.received_on.between(received_from, received_to))
    requests = (await session.execute(select(func.count()).select_from(Case).where(cohort))).scalar_one()
    decision = _measure(cohort, "decision_to_assess")
    not_to_issue = _measure(cohort, "decision_not_to_issue")
    final_plan = _measure(cohort, "final_plan")
    no_accepted_exception = or_(_D.exception_accepted.is_(None), _D.exception_accepted.is_(False))

    returned = func.count(_D.met_on)
    advice_stmt = (
        select(_D.agency_id, Agency.name, _ON_TIME, returned, _OWED)
        .select_from(_D)
        .join(Case, Case.id == _D.case_id)
        .outerjoin(Agency, Agency.id == _D.agency_id)
        .where(cohort, _D.deadline == "advice")
        .group_by(_D.agency_id, Agency.name)
        .order_by(Agency.name, _D.agency_id)
    )
    advice = tuple(
        AgencyAdvice(
            agency_id=agency_id,
            agency_name=name,
            returned=Measure.of(int(within), int(total)),
            outstanding=int(outstanding),
        )
        for agency_id, name, within, total, outstanding in (await session.execute(advice_stmt)).all()
    )
    return Kpis(
        la_code=la_code,
        received_from=received_from,
        received_to=received_to,
        requests=requests,
        decided_within_6_weeks=await _run(session, decision),
        issued_within_20_weeks_excluding_exceptions=await _run(
            session, final_plan.where(no_accepted_exception)
        ),
        issued_within_20_weeks_including_exceptions=await _run(session, final_plan),
        not_to_issue_within_16_weeks=await _run(session, not_to_issue),
        advice_by_agency=advice,
        decided_within_6_weeks_excluding_exceptions=await _run(
            session, decision.where(no_accepted_exception)
        ),
        not_to_issue_within_16_weeks_excluding_exceptions=await _run(
            session, not_to_issue.where(no_accepted_exception)
        ),
    )


# The deadline each plan measure counts.
_PLAN_MEASURES = {
    "review_decision": "reviews_decided_within_4_weeks",
    "review_due": "reviews_within_12_months",
    "amended_plan": "amended_plans_within_8_weeks",
    "phase_transfer_review": "phase_transfers_by_deadline",
}


async def plan_kpis(
    *, session: AsyncSession, la_code: str, due_from: date, due_to: date, as_of: date
) -> PlanKpis:
    """KPIs 6-8 for the deadlines due from `due_from` to `due_to` (both included), each counted once met
    or once past due on `as_of`; `within` are those met on or before their due date."""
    stmt = (
        select(_D.deadline, _ON_TIME, func.count())
        .select_from(_D)
        .join(Case, Case.id == _D.case_id)
        .where(
            Case.la_code == la_code,
            _D.deadline.in_(_PLAN_MEASURES),
            _D.due.between(due_from, due_to),
            or_(_D.met_on.is_not(None), _D.due < as_of),
        )
        .group_by(_D.deadline)
    )
    found = {name: (int(within), int(total)) for name, within, total in (await session.execute(stmt)).all()}
    measures = {field: Measure.of(*found.get(name, (0, 0))) for name, field in _PLAN_MEASURES.items()}
    return PlanKpis(la_code=la_code, due_from=due_from, due_to=due_to, as_of=as_of, **measures)


# ---- Month by month (the managers' dashboard): one grouped query per family, not a query per month ----


@dataclass(frozen=True, slots=True)
class MonthlyPair:
    """One assessment measure, a `Measure` a month: including and excluding accepted exceptions."""

    including_exceptions: tuple[Measure, ...]
    excluding_exceptions: tuple[Measure, ...]


@dataclass(frozen=True, slots=True)
class MonthlyKpis:
    """The assessment measures of `kpis`, each month's being `kpis` over the requests received that month.

    `months` are the first days of the months, oldest first; every tuple has one entry a month. A month
    with nothing decided has a `Measure` of 0 of 0 (`percent` None): a gap, not 0%."""

    la_code: str
    months: tuple[date, ...]
    requests: tuple[int, ...]
    decided_within_6_weeks: MonthlyPair
    not_to_issue_within_16_weeks: MonthlyPair
    issued_within_20_weeks: MonthlyPair


@dataclass(frozen=True, slots=True)
class MonthlyPlanKpis:
    """The plan measures of `plan_kpis`, each month's being `plan_kpis` over the deadlines due that month,
    as of `as_of`; one `Measure` a month, oldest first."""

    la_code: str
    months: tuple[date, ...]
    as_of: date
    reviews_decided_within_4_weeks: tuple[Measure, ...]
    reviews_within_12_months: tuple[Measure, ...]
    amended_plans_within_8_weeks: tuple[Measure, ...]
    phase_transfers_by_deadline: tuple[Measure, ...]


def _month_number(column: Any) -> Any:
    """A date's month as one whole number (year * 12 + month): EXTRACT on PostgreSQL, strftime on SQLite."""
    return extract("year", column) * 12 + extract("month", column)


def _span(months: Sequence[date]) -> tuple[date, date, dict[int, int]]:
    """The first and last days of `months` (first days, consecutive, oldest first), and each month's place
    by its `_month_number`."""
    if not months:
        raise ValueError("months must not be empty")
    last = months[-1]
    following = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return months[0], following - timedelta(days=1), {m.year * 12 + m.month: i for i, m in enumerate(months)}


_ASSESSMENT_MEASURES = ("decision_to_assess", "decision_not_to_issue", "final_plan")


async def monthly_kpis(*, session: AsyncSession, la_code: str, months: Sequence[date]) -> MonthlyKpis:
    """`kpis`' 6-, 16- and 20-week measures, including and excluding exceptions, for the requests received
    in each of `months`: two grouped queries (the requests, the measures), whatever the number of months."""
    first, last, place = _span(months)
    cohort = and_(Case.la_code == la_code, Case.received_on.between(first, last))
    month = _month_number(Case.received_on)
    requests = [0] * len(months)
    counted = select(month, func.count()).select_from(Case).where(cohort).group_by(month)
    for number, n in (await session.execute(counted)).all():
        requests[place[int(number)]] = int(n)
    no_accepted_exception = or_(_D.exception_accepted.is_(None), _D.exception_accepted.is_(False))
    on_time_without = func.coalesce(
        func.sum(case((and_(_D.met_on <= _D.due, no_accepted_exception), 1), else_=0)), 0
    )
    without = func.coalesce(func.sum(case((no_accepted_exception, 1), else_=0)), 0)
    stmt = (
        select(_D.deadline, month, _ON_TIME, func.count(), on_time_without, without)
        .select_from(_D)
        .join(Case, Case.id == _D.case_id)
        .where(cohort, _D.deadline.in_(_ASSESSMENT_MEASURES), _D.met_on.is_not(None))
        .group_by(_D.deadline, month)
    )
    empty = Measure.of(0, 0)
    found = {name: ([empty] * len(months), [empty] * len(months)) for name in _ASSESSMENT_MEASURES}
    for name, number, within, total, within_ex, total_ex in (await session.execute(stmt)).all():
        including, excluding = found[name]
        including[place[int(number)]] = Measure.of(int(within), int(total))
        excluding[place[int(number)]] = Measure.of(int(within_ex), int(total_ex))

    def pair(name: str) -> MonthlyPair:
        including, excluding = found[name]
        return MonthlyPair(including_exceptions=tuple(including), excluding_exceptions=tuple(excluding))

    return MonthlyKpis(
        la_code=la_code,
        months=tuple(months),
        requests=tuple(requests),
        decided_within_6_weeks=pair("decision_to_assess"),
        not_to_issue_within_16_weeks=pair("decision_not_to_issue"),
        issued_within_20_weeks=pair("final_plan"),
    )


async def monthly_plan_kpis(
    *, session: AsyncSession, la_code: str, months: Sequence[date], as_of: date
) -> MonthlyPlanKpis:
    """`plan_kpis`' measures for the deadlines due in each of `months`, each counted once met or once past
    due on `as_of`: one grouped query, whatever the number of months."""
    first, last, place = _span(months)
    month = _month_number(_D.due)
    stmt = (
        select(_D.deadline, month, _ON_TIME, func.count())
        .select_from(_D)
        .join(Case, Case.id == _D.case_id)
        .where(
            Case.la_code == la_code,
            _D.deadline.in_(_PLAN_MEASURES),
            _D.due.between(first, last),
            or_(_D.met_on.is_not(None), _D.due < as_of),
        )
        .group_by(_D.deadline, month)
    )
    found = {name: [Measure.of(0, 0)] * len(months) for name in _PLAN_MEASURES}
    for name, number, within, total in (await session.execute(stmt)).all():
        found[name][place[int(number)]] = Measure.of(int(within), int(total))
    measures = {field: tuple(found[name]) for name, field in _PLAN_MEASURES.items()}
    return MonthlyPlanKpis(la_code=la_code, months=tuple(months), as_of=as_of, **measures)
