"""Every agency's or caseworker's steps still owed (`/dashboard/owed/{by}`): the full table behind the
dashboard's chart, which shows only the CHART_ROWS most overdue (api/pages/dashboard.py). It reads the
figures the dashboard keeps, so it costs no reading of its own."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import SettingsDep
from api.pages import words
from api.pages.dashboard import kept_figures
from api.pages.dashboard_lists import DUE_SOON_DAYS
from api.pages.sessions import Manager, PageNotFound
from api.pages.templating import render
from api.services.clock import today_in_england

router = APIRouter(include_in_schema=False)

# Each group the page lists: its title and what its groups are called.
OWED_BY: Final[dict[str, tuple[str, str]]] = {
    "agency": ("Advice overdue and due soon, by agency", "agencies"),
    "caseworker": ("Steps overdue and due soon, by caseworker", "caseworkers"),
}


@router.get("/dashboard/owed/{by}")
async def owed_page(*, request: Request, person: Manager, settings: SettingsDep, by: str) -> HTMLResponse:
    if by not in OWED_BY:
        raise PageNotFound
    figures = await kept_figures(request, settings, today_in_england())
    title, plural = OWED_BY[by]
    return render(
        request,
        "dashboard_owed.html",
        title=title,
        active="dashboard",
        by=by,
        plural=plural,
        counts=figures.groups[by],
        read_at=figures.read_at,
        read_again=words.read_again(settings.dashboard_figures_seconds),
        due_soon_days=DUE_SOON_DAYS,
    )
