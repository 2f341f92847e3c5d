"""Managers' lists behind the dashboard (issue 10 s.4): the steps still owed (`/overdue`), next September's
phase transfers (`/dashboard/phase-transfers`) and the steps one month of a measure counts
(`/dashboard/timeliness`), each filtered as the dashboard's links ask and paged."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep
from api.pages import words
from api.pages.sessions import Manager, PageNotFound
from api.pages.templating import render
from api.pages.trends import MEASURE_TITLES, month_words
from api.pages.words import TRANSFER_STATUS_WORDS, TRANSFER_WORDS
from api.services.clock import today_in_england
from api.services.manager import overdue
from db.dashboard import TRANSFER_STATUSES, TRANSFERS, TransferStatus, list_transfers
from db.errors import InvalidCursor
from db.monthly import MEASURE_FAMILIES, list_counted_steps
from statute.conventions import Conventions
from statute.phases import next_transfer_year

router = APIRouter(include_in_schema=False)

DUE_SOON_DAYS = 14
PAGE_SIZE = 50


def conventions_of(settings: Any) -> Conventions:
    return Conventions().with_overrides(settings.statute_conventions)


@router.get("/dashboard/phase-transfers")
async def phase_transfers_page(
    *,
    request: Request,
    person: Manager,
    session: SessionDep,
    settings: SettingsDep,
    transfer: Annotated[str | None, Query(max_length=10)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    after: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    if (transfer is not None and transfer not in TRANSFERS) or (
        status is not None and status not in TRANSFER_STATUSES
    ):
        raise PageNotFound
    today = today_in_england()
    year = next_transfer_year(today)
    chosen: TransferStatus | None = next((s for s in TRANSFER_STATUSES if s == status), None)
    try:
        page = await list_transfers(
            session=session,
            la_code=settings.la_code,
            year=year,
            today=today,
            conventions=conventions_of(settings),
            transfer=transfer,
            status=chosen,
            after=after,
            limit=PAGE_SIZE,
        )
    except InvalidCursor:
        raise PageNotFound from None
    title = f"Phase transfers in September {year}"
    return render(
        request,
        "dashboard_transfers.html",
        title=title,
        active="dashboard",
        page=page,
        heading=", ".join(
            part
            for part in (
                TRANSFER_WORDS[transfer].lower() if transfer else "",
                TRANSFER_STATUS_WORDS[status][0].lower() if status else "",
            )
            if part
        ),
        transfer_words=TRANSFER_WORDS,
        status_words=TRANSFER_STATUS_WORDS,
        query=request.url.query,
    )


@router.get("/dashboard/timeliness")
async def timeliness_page(
    *,
    request: Request,
    person: Manager,
    session: SessionDep,
    settings: SettingsDep,
    measure: Annotated[str, Query(max_length=50)],
    month: Annotated[str, Query(max_length=7)],
    late: bool = False,
    after: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise PageNotFound from None
    if measure not in MEASURE_FAMILIES:
        raise PageNotFound
    try:
        page = await list_counted_steps(
            session=session,
            la_code=settings.la_code,
            deadline=measure,
            month=first,
            as_of=today_in_england(),
            late_only=late,
            after=after,
            limit=PAGE_SIZE,
        )
    except InvalidCursor:
        raise PageNotFound from None
    return render(
        request,
        "dashboard_timeliness.html",
        title=f"{MEASURE_TITLES[measure]}: {month_words(first)}",
        active="dashboard",
        page=page,
        family=MEASURE_FAMILIES[measure],
        measure=measure,
        month=first,
        late=late,
        query=request.url.query,
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
