"""Who a case is about, in the lists (issue 10 s.5): the case list, the overdue list and an agency's advice
requests each read the child's names and date of birth in their own one query, and the case list is
searched by the child's name and date of birth, alike on SQLite and PostgreSQL, by the indexes of
migration 0005.

The one difference between the backends is SQLite's: its lower() folds A-Z only, so a name's accented
capital (the É of Élodie) matches only as typed there, while PostgreSQL folds every letter. Both find
"Élodie" from "Élo", and "Zoë" from "zoë".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.schema import CreateIndex

from db.advice import list_advice_requests_for_agency, read_advice_request_for_agency, record_advice_request
from db.cases import CaseProjection, get_case_with_child, list_cases
from db.children import ChildName, create_child
from db.deadlines import list_overdue_steps
from db.models import Case, Child

from ..conftest import Database
from .factories import a_case, a_caseworker, a_deadline, an_agency, project

NAME_INDEXES = ("ix_children_lower_family_name", "ix_children_lower_given_name")


@dataclass(frozen=True)
class Sent:
    """The statements sent while it was open."""

    statements: list[tuple[str, Any]]


@contextmanager
def statements_sent(engine: AsyncEngine) -> Iterator[Sent]:
    sent = Sent([])

    def record(_conn: Connection, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def a_case_for(
    session: AsyncSession,
    given: str,
    family: str,
    *,
    born: date = date(2015, 3, 1),
    received_on: date = date(2025, 1, 6),
    stage: str = "gathering_advice",
    la_code: str = "202",
    caseworker_id: uuid.UUID | None = None,
) -> CaseProjection:
    child = await create_child(session=session, given_name=given, family_name=family, date_of_birth=born)
    case_id = uuid.uuid4()
    case = CaseProjection(
        id=case_id,
        workflow_id=f"assessment-{case_id}",
        la_code=la_code,
        child_id=child.id,
        received_on=received_on,
        request_source="parent",
        stage=stage,
        caseworker_id=caseworker_id,
    )
    assert await project(session, case, [])
    return case


CHILDREN = (
    ("Ada", "Example", date(2015, 3, 1)),
    ("Adam", "Smith", date(2014, 6, 30)),
    ("Mary Ann", "Jones", date(2015, 3, 1)),
    ("Sam", "Adair", date(2016, 1, 2)),
    ("Ann%e", "Under_wood", date(2013, 7, 8)),
    ("Annie", "Underswood", date(2013, 7, 8)),
    ("Back\\slash", "Tester", date(2012, 1, 1)),
    ("Élodie", "Zoë", date(2011, 2, 3)),
)


@pytest.fixture
async def children(session: AsyncSession) -> dict[str, uuid.UUID]:
    """Each child's case, by "given family", received a day apart in this order."""
    found = {}
    for day, (given, family, born) in enumerate(CHILDREN):
        case = await a_case_for(
            session, given, family, born=born, received_on=date(2025, 1, 6) + timedelta(days=day)
        )
        found[f"{given} {family}"] = case.id
    return found


async def _found(session: AsyncSession, **filters: Any) -> list[str]:
    page = await list_cases(session=session, limit=100, **filters)
    assert page.next_after is None
    return [f"{row.child.given_name} {row.child.family_name}" for row in page.rows]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ad", ["Ada Example", "Adam Smith", "Sam Adair"]),  # a given or a family name's start
        ("ADA", ["Ada Example", "Adam Smith", "Sam Adair"]),  # whatever the case
        ("aDaM", ["Adam Smith"]),
        ("exam", ["Ada Example"]),
        ("dam", []),  # the start, not anywhere within
        ("ada ex", ["Ada Example"]),  # "given family"
        ("Ada Example", ["Ada Example"]),
        ("ada sm", []),  # Ada's family name is not Smith
        ("adam smith", ["Adam Smith"]),
        ("mary ann", ["Mary Ann Jones"]),  # a given name with a space in it
        ("mary ann jo", ["Mary Ann Jones"]),
        ("ann jo", []),  # "Mary Ann" does not start with "ann"
        ("ann%", ["Ann%e Under_wood"]),  # % and _ are themselves, not wildcards
        ("ann%e", ["Ann%e Under_wood"]),
        ("an%", []),
        ("under_", ["Ann%e Under_wood"]),
        ("unders", ["Annie Underswood"]),
        ("unde_", []),
        ("back\\", ["Back\\slash Tester"]),  # and so is the escape character
        ("back\\s", ["Back\\slash Tester"]),
        ("Élo", ["Élodie Zoë"]),  # beyond ASCII, as typed, on both databases
        ("zoë", ["Élodie Zoë"]),
        ("Élodie ZO", ["Élodie Zoë"]),
    ],
)
async def test_the_name_search_matches_a_name_s_start_whatever_the_case(
    session: AsyncSession, children: dict[str, uuid.UUID], name: str, expected: list[str]
) -> None:
    assert await _found(session, name=name) == expected


async def test_born_on_finds_the_children_born_that_day(
    session: AsyncSession, children: dict[str, uuid.UUID]
) -> None:
    assert await _found(session, born_on=date(2015, 3, 1)) == ["Ada Example", "Mary Ann Jones"]
    assert await _found(session, born_on=date(2015, 3, 2)) == []
    assert await _found(session, name="mary", born_on=date(2015, 3, 1)) == ["Mary Ann Jones"]
    assert await _found(session, name="adam", born_on=date(2015, 3, 1)) == []


async def test_the_search_narrows_the_other_filters_and_pages_by_the_same_cursor(
    session: AsyncSession,
) -> None:
    caseworker = await a_caseworker(session)
    ours = []
    for day in range(7):
        case = await a_case_for(
            session,
            "Ada" if day % 2 == 0 else "Bea",
            "Example",
            received_on=date(2025, 2, 1) + timedelta(days=day),
            caseworker_id=caseworker.id if day != 4 else None,
            stage="drafting" if day != 2 else "gathering_advice",
        )
        ours.append(case.id)
    await a_case_for(session, "Ada", "Example", la_code="999", caseworker_id=caseworker.id, stage="drafting")
    filters: dict[str, Any] = {
        "la_code": "202",
        "stage": "drafting",
        "caseworker_id": caseworker.id,
        "name": "ada",
        "born_on": date(2015, 3, 1),
    }
    expected = [ours[0], ours[6]]  # Ada on days 0, 2, 4 and 6; day 2 at another stage, day 4 no one's
    seen, after = [], None
    while True:
        page = await list_cases(session=session, after=after, limit=1, **filters)
        seen += [row.case.id for row in page.rows]
        assert all(row.child == ChildName("Ada", "Example", date(2015, 3, 1)) for row in page.rows)
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == expected
    whole = await list_cases(session=session, **(filters | {"name": "ex"}))
    assert [row.case.id for row in whole.rows] == [ours[0], ours[1], ours[3], ours[5], ours[6]]
    assert whole.cases == tuple(row.case for row in whole.rows)


async def test_each_list_reads_its_children_in_its_one_query(
    database: Database, session: AsyncSession
) -> None:
    agency = await an_agency(session)
    cases = [
        await a_case_for(
            session,
            f"Child{n}",
            f"Family{n}",
            born=date(2015, 1, n + 1),
            received_on=date(2025, 1, 6) + timedelta(days=n),
        )
        for n in range(5)
    ]
    for n, case in enumerate(cases):
        due = date(2025, 2, 17) + timedelta(days=n)
        await record_advice_request(
            session=session,
            case_id=case.id,
            advice_id="health",
            kind="medical",
            agency_id=agency.id,
            requested_on=date(2025, 1, 6),
            received_by_body_on=date(2025, 1, 6),
            due_on=due,
        )
        assert await project(session, case, [a_deadline("decision_to_assess", due)], version=2)
    await session.commit()
    named = [(f"Child{n}", f"Family{n}", date(2015, 1, n + 1)) for n in range(5)]

    with statements_sent(database.engine) as sent:
        page = await list_cases(session=session)
    assert len(sent.statements) == 1
    assert [(c.given_name, c.family_name, c.date_of_birth) for c in (r.child for r in page.rows)] == named

    with statements_sent(database.engine) as sent:
        overdue = await list_overdue_steps(session=session, as_of=date(2025, 6, 1))
    assert len(sent.statements) == 1
    assert [(s.child.given_name, s.child.family_name, s.child.date_of_birth) for s in overdue.steps] == named

    with statements_sent(database.engine) as sent:
        inbox = await list_advice_requests_for_agency(session=session, agency_id=agency.id)
    assert len(sent.statements) == 1
    assert [(r.child.given_name, r.child.family_name, r.child.date_of_birth) for r in inbox.rows] == named
    assert inbox.requests == tuple(row.request for row in inbox.rows)

    with statements_sent(database.engine) as sent:
        one = await read_advice_request_for_agency(
            session=session, agency_id=agency.id, case_id=cases[2].id, advice_id="health"
        )
        found = await get_case_with_child(session=session, case_id=cases[3].id)
    assert len(sent.statements) == 2
    assert one is not None
    assert one.child == ChildName("Child2", "Family2", date(2015, 1, 3))
    assert found is not None
    assert found.child == ChildName("Child3", "Family3", date(2015, 1, 4))
    other = await an_agency(session, name="Another")
    assert (
        await read_advice_request_for_agency(
            session=session, agency_id=other.id, case_id=cases[2].id, advice_id="health"
        )
        is None
    )
    assert await get_case_with_child(session=session, case_id=uuid.uuid4()) is None


async def test_the_indexes_are_those_of_the_models(database: Database) -> None:
    """SQLite cannot reflect an index on an expression, so Alembic cannot compare these there
    (test_migrations.py): their SQL is compared instead; on PostgreSQL, their operator class."""
    expected = {index.name: index for index in Child.__table__.indexes}
    assert set(NAME_INDEXES) | {"ix_children_date_of_birth"} <= set(expected)
    async with database.engine.connect() as connection:
        if database.backend == "sqlite":
            rows = await connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'children'")
            )
            found = dict(rows.all())
            for name, index in expected.items():
                assert found[name] == str(CreateIndex(index).compile(dialect=connection.dialect)).strip()
        else:
            rows = await connection.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'children'")
            )
            found = dict(rows.all())
            for name in NAME_INDEXES:
                column = name.removeprefix("ix_children_lower_")
                assert f"(lower(({column})::text) text_pattern_ops)" in found[name]


async def test_the_searches_use_the_indexes(database: Database, session: AsyncSession) -> None:
    """The very statements the case list sends, explained: a name's start is found by the name indexes
    (with PostgreSQL's sequential scans off: these tables are small), a date of birth by its index."""
    rows = [
        {
            "id": uuid.uuid4(),
            "given_name": f"G{n:04}",
            "family_name": f"F{n:04}",
            "date_of_birth": date(2015, 1, 1),
        }
        for n in range(300)
    ]
    await session.execute(insert(Child), rows)
    await session.execute(
        insert(Case),
        [
            {
                "id": (case_id := uuid.uuid4()),
                "workflow_id": f"assessment-{case_id}",
                "la_code": "202",
                "child_id": row["id"],
                "received_on": date(2025, 1, 6),
                "request_source": "parent",
                "stage": "drafting",
                "state_version": 1,
            }
            for row in rows
        ],
    )
    await session.commit()
    explain = "EXPLAIN QUERY PLAN " if database.backend == "sqlite" else "EXPLAIN "
    searches: list[tuple[dict[str, Any], tuple[str, ...]]] = [
        ({"name": "g00"}, NAME_INDEXES),
        ({"name": "g0001 f0"}, NAME_INDEXES),
        ({"born_on": date(2015, 1, 1)}, ("ix_children_date_of_birth",)),
    ]
    for filters, indexes in searches:
        with statements_sent(database.engine) as sent:
            await list_cases(session=session, **filters)
        ((statement, parameters),) = sent.statements
        async with database.engine.connect() as connection:
            if database.backend == "postgresql":
                await connection.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(
                str(row[-1]) for row in await connection.exec_driver_sql(explain + statement, parameters)
            )
        for index in indexes:
            assert index in plan, (filters, plan)


async def test_a_caseworkers_cases_by_next_step_are_read_from_their_own_steps(
    database: Database, session: AsyncSession
) -> None:
    """ "Your cases" by next step: the steps carry their caseworker (as the projection writes them), so
    one caseworker's still owed are read in due order from their own index, not the authority's steps in
    due order until 25 of theirs turn up, nor all the steps they ever had (79 -> 9 -> under 2 ms a page at
    640,000 plans and 2,000 caseworkers on SQLite)."""
    mine, theirs = await a_caseworker(session), await a_caseworker(session)
    for n in range(6):
        case = await a_case(session, caseworker_id=(mine if n % 2 else theirs).id)
        assert await project(session, case, [a_deadline("decision_to_assess", date(2025, 2, 1 + n))])
    await session.commit()
    with statements_sent(database.engine) as sent:
        page = await list_cases(session=session, caseworker_id=mine.id, sort="due", limit=2)
    assert [row.case.caseworker_id for row in page.rows] == [mine.id] * 2
    statement, parameters = sent.statements[0]
    assert "step.caseworker_id = " in statement
    if database.backend == "sqlite":
        async with database.engine.connect() as connection:
            explained = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = "\n".join(str(row[-1]) for row in explained)
        assert "ix_deadlines_caseworker_owed_due" in plan, plan
