"""The pages lane: the app as a browser sees it (HTTPS, cookies, forms), over the API lane's accounts,
database and time-skipping Temporal (tests/integration/api/conftest.py)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.app import create_app
from core.settings import Settings
from db.sign_in import set_sign_in
from tests.integration.api.conftest import People, Temporal, api, people, sessions, settings, temporal

__all__ = ["People", "Temporal", "api", "people", "sessions", "settings", "temporal"]

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(settings: Settings, sessions: async_sessionmaker[AsyncSession], temporal: Temporal) -> FastAPI:
    return create_app(settings, client=temporal.env.client, session_factory=sessions)


@pytest.fixture
async def browser(app: FastAPI, people: People) -> AsyncIterator[httpx.AsyncClient]:
    """A browser: HTTPS (the session cookie is Secure), cookies kept, redirects shown, not followed."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://ehcp.test"
    ) as client:
        yield client


async def with_password(sessions: async_sessionmaker[AsyncSession], username: str, email: str) -> None:
    async with sessions() as session:
        await set_sign_in(session=session, username=username, email=email, password=PASSWORD)
        await session.commit()


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "the page has no CSRF token"
    return found.group(1)


async def signed_in(
    browser: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], username: str
) -> None:
    """Give the account named `username` a sign-in (`<username>@council.test`) and sign in with it."""
    await with_password(sessions, username, f"{username}@council.test")
    await sign_in(browser, f"{username}@council.test")


async def sign_in(
    browser: httpx.AsyncClient, email: str, password: str = PASSWORD, next_page: str = "/"
) -> httpx.Response:
    form = await browser.get("/sign-in")
    return await browser.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_of(form), "next": next_page},
    )
