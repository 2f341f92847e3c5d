"""Managers' views: what is overdue or due soon, and the SEN2-style measures (docs/statute.md §3).

Lateness is decided in SQL against today's date in England, never from a timer having fired.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import Unprocessable
from api.schemas.manager import (
    AgencyAdviceRead,
    KpisRead,
    MeasurePair,
    MeasureRead,
    OverduePage,
    OverdueStepRead,
    PlanMeasuresRead,
)
from api.services.checks import refused_cursor
from db.deadlines import list_overdue_steps
from db.errors import InvalidCursor
from db.kpis import Measure, kpis, plan_kpis


async def overdue(
    *,
    session: AsyncSession,
    as_of: date,
    deadline: str | None,
    agency_id: uuid.UUID | None,
    caseworker_id: uuid.UUID | None,
    due_within_days: int,
    after: str | None,
    limit: int,
) -> OverduePage:
    try:
        page = await list_overdue_steps(
            session=session,
            as_of=as_of,
            deadline=deadline,
            agency_id=agency_id,
            caseworker_id=caseworker_id,
            due_within_days=due_within_days,
            after=after,
            limit=limit,
        )
    except InvalidCursor:
        raise refused_cursor() from None
    return OverduePage(
        as_of=as_of,
        items=[OverdueStepRead.model_validate(step) for step in page.steps],
        next_after=page.next_after,
    )


def _read(measure: Measure) -> MeasureRead:
    return MeasureRead(within=measure.within, total=measure.total, percent=measure.percent)


async def measures(
    *, session: AsyncSession, la_code: str, received_from: date, received_to: date, as_of: date
) -> KpisRead:
    """The 6-, 16- and 20-week measures, including and excluding exceptions, and advice by agency; and
    the plan measures over the deadlines due in the same period, as of `as_of`."""
    if received_to < received_from:
        raise Unprocessable("received_to: is before received_from", field="received_to")
    found = await kpis(session=session, la_code=la_code, received_from=received_from, received_to=received_to)
    plans = await plan_kpis(
        session=session, la_code=la_code, due_from=received_from, due_to=received_to, as_of=as_of
    )
    return KpisRead(
        la_code=la_code,
        received_from=received_from,
        received_to=received_to,
        requests=found.requests,
        decided_within_6_weeks=MeasurePair(
            including_exceptions=_read(found.decided_within_6_weeks),
            excluding_exceptions=_read(found.decided_within_6_weeks_excluding_exceptions),
        ),
        not_to_issue_within_16_weeks=MeasurePair(
            including_exceptions=_read(found.not_to_issue_within_16_weeks),
            excluding_exceptions=_read(found.not_to_issue_within_16_weeks_excluding_exceptions),
        ),
        issued_within_20_weeks=MeasurePair(
            including_exceptions=_read(found.issued_within_20_weeks_including_exceptions),
            excluding_exceptions=_read(found.issued_within_20_weeks_excluding_exceptions),
        ),
        advice_by_agency=[
            AgencyAdviceRead(
                agency_id=a.agency_id,
                agency_name=a.agency_name,
                returned=_read(a.returned),
                outstanding=a.outstanding,
            )
            for a in found.advice_by_agency
        ],
        plans=PlanMeasuresRead(
            due_from=plans.due_from,
            due_to=plans.due_to,
            as_of=plans.as_of,
            reviews_decided_within_4_weeks=_read(plans.reviews_decided_within_4_weeks),
            reviews_within_12_months=_read(plans.reviews_within_12_months),
            amended_plans_within_8_weeks=_read(plans.amended_plans_within_8_weeks),
            phase_transfers_by_deadline=_read(plans.phase_transfers_by_deadline),
        ),
    )
