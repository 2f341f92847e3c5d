"""project_case: the read model moves forward only, by (case id, state version); list_cases pages it."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db.cases import CaseProjection, get_case, list_case_deadlines, list_cases
from db.errors import InvalidCursor
from db.pagination import encode_cursor

from ..conftest import Database
from .factories import a_case, a_caseworker, a_deadline, an_agency, project


async def test_first_projection_writes_the_case_and_its_deadlines(session: AsyncSession) -> None:
    agency = await an_agency(session)
    case = await a_case(session)
    deadlines = [
        a_deadline("decision_to_assess", date(2025, 2, 17)),
        a_deadline("advice", date(2025, 4, 21), key="health", exception_accepted=True, status="excepted"),
    ]
    assert await project(session, case, deadlines, version=1, agencies={"health": agency.id})

    stored = await get_case(session=session, case_id=case.id)
    assert stored is not None
    assert (stored.workflow_id, stored.state_version, stored.stage) == (
        case.workflow_id,
        1,
        "decision_to_assess",
    )
    rows = await list_case_deadlines(session=session, case_id=case.id)
    assert [(r.deadline, r.key) for r in rows] == [("decision_to_assess", ""), ("advice", "health")]
    assert rows[1].agency_id == agency.id
    assert rows[0].agency_id is None
    assert (rows[1].exception_kind, rows[1].exception_accepted, rows[1].status) == (
        "personal_circumstances",
        True,
        "excepted",
    )


async def test_the_same_version_twice_is_a_no_op(session: AsyncSession) -> None:
    case = await a_case(session)
    assert await project(session, case, [a_deadline("decision_to_assess", date(2025, 2, 17))], version=3)
    changed = dataclasses.replace(case, stage="advice_gathering")
    assert not await project(session, changed, [a_deadline("final_plan", date(2025, 5, 26))], version=3)

    stored = await get_case(session=session, case_id=case.id)
    assert stored is not None
    assert stored.stage == "decision_to_assess"
    rows = await list_case_deadlines(session=session, case_id=case.id)
    assert [r.deadline for r in rows] == ["decision_to_assess"]


async def test_an_older_version_after_a_newer_one_is_ignored(session: AsyncSession) -> None:
    case = await a_case(session)
    newer = dataclasses.replace(case, stage="draft_plan")
    assert await project(session, newer, [a_deadline("final_plan", date(2025, 5, 26))], version=7)
    assert not await project(session, case, [a_deadline("decision_to_assess", date(2025, 2, 17))], version=6)

    stored = await get_case(session=session, case_id=case.id)
    assert stored is not None
    assert (stored.stage, stored.state_version) == ("draft_plan", 7)
    assert [r.deadline for r in await list_case_deadlines(session=session, case_id=case.id)] == ["final_plan"]


async def test_a_newer_version_replaces_the_deadlines(session: AsyncSession) -> None:
    caseworker = await a_caseworker(session)
    case = await a_case(session)
    first = [
        a_deadline("decision_to_assess", date(2025, 2, 17)),
        a_deadline("advice", date(2025, 4, 21), key="health"),
    ]
    assert await project(session, case, first, version=1)
    moved_on = dataclasses.replace(
        case, stage="final", caseworker_id=caseworker.id, final_issued_on=date(2025, 5, 20)
    )
    second = [
        a_deadline("decision_to_assess", date(2025, 2, 17), status="met", met_on=date(2025, 2, 10)),
        a_deadline("final_plan", date(2025, 5, 26), status="met", met_on=date(2025, 5, 20)),
    ]
    assert await project(session, moved_on, second, version=2)

    stored = await get_case(session=session, case_id=case.id)
    assert stored is not None
    assert (stored.stage, stored.caseworker_id, stored.final_issued_on) == (
        "final",
        caseworker.id,
        date(2025, 5, 20),
    )
    rows = await list_case_deadlines(session=session, case_id=case.id)
    assert [(r.deadline, r.met_on, r.state_version, r.caseworker_id) for r in rows] == [
        ("decision_to_assess", date(2025, 2, 10), 2, caseworker.id),
        ("final_plan", date(2025, 5, 20), 2, caseworker.id),
    ]


async def test_projections_of_other_cases_are_untouched(session: AsyncSession) -> None:
    one, other = await a_case(session), await a_case(session)
    assert await project(session, one, [a_deadline("decision_to_assess", date(2025, 2, 17))], version=1)
    assert await project(session, other, [a_deadline("decision_to_assess", date(2025, 2, 18))], version=1)
    assert await project(session, one, [], version=2)
    assert await list_case_deadlines(session=session, case_id=one.id) == []
    assert len(await list_case_deadlines(session=session, case_id=other.id)) == 1


async def test_a_projection_is_visible_to_other_sessions_once_committed(database: Database) -> None:
    async with database.sessions() as session, session.begin():
        case = await a_case(session)
        assert await project(session, case, [a_deadline("final_plan", date(2025, 5, 26))], version=1)
    async with database.sessions() as session:
        assert len(await list_case_deadlines(session=session, case_id=case.id)) == 1
    async with database.sessions() as session, session.begin():
        assert not await project(session, case, [], version=1)
    async with database.sessions() as session:
        assert len(await list_case_deadlines(session=session, case_id=case.id)) == 1


async def test_racing_projections_leave_the_newest(database: Database) -> None:
    async with database.sessions() as session, session.begin():
        case = await a_case(session)
        assert await project(session, case, [], version=1)

    async def write(version: int) -> bool:
        async with database.sessions() as session, session.begin():
            deadline = a_deadline("final_plan", date(2025, 5, 26), from_date=date(2025, 1, version))
            return await project(session, case, [deadline], version=version)

    results = await asyncio.gather(*(write(v) for v in (3, 2, 5, 4)))
    assert results[2] is True  # version 5 always wins, whenever it runs
    async with database.sessions() as session:
        stored = await get_case(session=session, case_id=case.id)
        assert stored is not None
        assert stored.state_version == 5
        rows = await list_case_deadlines(session=session, case_id=case.id)
        assert [(r.from_date, r.state_version) for r in rows] == [(date(2025, 1, 5), 5)]


async def _listed(session: AsyncSession, case: CaseProjection) -> uuid.UUID:
    assert await project(session, case, [])
    return case.id


async def test_list_cases_pages_oldest_request_first(session: AsyncSession) -> None:
    received = [date(2025, 1, 8), date(2025, 1, 6), date(2025, 1, 7), date(2025, 1, 6), date(2025, 1, 6)]
    cases = [await a_case(session, received_on=on) for on in received]
    for case in cases:
        await _listed(session, case)
    expected = [c.id for c in sorted(cases, key=lambda c: (c.received_on, c.id))]  # ties: by id

    seen: list[uuid.UUID] = []
    after: str | None = None
    pages = 0
    while True:
        page = await list_cases(session=session, after=after, limit=2)
        pages += 1
        assert len(page.cases) <= 2
        seen.extend(c.id for c in page.cases)
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == expected
    assert pages == 3

    whole = await list_cases(session=session)
    assert [c.id for c in whole.cases] == expected
    assert whole.next_after is None
    exact = await list_cases(session=session, limit=5)
    assert exact.next_after is None  # a last page that is exactly full says so


async def test_list_cases_filters_by_authority_stage_and_caseworker(session: AsyncSession) -> None:
    caseworker = await a_caseworker(session)
    mine = await _listed(session, await a_case(session, caseworker_id=caseworker.id))
    drafting = await _listed(session, await a_case(session, stage="drafting", received_on=date(2025, 1, 7)))
    both = await _listed(
        session,
        await a_case(session, stage="drafting", caseworker_id=caseworker.id, received_on=date(2025, 1, 8)),
    )
    elsewhere = await _listed(session, await a_case(session, la_code="202", received_on=date(2025, 1, 9)))

    async def ids(
        *, la_code: str | None = None, stage: str | None = None, caseworker_id: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        page = await list_cases(session=session, la_code=la_code, stage=stage, caseworker_id=caseworker_id)
        return [c.id for c in page.cases]

    assert await ids() == [mine, drafting, both, elsewhere]
    assert await ids(la_code="201") == [mine, drafting, both]
    assert await ids(la_code="202") == [elsewhere]
    assert await ids(la_code="203") == []
    assert await ids(la_code="201", stage="drafting") == [drafting, both]
    assert await ids(caseworker_id=caseworker.id) == [mine, both]
    assert await ids(la_code="201", stage="drafting", caseworker_id=caseworker.id) == [both]

    first = await list_cases(session=session, la_code="201", stage="drafting", limit=1)
    rest = await list_cases(session=session, la_code="201", stage="drafting", after=first.next_after)
    assert [c.id for c in first.cases + rest.cases] == [drafting, both]


async def test_list_cases_refuses_a_cursor_it_did_not_hand_out(session: AsyncSession) -> None:
    await _listed(session, await a_case(session))
    for cursor in ("nonsense", encode_cursor(["2025-01-06"]), encode_cursor(["yesterday", uuid.uuid4().hex])):
        with pytest.raises(InvalidCursor):
            await list_cases(session=session, after=cursor)
    with pytest.raises(ValueError, match="limit"):
        await list_cases(session=session, limit=0)
