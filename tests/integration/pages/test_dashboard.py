"""The managers' dashboard (issue 10 s.4): what is late and due soon by deadline, by agency and by
caseworker, each chart with its table of numbers and each number leading to the list behind it; the cases
that need attention; next September's phase transfers by transfer and status; and the timeliness measures
month by month, each an inline SVG chart over its table.

The figures are checked on both databases (`database`), the pages on the pages lane."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from api.app import create_app
from api.pages.dashboard import Figures, KeptFigures
from api.pages.trends import last_months
from api.services.clock import today_in_england
from core.settings import Settings
from db.dashboard import (
    TRANSFER_STATUSES,
    list_transfers,
    longest_overdue_cases,
    status_of,
    transfer_counts,
)
from db.decisions import record_decision
from db.kpis import Measure, kpis, monthly_kpis, monthly_plan_kpis, plan_kpis
from db.monthly import list_counted_steps
from db.plans import list_transfer_plans
from statute.conventions import Conventions
from statute.phases import born_between, next_transfer_year, transfer_status
from tests.integration.api.conftest import project
from tests.integration.conftest import Database
from tests.integration.db.factories import a_case, a_caseworker, a_deadline
from tests.integration.db.factories import project as project_case
from workflows.common.search import ATTENTION

from .conftest import People, sign_in, signed_in, with_password

NONE = Measure.of(0, 0)
MONTHS = tuple(date(2026, m, 1) for m in range(1, 13))


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def element(html: str, tag: str, ident: str) -> str:
    """The element `<tag ... id="ident">...</tag>` (not nested in one of its own kind)."""
    found = re.search(rf'<{tag}[^>]*id="{re.escape(ident)}".*?</{tag}>', html, re.S)
    assert found, f"no {tag} #{ident}"
    return found.group(0)


# ---- The figures, on both databases ----


async def test_the_assessment_measures_month_by_month_are_each_months_own(database: Database) -> None:
    """Each month's figure is `kpis` over the requests received that month; a month with none is a gap."""
    async with database.sessions.begin() as session:

        async def request(received: date, *deadlines: Any, la_code: str = "201") -> None:
            await project_case(
                session, await a_case(session, received_on=received, la_code=la_code), list(deadlines)
            )

        await request(
            date(2026, 3, 10),
            a_deadline("decision_to_assess", date(2026, 4, 21), met_on=date(2026, 4, 20)),
            a_deadline("final_plan", date(2026, 7, 28), met_on=date(2026, 8, 4), exception_accepted=True),
        )
        await request(
            date(2026, 3, 25),
            a_deadline("decision_to_assess", date(2026, 5, 6), met_on=date(2026, 5, 10)),
            a_deadline("decision_not_to_issue", date(2026, 7, 15), met_on=date(2026, 7, 1)),
        )
        await request(
            date(2026, 6, 2),
            a_deadline(
                "decision_to_assess", date(2026, 7, 14), met_on=date(2026, 7, 1), exception_accepted=True
            ),
        )
        await request(
            date(2025, 12, 31), a_deadline("decision_to_assess", date(2026, 2, 11), met_on=date(2026, 2, 1))
        )
        await request(
            date(2026, 8, 15),
            a_deadline("decision_to_assess", date(2026, 9, 26), met_on=date(2026, 9, 1)),
            la_code="999",
        )
        await request(
            date(2026, 9, 1), a_deadline("decision_to_assess", date(2026, 10, 13))
        )  # not decided yet

    async with database.sessions() as session:
        found = await monthly_kpis(session=session, la_code="201", months=MONTHS)
        assert found.requests == (0, 0, 2, 0, 0, 1, 0, 0, 1, 0, 0, 0)
        decided = found.decided_within_6_weeks
        assert decided.including_exceptions[2] == Measure.of(1, 2)
        assert decided.including_exceptions[5] == Measure.of(1, 1)
        assert decided.excluding_exceptions[5] == NONE  # its one decision had an exception
        assert found.not_to_issue_within_16_weeks.including_exceptions[2] == Measure.of(1, 1)
        assert found.issued_within_20_weeks.including_exceptions[2] == Measure.of(0, 1)
        assert found.issued_within_20_weeks.excluding_exceptions[2] == NONE
        assert [i for i, m in enumerate(decided.including_exceptions) if m.percent is None] == [
            0, 1, 3, 4, 6, 7, 8, 9, 10, 11,
        ]  # fmt: skip
        # The list behind March: its two decisions, a page at a time, and its one late one.
        first = await list_counted_steps(
            session=session,
            la_code="201",
            deadline="decision_to_assess",
            month=MONTHS[2],
            as_of=date(2026, 12, 6),
            limit=1,
        )
        rest = await list_counted_steps(
            session=session,
            la_code="201",
            deadline="decision_to_assess",
            month=MONTHS[2],
            as_of=date(2026, 12, 6),
            after=first.next_after,
        )
        assert [s.received_on for s in (*first.steps, *rest.steps)] == [date(2026, 3, 10), date(2026, 3, 25)]
        assert rest.next_after is None
        late = await list_counted_steps(
            session=session,
            la_code="201",
            deadline="decision_to_assess",
            month=MONTHS[2],
            as_of=date(2026, 12, 6),
            late_only=True,
        )
        assert [(s.received_on, s.on_time) for s in late.steps] == [(date(2026, 3, 25), False)]
        for i, month in enumerate(MONTHS):
            alone = await kpis(
                session=session,
                la_code="201",
                received_from=month,
                received_to=(MONTHS[i + 1] if i < 11 else date(2027, 1, 1)) - timedelta(days=1),
            )
            assert alone.requests == found.requests[i]
            assert alone.decided_within_6_weeks == decided.including_exceptions[i]
            assert alone.decided_within_6_weeks_excluding_exceptions == decided.excluding_exceptions[i]
            assert (
                alone.issued_within_20_weeks_including_exceptions
                == (found.issued_within_20_weeks.including_exceptions[i])
            )
            assert (
                alone.issued_within_20_weeks_excluding_exceptions
                == (found.issued_within_20_weeks.excluding_exceptions[i])
            )
            assert (
                alone.not_to_issue_within_16_weeks
                == found.not_to_issue_within_16_weeks.including_exceptions[i]
            )


async def test_the_plan_measures_month_by_month_count_each_step_once_known(database: Database) -> None:
    """A plan step counts in the month it fell due, once taken or past due: a review never held is late."""
    as_of = date(2026, 12, 6)
    async with database.sessions.begin() as session:
        plan = await a_case(session, received_on=date(2020, 1, 6), la_code="201", stage="plan_maintained")
        await project_case(
            session,
            plan,
            [
                a_deadline(
                    "review_due", date(2026, 2, 10), met_on=date(2026, 2, 1), from_date=date(2025, 2, 11)
                ),
                a_deadline("review_decision", date(2026, 5, 5), met_on=date(2026, 5, 30)),
                a_deadline("amended_plan", date(2026, 11, 30), met_on=date(2026, 11, 2)),
                a_deadline("phase_transfer_review", date(2026, 2, 14), key="2026", met_on=date(2026, 2, 1)),
            ],
        )
        other = await a_case(session, received_on=date(2020, 1, 6), la_code="201", stage="plan_maintained")
        await project_case(
            session,
            other,
            [
                a_deadline("review_due", date(2026, 2, 20), from_date=date(2025, 2, 21)),  # never held: late
                a_deadline(
                    "review_due", date(2026, 12, 20), key="next", from_date=date(2025, 12, 21)
                ),  # not yet
            ],
        )

    async with database.sessions() as session:
        found = await monthly_plan_kpis(session=session, la_code="201", months=MONTHS, as_of=as_of)
        assert found.reviews_within_12_months[1] == Measure.of(1, 2)
        assert found.reviews_within_12_months[11] == NONE
        assert found.reviews_decided_within_4_weeks[4] == Measure.of(0, 1)
        assert found.amended_plans_within_8_weeks[10] == Measure.of(1, 1)
        assert found.phase_transfers_by_deadline[1] == Measure.of(1, 1)
        for i, month in enumerate(MONTHS):
            last = (MONTHS[i + 1] if i < 11 else date(2027, 1, 1)) - timedelta(days=1)
            alone = await plan_kpis(session=session, la_code="201", due_from=month, due_to=last, as_of=as_of)
            assert alone.reviews_within_12_months == found.reviews_within_12_months[i]
            assert alone.reviews_decided_within_4_weeks == found.reviews_decided_within_4_weeks[i]
            assert alone.amended_plans_within_8_weeks == found.amended_plans_within_8_weeks[i]
            assert alone.phase_transfers_by_deadline == found.phase_transfers_by_deadline[i]
        # The list behind February's reviews: the one held in time, the one never held (late).
        reviews = await list_counted_steps(
            session=session, la_code="201", deadline="review_due", month=MONTHS[1], as_of=as_of
        )
        assert [(s.due, s.met_on, s.on_time) for s in reviews.steps] == [
            (date(2026, 2, 10), date(2026, 2, 1), True),
            (date(2026, 2, 20), None, False),
        ]


@dataclass(frozen=True)
class Transfers:
    year: int
    today: date
    expected: dict[tuple[str, str], int]
    ids: dict[str, uuid.UUID]


async def september_2027(database: Database) -> Transfers:
    """Plans changing phase in September 2027, seen on 20 February 2027 (school deadline 14 February, post-16
    30 March): one at each status, by date of birth and recorded; and two that are not in the cohort."""
    year, today = 2027, date(2027, 2, 20)
    ids: dict[str, uuid.UUID] = {}
    async with database.sessions.begin() as session:
        actor = await a_caseworker(session)

        async def plan(
            name: str, group: int, *deadlines: Any, la_code: str = "201", stage: str = "plan_maintained"
        ) -> uuid.UUID:
            case = await a_case(
                session,
                la_code=la_code,
                stage=stage,
                received_on=date(2020, 1, 6),
                date_of_birth=born_between(group, year)[0],
            )
            await project_case(session, case, list(deadlines))
            ids[name] = case.id
            return case.id

        async def decided(case_id: uuid.UUID, kind: str, outcome: str, on: date) -> None:
            await record_decision(
                session=session,
                update_id=str(uuid.uuid4()),
                case_id=case_id,
                kind=kind,
                outcome=outcome,
                decided_on=on,
                actor_id=actor.id,
            )

        meeting = a_deadline(
            "review_decision", date(2026, 12, 29), from_date=date(2026, 12, 1), met_on=date(2026, 12, 20)
        )
        await decided(await plan("kept", 7, meeting), "review_decision", "keep", date(2026, 12, 20))
        await decided(await plan("amended late", 3, meeting), "amended_plan", "issued", date(2027, 2, 18))
        await plan("no review", 0)
        await decided(await plan("amending", 12, meeting), "review_decision", "amend", date(2026, 12, 20))
        await plan("no meeting", 12)
        await plan("middle school", 5, a_deadline("phase_transfer_review", date(2027, 2, 14), key="2027"))
        await plan(
            "sixth form elsewhere", 9, a_deadline("phase_transfer_review", date(2027, 3, 30), key="2027")
        )
        await plan(
            "recorded",
            7,
            a_deadline("phase_transfer_review", date(2027, 2, 14), key="2027", met_on=date(2027, 1, 5)),
        )
        await plan("ceased", 7, stage="plan_ceased")
        await plan("elsewhere", 7, la_code="999")
    expected = {
        ("7", "settled"): 2,
        ("3", "settled_late"): 1,
        ("0", "overdue"): 1,
        ("12", "on_track"): 1,
        ("12", "at_risk"): 1,
        ("school", "overdue"): 1,
        ("post16", "at_risk"): 1,
    }
    return Transfers(year=year, today=today, expected=expected, ids=ids)


async def test_next_septembers_transfers_are_counted_by_transfer_and_status(database: Database) -> None:
    t = await september_2027(database)
    conventions = Conventions()
    async with database.sessions() as session:
        counted = await transfer_counts(
            session=session, la_code="201", year=t.year, today=t.today, conventions=conventions
        )
        assert {(c.transfer, c.status): c.plans for c in counted} == t.expected
        # The cohort and the statuses are the phase-transfer planner's (GET /api/phase-transfers).
        planner = await list_transfer_plans(
            session=session, la_code="201", year=t.year, conventions=conventions, limit=100
        )
        by_planner = sorted(
            transfer_status(
                due=p.due,
                today=t.today,
                meeting_on=p.meeting_on,
                decided_on=p.decided_on,
                settled_on=p.settled_on,
            )
            for p in planner.plans
        )
        assert by_planner == sorted(
            s.removesuffix("_late") for (_, s), n in t.expected.items() for _ in range(n)
        )
        # Each list holds what its count says, and pages.
        for status in TRANSFER_STATUSES:
            listed = await list_transfers(
                session=session,
                la_code="201",
                year=t.year,
                today=t.today,
                conventions=conventions,
                status=status,
            )
            assert len(listed.rows) == sum(n for (_, s), n in t.expected.items() if s == status)
            assert all(row.status == status for row in listed.rows)
        overdue_school = await list_transfers(
            session=session,
            la_code="201",
            year=t.year,
            today=t.today,
            conventions=conventions,
            transfer="school",
        )
        assert [row.case_id for row in overdue_school.rows] == [t.ids["middle school"]]
        assert overdue_school.rows[0].recorded
        first = await list_transfers(
            session=session, la_code="201", year=t.year, today=t.today, conventions=conventions, limit=3
        )
        rest = await list_transfers(
            session=session,
            la_code="201",
            year=t.year,
            today=t.today,
            conventions=conventions,
            after=first.next_after,
        )
        assert [r.deadline for r in first.rows] == [date(2027, 2, 14)] * 3
        assert len(first.rows) + len(rest.rows) == 8
        assert rest.next_after is None
        assert {r.case_id for r in first.rows}.isdisjoint(r.case_id for r in rest.rows)


def test_a_status_is_the_planners_with_settled_split_by_the_deadline() -> None:
    due, today = date(2027, 2, 14), date(2027, 1, 10)
    assert status_of(due=due, today=today, settled="late", meeting_held=True, decided=True) == "settled_late"
    assert (
        status_of(due=due, today=due + timedelta(days=1), settled=None, meeting_held=True, decided=True)
        == "overdue"
    )
    assert status_of(due=due, today=today, settled=None, meeting_held=False, decided=False) == "at_risk"
    assert (
        status_of(due=due, today=date(2026, 9, 1), settled=None, meeting_held=False, decided=False)
        == "on_track"
    )


async def test_the_cases_longest_overdue_come_oldest_first_each_once(database: Database) -> None:
    as_of = date(2026, 12, 6)
    ids: dict[int, uuid.UUID] = {}
    async with database.sessions.begin() as session:
        for late in (*range(1, 13), 20):
            case = await a_case(session, received_on=date(2026, 6, 1))
            deadlines = [a_deadline("decision_to_assess", as_of - timedelta(days=late))]
            if late == 20:
                deadlines += [
                    a_deadline("advice", as_of - timedelta(days=5), key="ep"),
                    a_deadline("draft_target", as_of - timedelta(days=90), met_on=as_of - timedelta(days=91)),
                    a_deadline("representations_end", as_of - timedelta(days=60), window=True),
                ]
            await project_case(session, case, deadlines)
            ids[late] = case.id
    async with database.sessions() as session:
        cases = await longest_overdue_cases(session=session, as_of=as_of, limit=10)
    assert [c.oldest.case_id for c in cases] == [ids[late] for late in (20, 12, 11, 10, 9, 8, 7, 6, 5, 4)]
    assert [c.steps for c in cases[:2]] == [2, 1]
    assert cases[0].oldest.days_overdue == 20


# ---- The pages ----


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
    text = text_of(page.text)
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


async def test_the_trends_draw_each_month_and_break_where_none_was_decided(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    months = last_months(today_in_england())
    async with sessions() as session:
        for received, late in ((months[-7], False), (months[-7], True), (months[-4], False)):
            on = received + timedelta(days=4)
            due = on + timedelta(weeks=6)
            await project(
                session,
                received_on=on,
                deadlines=[
                    a_deadline("decision_to_assess", due, met_on=due + timedelta(days=3 if late else -2))
                ],
            )
        await session.commit()
    await signed_in(browser, sessions, "mgr")
    page = (await browser.get("/dashboard")).text

    svg = re.search(
        r'<svg[^>]*aria-labelledby="trend-decision_to_assess-title trend-decision_to_assess-desc".*?</svg>',
        page,
        re.S,
    )
    assert svg, "no chart of the decisions whether to assess"
    chart = svg.group(0)
    assert 'role="img"' in chart
    assert 'viewBox="0 0 360 210" width="100%"' in chart
    assert '<title id="trend-decision_to_assess-title">' in chart
    assert "no figures for 10 months" in element(chart, "desc", "trend-decision_to_assess-desc")
    line = re.search(r'<path data-series="including" d="([^"]*)"', chart)
    assert line
    assert line.group(1).count("M") == 2  # two months, apart: a gap between, not a drop to 0%
    assert "L" not in line.group(1)
    assert chart.count("<circle") == 2  # a marker a month with a figure, none at 0%
    assert "No cases in these 12 months" not in chart
    empty = re.search(r'<svg[^>]*aria-labelledby="trend-final_plan-title.*?</svg>', page, re.S)
    assert empty
    assert "No cases in these 12 months" in empty.group(0)
    figures = element(page, "table", "figures-decision_to_assess")
    rows = text_of(figures)
    assert f"{months[-7]:%B %Y} 50% 1 of 2 50% 1 of 2 {months[-6]:%B %Y} No cases No cases" in rows
    assert f"{months[-4]:%B %Y} 100% 1 of 1 100% 1 of 1" in rows
    assert (
        f'aria-label="50% in {months[-7]:%B %Y}: Decided whether to assess within 6 weeks, including'
        in figures
    )
    assert "1 of 2" in rows
    assert rows.count("No cases") == 20
    assert "The 12 months 66.7% 2 of 3 66.7% 2 of 3" in rows
    assert "Requests received in the 12 months: 3." in text_of(page)

    href = f"/dashboard/timeliness?measure=decision_to_assess&amp;month={months[-7]:%Y-%m}"
    assert href in figures
    behind = await browser.get(href.replace("&amp;", "&"))
    assert behind.status_code == 200
    assert behind.text.count('href="/cases/') == 2
    late_only = await browser.get(href.replace("&amp;", "&") + "&late=true")
    assert late_only.text.count('href="/cases/') == 1
    assert "Late" in late_only.text
    assert (await browser.get("/dashboard/timeliness?measure=nonsense&month=2026-01")).status_code == 404
    assert (await browser.get("/dashboard/timeliness?measure=final_plan&month=2026-13")).status_code == 404


async def test_the_phase_transfers_are_counted_and_lead_to_their_list(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = today_in_england()
    year = next_transfer_year(today)
    async with sessions() as session:
        for _ in range(2):
            await project(
                session,
                received_on=date(2020, 1, 6),
                stage="plan_maintained",
                date_of_birth=born_between(7, year)[1],
            )
        await project(
            session,
            received_on=date(2020, 1, 6),
            stage="plan_maintained",
            date_of_birth=born_between(12, year)[0],
        )
        await session.commit()
    # No review yet: where they stand depends on today, as the planner says.
    school = status_of(due=date(year, 2, 14), today=today, settled=None, meeting_held=False, decided=False)
    post16 = status_of(due=date(year, 3, 30), today=today, settled=None, meeting_held=False, decided=False)
    await signed_in(browser, sessions, "mgr")
    page = (await browser.get("/dashboard")).text
    table = element(page, "table", "transfers")
    assert f'href="/dashboard/phase-transfers?transfer=7&amp;status={school}" aria-label="2 plans, ' in table
    assert f'href="/dashboard/phase-transfers?transfer=12&amp;status={post16}" aria-label="1 plan, ' in table
    assert 'href="/dashboard/phase-transfers" aria-label="3 plans, all transfers">3<' in table
    assert f"Phase transfers in September {year}" in page
    listed = await browser.get(f"/dashboard/phase-transfers?transfer=7&status={school}")
    assert listed.status_code == 200
    assert listed.text.count('href="/cases/') == 2
    assert "Into Year 7" in listed.text
    assert (await browser.get("/dashboard/phase-transfers?status=lost")).status_code == 404


async def test_the_cases_longest_overdue_are_listed_oldest_first_with_their_cases(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = today_in_england()
    ids = {}
    async with sessions() as session:
        for late in range(1, 13):
            ids[late] = await project(
                session,
                received_on=today - timedelta(weeks=10),
                deadlines=[a_deadline("decision_to_assess", today - timedelta(days=late))],
            )
        await session.commit()
    await signed_in(browser, sessions, "mgr")
    page = (await browser.get("/dashboard")).text
    table = element(page, "table", "longest-overdue")
    assert re.findall(r'href="/cases/([0-9a-f-]+)"', table) == [str(ids[late]) for late in range(12, 2, -1)]
    assert '<a class="govuk-link" href="/overdue">See every overdue step</a>' in page
    # The time-skipping test server keeps no visibility: the panel says so, and the page still shows.
    assert "could not be asked which cases wait for a retry" in page


class Execution:
    def __init__(self, workflow_id: str, steps: str) -> None:
        self.id = workflow_id
        self.typed_search_attributes = TypedSearchAttributes([SearchAttributePair(ATTENTION, steps)])


class Visibility:
    """A Temporal client that answers only the list of workflows needing attention."""

    def __init__(self, *executions: Execution) -> None:
        self.executions = executions
        self.queries: list[str] = []

    def list_workflows(self, query: str, *, limit: int) -> AsyncIterator[Execution]:
        self.queries.append(query)

        async def listed() -> AsyncIterator[Execution]:
            for execution in self.executions[:limit]:
                yield execution

        return listed()


async def test_the_cases_waiting_for_a_retry_are_listed_with_their_child(
    settings: Settings, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        case_id = await project(session, received_on=today_in_england())
        await session.commit()
    client = Visibility(Execution(f"assessment-{case_id}", "apply_change,record_case"))
    app = create_app(settings, client=cast(Client, client), session_factory=sessions)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://ehcp.test"
    ) as browser:
        await signed_in(browser, sessions, "mgr")
        page = (await browser.get("/dashboard")).text
    table = element(page, "table", "waiting-for-retry")
    assert f'<a class="govuk-link" href="/cases/{case_id}">Ada Example</a>' in table
    assert "apply_change, record_case" in table
    assert client.queries == ["EhcpAttention IS NOT NULL AND ExecutionStatus = 'Running'"]


async def test_the_dashboard_is_for_managers(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await signed_in(browser, sessions, "cw")
    for path in (
        "/dashboard",
        "/overdue",
        "/dashboard/phase-transfers",
        "/dashboard/timeliness?measure=final_plan&month=2026-01",
    ):
        assert (await browser.get(path)).status_code == 403, path


async def test_the_figures_are_kept_for_a_while_and_read_once_at_a_time() -> None:
    reads = 0

    async def read() -> Figures:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.01)  # readers that arrive meanwhile wait for this one
        return Figures(datetime.now(UTC), {}, (), (), [], [], 2027, {})

    kept, key = KeptFigures(), ("201", date(2026, 12, 6))
    first, *others = await asyncio.gather(*(kept.get(key, 60, read) for _ in range(5)))
    assert reads == 1
    assert all(other is first for other in others)
    assert await kept.get(("201", date(2026, 12, 7)), 60, read) is not first  # a new day is read anew
    assert reads == 2
    assert await kept.get(key, 0, read) is not first  # 0 seconds: read every time
    assert reads == 3


async def test_the_exceptions_waiting_lead_to_their_approval(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = today_in_england()
    async with sessions() as session:
        case_id = await project(session, received_on=today - timedelta(weeks=10), stage="gathering_advice")
        for claim_id, accepted in (("claim-allowed", "yes"), ("claim-refused", "no")):
            await record_decision(
                session=session,
                update_id=claim_id,
                case_id=case_id,
                kind="exception_claim:final_plan",
                outcome="absence",
                decided_on=today,
                actor_id=people.caseworker.id,
                reasons="an absence from the area of 40 days",
                detail={"accepted": accepted},
            )
        await session.commit()
    await signed_in(browser, sessions, "mgr")
    page = (await browser.get("/dashboard")).text
    table = element(page, "table", "exceptions-waiting")
    assert re.findall(r'href="([^"]+)"', table) == [f"/cases/{case_id}/exceptions/claim-allowed"]
    assert "away from the area" in text_of(table)
    assert "1 exception the law allows, waiting for a manager" in text_of(page)
