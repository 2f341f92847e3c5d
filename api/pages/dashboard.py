"""Managers' dashboard (issue 10 s.4); the lists behind it are api/pages/dashboard_lists.py.

What is late and due soon, by deadline, by agency and by caseworker (each a bar chart over its own table);
the exceptions waiting for a manager's approval; the cases that need attention (those longest overdue, and
those whose workflow waits for a retry); next September's phase transfers by transfer and status; and the
timeliness measures month by month over the last 12 months, each a line chart drawn as inline SVG (no
script) over its table. Every number leads to the list behind it.

The charts by agency and by caseworker show the CHART_ROWS groups most overdue, and lead to the full
table of every group (api/pages/dashboard_owed.py): 2,000 bars would make a page of megabytes that no
manager can read.

The counts and measures read the whole read model: at a national size that takes seconds, so a process
keeps them and the page says when they were read. Past `EHCP_DASHBOARD_FIGURES_SECONDS` the kept figures
are still served at once while one background task reads them again (stale while revalidate), in a
session of its own since it outlives the request; a failed reading is logged, the old figures stay and
a later request tries again. Only a request with nothing kept (the first, a new day) waits for a reading,
and one at a time however many managers open the page together; 0 seconds reads afresh every time,
waiting. What waits for someone (the exceptions, the cases longest overdue) and every list are read
afresh.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.deps import SessionDep, SettingsDep, get_session_factory
from api.pages import words
from api.pages.dashboard_lists import DUE_SOON_DAYS, conventions_of
from api.pages.sessions import Manager
from api.pages.templating import part, render
from api.pages.trends import LINE_STYLES, Trend, last_months, trends
from api.services.attention import case_of
from api.services.clock import today_in_england
from api.services.temporal import UNANSWERED, unanswered
from core.logging import get_logger
from core.settings import Settings
from db.base import utcnow
from db.dashboard import (
    TRANSFER_STATUSES,
    TRANSFERS,
    OwedCount,
    TransferStatus,
    child_names,
    longest_overdue_cases,
    owed_counts,
    transfer_counts,
)
from db.decisions import claims_awaiting_approval
from db.kpis import monthly_kpis, monthly_plan_kpis
from statute.phases import TransferKind, next_transfer_year, phase_transfer_due
from workflows.common.search import ATTENTION

router = APIRouter(include_in_schema=False)
log = get_logger(__name__)

SHOWN = 10  # exceptions and cases needing attention shown on the dashboard
CHART_ROWS = 15  # agencies and caseworkers in a chart; the rest are on /dashboard/owed/{by}
# Temporal's visibility is asked in parallel with the database; past this the panel says it could not be
# read rather than hold the page.
ATTENTION_SECONDS = 0.5
_KINDS: Final[tuple[TransferKind, ...]] = ("school", "post16")


def widths(counts: list[OwedCount]) -> dict[object, tuple[int, int]]:
    """Each group's bars as whole percentages of the largest group: (overdue, due soon)."""
    largest = max((c.total for c in counts), default=0) or 1
    return {c.key: (round(100 * c.overdue / largest), round(100 * c.due_soon / largest)) for c in counts}


@dataclass(frozen=True, slots=True)
class Figures:
    """The dashboard's counts and measures, as read at `read_at`."""

    read_at: datetime
    groups: dict[str, list[OwedCount]]
    months: tuple[date, ...]
    requests: tuple[int, ...]
    assessment: list[Trend]
    plan: list[Trend]
    transfer_year: int
    transfers: dict[str, dict[TransferStatus, int]]
    # What is made from these figures for every manager alike (figures_html), made once.
    made: dict[str, Markup] = field(default_factory=dict, compare=False, repr=False)


async def read_figures(session: AsyncSession, settings: Settings, today: date) -> Figures:
    groups = {
        by: await owed_counts(session=session, as_of=today, due_within_days=DUE_SOON_DAYS, by=by)
        for by in ("deadline", "agency", "caseworker")
    }
    months = last_months(today)
    found = await monthly_kpis(session=session, la_code=settings.la_code, months=months)
    plans = await monthly_plan_kpis(session=session, la_code=settings.la_code, months=months, as_of=today)
    assessment, plan = trends(found, plans)
    year = next_transfer_year(today)
    counted = await transfer_counts(
        session=session,
        la_code=settings.la_code,
        year=year,
        today=today,
        conventions=conventions_of(settings),
    )
    transfers = {t: dict.fromkeys(TRANSFER_STATUSES, 0) for t in TRANSFERS}
    for c in counted:
        transfers[c.transfer][c.status] = c.plans
    return Figures(utcnow(), groups, months, tuple(found.requests), assessment, plan, year, transfers)


Key = tuple[str, date]  # (council, day)


class KeptFigures:
    """One process's figures, for one (council, day) at a time. Within `seconds` of their reading they are
    served as kept; past it they are still served at once, while one background task reads them again.
    A request with nothing kept waits, one reading at a time, so the managers who open the dashboard
    while it is read wait for that reading rather than start their own."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._kept: dict[Key, tuple[float, Figures]] = {}
        self._reading = asyncio.Lock()
        self._refresh: asyncio.Task[None] | None = None  # kept here: the loop holds tasks only weakly

    async def get(self, key: Key, seconds: float, read: Callable[[], Awaitable[Figures]]) -> Figures:
        if seconds > 0 and (kept := self._kept.get(key)) is not None:
            read_at, figures = kept
            if self._clock() - read_at >= seconds and (self._refresh is None or self._refresh.done()):
                self._refresh = asyncio.create_task(self._read_again(key, read))
            return figures
        async with self._reading:
            if seconds > 0 and (kept := self._kept.get(key)) is not None:
                return kept[1]  # read while this request waited
            figures = await read()
            self._kept = {key: (self._clock(), figures)}  # one day's, one council's: nothing piles up
            return figures

    async def _read_again(self, key: Key, read: Callable[[], Awaitable[Figures]]) -> None:
        try:
            figures = await read()
        except Exception as failure:  # the old figures stay; the next stale request tries again
            log.warning("dashboard.figures_unread", error=type(failure).__name__, exc_info=failure)
            return
        if key in self._kept:  # not replaced meanwhile by a new day's figures
            self._kept = {key: (self._clock(), figures)}


async def kept_figures(request: Request, settings: Settings, today: date) -> Figures:
    """Today's figures as the process keeps them (api/pages/install.py). The reading may outlive the
    request, so it opens a session of its own."""
    kept: KeptFigures = request.app.state.dashboard_figures
    factory = get_session_factory(request)

    async def read() -> Figures:
        async with factory() as session:
            return await read_figures(session, settings, today)

    return await kept.get((settings.la_code, today), settings.dashboard_figures_seconds, read)


# ---- Cases waiting for a retry (api/routes/attention.py), from Temporal's visibility alone ----


@dataclass(frozen=True, slots=True)
class Waiting:
    workflow_id: str
    case_id: uuid.UUID | None
    steps: str  # the failed activities, as the workflow's search attribute names them


async def waiting_for_retry(client: Client | None, limit: int) -> tuple[list[Waiting], bool] | None:
    """Up to `limit` running workflows with a side effect that failed for good, and whether there are
    more; None when Temporal cannot say within ATTENTION_SECONDS. One visibility call: the reasons are the
    attention API's (`GET /api/attention` asks each workflow)."""
    if client is None:
        return None
    found: list[Waiting] = []
    try:
        async with asyncio.timeout(ATTENTION_SECONDS):
            async for execution in client.list_workflows(
                f"{ATTENTION.name} IS NOT NULL AND ExecutionStatus = 'Running'", limit=limit + 1
            ):
                steps = execution.typed_search_attributes.get(ATTENTION) or ""
                found.append(Waiting(execution.id, case_of(execution.id), steps.replace(",", ", ")))
    except UNANSWERED as error:  # Temporal down, slow, or without visibility: the rest of the page shows
        unanswered(error, call="list_workflows")
        return None
    return found[:limit], len(found) > limit


Retries = tuple[list[Waiting], bool] | None
RETRIES_SECONDS = 10.0


class KeptRetries:
    """One process's cases waiting for a retry, asked of Temporal by one request at a time and kept for
    RETRIES_SECONDS: managers opening the dashboard together share one visibility call (with 20 at once
    Temporal's dev server left a quarter unanswered within ATTENTION_SECONDS, each such page waiting all
    of it). An unanswered call is not kept: the next request asks again."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._kept: tuple[float, Retries] | None = None
        self._asking: asyncio.Task[Retries] | None = None

    async def get(self, ask: Callable[[], Awaitable[Retries]]) -> Retries:
        if self._kept is not None and self._clock() - self._kept[0] < RETRIES_SECONDS:
            return self._kept[1]
        if self._asking is None or self._asking.done():
            self._asking = asyncio.create_task(self._ask(ask))
        return await asyncio.shield(self._asking)  # one request leaving does not stop the others' call

    async def _ask(self, ask: Callable[[], Awaitable[Retries]]) -> Retries:
        found = await ask()
        if found is not None:
            self._kept = (self._clock(), found)
        return found


def figures_html(figures: Figures, settings: Settings) -> Markup:
    """The charts, the phase transfers and the trends: the same for every manager until the figures are
    read again, and most of the page's rendering (the trend charts alone two-thirds), so made once."""
    if (made := figures.made.get("figures")) is not None:
        return made
    groups, transfers, year = figures.groups, figures.transfers, figures.transfer_year
    conventions = conventions_of(settings)
    made = part(
        "dashboard_figures.html",
        shown={by: counts if by == "deadline" else counts[:CHART_ROWS] for by, counts in groups.items()},
        group_counts={by: len(counts) for by, counts in groups.items()},
        widths={by: widths(counts) for by, counts in groups.items()},
        due_soon_days=DUE_SOON_DAYS,
        months=figures.months,
        requests=figures.requests,
        assessment=figures.assessment,
        plan=figures.plan,
        styles=LINE_STYLES,
        transfer_year=year,
        transfer_due={kind: phase_transfer_due(kind, year, conventions) for kind in _KINDS},
        transfers={t: row for t, row in transfers.items() if t.isdigit() or any(row.values())},
        transfer_totals={s: sum(row[s] for row in transfers.values()) for s in TRANSFER_STATUSES},
        transfer_words=words.TRANSFER_WORDS,
        status_words=words.TRANSFER_STATUS_WORDS,
    )
    figures.made["figures"] = made  # two requests may both make it: the same words, kept once
    return made


@router.get("/dashboard")
async def dashboard_page(
    *, request: Request, person: Manager, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    today = today_in_england()
    client = getattr(request.app.state, "temporal", None)
    kept: KeptRetries = request.app.state.dashboard_retries
    retries = asyncio.create_task(kept.get(lambda: waiting_for_retry(client, SHOWN)))
    figures = await kept_figures(request, settings, today)
    claims, claims_total = await claims_awaiting_approval(session=session, limit=SHOWN)
    cases = await longest_overdue_cases(session=session, as_of=today, limit=SHOWN)
    waiting = await retries
    ids = [w.case_id for w in waiting[0] if w.case_id] if waiting else []
    groups = figures.groups
    return render(
        request,
        "dashboard.html",
        title="Dashboard",
        active="dashboard",
        read_at=figures.read_at,
        read_again=words.read_again(settings.dashboard_figures_seconds),
        overdue_total=sum(c.overdue for c in groups["deadline"]),
        due_soon_total=sum(c.due_soon for c in groups["deadline"]),
        due_soon_days=DUE_SOON_DAYS,
        transfer_year=figures.transfer_year,
        figures_html=figures_html(figures, settings),
        claims=claims,
        claims_total=claims_total,
        cases=cases,
        retries=waiting,
        retry_children=await child_names(session=session, case_ids=ids),
        words=words,
    )
