"""Advice requests: recorded once, received once, and each agency sees only its own."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from db.advice import (
    _inbox_of,
    get_advice_request_for_agency,
    list_advice_requests_for_agency,
    list_inbox,
    record_advice_received,
    record_advice_request,
    record_advice_withdrawn,
)
from db.errors import NotFound
from db.models import AdviceRequest

from .factories import a_case, an_agency, project


async def _request(
    session: AsyncSession, case_id: uuid.UUID, advice_id: str, agency_id: uuid.UUID, due: date
) -> AdviceRequest:
    return await record_advice_request(
        session=session,
        case_id=case_id,
        advice_id=advice_id,
        kind="medical",
        agency_id=agency_id,
        requested_on=due - timedelta(weeks=6),
        received_by_body_on=due - timedelta(weeks=6),
        due_on=due,
    )


async def test_a_request_is_recorded_once_and_received_once(session: AsyncSession) -> None:
    agency = await an_agency(session)
    case = await a_case(session)
    await project(session, case, [])
    first = await _request(session, case.id, "health", agency.id, date(2025, 4, 21))
    again = await _request(session, case.id, "health", agency.id, date(2025, 5, 1))
    assert again.id == first.id
    assert (again.due_on, again.status) == (date(2025, 4, 21), "requested")

    received = await record_advice_received(
        session=session, case_id=case.id, advice_id="health", received_on=date(2025, 4, 17)
    )
    assert (received.status, received.received_on) == ("received", date(2025, 4, 17))
    repeat = await record_advice_received(
        session=session, case_id=case.id, advice_id="health", received_on=date(2025, 4, 30)
    )
    assert repeat.received_on == date(2025, 4, 17)
    with pytest.raises(NotFound):
        await record_advice_received(
            session=session, case_id=case.id, advice_id="nope", received_on=date(2025, 5, 1)
        )


async def test_an_agency_sees_only_the_requests_sent_to_it(session: AsyncSession) -> None:
    icb = await an_agency(session, "Northshire ICB")
    school = await an_agency(session, "Hill Primary", "school")
    case = await a_case(session)
    await project(session, case, [])
    await _request(session, case.id, "health", icb.id, date(2025, 4, 21))
    await _request(session, case.id, "educational", school.id, date(2025, 4, 21))

    mine = await get_advice_request_for_agency(
        session=session, agency_id=icb.id, case_id=case.id, advice_id="health"
    )
    assert mine is not None
    assert mine.agency_id == icb.id
    theirs = await get_advice_request_for_agency(
        session=session, agency_id=icb.id, case_id=case.id, advice_id="educational"
    )
    assert theirs is None
    missing = await get_advice_request_for_agency(
        session=session, agency_id=icb.id, case_id=case.id, advice_id="absent"
    )
    assert missing is None
    page = await list_advice_requests_for_agency(session=session, agency_id=icb.id)
    assert [r.advice_id for r in page.requests] == ["health"]
    assert page.next_after is None


async def test_the_agency_inbox_pages_by_due_date(session: AsyncSession) -> None:
    icb = await an_agency(session)
    other = await an_agency(session, "Elsewhere ICB")
    expected = []
    for n in range(7):
        case = await a_case(session)
        await project(session, case, [])
        request = await _request(
            session, case.id, "health", icb.id, date(2025, 4, 21) + timedelta(days=n % 3)
        )
        await _request(session, case.id, "social_care", other.id, date(2025, 4, 1))
        expected.append((request.due_on, request.id))
    seen: list[tuple[date, uuid.UUID]] = []
    after = None
    while True:
        page = await list_advice_requests_for_agency(session=session, agency_id=icb.id, after=after, limit=3)
        seen.extend((r.due_on, r.id) for r in page.requests)
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == sorted(expected)


async def test_a_withdrawn_request_is_no_longer_asked_but_received_advice_stays_received(
    session: AsyncSession,
) -> None:
    agency = await an_agency(session)
    case = await a_case(session)
    await project(session, case, [])
    await _request(session, case.id, "health", agency.id, date(2025, 4, 21))
    await _request(session, case.id, "ep", agency.id, date(2025, 4, 21))
    on = date(2025, 4, 1)
    await record_advice_received(session=session, case_id=case.id, advice_id="ep", received_on=on)
    for advice_id in ("health", "ep"):
        await record_advice_withdrawn(session=session, case_id=case.id, advice_id=advice_id)
    page = await list_advice_requests_for_agency(session=session, agency_id=agency.id)
    assert {r.advice_id: r.status for r in page.requests} == {"health": "withdrawn", "ep": "received"}
    with pytest.raises(NotFound):
        await record_advice_withdrawn(session=session, case_id=case.id, advice_id="nope")


async def test_the_inbox_statement_is_built_once_and_each_agency_still_sees_only_its_own(
    session: AsyncSession,
) -> None:
    ours, theirs = await an_agency(session), await an_agency(session)
    case = await a_case(session)
    await project(session, case, [])
    await _request(session, case.id, "ours", ours.id, date(2025, 4, 21))
    await _request(session, case.id, "theirs", theirs.id, date(2025, 4, 22))
    first = await list_inbox(session=session, agency_id=ours.id, limit=5)
    second = await list_inbox(session=session, agency_id=theirs.id, limit=5)
    assert [line.request.advice_id for line in first.lines] == ["ours"]
    assert [line.request.advice_id for line in second.lines] == ["theirs"]
    assert _inbox_of("requested", 6) is _inbox_of("requested", 6)  # the agency is its bound parameter
