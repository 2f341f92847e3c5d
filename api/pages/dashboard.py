"""Managers' pages: the dashboard (what is late and what is due soon, by deadline, by agency and by
caseworker, each a bar chart over its own table, each row leading to the list behind it; the timeliness
measures of the last 12 months) and that list, the steps still owed."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep
from api.pages import words
from api.pages.sessions import Manager
from api.pages.templating import render
from api.services.clock import today_in_england
from api.services.manager import measures, overdue
from db.dashboard import OwedCount, owed_counts

router = APIRouter(include_in_schema=False)

DUE_SOON_DAYS = 14
PAGE_SIZE = 50


def widths(counts: list[OwedCount]) -> dict[object, tuple[int, int]]:
    """Each group's bars as whole percentages of the largest group: (overdue, due soon)."""
    largest = max((c.total for c in counts), default=0) or 1
    return {c.key: (round(100 * c.overdue / largest), round(100 * c.due_soon / largest)) for c in counts}


@router.get("/dashboard")
async def dashboard_page(
    *, request: Request, person: Manager, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    today = today_in_england()
    groups = {
        by: await owed_counts(session=session, as_of=today, due_within_days=DUE_SOON_DAYS, by=by)
        for by in ("deadline", "agency", "caseworker")
    }
    year = await measures(
        session=session,
        la_code=settings.la_code,
        received_from=today - timedelta(days=365),
        received_to=today,
        as_of=today,
    )
    return render(
        request,
        "dashboard.html",
        title="Dashboard",
        active="dashboard",
        groups=groups,
        widths={by: widths(counts) for by, counts in groups.items()},
        overdue_total=sum(c.overdue for c in groups["deadline"]),
        due_soon_total=sum(c.due_soon for c in groups["deadline"]),
        due_soon_days=DUE_SOON_DAYS,
        year=year,
        words=words,
    )


@router.get("/overdue")
async def overdue_page(
    *,
    request: Request,
    person: Manager,
    session: SessionDep,
    deadline: Annotated[str | None, Query(max_length=50)] = None,
    agency: uuid.UUID | None = None,
    caseworker: uuid.UUID | None = None,
    soon: bool = False,
    after: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    today = today_in_england()
    page = await overdue(
        session=session,
        as_of=today,
        deadline=deadline,
        agency_id=agency,
        caseworker_id=caseworker,
        due_within_days=DUE_SOON_DAYS if soon else 0,
        after=after,
        limit=PAGE_SIZE,
    )
    return render(
        request,
        "overdue.html",
        title="Due soon and overdue" if soon else "Overdue",
        active="dashboard",
        page=page,
        deadline=deadline,
        words=words,
        query=request.url.query,
    )
