"""Managers: the overdue list and the timeliness measures, over rows written into the read model."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.services.clock import today_in_england
from tests.integration.db.factories import a_deadline

from .conftest import People, project


async def test_the_overdue_list_filters_pages_and_looks_ahead(
    api: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = today_in_england()
    assert people.psychology.agency_id is not None
    async with sessions() as session:
        mine = await project(
            session,
            received_on=today - timedelta(weeks=8),
            caseworker_id=people.caseworker.id,
            deadlines=[
                a_deadline("decision_to_assess", today - timedelta(days=10)),
                a_deadline("advice", today - timedelta(days=2), key="ep"),
                a_deadline("final_plan", today + timedelta(days=3)),
                a_deadline("draft_target", today - timedelta(days=20), met_on=today - timedelta(days=21)),
            ],
            agencies={"ep": people.psychology.agency_id},
        )
        theirs = await project(
            session,
            received_on=today - timedelta(weeks=9),
            deadlines=[a_deadline("decision_to_assess", today - timedelta(days=5))],
        )
        await session.commit()

    overdue = await api.get("/api/overdue", headers=people.manager.auth)
    assert overdue.status_code == 200
    body = overdue.json()
    assert body["as_of"] == today.isoformat()
    assert [(s["case_id"], s["deadline"], s["days_overdue"]) for s in body["items"]] == [
        (str(mine), "decision_to_assess", 10),
        (str(theirs), "decision_to_assess", 5),
        (str(mine), "advice", 2),
    ]

    soon = await api.get("/api/overdue?due_within_days=7", headers=people.manager.auth)
    assert [s["deadline"] for s in soon.json()["items"]][-1] == "final_plan"
    assert soon.json()["items"][-1]["days_overdue"] == -3

    by_agency = await api.get(
        f"/api/overdue?agency_id={people.psychology.agency_id}", headers=people.admin.auth
    )
    assert [(s["deadline"], s["key"]) for s in by_agency.json()["items"]] == [("advice", "ep")]
    by_caseworker = await api.get(
        f"/api/overdue?caseworker_id={people.caseworker.id}", headers=people.manager.auth
    )
    assert {s["case_id"] for s in by_caseworker.json()["items"]} == {str(mine)}
    by_deadline = await api.get("/api/overdue?deadline=decision_to_assess", headers=people.manager.auth)
    assert len(by_deadline.json()["items"]) == 2

    first = (await api.get("/api/overdue?limit=2", headers=people.manager.auth)).json()
    assert len(first["items"]) == 2
    rest = (
        await api.get(f"/api/overdue?limit=2&after={first['next_after']}", headers=people.manager.auth)
    ).json()
    assert [s["deadline"] for s in rest["items"]] == ["advice"]
    assert rest["next_after"] is None
    bad = await api.get("/api/overdue?after=garbage", headers=people.manager.auth)
    assert (bad.status_code, bad.json()["field"]) == (422, "after")


async def test_kpis_count_each_measure_including_and_excluding_exceptions(
    api: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    start = date(2025, 1, 6)
    due6, due16, due20 = (start + timedelta(weeks=w) for w in (6, 16, 20))
    async with sessions() as session:
        await project(  # on time to decide; a late final plan with an accepted exception
            session,
            received_on=start,
            deadlines=[
                a_deadline("decision_to_assess", due6, met_on=due6, status="met"),
                a_deadline(
                    "final_plan",
                    due20,
                    met_on=due20 + timedelta(days=14),
                    status="excepted",
                    exception_accepted=True,
                ),
            ],
        )
        await project(  # late to decide (with an exception); a final plan on time
            session,
            received_on=start + timedelta(days=7),
            deadlines=[
                a_deadline(
                    "decision_to_assess",
                    due6 + timedelta(days=7),
                    met_on=due6 + timedelta(days=20),
                    status="excepted",
                    exception_accepted=True,
                ),
                a_deadline("final_plan", due20 + timedelta(days=7), met_on=due20, status="met"),
            ],
        )
        await project(  # a decision not to issue, on time
            session,
            received_on=start + timedelta(days=14),
            deadlines=[a_deadline("decision_not_to_issue", due16, met_on=due16, status="met")],
        )
        await project(  # received outside the period: not counted
            session,
            received_on=date(2024, 6, 3),
            deadlines=[a_deadline("decision_to_assess", date(2024, 7, 15), met_on=date(2024, 9, 1))],
        )
        await session.commit()

    response = await api.get(
        "/api/kpis?received_from=2025-01-01&received_to=2025-03-31", headers=people.manager.auth
    )
    assert response.status_code == 200, response.text
    kpis = response.json()
    assert kpis["requests"] == 3
    assert kpis["decided_within_6_weeks"] == {
        "including_exceptions": {"within": 1, "total": 2, "percent": 50.0},
        "excluding_exceptions": {"within": 1, "total": 1, "percent": 100.0},
    }
    assert kpis["issued_within_20_weeks"] == {
        "including_exceptions": {"within": 1, "total": 2, "percent": 50.0},
        "excluding_exceptions": {"within": 1, "total": 1, "percent": 100.0},
    }
    assert kpis["not_to_issue_within_16_weeks"]["excluding_exceptions"] == {
        "within": 1,
        "total": 1,
        "percent": 100.0,
    }

    backwards = await api.get(
        "/api/kpis?received_from=2025-03-31&received_to=2025-01-01", headers=people.manager.auth
    )
    assert (backwards.status_code, backwards.json()["field"]) == (422, "received_to")
    missing = await api.get("/api/kpis?received_from=2025-01-01", headers=people.manager.auth)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["loc"] == ["query", "received_to"]
