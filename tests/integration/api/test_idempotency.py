"""An Idempotency-Key names one request of one caller (issue 9 s.3): a retry (the same key, route and
body) is answered with the case as it now stands and applied once; the same key for anything else is a
422 naming the key, and never another child's case or a command silently dropped. Keys are each
caller's own, and Temporal sees only a hash of them.

Every test runs on SQLite and on PostgreSQL (`empty_url`), as the key is held by the database's unique
constraint.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from api.services import idempotency
from core.settings import Settings
from db.engine import make_engine
from db.models import AuditEntry, Document, IdempotencyRecord
from tests.documents import pdf
from workflows.common.ids import advice_workflow_id, assessment_workflow_id

from .conftest import (
    LA_CODE,
    UPLOAD_MAX_BYTES,
    People,
    Temporal,
    advice_for,
    new_request,
    project,
    record_sent_advice,
)

KEY_REUSED = "Idempotency-Key"


@pytest.fixture
def settings(tmp_path: Path, empty_url: str) -> Settings:
    """The API lane's settings, on each backend in turn (`empty_url` is SQLite, then PostgreSQL)."""
    return Settings(
        _env_file=None,
        database_url=empty_url,
        la_code=LA_CODE,
        task_queue=f"tq-{uuid.uuid4()}",
        upload_max_bytes=UPLOAD_MAX_BYTES,
    )


def child(given_name: str, date_of_birth: str = "2015-03-01") -> dict[str, Any]:
    return {
        "given_name": given_name,
        "family_name": "Example",
        "date_of_birth": date_of_birth,
        "year_group": 5,
    }


def assert_key_refused(response: httpx.Response) -> None:
    """A 422 naming the key and telling the caller to use a new one; nothing of the body echoed."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == KEY_REUSED
    assert "already used for a different request" in body["detail"]
    assert "new key" in body["detail"]


async def test_the_same_key_for_another_child_is_refused_and_the_first_case_is_unchanged(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    today = await temporal.today()
    headers = people.caseworker.command("referral-7")
    first = await api.post("/api/requests", json=new_request(today, child=child("Ada")), headers=headers)
    assert first.status_code == 201, first.text
    case_id = first.json()["case_id"]

    second = await api.post(
        "/api/requests", json=new_request(today, child=child("Quentin", "2016-07-09")), headers=headers
    )
    assert_key_refused(second)
    assert "Quentin" not in second.text
    assert "2016-07-09" not in second.text
    # No case was made from the second child, and the first case is as it was.
    assert [record.start.child.given_name for record in temporal.fakes.cases] == ["Ada"]
    read = await api.get(f"/api/cases/{case_id}", headers=people.caseworker.auth)
    assert read.json()["state"]["stage"] == "awaiting_decision_to_assess"
    # With a new key the second child's request is taken.
    taken = await api.post(
        "/api/requests",
        json=new_request(today, child=child("Quentin", "2016-07-09")),
        headers=people.caseworker.command("referral-8"),
    )
    assert taken.status_code == 201, taken.text
    assert taken.json()["case_id"] != case_id
    assert [record.start.child.given_name for record in temporal.fakes.cases] == ["Ada", "Quentin"]


async def test_a_retried_create_answers_the_same_case_as_it_now_stands(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    today = await temporal.today()
    body = new_request(today)
    headers = people.caseworker.command("create-then-decide")
    created = await api.post("/api/requests", json=body, headers=headers)
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    decided = await api.post(
        f"/api/cases/{case_id}/decision-to-assess",
        json={"outcome": "assess", "decided_on": today.isoformat(), "advice": advice_for(people)},
        headers=people.caseworker.command(),
    )
    assert decided.status_code == 200, decided.text

    # The create's answer was lost and the client retries: the same case, at the stage it has now.
    retried = await api.post("/api/requests", json=body, headers=headers)
    assert retried.status_code == 201, retried.text
    assert retried.json()["case_id"] == case_id
    assert retried.json()["state"]["stage"] == "gathering_advice"
    assert len(temporal.fakes.cases) == 1


async def test_the_same_key_on_another_route_or_case_is_refused_and_nothing_is_done(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    today = await temporal.today()
    case_id = (
        await api.post("/api/requests", json=new_request(today), headers=people.caseworker.command())
    ).json()["case_id"]
    other_case = (
        await api.post("/api/requests", json=new_request(today), headers=people.caseworker.command())
    ).json()["case_id"]
    decision = {"outcome": "assess", "decided_on": today.isoformat(), "advice": advice_for(people)}
    key = people.caseworker.command("decide-1")
    decided = await api.post(f"/api/cases/{case_id}/decision-to-assess", json=decision, headers=key)
    assert decided.status_code == 200, decided.text

    # The decision's key on the withdrawal: refused, and the request is not withdrawn.
    withdrawal = await api.post(
        f"/api/cases/{case_id}/withdrawal", json={"withdrawn_on": today.isoformat()}, headers=key
    )
    assert_key_refused(withdrawal)
    # The same decision with the same key on another case: refused, and that case is not decided.
    elsewhere = await api.post(f"/api/cases/{other_case}/decision-to-assess", json=decision, headers=key)
    assert_key_refused(elsewhere)
    # A create's key on a command: refused.
    create_key = people.caseworker.command("create-key")
    assert (await api.post("/api/requests", json=new_request(today), headers=create_key)).status_code == 201
    assert_key_refused(
        await api.post(
            f"/api/cases/{case_id}/withdrawal", json={"withdrawn_on": today.isoformat()}, headers=create_key
        )
    )

    for case, stage in ((case_id, "gathering_advice"), (other_case, "awaiting_decision_to_assess")):
        read = await api.get(f"/api/cases/{case}", headers=people.caseworker.auth)
        assert read.json()["state"]["stage"] == stage
    assert [d.kind for d in temporal.fakes.decisions].count("withdrawn") == 0
    # The decision retried with its own key, route and body is the same decision, applied once.
    retried = await api.post(f"/api/cases/{case_id}/decision-to-assess", json=decision, headers=key)
    assert retried.status_code == 200, retried.text
    assert [d.kind for d in temporal.fakes.decisions].count("decision_to_assess") == 1


async def test_a_retried_command_on_a_case_closed_since_answers_the_case_as_it_now_stands(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    today = await temporal.today()
    case_id = (
        await api.post("/api/requests", json=new_request(today), headers=people.caseworker.command())
    ).json()["case_id"]
    withdraw: dict[str, Any] = {
        "json": {"withdrawn_on": today.isoformat()},
        "headers": people.caseworker.command("withdraw-9"),
    }
    first = await api.post(f"/api/cases/{case_id}/withdrawal", **withdraw)
    assert first.status_code == 200, first.text
    await temporal.env.client.get_workflow_handle(assessment_workflow_id(case_id)).result()

    # The answer was lost: the retry is the same withdrawal, done, not a step refused on a closed case.
    again = await api.post(f"/api/cases/{case_id}/withdrawal", **withdraw)
    assert again.status_code == 200, again.text
    assert again.json()["state"]["stage"] == "withdrawn"
    assert [d.kind for d in temporal.fakes.decisions].count("withdrawn") == 1


async def test_two_callers_may_use_the_same_key_and_each_gets_their_own_case(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    today = await temporal.today()
    mine = await api.post(
        "/api/requests",
        json=new_request(today, child=child("Ada")),
        headers=people.caseworker.command("shared"),
    )
    theirs = await api.post(
        "/api/requests",
        json=new_request(today, child=child("Quentin")),
        headers=people.manager.command("shared"),
    )
    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.text
    assert mine.json()["case_id"] != theirs.json()["case_id"]
    assert sorted(record.start.child.given_name for record in temporal.fakes.cases) == ["Ada", "Quentin"]
    # Each caller's retry answers their own case.
    again = await api.post(
        "/api/requests",
        json=new_request(today, child=child("Quentin")),
        headers=people.manager.command("shared"),
    )
    assert again.json()["case_id"] == theirs.json()["case_id"]


async def test_two_requests_racing_with_one_key_act_once(
    api: httpx.AsyncClient, people: People, temporal: Temporal
) -> None:
    today = await temporal.today()
    same = await asyncio.gather(
        *(
            api.post("/api/requests", json=new_request(today), headers=people.caseworker.command("race-1"))
            for _ in range(3)
        )
    )
    assert [r.status_code for r in same] == [201] * 3, [r.text for r in same]
    assert len({r.json()["case_id"] for r in same}) == 1

    different = await asyncio.gather(
        *(
            api.post(
                "/api/requests",
                json=new_request(today, child=child(name)),
                headers=people.caseworker.command("race-2"),
            )
            for name in ("Ada", "Quentin")
        )
    )
    assert sorted(r.status_code for r in different) == [201, 422], [r.text for r in different]
    assert_key_refused(next(r for r in different if r.status_code == 422))
    assert len(temporal.fakes.cases) == 2  # one per key


async def test_temporal_never_sees_a_raw_key(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = await temporal.today()
    keys = ["plain-create-key-4471", "plain-decide-key-4471", "plain-claim-key-4471"]
    created = await api.post(
        "/api/requests", json=new_request(today), headers=people.caseworker.command(keys[0])
    )
    case_id = created.json()["case_id"]
    decided = await api.post(
        f"/api/cases/{case_id}/decision-to-assess",
        json={"outcome": "assess", "decided_on": today.isoformat(), "advice": advice_for(people)},
        headers=people.caseworker.command(keys[1]),
    )
    assert decided.status_code == 200, decided.text
    claim = {
        "deadline": "decision_to_assess",
        "kind": "absence",
        "start": today.isoformat(),
        "evidence": "Family abroad.",
        "claimed_on": today.isoformat(),
    }
    claimed = await api.post(
        f"/api/cases/{case_id}/exceptions", json=claim, headers=people.caseworker.command(keys[2])
    )
    assert claimed.status_code == 200, claimed.text

    workflow_id = assessment_workflow_id(case_id)
    history = await temporal.env.client.get_workflow_handle(workflow_id).fetch_history()
    update_ids = [
        event.workflow_execution_update_accepted_event_attributes.accepted_request.meta.update_id
        for event in history.events
        if event.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    assert len(update_ids) == 3
    text = json.dumps(history.to_json_dict())
    for key in keys:
        assert key not in text
        assert all(key not in update_id for update_id in update_ids)
        assert key not in workflow_id
        assert key not in case_id
    # The claim is named by the update id, which the manager reads from the case to approve it.
    [found] = claimed.json()["state"]["claims"]
    assert found["claim_id"] in update_ids
    # Nor does the audit log keep them: it holds the same hash.
    async with sessions() as session:
        audited = list((await session.execute(select(AuditEntry.update_id))).scalars())
    assert set(update_ids) <= set(audited)
    assert not [u for u in audited if u is not None and any(key in u for key in keys)]
    # The decision activities record carries the update id, not the key.
    assert {d.update_id for d in temporal.fakes.decisions} <= set(update_ids)
    # What the database keeps of each: who, the hash, the route and target, the body's hash, the case.
    async with sessions() as session:
        records = list((await session.execute(select(IdempotencyRecord))).scalars())
    by_route = {record.route: record for record in records}
    decision = by_route["/api/cases/{case_id}/decision-to-assess"]
    assert (decision.method, decision.path_params) == ("POST", {"case_id": case_id})
    assert (decision.user_id, str(decision.case_id)) == (people.caseworker.id, case_id)
    assert by_route["/api/requests"].path_params == {}
    assert {record.key_hash for record in records} == set(update_ids)
    assert all(record.applied_at is not None for record in records)


@contextlib.asynccontextmanager
async def key_table_locked(settings: Settings) -> AsyncIterator[None]:
    """Another writer holding the lock a new key needs: SQLite's one write lock, taken by another
    connection to the file; on PostgreSQL, the key table locked against inserts."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database or "", isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            yield
            holder.execute("ROLLBACK")
        finally:
            holder.close()
        return
    engine = make_engine(settings.database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("LOCK TABLE idempotency_keys IN EXCLUSIVE MODE"))
            yield
            await connection.rollback()
    finally:
        await engine.dispose()


async def test_the_database_too_busy_to_record_the_key_applies_nothing(
    api: httpx.AsyncClient, people: People, temporal: Temporal, settings: Settings
) -> None:
    """The key is recorded before the command goes to Temporal: a database that cannot take it within
    a few seconds refuses the command with 503, nothing applied, and the retry applies it."""
    today = await temporal.today()
    case_id = (
        await api.post("/api/requests", json=new_request(today), headers=people.caseworker.command())
    ).json()["case_id"]
    withdraw: dict[str, Any] = {
        "json": {"withdrawn_on": today.isoformat()},
        "headers": people.caseworker.command("busy-1"),
    }
    async with key_table_locked(settings):
        busy = await api.post(f"/api/cases/{case_id}/withdrawal", **withdraw)
    assert busy.status_code == 503, busy.text
    assert busy.headers["Retry-After"]
    assert "same Idempotency-Key" in busy.json()["detail"]
    assert not [d for d in temporal.fakes.decisions if d.kind == "withdrawn"]

    taken = await api.post(f"/api/cases/{case_id}/withdrawal", **withdraw)
    assert taken.status_code == 200, taken.text
    assert taken.json()["state"]["stage"] == "withdrawn"


def upload(content: bytes, *, received_on: Any, summary: str = "Needs a quiet space.") -> dict[str, Any]:
    return {
        "files": [("files", ("advice.pdf", content, "application/pdf"))],
        "data": {"received_on": str(received_on), "summary": summary},
    }


async def test_advice_keys_given_or_derived_are_fingerprinted_the_same_way(
    api: httpx.AsyncClient, people: People, temporal: Temporal, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = await temporal.today()
    case_id = (
        await api.post("/api/requests", json=new_request(today), headers=people.caseworker.command())
    ).json()["case_id"]
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

    # A key given, then the same key with another file: refused, and the other file is not kept.
    url = f"/api/advice-requests/{case_id}/health/advice"
    keyed = {**people.health.auth, "Idempotency-Key": "icb-answer-1"}
    sent = await api.post(url, headers=keyed, **upload(pdf("first"), received_on=today))
    assert sent.status_code == 200, sent.text
    assert_key_refused(await api.post(url, headers=keyed, **upload(pdf("second"), received_on=today)))
    async with sessions() as session:
        assert len((await session.execute(select(Document.id))).scalars().all()) == 1
    # The same advice retried after the request closed: its receipt, as the request now stands.
    await temporal.env.client.get_workflow_handle(advice_workflow_id(case_id, "health")).result()
    again = await api.post(url, headers=keyed, **upload(pdf("first"), received_on=today))
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "received"
    assert again.json()["documents"] == sent.json()["documents"]

    # No key: one is derived from the advice and the request it answers, so the same file, date and
    # summary sent to two requests are two answers, and a retry of one is that one.
    for advice_id in ("parent", "social"):
        derived = await api.post(
            f"/api/advice-requests/{case_id}/{advice_id}/advice",
            headers=people.health.auth,
            **upload(pdf("shared"), received_on=today),
        )
        assert derived.status_code == 200, derived.text
    await temporal.env.client.get_workflow_handle(advice_workflow_id(case_id, "social")).result()
    retried = await api.post(
        f"/api/advice-requests/{case_id}/social/advice",
        headers=people.health.auth,
        **upload(pdf("shared"), received_on=today),
    )
    assert retried.status_code == 200, retried.text
    async with sessions() as session:
        actions = (
            await session.execute(
                select(AuditEntry.action).where(
                    AuditEntry.actor_id == people.health.id, AuditEntry.action == "agency.submit_advice"
                )
            )
        ).scalars()
    assert len(list(actions)) == 3  # health, parent, social: each its own line


async def test_advice_whose_key_meets_a_locked_database_once_is_still_taken(
    api: httpx.AsyncClient,
    people: People,
    temporal: Temporal,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found by the fault run (bench/fault_run.py): recording the key rolled back a locked try, which
    expired the advice request read before it, and reading it again answered 500."""
    today = await temporal.today()
    case_id = (
        await api.post("/api/requests", json=new_request(today), headers=people.caseworker.command())
    ).json()["case_id"]
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

    add = idempotency.add_idempotency_key
    locked_once = [True]

    async def locked_then_free(**fields: Any) -> None:
        if locked_once.pop() if locked_once else False:
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        await add(**fields)

    monkeypatch.setattr(idempotency, "add_idempotency_key", locked_then_free)
    sent = await api.post(
        f"/api/advice-requests/{case_id}/health/advice",
        headers={**people.health.auth, "Idempotency-Key": "icb-locked-1"},
        **upload(pdf("locked"), received_on=today),
    )
    assert sent.status_code == 200, sent.text
    assert not locked_once  # the lock was met
