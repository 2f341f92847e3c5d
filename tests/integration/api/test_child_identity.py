"""Who a case is about, in the API's answers (issue 10 s.5): the child's names and date of birth, from the
application database, on the case list, a case, the overdue list and an agency's advice requests; and the
case list searched by the child's name and date of birth.

Before, every one of these answered UUIDs only: a caseworker could not tell who a case was about. The
UPN and postcode stay out of them all, an agency sees the child of its own requests only, and a refused
search names the parameter, never what was typed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.services.clock import today_in_england
from db.cases import CaseProjection, project_case
from db.children import create_child
from tests.integration.db.factories import a_deadline
from workflows.common.ids import assessment_workflow_id

from .conftest import LA_CODE, People, record_sent_advice

UPN, POSTCODE = "A123456789012", "NW1 2AB"


async def a_case_for(
    sessions: async_sessionmaker[AsyncSession],
    given: str,
    family: str,
    born: date,
    *,
    received_on: date,
    stage: str = "gathering_advice",
    caseworker_id: uuid.UUID | None = None,
    deadlines: list[Any] | None = None,
    agencies: dict[str, uuid.UUID] | None = None,
) -> str:
    """A case in the read model, as the workflow's activities write it, about a child with a UPN and a
    postcode (which no list may show)."""
    async with sessions() as session:
        child = await create_child(
            session=session,
            given_name=given,
            family_name=family,
            date_of_birth=born,
            upn=UPN,
            postcode=POSTCODE,
            year_group=5,
        )
        case_id = uuid.uuid4()
        await project_case(
            session=session,
            case=CaseProjection(
                id=case_id,
                workflow_id=assessment_workflow_id(case_id),
                la_code=LA_CODE,
                child_id=child.id,
                received_on=received_on,
                request_source="parent",
                stage=stage,
                caseworker_id=caseworker_id,
            ),
            deadlines=deadlines or [],
            agency_by_advice_id=agencies or {},
            state_version=1,
        )
        await session.commit()
    return str(case_id)


def child(given: str, family: str, born: date) -> dict[str, str]:
    return {"given_name": given, "family_name": family, "date_of_birth": born.isoformat()}


ADA = ("Ada", "Lovelace", date(2015, 3, 1))
ALAN = ("Alan", "Turing", date(2014, 6, 23))
GRACE = ("Grace", "Hopper", date(2015, 3, 1))


@contextmanager
def statements_about_children(sessions: async_sessionmaker[AsyncSession]) -> Iterator[list[str]]:
    """The statements that read `children` while it is open."""
    engine: AsyncEngine = sessions.kw["bind"]
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "children" in statement:
            sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def no_more_of_the_child(response: httpx.Response) -> None:
    assert UPN not in response.text
    assert POSTCODE not in response.text


async def test_the_case_list_and_a_case_show_who_each_case_is_about(
    api: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = today_in_england()
    ada = await a_case_for(sessions, *ADA, received_on=today - timedelta(days=3))
    alan = await a_case_for(sessions, *ALAN, received_on=today - timedelta(days=2))

    for reader in (people.caseworker, people.manager, people.admin):
        with statements_about_children(sessions) as read:
            listed = await api.get("/api/cases", headers=reader.auth)
        assert listed.status_code == 200, listed.text
        assert [(item["id"], item["child"]) for item in listed.json()["items"]] == [
            (ada, child(*ADA)),
            (alan, child(*ALAN)),
        ]
        assert len(read) == 1  # the page and its children in one query
        no_more_of_the_child(listed)

    one = await api.get(f"/api/cases/{alan}", headers=people.caseworker.auth)
    assert one.status_code == 200, one.text
    assert one.json()["record"]["child"] == child(*ALAN)
    no_more_of_the_child(one)
    refused = await api.get("/api/cases", headers=people.health.auth)
    assert refused.status_code == 403


async def test_the_overdue_list_shows_who_each_step_is_about(
    api: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = today_in_england()
    ada = await a_case_for(
        sessions,
        *ADA,
        received_on=today - timedelta(weeks=8),
        deadlines=[a_deadline("decision_to_assess", today - timedelta(days=10))],
    )
    grace = await a_case_for(
        sessions,
        *GRACE,
        received_on=today - timedelta(weeks=9),
        deadlines=[
            a_deadline("decision_to_assess", today - timedelta(days=5)),
            a_deadline("advice", today - timedelta(days=2), key="ep"),
        ],
        agencies={"ep": people.psychology.agency_id} if people.psychology.agency_id else None,
    )
    for reader in (people.manager, people.admin):
        with statements_about_children(sessions) as read:
            overdue = await api.get("/api/overdue", headers=reader.auth)
        assert overdue.status_code == 200, overdue.text
        assert [(s["case_id"], s["deadline"], s["child"]) for s in overdue.json()["items"]] == [
            (ada, "decision_to_assess", child(*ADA)),
            (grace, "decision_to_assess", child(*GRACE)),
            (grace, "advice", child(*GRACE)),
        ]
        assert len(read) == 1
        no_more_of_the_child(overdue)
    assert (await api.get("/api/overdue", headers=people.caseworker.auth)).status_code == 403


async def test_an_agency_sees_the_child_of_its_own_requests_only(
    api: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = today_in_england()
    assert people.psychology.agency_id is not None
    assert people.health.agency_id is not None
    ours = await a_case_for(sessions, *ADA, received_on=today - timedelta(weeks=2))
    theirs = await a_case_for(sessions, *ALAN, received_on=today - timedelta(weeks=1))
    async with sessions() as session:
        ep = str(people.psychology.agency_id)
        health = str(people.health.agency_id)
        await record_sent_advice(
            session,
            case_id=uuid.UUID(ours),
            advice=[{"advice_id": "ep", "advice": "psychological", "agency_id": ep}],
            on=today,
        )
        await record_sent_advice(
            session,
            case_id=uuid.UUID(theirs),
            advice=[{"advice_id": "health", "advice": "medical", "agency_id": health}],
            on=today,
        )
        await session.commit()

    with statements_about_children(sessions) as read:
        inbox = await api.get("/api/advice-requests", headers=people.psychology.auth)
    assert inbox.status_code == 200, inbox.text
    assert [(r["case_id"], r["advice_id"], r["child"]) for r in inbox.json()["items"]] == [
        (ours, "ep", child(*ADA))
    ]
    assert len(read) == 1
    no_more_of_the_child(inbox)
    assert ALAN[0] not in inbox.text

    own = await api.get(f"/api/advice-requests/{ours}/ep", headers=people.psychology.auth)
    assert own.status_code == 200, own.text
    assert own.json()["child"] == child(*ADA)
    no_more_of_the_child(own)

    # Another agency's request, existing or not: 404 as before, and nothing of its child.
    for path in (f"/api/advice-requests/{theirs}/health", f"/api/advice-requests/{theirs}/ep"):
        stranger = await api.get(path, headers=people.psychology.auth)
        assert stranger.status_code == 404, stranger.text
        assert ALAN[0] not in stranger.text
        assert ALAN[1] not in stranger.text
    health_inbox = await api.get("/api/advice-requests", headers=people.health.auth)
    assert [r["child"] for r in health_inbox.json()["items"]] == [child(*ALAN)]


async def test_the_case_list_is_searched_by_the_child_s_name_and_date_of_birth(
    api: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = today_in_england()
    ada = await a_case_for(sessions, *ADA, received_on=today - timedelta(days=5), stage="drafting")
    alan = await a_case_for(
        sessions, *ALAN, received_on=today - timedelta(days=4), caseworker_id=people.caseworker.id
    )
    grace = await a_case_for(
        sessions, *GRACE, received_on=today - timedelta(days=3), caseworker_id=people.caseworker.id
    )
    other_ada = await a_case_for(
        sessions, "Ada", "Byron", date(2016, 12, 10), received_on=today - timedelta(days=2)
    )
    underscore = await a_case_for(sessions, "Al_x", "Smith", date(2013, 1, 1), received_on=today)

    async def found(query: str) -> list[str]:
        response = await api.get(f"/api/cases?{query}", headers=people.caseworker.auth)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await found("name=ada") == [ada, other_ada]
    assert await found("name=LOVE") == [ada]
    assert await found("name=ada%20lo") == [ada]
    assert await found("name=Ada+Byron") == [other_ada]
    assert await found("name=al") == [alan, underscore]
    assert await found("name=al_") == [underscore]  # `_` is itself
    assert await found("name=al%25") == []  # and so is `%`
    assert await found("name=urin") == []  # a name's start, not within it
    assert await found("born_on=2015-03-01") == [ada, grace]
    assert await found("born_on=2015-03-01&name=gr") == [grace]
    assert await found(f"caseworker_id={people.caseworker.id}&born_on=2015-03-01") == [grace]
    assert await found("stage=drafting&name=ada") == [ada]

    first = await api.get("/api/cases?name=ada&limit=1", headers=people.caseworker.auth)
    page = first.json()
    assert [item["id"] for item in page["items"]] == [ada]
    rest = await api.get(
        f"/api/cases?name=ada&limit=1&after={page['next_after']}", headers=people.caseworker.auth
    )
    assert [item["id"] for item in rest.json()["items"]] == [other_ada]
    assert rest.json()["next_after"] is None


@pytest.mark.parametrize(
    ("query", "field", "sent"),
    [
        ("name=Q", "name", None),  # shorter than 2
        ("name=" + "Quartermain" * 10, "name", "Quartermain"),  # longer than 100
        ("name=Quartermain%00", "name", "Quartermain"),  # a control character
        ("name=", "name", None),
        ("born_on=2015-02-30", "born_on", "2015-02-30"),
        ("born_on=01%2F03%2F2015", "born_on", "01/03/2015"),
        ("born_on=1066-10-14", "born_on", "1066"),
        ("surname=Quartermain", "surname", "Quartermain"),  # unknown parameters are still refused
        ("name=Quartermain&dob=2015-06-30", "dob", "2015-06-30"),
    ],
)
async def test_a_refused_search_names_the_parameter_never_what_was_typed(
    *,
    api: httpx.AsyncClient,
    people: People,
    query: str,
    field: str,
    sent: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        refused = await api.get(f"/api/cases?{query}", headers=people.caseworker.auth)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["field"] == field
    assert body["detail"].startswith(field)
    if sent is not None:
        assert sent not in refused.text
        # The service's own log lines (the test's HTTP client logs the URL it asked for).
        served = [r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
        assert not [line for line in served if sent in line]
    for error in body.get("errors") or []:
        assert "input" not in error


async def test_the_search_says_its_bounds_in_the_schema(api: httpx.AsyncClient) -> None:
    document = (await api.get("/openapi.json")).json()
    parameters = {p["name"]: p for p in document["paths"]["/api/cases"]["get"]["parameters"]}
    name = parameters["name"]["schema"]["anyOf"][0]
    assert (name["minLength"], name["maxLength"]) == (2, 100)
    assert name["pattern"]
    born_on = parameters["born_on"]["schema"]["anyOf"][0]
    assert born_on["format"] == "date"
    assert born_on["pattern"].startswith("^(19")  # the years a date may be in, as every date's
    child_schema = document["components"]["schemas"]["ChildRead"]
    assert set(child_schema["properties"]) == {"given_name", "family_name", "date_of_birth"}
