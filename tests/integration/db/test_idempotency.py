"""Idempotency-Keys in the database (issue 9 s.3), on SQLite and PostgreSQL: the migration, one row per
caller and key, and two requests racing with one key meeting at the primary key, the loser reading the
winner's row instead of failing or acting differently."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.pool import NullPool

from api.deps import CommandKey, Principal
from api.errors import Unprocessable
from api.services import idempotency
from api.services.idempotency import RecordedKey, fingerprint, hashed_key, record_key
from db.engine import make_engine, make_session_factory
from db.idempotency import add_idempotency_key, get_idempotency_key, mark_applied
from db.migrate import downgrade, upgrade
from db.users import create_user

from ..conftest import Database

CREATE = CommandKey(key="referral-7", method="POST", route="/api/requests", path_params={})


async def _caller(session: AsyncSession, name: str = "cw") -> Principal:
    user, _ = await create_user(session=session, username=name, display_name=name, role="caseworker")
    await session.commit()
    return Principal(id=user.id, username=name, role="caseworker", agency_id=None)


async def _tables(url: str) -> set[str]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_0004_adds_the_key_table_to_a_database_in_use_and_takes_it_away(empty_url: str) -> None:
    await upgrade(empty_url, "0003")
    # The account as 0003 knew it, written with that revision's columns (today's model has more).
    caller, at = uuid.uuid4(), datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    engine = make_engine(empty_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO users (id, username, display_name, role, token_hash, created_at, "
                    "token_expires_at) VALUES (:id, 'cw', 'cw', 'caseworker', :hash, :at, :at)"
                ),
                {
                    "id": caller.hex if empty_url.startswith("sqlite") else caller,
                    "hash": "c" * 64,
                    "at": at.replace(tzinfo=None) if empty_url.startswith("sqlite") else at,
                },
            )
    finally:
        await engine.dispose()
    await upgrade(empty_url)
    assert "idempotency_keys" in await _tables(empty_url)
    engine = make_engine(empty_url, poolclass=NullPool)
    try:
        async with make_session_factory(engine)() as session:
            await add_idempotency_key(
                session=session,
                user_id=caller,
                key_hash=hashed_key(user_id=caller, key="k"),
                method="POST",
                route="/api/requests",
                path_params={},
                body_sha256=fingerprint({}),
                case_id=None,
            )
            await session.commit()
    finally:
        await engine.dispose()
    await downgrade(empty_url, "0003")
    assert "idempotency_keys" not in await _tables(empty_url)
    assert "users" in await _tables(empty_url)
    await upgrade(empty_url)


async def test_one_row_per_caller_and_key(database: Database) -> None:
    async with database.sessions() as session:
        mine, theirs = await _caller(session, "cw"), await _caller(session, "mgr")

    async def add(user_id: uuid.UUID, key_hash: str) -> None:
        async with database.sessions() as session:
            await add_idempotency_key(
                session=session,
                user_id=user_id,
                key_hash=key_hash,
                method="POST",
                route="/api/cases/{case_id}/withdrawal",
                path_params={"case_id": str(uuid.UUID(int=1))},
                body_sha256=fingerprint({"withdrawn_on": "2026-12-01"}),
                case_id=uuid.UUID(int=1),
            )
            await session.commit()

    await add(mine.id, "a" * 64)
    await add(theirs.id, "a" * 64)  # the same hash for another caller is another row
    with pytest.raises(IntegrityError):
        await add(mine.id, "a" * 64)
    async with database.sessions() as session:
        found = await get_idempotency_key(session=session, user_id=mine.id, key_hash="a" * 64)
        assert found is not None
        assert found.path_params == {"case_id": str(uuid.UUID(int=1))}
        assert found.applied_at is None
        applied = []
        for _ in range(2):
            await mark_applied(session=session, user_id=mine.id, key_hash="a" * 64)
            await session.commit()
            now = await get_idempotency_key(session=session, user_id=mine.id, key_hash="a" * 64)
            assert now is not None
            applied.append(now.applied_at)
        assert applied[0] is not None
        assert applied[1] == applied[0]  # the first time Temporal said so is kept
        rows = await session.execute(text("SELECT count(*) FROM idempotency_keys"))
        assert rows.scalar_one() == 2


def test_the_hash_keeps_callers_apart_and_holds_no_key() -> None:
    one, two = uuid.uuid4(), uuid.uuid4()
    assert hashed_key(user_id=one, key="k") == hashed_key(user_id=one, key="k")
    assert hashed_key(user_id=one, key="k") != hashed_key(user_id=two, key="k")
    assert "referral" not in hashed_key(user_id=one, key="referral-7")
    assert fingerprint({"b": 1, "a": [1, "x"]}) == fingerprint({"a": [1, "x"], "b": 1})


async def _race(
    database: Database, caller: Principal, bodies: list[dict[str, Any]]
) -> list[RecordedKey | BaseException]:
    """`record_key` for each body at once, each on its own session, as concurrent requests do."""

    async def one(body: dict[str, Any]) -> RecordedKey:
        async with database.sessions() as session:
            return await record_key(
                session=session, user=caller, key=CREATE, body_sha256=fingerprint(body), case_id=None
            )

    return list(await asyncio.gather(*(one(body) for body in bodies), return_exceptions=True))


async def test_requests_racing_with_one_key_meet_at_the_primary_key(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with database.sessions() as session:
        caller = await _caller(session)
    # Neither request sees the other's row before it inserts (the window of a real race), so the
    # second insert meets the primary key: it reads the row the first wrote.
    unseen: Callable[..., Awaitable[Any]] = get_idempotency_key
    looks = 0

    async def first_look_sees_nothing(**kwargs: Any) -> Any:
        nonlocal looks
        looks += 1
        return None if looks <= 2 else await unseen(**kwargs)

    monkeypatch.setattr(idempotency, "get_idempotency_key", first_look_sees_nothing)
    same = await _race(database, caller, [{"child": "A"}, {"child": "A"}])
    assert all(isinstance(outcome, RecordedKey) for outcome in same), same
    recorded = [outcome for outcome in same if isinstance(outcome, RecordedKey)]
    assert sorted(key.repeat for key in recorded) == [False, True]
    assert len({key.update_id for key in recorded}) == 1
    assert looks == 3  # the loser read the winner's row

    looks = 0
    other = CommandKey(key="referral-8", method="POST", route="/api/requests", path_params={})
    monkeypatch.setattr(idempotency, "get_idempotency_key", first_look_sees_nothing)

    async def one(body: dict[str, Any]) -> RecordedKey:
        async with database.sessions() as session:
            return await record_key(
                session=session, user=caller, key=other, body_sha256=fingerprint(body), case_id=None
            )

    different = await asyncio.gather(one({"child": "A"}), one({"child": "B"}), return_exceptions=True)
    refused = [outcome for outcome in different if isinstance(outcome, Unprocessable)]
    assert len(refused) == 1, different
    assert refused[0].field == "Idempotency-Key"
    assert len([outcome for outcome in different if isinstance(outcome, RecordedKey)]) == 1


async def test_requests_racing_with_one_key_at_full_speed(database: Database) -> None:
    async with database.sessions() as session:
        caller = await _caller(session)
    outcomes = await _race(database, caller, [{"child": "A"}] * 4)
    recorded = [outcome for outcome in outcomes if isinstance(outcome, RecordedKey)]
    assert len(recorded) == 4, outcomes
    assert [key.repeat for key in recorded].count(False) == 1
    assert len({key.update_id for key in recorded}) == 1
