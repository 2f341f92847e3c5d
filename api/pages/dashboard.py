"""Managers' pages: the dashboard and the lists behind it (issue 10 s.4).

The dashboard shows what is late and due soon, by deadline, by agency and by caseworker (each a bar chart
over its own table); the cases that need attention (those longest overdue, and those whose workflow waits
for a retry); next September's phase transfers by transfer and status; and the timeliness measures month
by month over the last 12 months, each a line chart drawn here as inline SVG (no script) over its table.
Every number leads to the list behind it: `/overdue`, `/dashboard/phase-transfers`, `/dashboard/timeliness`.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from temporalio.client import Client

from api.deps import SessionDep, SettingsDep
from api.pages import words
from api.pages.sessions import Manager, PageNotFound
from api.pages.templating import render
from api.services.attention import case_of
from api.services.clock import today_in_england
from api.services.manager import overdue
from api.services.temporal import UNANSWERED, unanswered
from db.dashboard import (
    TRANSFER_STATUSES,
    TRANSFERS,
    OwedCount,
    TransferStatus,
    child_names,
    list_transfers,
    longest_overdue_cases,
    owed_counts,
    transfer_counts,
)
from db.errors import InvalidCursor
from db.kpis import Measure, MonthlyKpis, MonthlyPlanKpis, monthly_kpis, monthly_plan_kpis
from db.monthly import MEASURE_FAMILIES, list_counted_steps
from statute.conventions import Conventions
from statute.phases import TransferKind, next_transfer_year, phase_transfer_due
from workflows.common.search import ATTENTION

router = APIRouter(include_in_schema=False)

DUE_SOON_DAYS = 14
PAGE_SIZE = 50
MONTHS = 12
SHOWN = 10  # cases needing attention shown on the dashboard
# Temporal's visibility is asked in parallel with the database; past this the panel says it could not be
# read rather than hold the page.
ATTENTION_SECONDS = 0.5

# The measures, in the words of the dashboard: the deadline counted, and what "on time" means.
ASSESSMENT_MEASURES: Final = (
    ("decision_to_assess", "decided_within_6_weeks", "Decided whether to assess within 6 weeks"),
    ("decision_not_to_issue", "not_to_issue_within_16_weeks", "Decided not to issue a plan within 16 weeks"),
    ("final_plan", "issued_within_20_weeks", "Final plan issued within 20 weeks"),
)
PLAN_MEASURES: Final = (
    ("review_due", "reviews_within_12_months", "Annual review held within 12 months"),
    ("review_decision", "reviews_decided_within_4_weeks", "Review decided within 4 weeks of the meeting"),
    ("amended_plan", "amended_plans_within_8_weeks", "Amended plan issued within 8 weeks of the notice"),
    ("phase_transfer_review", "phase_transfers_by_deadline", "Phase transfer settled by its deadline"),
)
MEASURE_TITLES: Final = {deadline: title for deadline, _, title in (*ASSESSMENT_MEASURES, *PLAN_MEASURES)}
TRANSFER_WORDS: Final = {
    "0": "Into Reception",
    "3": "Into Year 3 (infant to junior)",
    "7": "Into Year 7 (primary to secondary)",
    "12": "Into Year 12 (secondary to post-16)",
    "school": "Other school transfers (recorded)",
    "post16": "Other post-16 transfers (recorded)",
}
# Each status's words, as a column heading and as a GOV.UK tag.
TRANSFER_STATUS_WORDS: Final[dict[str, tuple[str, str]]] = {
    "settled": ("Settled in time", "govuk-tag--green"),
    "settled_late": ("Settled late", "govuk-tag--yellow"),
    "on_track": ("On track", "govuk-tag--blue"),
    "at_risk": ("At risk", "govuk-tag--orange"),
    "overdue": ("Overdue", "govuk-tag--red"),
}


def widths(counts: list[OwedCount]) -> dict[object, tuple[int, int]]:
    """Each group's bars as whole percentages of the largest group: (overdue, due soon)."""
    largest = max((c.total for c in counts), default=0) or 1
    return {c.key: (round(100 * c.overdue / largest), round(100 * c.due_soon / largest)) for c in counts}


def last_months(today: date, n: int = MONTHS) -> tuple[date, ...]:
    """The first days of the `n` months ending with today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return tuple(date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(n - 1, -1, -1))


# ---- The trend charts: a small chart a measure (api/pages/templates/dashboard_trend.html draws it) ----

# GOV.UK's analysis palette (each line at least 3:1 on white), told apart without colour by dashes and
# markers too: including exceptions a solid line with circles, excluding them a dashed line with squares.
LINE_STYLES: Final = {
    "including": {"colour": "#12436d", "dash": "", "marker": "circle", "label": "Including exceptions"},
    "excluding": {"colour": "#801650", "dash": "8 5", "marker": "square", "label": "Excluding exceptions"},
    "on_time": {"colour": "#12436d", "dash": "", "marker": "circle", "label": "On time"},
}


@dataclass(frozen=True, slots=True)
class Trend:
    """One measure month by month, for its chart and its table: a line a series, `Measure` a month (a
    month whose `percent` is None had no case: a gap in the line, not 0%)."""

    deadline: str
    title: str
    months: tuple[date, ...]
    series: tuple[tuple[str, tuple[Measure, ...]], ...]  # (a key of LINE_STYLES, a Measure a month)

    @property
    def totals(self) -> tuple[Measure, ...]:
        """Each series' months together."""
        return tuple(Measure.of(sum(m.within for m in ms), sum(m.total for m in ms)) for _, ms in self.series)

    @property
    def description(self) -> str:
        """The chart in words: each line's latest figure, its lowest and highest, the months without."""
        months = self.months
        said = [f"Percentage on time each month from {_month(months[0])} to {_month(months[-1])}."]
        for style, measures in self.series:
            known = [(m.percent, months[i]) for i, m in enumerate(measures) if m.percent is not None]
            label = LINE_STYLES[style]["label"]
            if not known:
                said.append(f"{label}: no figures yet.")
                continue
            latest, low, high = known[-1], min(known, key=_first), max(known, key=_first)
            missing = len(months) - len(known)
            said.append(
                f"{label}: {latest[0]:g}% in {_month(latest[1])}; lowest {low[0]:g}% ({_month(low[1])}), "
                f"highest {high[0]:g}% ({_month(high[1])})"
                + (f"; no figures for {missing} month{'s' if missing != 1 else ''}." if missing else ".")
            )
        return " ".join(said)


def _first(pair: tuple[float, date]) -> float:
    return pair[0]


def _month(month: date) -> str:
    return month.strftime("%B %Y")


def trends(found: MonthlyKpis, plans: MonthlyPlanKpis) -> tuple[list[Trend], list[Trend]]:
    """The assessment measures (including and excluding exceptions) and the plan measures, as trends."""
    assessment = [
        Trend(
            deadline,
            title,
            found.months,
            (
                ("including", getattr(found, field).including_exceptions),
                ("excluding", getattr(found, field).excluding_exceptions),
            ),
        )
        for deadline, field, title in ASSESSMENT_MEASURES
    ]
    plan = [Trend(d, title, plans.months, (("on_time", getattr(plans, f)),)) for d, f, title in PLAN_MEASURES]
    return assessment, plan


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


# ---- The pages ----


def _conventions(settings: Any) -> Conventions:
    return Conventions().with_overrides(settings.statute_conventions)


@router.get("/dashboard")
async def dashboard_page(
    *, request: Request, person: Manager, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    today = today_in_england()
    retries = asyncio.create_task(waiting_for_retry(getattr(request.app.state, "temporal", None), SHOWN))
    groups = {
        by: await owed_counts(session=session, as_of=today, due_within_days=DUE_SOON_DAYS, by=by)
        for by in ("deadline", "agency", "caseworker")
    }
    months = last_months(today)
    found = await monthly_kpis(session=session, la_code=settings.la_code, months=months)
    assessment, plan = trends(
        found, await monthly_plan_kpis(session=session, la_code=settings.la_code, months=months, as_of=today)
    )
    year = next_transfer_year(today)
    conventions = _conventions(settings)
    counted = await transfer_counts(
        session=session, la_code=settings.la_code, year=year, today=today, conventions=conventions
    )
    transfers = {t: dict.fromkeys(TRANSFER_STATUSES, 0) for t in TRANSFERS}
    for c in counted:
        transfers[c.transfer][c.status] = c.plans
    cases = await longest_overdue_cases(session=session, as_of=today, limit=SHOWN)
    waiting = await retries
    ids = [w.case_id for w in waiting[0] if w.case_id] if waiting else []
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
        months=months,
        requests=found.requests,
        assessment=assessment,
        plan=plan,
        styles=LINE_STYLES,
        transfer_year=year,
        transfer_due={kind: phase_transfer_due(kind, year, conventions) for kind in _KINDS},
        transfers={t: row for t, row in transfers.items() if t.isdigit() or any(row.values())},
        transfer_totals={s: sum(row[s] for row in transfers.values()) for s in TRANSFER_STATUSES},
        transfer_words=TRANSFER_WORDS,
        status_words=TRANSFER_STATUS_WORDS,
        cases=cases,
        retries=waiting,
        retry_children=await child_names(session=session, case_ids=ids),
        words=words,
    )


_KINDS: Final[tuple[TransferKind, ...]] = ("school", "post16")


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
            conventions=_conventions(settings),
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
        title=f"{MEASURE_TITLES[measure]}: {_month(first)}",
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
