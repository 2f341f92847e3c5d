"""The managers' dashboard (issue 10 s.4): what is late and due soon by deadline, by agency and by
caseworker, each chart with its table of numbers and each number leading to the list behind it."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.services.clock import today_in_england
from tests.integration.api.conftest import project
from tests.integration.db.factories import a_deadline

from .conftest import People, sign_in, signed_in, with_password


async def test_a_manager_follows_a_chart_to_the_list_behind_it(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = today_in_england()
    assert people.psychology.agency_id is not None
    async with sessions() as session:
        for overdue_by in (3, 10):
            await project(
                session,
                received_on=today - timedelta(weeks=8),
                caseworker_id=people.caseworker.id,
                deadlines=[
                    a_deadline("decision_to_assess", today - timedelta(days=overdue_by)),
                    a_deadline("advice", today + timedelta(days=5), key="ep"),
                    a_deadline("final_plan", today + timedelta(days=90)),  # not soon: not counted
                    a_deadline("draft_target", today - timedelta(days=9), met_on=today - timedelta(days=9)),
                ],
                agencies={"ep": people.psychology.agency_id},
            )
        await session.commit()
    await with_password(sessions, "mgr", "mgr@council.test")
    signed = await sign_in(browser, "mgr@council.test")
    assert signed.headers["location"] == "/"
    assert (await browser.get("/start")).headers["location"] == "/dashboard"

    page = await browser.get("/dashboard")
    assert page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "2 steps overdue" in text
    assert "2 steps due in the next 14 days" in text
    assert "Decision whether to assess 2 overdue: Decision whether to assess 0" in text
    assert "Northshire EP service 0 2 due soon: Northshire EP service" in text
    assert "cw 2 overdue: cw 2 due soon: cw" in text
    # The chart's bars are decoration; the numbers are in the table, each a link to its list.
    assert '<dl class="ehcp-bar-chart" aria-hidden="true">' in page.text
    listed = await browser.get("/overdue?deadline=decision_to_assess")
    assert listed.status_code == 200
    assert listed.text.count('href="/cases/') == 2
    assert "Ada Example" in listed.text
    soon = await browser.get(f"/overdue?soon=true&agency={people.psychology.agency_id}")
    assert soon.text.count("due in 5") == 2


async def test_the_dashboard_is_for_managers(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await signed_in(browser, sessions, "cw")
    assert (await browser.get("/dashboard")).status_code == 403
    assert (await browser.get("/overdue")).status_code == 403
