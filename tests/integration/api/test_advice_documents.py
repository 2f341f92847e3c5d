"""When an agency's advice documents are written, relative to the `submit_advice` update (regs 6-8).

A Temporal client stand-in answers the update after looking at the database from outside the request:
the documents must already be committed, and another writer must get SQLite's one write lock at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, cast

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError

from api.app import create_app
from core.settings import Settings
from db.agencies import create_agency
from db.documents import add_document
from db.models import AuditEntry, Document
from tests.documents import pdf
from workflows.advice.messages import AdviceState, SubmitAdvice

from .conftest import People, advice_for, project, record_sent_advice

PDF = pdf()
TODAY = date(2025, 3, 3)
Outcome = Literal["accept", "refuse", "time_out", "not_taken"]


@dataclass
class FakeTemporal:
    """Answers `submit_advice` as `outcome` says, once it has looked at the database from outside."""

    sessions: async_sessionmaker[AsyncSession]
    outcome: Outcome = "accept"
    committed: list[int] = field(default_factory=list)  # documents visible elsewhere, per update

    def get_workflow_handle(self, workflow_id: str) -> FakeTemporal:
        return self

    async def start_update(
        self, update: str, command: Any, *, id: str, result_type: Any, wait_for_stage: Any, rpc_timeout: Any
    ) -> FakeUpdate:
        assert (update, result_type) == ("submit_advice", AdviceState)
        assert isinstance(command, SubmitAdvice)
        if self.outcome == "not_taken":  # no worker took it in time: not applied yet, and may be
            raise WorkflowUpdateRPCTimeoutOrCancelledError()
        return FakeUpdate(self, command)

    async def outcome_of(self, command: SubmitAdvice) -> AdviceState:
        async with self.sessions() as session:
            visible = select(func.count()).select_from(Document).where(Document.id.in_(command.document_ids))
            self.committed.append((await session.execute(visible)).scalar_one())
            # Would wait out SQLite's busy timeout and fail if the request still held the write lock.
            await create_agency(session=session, name="Another writer", kind="other", email="w@la.test")
            await session.commit()
        if self.outcome == "refuse":
            raise WorkflowUpdateFailedError(
                ApplicationError("received_on: is after today", type="InvalidInput", non_retryable=True)
            )
        if self.outcome == "time_out":
            raise WorkflowUpdateRPCTimeoutOrCancelledError()
        return AdviceState(
            case_id=uuid.uuid4(),
            advice_id="health",
            advice="medical",
            agency_id=uuid.uuid4(),
            due=TODAY,
            practical_due=TODAY,
            status="received",
            received_on=command.received_on,
        )


@dataclass
class FakeUpdate:
    """An update the fake accepted; its result is the fake's outcome."""

    temporal: FakeTemporal
    command: SubmitAdvice

    async def result(self, *, rpc_timeout: Any) -> AdviceState:
        return await self.temporal.outcome_of(self.command)


@dataclass
class Lane:
    api: httpx.AsyncClient
    temporal: FakeTemporal
    sessions: async_sessionmaker[AsyncSession]
    case_id: uuid.UUID
    url: str


@pytest.fixture
async def lane(settings: Settings, sessions: async_sessionmaker[AsyncSession], people: People) -> Lane:
    async with sessions() as session:
        case_id = await project(session, received_on=TODAY)
        await record_sent_advice(session, case_id=case_id, advice=advice_for(people), on=TODAY)
        await session.commit()
    temporal = FakeTemporal(sessions)
    app = create_app(settings, client=cast(Client, temporal), session_factory=sessions)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ehcp.test")
    return Lane(client, temporal, sessions, case_id, f"/api/advice-requests/{case_id}/health/advice")


def files(*contents: bytes) -> dict[str, Any]:
    return {
        "files": [("files", (f"{n}.pdf", content, "application/pdf")) for n, content in enumerate(contents)],
        "data": {"received_on": TODAY.isoformat()},
    }


async def stored(lane: Lane) -> list[uuid.UUID]:
    async with lane.sessions() as session:
        return sorted((await session.execute(select(Document.id))).scalars())


async def refusals(lane: Lane) -> list[Any]:
    async with lane.sessions() as session:
        stmt = select(AuditEntry.detail).where(AuditEntry.action == "agency.submit_advice.refused")
        return [detail["status"] for detail in (await session.execute(stmt)).scalars()]


async def test_documents_are_committed_before_the_update_runs(lane: Lane, people: People) -> None:
    async with lane.api:
        sent = await lane.api.post(lane.url, headers=people.health.auth, **files(PDF, pdf("2")))
    assert sent.status_code == 200, sent.text
    assert lane.temporal.committed == [2]
    assert sorted(uuid.UUID(d["id"]) for d in sent.json()["documents"]) == await stored(lane)


async def test_a_refusal_deletes_only_the_documents_this_request_created(lane: Lane, people: People) -> None:
    async with lane.sessions() as session:
        earlier = await add_document(
            session=session,
            case_id=lane.case_id,
            filename="earlier.pdf",
            content_type="application/pdf",
            content=PDF,
            uploaded_by=people.caseworker.id,
        )
        await session.commit()
    lane.temporal.outcome = "refuse"
    async with lane.api:
        refused = await lane.api.post(lane.url, headers=people.health.auth, **files(PDF, pdf("new")))
    assert (refused.status_code, refused.json()["field"]) == (422, "received_on")
    assert lane.temporal.committed == [2]  # both were committed while the workflow was asked
    assert await stored(lane) == [earlier.id]
    assert await refusals(lane) == [422]


@pytest.mark.parametrize(("outcome", "status"), [("time_out", 504), ("not_taken", 503)])
async def test_a_timed_out_update_keeps_its_documents_for_the_retry(
    lane: Lane, people: People, outcome: Outcome, status: int
) -> None:
    # The update may still be applied with these ids, so they stay; the retry finds them by SHA-256.
    lane.temporal.outcome = outcome
    async with lane.api:
        timed_out = await lane.api.post(lane.url, headers=people.health.auth, **files(PDF))
        assert timed_out.status_code == status
        assert timed_out.headers["Retry-After"]
        kept = await stored(lane)
        assert len(kept) == 1
        assert await refusals(lane) == [status]

        lane.temporal.outcome = "accept"
        retried = await lane.api.post(lane.url, headers=people.health.auth, **files(PDF))
    assert retried.status_code == 200, retried.text
    assert [uuid.UUID(d["id"]) for d in retried.json()["documents"]] == kept
    assert await stored(lane) == kept
