"""A command's answer never carries a read-model row older than the state beside it (issue 9 s.4: a final
plan's answer said `record.stage` `draft_served` beside `state.stage` `final_issued`). The answer waits a
moment for the read model to show the command; if it has not, `record` is absent."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.services.commands import read_model_caught_up
from db.cases import get_case

from .conftest import People, new_request, project

DAY = date(2025, 3, 3)


async def test_the_answer_waits_for_the_read_model_and_says_when_it_did_not_catch_up(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        case_id = await project(session, received_on=DAY)  # the read model at state version 1
        await session.commit()

    async with sessions() as reader:
        behind = await read_model_caught_up(
            session=reader, case_id=case_id, state_version=2, within=timedelta(seconds=0.2)
        )
        assert not behind

        async def the_activity_writes_version_2() -> None:
            await asyncio.sleep(0.1)
            async with sessions() as writer:
                row = await get_case(session=writer, case_id=case_id)
                assert row is not None
                row.state_version = 2
                await writer.commit()

        writing = asyncio.create_task(the_activity_writes_version_2())
        caught_up = await read_model_caught_up(
            session=reader, case_id=case_id, state_version=2, within=timedelta(seconds=3)
        )
        await writing
        assert caught_up
        assert not await read_model_caught_up(
            session=reader, case_id=uuid.uuid4(), state_version=1, within=timedelta(0)
        )  # no row at all: nothing to show


async def test_a_command_answer_has_no_record_older_than_its_state(
    api: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Through the API: the lane's fakes write no read model, so a row written at version 1 stays there
    while the workflow moves on: the answer leaves the row out rather than show the old stage."""
    cw = people.caseworker
    created = await api.post("/api/requests", json=new_request(DAY), headers=cw.command())
    assert created.status_code == 201, created.text
    case_id = uuid.UUID(created.json()["case_id"])
    async with sessions() as session:
        await project(session, case_id=case_id, received_on=DAY)  # as first projected
        await session.commit()

    refused = await api.post(
        f"/api/cases/{case_id}/decision-to-assess",
        json={"outcome": "refuse", "decided_on": DAY.isoformat(), "reasons": "Needs met at school."},
        headers=cw.command(),
    )
    assert refused.status_code == 200, refused.text
    answer = refused.json()
    assert (
        answer["state"]["stage"] != "awaiting_decision_to_assess"
    )  # refused (and closed: a 2025 appeal window)
    assert answer["record"] is None, answer["record"]  # not the row that still says awaiting a decision
    read = await api.get(f"/api/cases/{case_id}", headers=cw.auth)
    assert read.json()["record"]["stage"] == "awaiting_decision_to_assess"  # a read shows the row as it is
