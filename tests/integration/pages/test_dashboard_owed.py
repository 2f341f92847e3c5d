"""The dashboard's charts by agency and by caseworker show the 15 groups most overdue and lead to the full
table (`/dashboard/owed/{by}`); and the figures behind them are kept stale-while-revalidate: past their
time they are served at once while one background reading replaces them (api/pages/dashboard.py)."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from structlog.testing import capture_logs

from api.app import create_app
from api.pages.dashboard import CHART_ROWS, Figures, KeptFigures, figures_html
from api.pages.trends import last_months
from api.services.clock import today_in_england
from core.settings import Settings
from db.dashboard import OwedCount
from db.users import create_user
from tests.integration.api.conftest import project
from tests.integration.db.factories import a_deadline

from .conftest import People, Temporal, signed_in

KEY = ("201", date(2026, 12, 6))


def section(html: str, ident: str) -> str:
    """The dashboard from its heading `ident` to the next one of its size."""
    found = re.search(
        rf'<h2 class="govuk-heading-m" id="{ident}">.*?(?=<h2 class="govuk-heading-m")', html, re.S
    )
    assert found, f"no section #{ident}"
    return found.group(0)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def caseworkers_owing(sessions: async_sessionmaker[AsyncSession], n: int) -> dict[str, uuid.UUID]:
    """`n` caseworkers, Caseworker 01 to Caseworker n, each owing a step overdue; the last owes two, so it
    is the most overdue and comes first."""
    today = today_in_england()
    ids: dict[str, uuid.UUID] = {}
    async with sessions() as session:
        for i in range(1, n + 1):
            name = f"Caseworker {i:02}"
            user, _ = await create_user(
                session=session, username=f"owing-{i:02}", display_name=name, role="caseworker"
            )
            deadlines = [a_deadline("decision_to_assess", today - timedelta(days=3))]
            if i == n:
                deadlines.append(a_deadline("advice", today - timedelta(days=2), key="ep"))
            await project(
                session, received_on=today - timedelta(weeks=8), caseworker_id=user.id, deadlines=deadlines
            )
            ids[name] = user.id
        await session.commit()
    return ids


# ---- The pages ----


@pytest.mark.parametrize("n", [15, 17])
async def test_the_chart_by_caseworker_shows_the_15_most_overdue_and_leads_to_them_all(
    n: int, browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ids = await caseworkers_owing(sessions, n)
    await signed_in(browser, sessions, "mgr")
    page = (await browser.get("/dashboard")).text
    chart = section(page, "by-caseworker")
    assert chart.count("ehcp-bar-chart__row") == CHART_ROWS == 15
    shown = re.findall(r'<th scope="row" class="govuk-table__header">([^<]*)</th>', chart)
    assert shown == [f"Caseworker {n:02}", *(f"Caseworker {i:02}" for i in range(1, 15))]
    assert f"{n + 1} steps overdue" in text_of(page)  # the totals count every caseworker
    assert "Showing the" not in section(page, "by-agency")
    if n == 15:
        assert "Showing the" not in chart
        assert "/dashboard/owed/" not in page
        return
    assert "Showing the 15 with most overdue of 17 caseworkers. All 17 caseworkers" in text_of(chart)
    assert '<a class="govuk-link" href="/dashboard/owed/caseworker">All 17 caseworkers</a>' in chart

    full = await browser.get("/dashboard/owed/caseworker")
    assert full.status_code == 200
    assert '<a href="/dashboard#by-caseworker" class="govuk-back-link">' in full.text
    assert '<dl class="ehcp-bar-chart"' not in full.text
    assert "due in the next 14 days of all 17 caseworkers, most overdue first" in text_of(full.text)
    listed = re.findall(r'<th scope="row" class="govuk-table__header">([^<]*)</th>', full.text)
    assert listed == [f"Caseworker {n:02}", *(f"Caseworker {i:02}" for i in range(1, n))]
    for name, user_id in ids.items():
        assert f'href="/overdue?caseworker={user_id}">{2 if name == "Caseworker 17" else 1}<' in full.text
    behind = await browser.get(f"/overdue?caseworker={ids['Caseworker 16']}")
    assert behind.status_code == 200
    assert behind.text.count('href="/cases/') == 1

    agencies = await browser.get("/dashboard/owed/agency")
    assert agencies.status_code == 200
    assert '<a href="/dashboard#by-agency" class="govuk-back-link">' in agencies.text
    assert "Nothing is overdue or due in the next 14 days." in agencies.text


async def test_the_full_tables_are_for_managers_and_only_by_agency_or_caseworker(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await signed_in(browser, sessions, "cw")
    for path in ("/dashboard/owed/agency", "/dashboard/owed/caseworker"):
        assert (await browser.get(path)).status_code == 403, path
    await signed_in(browser, sessions, "mgr")
    assert (await browser.get("/dashboard/owed/nonsense")).status_code == 404
    assert (await browser.get("/dashboard/owed/deadline")).status_code == 404  # the dashboard shows it all


async def test_the_full_table_reads_the_kept_figures_and_a_stale_page_reads_them_again_behind(
    settings: Settings, people: People, sessions: async_sessionmaker[AsyncSession], temporal: Temporal
) -> None:
    """With figures kept (60 s), the full table is the dashboard's reading; past that, the page answers
    with it at once while a reading in a session of its own replaces it."""
    await caseworkers_owing(sessions, 16)
    kept_for = settings.model_copy(update={"dashboard_figures_seconds": 60})
    app = create_app(kept_for, client=temporal.env.client, session_factory=sessions)
    clock = Clock()
    app.state.dashboard_figures = KeptFigures(clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://ehcp.test"
    ) as browser:
        await signed_in(browser, sessions, "mgr")

        async def rows() -> int:
            page = await browser.get("/dashboard/owed/caseworker")
            assert page.status_code == 200
            return page.text.count('<th scope="row"')

        assert "of 16 caseworkers" in (await browser.get("/dashboard")).text
        async with sessions() as session:  # a 17th after the reading
            user, _ = await create_user(
                session=session, username="late", display_name="Late Comer", role="caseworker"
            )
            today = today_in_england()
            await project(
                session,
                received_on=today - timedelta(weeks=8),
                caseworker_id=user.id,
                deadlines=[a_deadline("decision_to_assess", today - timedelta(days=1))],
            )
            await session.commit()
        assert await rows() == 16
        clock.now = 61
        assert await rows() == 16  # stale: served at once, read again behind it
        async with asyncio.timeout(5):
            while (found := await rows()) == 16:
                await asyncio.sleep(0.01)
        assert found == 17
        assert "of 17 caseworkers" in (await browser.get("/dashboard")).text


# ---- The kept figures ----


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def figures() -> Figures:
    return Figures(datetime.now(UTC), {}, (), (), [], [], 2027, {})


async def kept_at_0(old: Figures) -> tuple[KeptFigures, Clock]:
    clock = Clock()
    kept = KeptFigures(clock=clock)

    async def read() -> Figures:
        return old

    assert await kept.get(KEY, 60, read) is old
    return kept, clock


async def test_stale_figures_are_served_at_once_while_one_refresh_reads_them_again() -> None:
    old, new = figures(), figures()
    kept, clock = await kept_at_0(old)
    reads = 0
    release = asyncio.Event()

    async def held() -> Figures:
        nonlocal reads
        reads += 1
        await release.wait()
        return new

    clock.now = 59
    assert await kept.get(KEY, 60, held) is old  # fresh: nothing read
    await asyncio.sleep(0)
    assert reads == 0
    clock.now = 61
    async with asyncio.timeout(1):  # no request waits for the reading
        assert await kept.get(KEY, 60, held) is old
        await asyncio.sleep(0)
        assert reads == 1
        assert await kept.get(KEY, 60, held) is old  # still stale: the one refresh is enough
        await asyncio.sleep(0)
    assert reads == 1
    release.set()
    async with asyncio.timeout(1):
        while (served := await kept.get(KEY, 60, held)) is old:
            await asyncio.sleep(0)
    assert served is new
    clock.now = 120  # kept since 61
    assert await kept.get(KEY, 60, held) is new
    await asyncio.sleep(0)
    assert reads == 1


async def test_a_failed_refresh_is_logged_keeps_the_old_figures_and_is_tried_again() -> None:
    old, new = figures(), figures()
    kept, clock = await kept_at_0(old)
    tries = 0

    async def failing() -> Figures:
        nonlocal tries
        tries += 1
        raise RuntimeError("the database went away")

    async def read() -> Figures:
        return new

    clock.now = 61
    with capture_logs() as logs:
        assert await kept.get(KEY, 60, failing) is old
        async with asyncio.timeout(1):
            while not logs:
                await asyncio.sleep(0)
    assert tries == 1
    assert [(line["event"], line["log_level"], line["error"]) for line in logs] == [
        ("dashboard.figures_unread", "warning", "RuntimeError")
    ]
    assert await kept.get(KEY, 60, read) is old  # still the old ones; this request tries again
    async with asyncio.timeout(1):
        while (served := await kept.get(KEY, 60, read)) is old:
            await asyncio.sleep(0)
    assert served is new
    assert tries == 1


async def test_a_new_day_waits_for_its_reading_and_yesterdays_refresh_does_not_replace_it() -> None:
    old, today = figures(), figures()
    kept, clock = await kept_at_0(old)
    release = asyncio.Event()
    finished = False

    async def held() -> Figures:
        nonlocal finished
        await release.wait()
        finished = True
        return figures()

    async def read_today() -> Figures:
        return today

    clock.now = 61
    async with asyncio.timeout(1):
        assert await kept.get(KEY, 60, held) is old  # yesterday's refresh starts
    tomorrow = (KEY[0], KEY[1] + timedelta(days=1))
    assert await kept.get(tomorrow, 60, read_today) is today  # nothing kept for it: read, waiting
    release.set()
    async with asyncio.timeout(1):
        while not finished:
            await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert await kept.get(tomorrow, 60, held) is today


def test_what_the_figures_show_is_made_once_for_each_reading() -> None:
    settings = Settings(_env_file=None, demo=True)
    months = last_months(date(2026, 12, 6))

    def reading() -> Figures:
        groups: dict[str, list[OwedCount]] = {"deadline": [], "agency": [], "caseworker": []}
        return Figures(datetime.now(UTC), groups, months, (0,) * len(months), [], [], 2027, {})

    read = reading()
    made = figures_html(read, settings)
    assert 'id="timeliness"' in made
    assert 'id="transfers"' in made
    assert figures_html(read, settings) is made  # the next manager's page: not made again
    assert figures_html(reading(), settings) is not made  # a new reading is shown anew


async def test_one_caseworker_is_not_all_1_caseworkers(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await caseworkers_owing(sessions, 1)
    await signed_in(browser, sessions, "mgr")
    full = text_of((await browser.get("/dashboard/owed/caseworker")).text)
    assert "due in the next 14 days of the one caseworker, most overdue first" in full
