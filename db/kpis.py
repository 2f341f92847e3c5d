"""Manager KPIs, mirroring DfE SEN2 (docs/statute.md §3): the assessment measures over the requests received
in a period, and the plan measures over the deadlines falling due in a period.

Each assessment measure counts the deadlines of that name that were met (the step happened) and how many
of those were met on or before `due`; undecided or unissued cases are not in a denominator yet, as in
SEN2. The "excluding exceptions" measures leave out the deadlines with an accepted exception (reg 5(4),
reg 10(4)).

A plan measure (KPIs 6-8) counts a deadline once its outcome is known: met, or past its due date unmet
(a review never held is late, not left out: docs/statute.md §4.4). Annual reviews have no exceptions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
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
