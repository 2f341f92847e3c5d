"""Signing in through an OpenID provider (issue 10 s.1), against a real one: `oidc-provider-mock` runs an
OpenID provider on 127.0.0.1 in a thread, and each test plays the person at its authorization form (its
`sub` field names who signs in; `PUT /users/{sub}` sets that person's claims)."""

from __future__ import annotations

import asyncio
import uuid
import warnings
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from joserfc.jwk import KeySet, RSAKey
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner, Result

from api.app import create_app
from api.pages import oidc
from cli import app as cli
from core.settings import Settings
from db.models import AuditEntry, User
from db.sign_in import set_sign_in
from db.users import set_disabled

from .conftest import People

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # the mock imports authlib.jose, which says so
    from oidc_provider_mock import run_server_in_thread  # type: ignore[import-untyped]

CLIENT_ID = "ehcp-test"
# The mock's own use of authlib, in its thread (the warnings filter is the process's): nothing of ours.
pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")


def _provider(**options: Any) -> Iterator[str]:
    with run_server_in_thread(**options) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    yield from _provider()


@pytest.fixture
def settings(settings: Settings, provider: str) -> Settings:
    """The lane's settings with the provider set (its client secret with characters that need encoding)."""
    return settings.model_copy(
        update={
            "oidc_discovery_url": f"{provider}/.well-known/openid-configuration",
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SecretStr("s3cret:with /+~ in it"),
        }
    )


@pytest.fixture
def app(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> FastAPI:
    return create_app(settings, session_factory=sessions)  # signing in needs no Temporal


async def with_email(sessions: async_sessionmaker[AsyncSession], username: str, email: str) -> None:
    async with sessions() as session:
        await set_sign_in(session=session, username=username, email=email)
        await session.commit()


async def the_account(sessions: async_sessionmaker[AsyncSession], username: str) -> User:
    async with sessions() as session:
        return (await session.execute(select(User).where(User.username == username))).scalar_one()


async def audited(sessions: async_sessionmaker[AsyncSession], action: str) -> list[dict[str, Any]]:
    async with sessions() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return [entry.detail for entry in (await session.execute(stmt)).scalars()]


async def at_provider(
    browser: httpx.AsyncClient,
    provider: str,
    claims: dict[str, Any] | None,
    *,
    next_page: str = "/",
    deny: bool = False,
    sub: str | None = None,
) -> tuple[str, str]:
    """Start signing in and answer the provider's form: as `sub` (by default someone new) with `claims`
    (if given), or deny. Returns the sub and the address the provider sends the browser back to."""
    sub = sub or f"person-{uuid.uuid4()}"
    away = await browser.get("/sign-in/oidc", params={"next": next_page})
    assert away.status_code == 303
    authorize = away.headers["location"]
    async with httpx.AsyncClient() as person:
        if claims is not None:
            assert (await person.put(f"{provider}/users/{sub}", json=claims)).status_code == 204
        assert (await person.get(authorize)).status_code == 200  # the provider's sign-in form
        answer = await person.post(authorize, data={"action": "deny"} if deny else {"sub": sub})
    assert answer.status_code == 302
    return sub, answer.headers["location"]


async def test_a_verified_address_links_the_account_and_the_subject_signs_in_after(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession], provider: str
) -> None:
    await with_email(sessions, "cw", "cw@council.test")
    form = await browser.get("/sign-in?next=/cases")
    assert 'href="/sign-in/oidc?next=/cases"' in form.text
    assert "Sign in with your council account" in form.text
    assert 'action="/sign-in"' in form.text  # the password form stays

    away = await browser.get("/sign-in/oidc")
    asked = parse_qs(urlsplit(away.headers["location"]).query)
    assert away.headers["location"].startswith(f"{provider}/oauth2/authorize?")
    assert asked["response_type"] == ["code"]
    assert asked["client_id"] == [CLIENT_ID]
    assert asked["redirect_uri"] == ["https://ehcp.test/sign-in/oidc/callback"]
    assert asked["scope"] == ["openid email profile"]
    assert asked["code_challenge_method"] == ["S256"]
    assert all(asked[name][0] for name in ("state", "nonce", "code_challenge"))

    sub, back = await at_provider(
        browser, provider, {"email": "CW@Council.test", "email_verified": True}, next_page="/cases?mine=false"
    )
    assert back.startswith("https://ehcp.test/sign-in/oidc/callback?")
    signed = await browser.get(back)
    assert (signed.status_code, signed.headers["location"]) == (303, "/cases?mine=false")
    assert "httponly" in signed.headers["set-cookie"].lower()
    start = await browser.get("/start")
    assert (start.status_code, start.headers["location"]) == (303, "/cases")
    account = await the_account(sessions, "cw")
    assert account.oidc_subject == sub
    assert await audited(sessions, "auth.signed_in") == [{"client": "127.0.0.1", "via": "oidc"}]
    assert {"user_id": str(account.id), "changed": ["oidc_subject"]} in await audited(
        sessions, "account.sign_in_set"
    )

    # The next time, the subject alone names the account, whatever address the provider now gives.
    browser.cookies.clear()
    _, back = await at_provider(browser, provider, {"email": "someone.else@council.test"}, sub=sub)
    assert (await browser.get(back)).status_code == 303
    assert (await browser.get("/start")).headers["location"] == "/cases"


async def test_someone_with_no_account_is_refused_and_told_whom_to_ask(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession], provider: str
) -> None:
    await with_email(sessions, "cw", "cw@council.test")
    stranger, back = await at_provider(
        browser, provider, {"email": "nobody@council.test", "email_verified": True}
    )
    refused = await browser.get(back)
    assert refused.status_code == 403
    assert "ask the service&#39;s administrator to add you" in refused.text
    assert stranger in refused.text  # the identifier to give the administrator
    assert 'href="#oidc"' in refused.text
    assert 'id="oidc"' in refused.text

    # An address the provider does not vouch for links nothing, even one an account has.
    _, back = await at_provider(browser, provider, {"email": "cw@council.test"})
    assert (await browser.get(back)).status_code == 403
    assert (await the_account(sessions, "cw")).oidc_subject is None
    assert [d["reason"] for d in await audited(sessions, "auth.failed")] == ["no_account", "no_account"]
    assert {d["path"] for d in await audited(sessions, "auth.failed")} == {"/sign-in/oidc/callback"}
    assert (await browser.get("/start")).status_code == 303
    assert (await browser.get("/start")).headers["location"].startswith("/sign-in")


@pytest.fixture
def ehcp(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Awaitable[Result]]:
    """`ehcp` as an administrator runs it, on the lane's database (in a thread: it runs its own loop)."""
    monkeypatch.setenv("EHCP_DATABASE_URL", settings.database_url)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout's

    async def run(*args: str) -> Result:
        return await asyncio.to_thread(CliRunner().invoke, cli, list(args))

    return run


async def test_an_administrator_links_the_identifier_the_refused_person_was_shown(
    browser: httpx.AsyncClient,
    people: People,
    sessions: async_sessionmaker[AsyncSession],
    provider: str,
    ehcp: Callable[..., Awaitable[Result]],
) -> None:
    sub, back = await at_provider(browser, provider, {"email": "not-vouched-for@council.test"})
    assert sub in (await browser.get(back)).text

    linked = await ehcp("users", "link", "ep", sub)
    assert linked.exit_code == 0, linked.output
    assert f"'ep' signs in through the council's OpenID provider as {sub}" in linked.output
    added = await ehcp("users", "add", "new.mgr", "--role", "manager", "--oidc-subject", "mgr-sub")
    assert added.exit_code == 0, added.output
    taken = await ehcp("users", "link", "cw", sub)
    assert taken.exit_code == 2
    assert "another account has this OpenID subject" in taken.output

    _, back = await at_provider(browser, provider, None, sub=sub)
    assert (await browser.get(back)).status_code == 303
    assert (await browser.get("/start")).headers["location"] == "/inbox"
    assert (await the_account(sessions, "new.mgr")).oidc_subject == "mgr-sub"


async def test_a_disabled_account_is_refused_and_not_linked(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession], provider: str
) -> None:
    await with_email(sessions, "cw", "cw@council.test")
    async with sessions() as session:
        await set_disabled(session=session, username="cw", disabled=True)
        await session.commit()
    _, back = await at_provider(browser, provider, {"email": "cw@council.test", "email_verified": "true"})
    refused = await browser.get(back)
    assert refused.status_code == 403
    assert "Your account is disabled" in refused.text
    account = await the_account(sessions, "cw")
    assert account.oidc_subject is None
    assert await audited(sessions, "auth.failed") == [
        {
            "reason": "disabled",
            "client": "127.0.0.1",
            "path": "/sign-in/oidc/callback",
            "user_id": str(account.id),
        }
    ]
    assert await audited(sessions, "auth.signed_in") == []


async def test_a_linked_account_disabled_since_is_refused(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession], provider: str
) -> None:
    await with_email(sessions, "mgr", "mgr@council.test")
    _, back = await at_provider(browser, provider, {"email": "mgr@council.test", "email_verified": True})
    assert (await browser.get(back)).status_code == 303
    async with sessions() as session:
        await set_disabled(session=session, username="mgr", disabled=True)
        await session.commit()
    assert (await browser.get("/start")).status_code == 303  # signed out at once
    _, back = await at_provider(
        browser, provider, None, sub=(await the_account(sessions, "mgr")).oidc_subject
    )
    refused = await browser.get(back)
    assert (refused.status_code, "Your account is disabled" in refused.text) == (403, True)


async def test_a_tampered_state_or_a_replayed_answer_signs_nobody_in(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession], provider: str
) -> None:
    await with_email(sessions, "cw", "cw@council.test")
    _, back = await at_provider(browser, provider, {"email": "cw@council.test", "email_verified": True})
    query = parse_qs(urlsplit(back).query)
    forged = await browser.get(
        "/sign-in/oidc/callback", params={"code": query["code"][0], "state": query["state"][0] + "x"}
    )
    assert forged.status_code == 400
    assert "Your sign-in could not be checked: sign in again" in forged.text
    replayed = await browser.get(back)  # the flow was used up by the forged answer
    assert replayed.status_code == 400
    assert "Your sign-in took too long, or was started in another window" in replayed.text
    assert (await the_account(sessions, "cw")).oidc_subject is None
    assert await audited(sessions, "auth.signed_in") == []


async def test_an_id_token_for_another_nonce_is_refused(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession], provider: str
) -> None:
    await with_email(sessions, "cw", "cw@council.test")
    away = await browser.get("/sign-in/oidc")
    nonce = parse_qs(urlsplit(away.headers["location"]).query)["nonce"][0]
    replaying = away.headers["location"].replace(nonce, "a-nonce-from-another-sign-in")
    async with httpx.AsyncClient() as person:
        await person.put(
            f"{provider}/users/nonce-person", json={"email": "cw@council.test", "email_verified": True}
        )
        back = (await person.post(replaying, data={"sub": "nonce-person"})).headers["location"]
    assert (await browser.get(back)).status_code == 502
    assert (await the_account(sessions, "cw")).oidc_subject is None


async def test_an_account_linked_to_another_subject_is_not_taken_over_by_its_address(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession], provider: str
) -> None:
    async with sessions() as session:
        await set_sign_in(session=session, username="cw", email="cw@council.test", oidc_subject="the-first")
        await session.commit()
    newcomer, back = await at_provider(
        browser, provider, {"email": "cw@council.test", "email_verified": True}
    )
    refused = await browser.get(back)
    assert (refused.status_code, newcomer in refused.text) == (403, True)
    assert (await the_account(sessions, "cw")).oidc_subject == "the-first"


async def test_a_code_the_provider_did_not_issue_is_refused_not_a_500(
    browser: httpx.AsyncClient, people: People, provider: str
) -> None:
    _, back = await at_provider(browser, provider, {"email": "x@council.test", "email_verified": True})
    state = parse_qs(urlsplit(back).query)["state"][0]
    made_up = await browser.get("/sign-in/oidc/callback", params={"code": "made-up", "state": state})
    assert made_up.status_code == 502
    assert "Your sign-in could not be finished" in made_up.text


async def test_the_provider_refusing_is_told_in_plain_words(
    browser: httpx.AsyncClient, people: People, provider: str
) -> None:
    _, back = await at_provider(browser, provider, None, deny=True)
    assert parse_qs(urlsplit(back).query)["error"] == ["access_denied"]
    denied = await browser.get(back)
    assert denied.status_code == 401
    assert "You did not sign in at the council&#39;s sign-in service, or it refused you" in denied.text

    await browser.get("/sign-in/oidc")
    odd = await browser.get(
        "/sign-in/oidc/callback", params={"error": "<b>odd</b>", "error_description": "Call 0800 000 000"}
    )
    assert odd.status_code == 401
    assert "(an unknown error)" in odd.text
    assert "0800" not in odd.text
    assert "<b>odd" not in odd.text


async def test_a_sign_in_left_too_long_must_start_again(
    browser: httpx.AsyncClient, people: People, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, back = await at_provider(browser, provider, {"email": "x@council.test", "email_verified": True})
    monkeypatch.setattr(oidc, "FLOW_SECONDS", -1)
    late = await browser.get(back)
    assert late.status_code == 400
    assert "Your sign-in took too long" in late.text


async def test_an_id_token_not_signed_by_the_provider_is_refused(
    browser: httpx.AsyncClient, people: People, sessions: async_sessionmaker[AsyncSession], provider: str
) -> None:
    await with_email(sessions, "cw", "cw@council.test")
    _, back = await at_provider(browser, provider, {"email": "cw@council.test", "email_verified": True})
    published = httpx.get(f"{provider}/jwks").json()["keys"][0]
    impostor = KeySet([RSAKey.generate_key(2048, parameters={"kid": published["kid"]})])

    async def keys(self: oidc.Provider, *, fresh: bool = False) -> KeySet:
        return impostor

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(oidc.Provider, "key_set", keys)
        refused = await browser.get(back)
    assert refused.status_code == 502
    assert (await the_account(sessions, "cw")).oidc_subject is None


async def test_an_id_token_from_another_issuer_is_refused(
    browser: httpx.AsyncClient,
    people: People,
    sessions: async_sessionmaker[AsyncSession],
    provider: str,
    app: FastAPI,
) -> None:
    await with_email(sessions, "cw", "cw@council.test")
    _, back = await at_provider(browser, provider, {"email": "cw@council.test", "email_verified": True})
    app.state.oidc_provider.metadata["issuer"] = "https://login.example/other"
    assert (await browser.get(back)).status_code == 502
    assert (await the_account(sessions, "cw")).oidc_subject is None


async def test_an_expired_id_token_is_refused(
    people: People, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    await with_email(sessions, "cw", "cw@council.test")
    for stale in _provider(access_token_max_age=timedelta(minutes=-5)):
        late = settings.model_copy(update={"oidc_discovery_url": f"{stale}/.well-known/openid-configuration"})
        transport = httpx.ASGITransport(app=create_app(late, session_factory=sessions))
        async with httpx.AsyncClient(transport=transport, base_url="https://ehcp.test") as browser:
            _, back = await at_provider(browser, stale, {"email": "cw@council.test", "email_verified": True})
            assert (await browser.get(back)).status_code == 502
    assert (await the_account(sessions, "cw")).oidc_subject is None


async def test_a_provider_that_cannot_be_reached_is_said_so(
    browser: httpx.AsyncClient, people: People, app: FastAPI
) -> None:
    app.state.settings = app.state.settings.model_copy(
        update={"oidc_discovery_url": "http://127.0.0.1:1/.well-known/openid-configuration"}
    )
    down = await browser.get("/sign-in/oidc?next=/cases")
    assert down.status_code == 503
    assert "The council&#39;s sign-in service cannot be reached" in down.text
    assert 'name="next" value="/cases"' in down.text  # the password form, going to the same place
