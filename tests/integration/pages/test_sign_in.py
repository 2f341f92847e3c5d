"""Signing in to the pages (issue 10 s.1): email and password, a signed HttpOnly SameSite cookie that lapses
when idle, CSRF on every form, failures audited and limited, roles as in the API."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.settings import Settings
from db.models import AuditEntry
from db.users import set_disabled

from .conftest import PASSWORD, People, csrf_of, sign_in, signed_in, with_password


async def test_a_page_sends_a_stranger_to_sign_in_and_back(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    away = await browser.get("/cases?mine=false")
    assert away.status_code == 303
    assert away.headers["location"] == "/sign-in?next=/cases?mine=false"

    await with_password(sessions, "cw", "Case.Worker@Council.test")
    signed = await sign_in(browser, "case.worker@council.test", next_page="/cases?mine=false")
    assert signed.status_code == 303
    assert signed.headers["location"] == "/cases?mine=false"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" in cookie
    cases = await browser.get("/cases?mine=false")
    assert cases.status_code == 200
    assert '<h1 class="govuk-heading-l">All cases</h1>' in cases.text


async def test_the_session_lapses_after_the_idle_time(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    await with_password(sessions, "cw", "cw@council.test")
    signed = await sign_in(browser, "cw@council.test")
    assert f"max-age={settings.session_idle_minutes * 60}" in signed.headers["set-cookie"].lower()


async def test_a_wrong_password_and_an_unknown_address_are_told_the_same_and_audited(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await with_password(sessions, "cw", "cw@council.test")
    wrong = await sign_in(browser, "cw@council.test", password="not the password at all")
    unknown = await sign_in(browser, "nobody@council.test")
    for page in (wrong, unknown):
        assert page.status_code == 401
        assert "Enter a correct email address and password" in page.text
        assert 'href="#email"' in page.text  # the error summary links to the field
        assert "not the password" not in page.text
    async with sessions() as session:
        reasons = [
            entry.detail["reason"]
            for entry in (await session.execute(select(AuditEntry).where(AuditEntry.action == "auth.failed")))
            .scalars()
            .all()
        ]
    assert reasons == ["unknown_or_wrong_password", "unknown_or_wrong_password"]
    assert (await browser.get("/cases")).status_code == 303  # still not signed in


async def test_empty_fields_are_named(browser: httpx.AsyncClient) -> None:
    form = await browser.get("/sign-in")
    page = await browser.post("/sign-in", data={"email": "", "password": "", "csrf_token": csrf_of(form)})
    assert page.status_code == 422
    assert "Enter your email address" in page.text
    assert "Enter your password" in page.text
    assert page.text.count("govuk-error-message") == 2
    assert "<title>Error: " in page.text


async def test_a_form_without_its_token_changes_nothing(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await with_password(sessions, "cw", "cw@council.test")
    forged = await browser.post("/sign-in", data={"email": "cw@council.test", "password": PASSWORD})
    assert forged.status_code == 403
    assert "The form has expired" in forged.text
    assert (await browser.get("/cases")).status_code == 303  # not signed in


async def test_failed_sign_ins_are_limited(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    await with_password(sessions, "cw", "cw@council.test")
    for _ in range(settings.auth_failure_limit):
        assert (await sign_in(browser, "cw@council.test", password="wrong password here")).status_code == 401
    blocked = await sign_in(browser, "cw@council.test")  # even the right password, from this address
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in blocked.text


async def test_a_disabled_account_cannot_sign_in_and_is_signed_out(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await with_password(sessions, "cw", "cw@council.test")
    assert (await sign_in(browser, "cw@council.test")).status_code == 303
    assert (await browser.get("/cases")).status_code == 200
    async with sessions() as session:
        await set_disabled(session=session, username="cw", disabled=True)
        await session.commit()
    assert (await browser.get("/cases")).status_code == 303  # signed out at once
    refused = await sign_in(browser, "cw@council.test")
    assert refused.status_code == 401
    assert "Your account is disabled" in refused.text


async def test_signing_out_ends_the_session(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await signed_in(browser, sessions, "cw")
    cases = await browser.get("/cases")
    out = await browser.post("/sign-out", data={"csrf_token": csrf_of(cases)})
    assert (out.status_code, out.headers["location"]) == (303, "/sign-in?signed_out=1")
    assert "You have signed out" in (await browser.get("/sign-in?signed_out=1")).text
    assert (await browser.get("/cases")).status_code == 303


async def test_only_a_path_here_is_gone_to_after_signing_in(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await with_password(sessions, "cw", "cw@council.test")
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        signed = await sign_in(browser, "cw@council.test", next_page=elsewhere)
        assert signed.headers["location"] == "/"


async def test_each_role_starts_on_its_own_page_and_no_other(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await signed_in(browser, sessions, "ep")
    home = await browser.get("/")
    assert (home.status_code, home.headers["location"]) == (303, "/start")
    start = await browser.get("/start")
    assert start.headers["location"] == "/inbox"
    assert (await browser.get("/inbox")).status_code == 200
    refused = await browser.get("/cases")
    assert refused.status_code == 403
    assert "You cannot see this page" in refused.text


async def test_the_openid_button_and_its_pages_are_there_only_when_a_provider_is_set(
    browser: httpx.AsyncClient, app: FastAPI
) -> None:
    page = await browser.get("/sign-in")
    assert "/sign-in/oidc" not in page.text
    for path in ("/sign-in/oidc", "/sign-in/oidc/callback?code=x&state=y"):
        assert (await browser.get(path)).status_code == 404
    app.state.settings = app.state.settings.model_copy(
        update={
            "oidc_discovery_url": "http://127.0.0.1:1/.well-known/openid-configuration",
            "oidc_client_id": "ehcp",
            "oidc_button_label": "Sign in with Microsoft",
        }
    )
    page = await browser.get("/sign-in")
    assert 'href="/sign-in/oidc?next=/"' in page.text
    assert "Sign in with Microsoft" in page.text
    assert "Or sign in with a password" in page.text
    assert (await browser.get("/sign-in/oidc")).status_code == 503  # there, but nothing answers at port 1
