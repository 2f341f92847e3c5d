"""Advice that came by post or email, recorded by a caseworker on the agency's behalf (reg 8(1); issue 9
s.5): the date of receipt decides whether the advice was on time, so only the authority's staff may give
an earlier one, and then with the reason, audited."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import AuditEntry
from tests.documents import pdf
from workflows.common.ids import advice_workflow_id

from .conftest import People, Temporal
from .test_advice import assessed_case, documents, upload


def recorded(received_on: object, reason: str | None = None) -> dict[str, object]:
    sent = upload(("ep-by-post.pdf", pdf("post")), received_on=received_on)
    if reason is not None:
        sent["data"] = {**sent["data"], "reason": reason}
    return sent


async def test_a_caseworker_records_advice_that_came_by_post_with_the_reason(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    await temporal.env.sleep(timedelta(days=10))
    came = await temporal.today() - timedelta(days=4)
    url = f"/api/cases/{case_id}/advice/ep"

    unexplained = await api.post(url, headers=people.caseworker.auth, **recorded(came))
    assert unexplained.status_code == 422, unexplained.text
    assert unexplained.json()["field"] == "reason"
    assert await documents(sessions) == 0  # refused: the document it brought is not kept

    reason = "Came by post to the old office; scanned today."
    # Sent again with its reason and no key of its own: a new request, not the refused one's retry.
    taken = await api.post(url, headers=people.caseworker.auth, **recorded(came, reason))
    assert taken.status_code == 200, taken.text
    assert (taken.json()["status"], taken.json()["received_on"]) == ("received", came.isoformat())
    answered = await temporal.env.client.get_workflow_handle(advice_workflow_id(case_id, "ep")).result()
    assert answered["received_on"] == came.isoformat()

    async with sessions() as session:
        lines = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.detail)
                .where(AuditEntry.actor_id == people.caseworker.id, AuditEntry.action.like("command.submit%"))
                .order_by(AuditEntry.at)
            )
        ).all()
    assert [action for action, _ in lines] == ["command.submit_advice.refused", "command.submit_advice"]
    assert lines[-1][1]["reason"] == reason
    assert lines[-1][1]["received_on"] == came.isoformat()


async def test_an_agency_cannot_use_the_caseworkers_route(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    today = await temporal.today()
    refused = await api.post(
        f"/api/cases/{case_id}/advice/ep", headers=people.psychology.auth, **recorded(today, "by post")
    )
    assert refused.status_code == 403


async def test_advice_by_post_on_no_such_request_is_not_found(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    today = await temporal.today()
    missing = await api.post(
        f"/api/cases/{case_id}/advice/nobody", headers=people.caseworker.auth, **recorded(today)
    )
    assert missing.status_code == 404
    assert "no advice request 'nobody'" in missing.json()["detail"]
