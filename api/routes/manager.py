"""Managers' routes: what is overdue or due soon, and the SEN2-style measures (docs/statute.md §3)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import DashboardReader, SessionDep, SettingsDep
from api.query import refuse_unknown_query
from api.schemas.common import IsoDate, error_responses
from api.schemas.manager import KpisRead, OverduePage
from api.services.clock import today_in_england
from api.services.manager import measures, overdue

router = APIRouter(prefix="/api", tags=["managers"], dependencies=[Depends(refuse_unknown_query)])


@router.get(
    "/overdue",
    response_model=OverduePage,
    summary="List overdue and due-soon steps",
    description=(
        "Every unmet, unexcepted statutory deadline due before today (in England), or within "
        "`due_within_days` from today: the decision to assess (reg 5(1)), advice (reg 8(1)), the decision "
        "not to issue (reg 10(1)), the final plan (reg 13(2)) and the rest. Decided in SQL at read time. "
        "Filter by deadline, agency or caseworker; pass `next_after` back as `after`. Roles: manager, admin."
    ),
    responses=error_responses(401, 403, 422),
)
async def get_overdue(
    *,
    user: DashboardReader,
    session: SessionDep,
    deadline: Annotated[str | None, Query(max_length=50, examples=["final_plan"])] = None,
    agency_id: uuid.UUID | None = None,
    caseworker_id: uuid.UUID | None = None,
    due_within_days: Annotated[int, Query(ge=0, le=366)] = 0,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OverduePage:
    return await overdue(
        session=session,
        as_of=today_in_england(),
        deadline=deadline,
        agency_id=agency_id,
        caseworker_id=caseworker_id,
        due_within_days=due_within_days,
        after=after,
        limit=limit,
    )


@router.get(
    "/kpis",
    response_model=KpisRead,
    summary="Timeliness measures for a period",
    description=(
        "For the requests received in the period (both days included): decisions whether to assess within "
        "6 weeks (reg 5(1)), decisions not to issue within 16 weeks (reg 10(1)) and final plans within "
        "20 weeks (reg 13(2)), each including and excluding exceptions (reg 10(4)), and advice returned "
        "within 6 weeks by agency (reg 8(1)), as DfE SEN2 counts them. Under `plans`, for the deadlines "
        "due in the period: review decisions within 4 weeks of the meeting (reg 20(10)), reviews within "
        "12 months (CFA s.44(1)), amended plans within 8 weeks of the notice (reg 22(3)) and phase "
        "transfers by their deadline (reg 18: 14 Feb / 30 Mar by default), each counted once met or past "
        "due (today in England). "
        "Roles: manager, admin."
    ),
    responses=error_responses(401, 403, 422),
)
async def get_kpis(
    *,
    user: DashboardReader,
    session: SessionDep,
    settings: SettingsDep,
    received_from: IsoDate,
    received_to: IsoDate,
) -> KpisRead:
    return await measures(
        session=session,
        la_code=settings.la_code,
        received_from=received_from,
        received_to=received_to,
        as_of=today_in_england(),
    )
