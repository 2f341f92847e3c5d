"""Agencies: their own advice requests only, and advice sent back as checked documents (regs 6-8)."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import AuditEntry, Document
from tests.documents import docx, pdf
from workflows.common.ids import advice_workflow_id

from .conftest import UPLOAD_MAX_BYTES, People, Temporal, advice_for, new_request, project, record_sent_advice

PDF = pdf()


async def assessed_case(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> str:
    """A case decided for assessment through the API, its advice requests mirrored into the database as
    the record activities would write them."""
    today = await temporal.today()
    created = await api.post("/api/requests", json=new_request(today), headers=people.caseworker.command())
    case_id: str = created.json()["case_id"]
    advice = advice_for(people)
    decided = await api.post(
        f"/api/cases/{case_id}/decision-to-assess",
        json={"outcome": "assess", "decided_on": today.isoformat(), "advice": advice},
        headers=people.caseworker.command(),
    )
    assert decided.status_code == 200, decided.text
    async with sessions() as session:
        await project(session, case_id=uuid.UUID(case_id), received_on=today)
        await record_sent_advice(session, case_id=uuid.UUID(case_id), advice=advice, on=today)
        await session.commit()
    return case_id


async def documents(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Document))).scalar_one())


def upload(*files: tuple[str, bytes], received_on: Any) -> dict[str, Any]:
    return {
        "files": [("files", (name, content, "application/pdf")) for name, content in files],
        "data": {"received_on": str(received_on), "summary": "Needs a quiet space to learn."},
    }


async def test_an_agency_sends_advice_as_a_pdf_once(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    today = await temporal.today()
    url = f"/api/advice-requests/{case_id}/ep/advice"
    # The same bytes twice (a client's double attach) are stored once: documents are kept by SHA-256.
    sent = await api.post(
        url, headers=people.psychology.auth, **upload(("ep.pdf", PDF), ("copy.pdf", PDF), received_on=today)
    )
    assert sent.status_code == 200, sent.text
    receipt = sent.json()
    assert receipt["status"] == "received"
    assert receipt["received_on"] == today.isoformat()
    [document] = receipt["documents"]
    assert (document["filename"], document["content_type"]) == ("ep.pdf", "application/pdf")
    assert await documents(sessions) == 1

    answered = await temporal.env.client.get_workflow_handle(advice_workflow_id(case_id, "ep")).result()
    assert answered["status"] == "received"
    assert [str(d) for d in temporal.fakes.advice_received[-1].document_ids] == [document["id"]]

    # Accepted once: a second answer is refused, and the document it brought is not kept.
    again = await api.post(
        url, headers=people.psychology.auth, **upload(("ep-v2.pdf", pdf("v2")), received_on=today)
    )
    assert again.status_code == 409
    assert "closed" in again.json()["detail"]
    assert await documents(sessions) == 1


async def test_a_refused_answer_keeps_none_of_its_documents(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    future = await temporal.today() + timedelta(days=3)
    refused = await api.post(
        f"/api/advice-requests/{case_id}/health/advice",
        headers=people.health.auth,
        **upload(("a.pdf", PDF), ("b.pdf", pdf("b")), received_on=future),
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "received_on"
    assert await documents(sessions) == 0
    async with sessions() as session:
        actions = list(
            (
                await session.execute(
                    select(AuditEntry.action).where(AuditEntry.actor_id == people.health.id)
                )
            ).scalars()
        )
    assert actions == ["agency.submit_advice.refused"]


async def test_a_refused_answer_leaves_the_documents_the_case_already_held(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    today = await temporal.today()
    sent = await api.post(
        f"/api/advice-requests/{case_id}/ep/advice",
        headers=people.psychology.auth,
        **upload(("ep.pdf", PDF), received_on=today),
    )
    assert sent.status_code == 200, sent.text
    [held] = sent.json()["documents"]

    # The health answer brings the same PDF (already on the case) and a new one, and is refused.
    refused = await api.post(
        f"/api/advice-requests/{case_id}/health/advice",
        headers=people.health.auth,
        **upload(("same.pdf", PDF), ("new.pdf", pdf("new")), received_on=today + timedelta(days=3)),
    )
    assert refused.status_code == 422
    async with sessions() as session:
        kept = list((await session.execute(select(Document.id, Document.filename))).all())
    assert [(str(i), name) for i, name in kept] == [(held["id"], "ep.pdf")]

    # The document the ep answer recorded is still whole for the workflow that holds its id.
    answered = await temporal.env.client.get_workflow_handle(advice_workflow_id(case_id, "ep")).result()
    assert answered["status"] == "received"
    assert [str(d) for d in temporal.fakes.advice_received[-1].document_ids] == [held["id"]]


async def test_files_are_judged_by_content_and_size(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    today = await temporal.today()
    url = f"/api/advice-requests/{case_id}/ep/advice"

    renamed = await api.post(
        url,
        headers=people.psychology.auth,
        **upload(("notes.pdf", b"Dear LA, my advice."), received_on=today),
    )
    assert renamed.status_code == 422
    assert renamed.json()["field"] == "files"
    assert "'notes.pdf' is not a PDF, DOCX, PNG or JPEG file" in renamed.json()["detail"]

    big = PDF + b"0" * UPLOAD_MAX_BYTES
    too_large = await api.post(
        url, headers=people.psychology.auth, **upload(("big.pdf", big), received_on=today)
    )
    assert too_large.status_code == 422
    assert "'big.pdf' is larger than" in too_large.json()["detail"]

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("notes.txt", "not a Word document")
    zipped = await api.post(
        url, headers=people.psychology.auth, **upload(("fake.docx", archive.getvalue()), received_on=today)
    )
    assert zipped.status_code == 422
    assert "'fake.docx'" in zipped.json()["detail"]

    bad_date = await api.post(
        url, headers=people.psychology.auth, **upload(("ep.pdf", PDF), received_on="2025-02-30")
    )
    assert bad_date.status_code == 422
    assert bad_date.json()["errors"][0]["loc"] == ["body", "received_on"]
    assert await documents(sessions) == 0

    word = await api.post(
        url, headers=people.psychology.auth, **upload(("ep.docx", docx()), received_on=today)
    )
    assert word.status_code == 200, word.text
    assert word.json()["documents"][0]["content_type"].endswith("wordprocessingml.document")


async def test_an_agency_sees_only_the_requests_sent_to_it(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await assessed_case(api, people, temporal, sessions)
    second = await assessed_case(api, people, temporal, sessions)

    inbox = await api.get("/api/advice-requests?limit=1", headers=people.psychology.auth)
    assert inbox.status_code == 200
    page = inbox.json()
    rest = await api.get(f"/api/advice-requests?after={page['next_after']}", headers=people.psychology.auth)
    seen = [(r["case_id"], r["advice_id"]) for r in page["items"] + rest.json()["items"]]
    assert sorted(seen) == sorted([(first, "ep"), (second, "ep")])
    assert rest.json()["next_after"] is None

    health = await api.get("/api/advice-requests", headers=people.health.auth)
    assert {r["advice_id"] for r in health.json()["items"]} == {"parent", "school", "health", "social"}

    own = await api.get(f"/api/advice-requests/{first}/ep", headers=people.psychology.auth)
    assert own.status_code == 200
    assert own.json()["kind"] == "psychological"
    for path in (f"/api/advice-requests/{first}/health", f"/api/advice-requests/{first}/nope"):
        assert (await api.get(path, headers=people.psychology.auth)).status_code == 404
    stranger = await api.post(
        f"/api/advice-requests/{first}/health/advice",
        headers=people.psychology.auth,
        **upload(("x.pdf", PDF), received_on=await temporal.today()),
    )
    assert stranger.status_code == 404
    assert await documents(sessions) == 0

    async with sessions() as session:
        reads = (
            await session.execute(
                select(AuditEntry.action, func.count())
                .where(AuditEntry.actor_id == people.psychology.id)
                .group_by(AuditEntry.action)
            )
        ).all()
    assert dict(reads) == {"agency.advice_requests.listed": 2, "agency.advice_request.read": 1}


async def test_advice_on_a_withdrawn_request_is_a_conflict(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    case_id = await assessed_case(api, people, temporal, sessions)
    today = await temporal.today()
    withdrawn = await api.post(
        f"/api/cases/{case_id}/withdrawal",
        json={"withdrawn_on": today.isoformat(), "reasons": "Family moved away."},
        headers=people.caseworker.command(),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    await temporal.env.client.get_workflow_handle(advice_workflow_id(case_id, "ep")).result()
    late = await api.post(
        f"/api/advice-requests/{case_id}/ep/advice",
        headers=people.psychology.auth,
        **upload(("ep.pdf", PDF), received_on=today),
    )
    assert late.status_code == 409
    assert late.json()["detail"].startswith(f"advice request 'ep' on case {case_id} is closed")
    assert await documents(sessions) == 0
