"""Tokens an auditor accepts: an expired, revoked or disabled token is refused saying why and what to do;
failed authentications are audited (ids, never names or the token) and, past a limit per client address
and per account, answered 429 with Retry-After. The limiter's clock is the test's: nothing sleeps."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from api.deps import get_auth_limiter
from api.limits import FailureLimiter
from core.settings import Settings
from db.models import AuditEntry
from db.users import create_user, revoke_token, rotate_token, set_disabled

LIMIT = 3
WINDOW = 60.0
CASES = "/api/cases"


class Clock:
    """The limiter's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(settings: Settings, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> FastAPI:
    # No Temporal: the case list reads the database only, which is all authentication needs.
    app = create_app(settings, session_factory=sessions)
    app.state.auth_limiter = FailureLimiter(limit=LIMIT, window=WINDOW, clock=clock)
    return app


Client = Callable[[str], httpx.AsyncClient]


@pytest.fixture
async def client_from(app: FastAPI) -> AsyncIterator[Client]:
    """A client calling from the given address."""
    opened: list[httpx.AsyncClient] = []

    def make(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        opened.append(httpx.AsyncClient(transport=transport, base_url="http://ehcp.test"))
        return opened[-1]

    yield make
    for client in opened:
        await client.aclose()


async def account(
    sessions: async_sessionmaker[AsyncSession], username: str, *, issued: datetime | None = None
) -> tuple[uuid.UUID, str]:
    async with sessions() as session:
        user, token = await create_user(
            session=session, username=username, display_name=username, role="manager", now=issued
        )
        await session.commit()
        return user.id, token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def failures(sessions: async_sessionmaker[AsyncSession]) -> list[dict[str, Any]]:
    async with sessions() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == "auth.failed").order_by(AuditEntry.id)
        entries = (await session.execute(stmt)).scalars().all()
        assert all(e.actor_id is None and e.case_id is None for e in entries)
        return [e.detail for e in entries]


async def test_an_expired_token_is_401_saying_so_and_how_to_get_a_new_one(
    sessions: async_sessionmaker[AsyncSession], client_from: Client
) -> None:
    # Issued long ago with the default lifetime: it expired on 2024-04-01 09:00 UTC.
    user_id, token = await account(sessions, "j.smith", issued=datetime(2024, 1, 2, 9, 0, tzinfo=UTC))
    response = await client_from("10.0.0.1").get(CASES, headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    detail = response.json()["detail"]
    assert "expired at 2024-04-01 09:00 UTC" in detail
    assert "ehcp users rotate" in detail
    [audited] = await failures(sessions)
    assert audited == {"reason": "expired", "client": "10.0.0.1", "path": CASES, "user_id": str(user_id)}
    assert token not in json.dumps(audited)
    assert "j.smith" not in json.dumps(audited)


async def test_a_revoked_token_stops_at_once_and_a_rotated_one_replaces_it(
    sessions: async_sessionmaker[AsyncSession], client_from: Client
) -> None:
    _, token = await account(sessions, "sys.mis")
    api = client_from("10.0.0.2")
    assert (await api.get(CASES, headers=bearer(token))).status_code == 200
    async with sessions() as session:
        await revoke_token(session=session, username="sys.mis")
        await session.commit()
    refused = await api.get(CASES, headers=bearer(token))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    async with sessions() as session:
        _, new = await rotate_token(session=session, username="sys.mis")
        await session.commit()
    assert (await api.get(CASES, headers=bearer(new))).status_code == 200
    old = await api.get(CASES, headers=bearer(token))
    assert old.status_code == 401
    assert "not known" in old.json()["detail"]
    assert [f["reason"] for f in await failures(sessions)] == ["revoked", "unknown"]


async def test_a_disabled_account_is_told_so(
    sessions: async_sessionmaker[AsyncSession], client_from: Client
) -> None:
    _, token = await account(sessions, "cw")
    async with sessions() as session:
        await set_disabled(session=session, username="cw", disabled=True)
        await session.commit()
    response = await client_from("10.0.0.3").get(CASES, headers=bearer(token))
    assert response.status_code == 401
    assert "disabled" in response.json()["detail"]
    async with sessions() as session:
        await set_disabled(session=session, username="cw", disabled=False)
        await session.commit()
    assert (await client_from("10.0.0.3").get(CASES, headers=bearer(token))).status_code == 200


async def test_an_address_that_fails_too_often_gets_429_with_retry_after(
    sessions: async_sessionmaker[AsyncSession], client_from: Client, clock: Clock
) -> None:
    _, token = await account(sessions, "mgr")
    attacker, neighbour = client_from("203.0.113.9"), client_from("198.51.100.7")
    for n in range(LIMIT):
        response = await attacker.get(CASES, headers=bearer(f"guess-{n}"))
        assert response.status_code == 401
    clock.advance(20)
    blocked = await attacker.get(CASES, headers=bearer("guess-again"))
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "40"  # the first failure leaves the 60 s window in 40 s
    assert "try again in 40 seconds" in blocked.json()["detail"]
    # Refused before the token is looked up: even a right one learns nothing from a blocked address.
    assert (await attacker.get(CASES, headers=bearer(token))).status_code == 429
    # Another address is not affected.
    assert (await neighbour.get(CASES, headers=bearer(token))).status_code == 200
    # Only the failures themselves are audited, not the 429s an attack could send without end.
    audited = await failures(sessions)
    assert [(f["reason"], f["client"]) for f in audited] == [("unknown", "203.0.113.9")] * LIMIT
    assert not any(f"guess-{n}" in json.dumps(audited) for n in range(LIMIT))

    clock.advance(40)
    assert (await attacker.get(CASES, headers=bearer(token))).status_code == 200
    assert (await attacker.get(CASES, headers=bearer("guess-later"))).status_code == 401


async def test_an_account_whose_dead_token_keeps_failing_gets_429_from_any_address(
    sessions: async_sessionmaker[AsyncSession], client_from: Client, clock: Clock
) -> None:
    user_id, token = await account(sessions, "sys.old", issued=datetime(2024, 1, 2, tzinfo=UTC))
    for n in range(LIMIT):
        response = await client_from(f"10.1.0.{n}").get(CASES, headers=bearer(token))
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]
    blocked = await client_from("10.1.0.99").get(CASES, headers=bearer(token))
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "60"
    assert "for this account" in blocked.json()["detail"]
    assert {f.get("user_id") for f in await failures(sessions)} == {str(user_id)}
    # A new token works at once: a token cannot be guessed, so the account's failures do not block it.
    async with sessions() as session:
        _, new = await rotate_token(session=session, username="sys.old")
        await session.commit()
    assert (await client_from("10.1.0.99").get(CASES, headers=bearer(new))).status_code == 200
    clock.advance(WINDOW)
    assert (await client_from("10.1.0.99").get(CASES, headers=bearer(token))).status_code == 401


async def test_a_request_without_a_token_is_not_a_failed_authentication(
    sessions: async_sessionmaker[AsyncSession], client_from: Client
) -> None:
    _, token = await account(sessions, "mgr")
    api = client_from("10.2.0.1")
    for _ in range(LIMIT + 2):
        response = await api.get(CASES)
        assert response.status_code == 401
        assert "Authorization: Bearer" in response.json()["detail"]
    assert (await api.get(CASES, headers=bearer(token))).status_code == 200
    assert await failures(sessions) == []


async def test_the_limiter_comes_from_the_settings(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"auth_failure_limit": 4, "auth_failure_window_seconds": 30}))
    request: Any = SimpleNamespace(app=app)  # all the dependency reads of a request
    limiter = get_auth_limiter(request)
    assert (limiter.limit, limiter.window) == (4, 30)
    assert get_auth_limiter(request) is limiter


def test_the_defaults_and_the_limits_of_the_settings() -> None:
    settings = Settings(_env_file=None)
    assert settings.token_lifetime_days == 90
    assert (settings.auth_failure_limit, settings.auth_failure_window_seconds) == (10, 900)
    for field in ("token_lifetime_days", "auth_failure_limit", "auth_failure_window_seconds"):
        wrong: dict[str, Any] = {field: 0}
        with pytest.raises(ValidationError, match=f"EHCP_{field.upper()}"):
            Settings(_env_file=None, **wrong)


def test_the_limiter_slides_its_window_and_bounds_its_memory() -> None:
    clock = Clock()
    limiter = FailureLimiter(limit=2, window=10, clock=clock, max_keys=3)
    limiter.failed("a")
    clock.advance(4)
    assert limiter.retry_after("a") is None
    limiter.failed("a")
    assert limiter.retry_after("a") == 6
    clock.advance(5.5)
    assert limiter.retry_after("a") == 1  # rounded up: never 0, never early
    clock.advance(0.5)
    assert limiter.retry_after("a") is None  # the first failure has left the window
    limiter.failed("a")
    assert limiter.retry_after("a") == 4  # the second failure (at 4 s) leaves at 14 s
    for key in ("b", "c", "d"):
        limiter.failed(key)
        limiter.failed(key)
    # Only three keys are kept: the one that failed least recently ("a") was dropped.
    assert limiter.retry_after("a") is None
    assert all(limiter.retry_after(key) == 10 for key in ("b", "c", "d"))
    with pytest.raises(ValueError, match="limit"):
        FailureLimiter(limit=0, window=10)
