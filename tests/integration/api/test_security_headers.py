"""Every response carries the security headers (api/security.py), and no server banner is sent."""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.app import create_app
from api.security import API_POLICY, DOCS_POLICY, pages_policy
from core.settings import Settings

from .conftest import People

CLI = Path(__file__).resolve().parents[3] / "cli"


@pytest.fixture
async def client(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app with no Temporal behind it (no request here reaches a workflow), and one route that
    fails as a bug would."""
    app = create_app(settings, client=cast(Client, object()), session_factory=sessions)

    async def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/broken", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def assert_guarded(response: httpx.Response, policy: str = API_POLICY) -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff", response.url
    assert headers["referrer-policy"] == "no-referrer", response.url
    assert headers["content-security-policy"] == policy, response.url
    assert headers["x-frame-options"] == "DENY", response.url
    assert "server" not in headers, response.url


async def test_api_data_and_every_error_carry_the_headers(client: httpx.AsyncClient, people: People) -> None:
    answers: dict[str, Any] = {
        "data": await client.get("/api/advice-requests", headers=people.health.auth),
        "health": await client.get("/api/health"),
        "401": await client.get("/api/cases"),
        "403": await client.get("/api/advice-requests", headers=people.caseworker.auth),
        "404": await client.get("/api/no-such-thing"),
        "422": await client.get("/api/advice-requests?limit=0", headers=people.health.auth),
        "500": await client.get("/api/broken"),
        "openapi": await client.get("/openapi.json"),
    }
    assert {name: r.status_code for name, r in answers.items()} == {
        "data": 200,
        "health": 200,
        "401": 401,
        "403": 403,
        "404": 404,
        "422": 422,
        "500": 500,
        "openapi": 200,
    }
    for response in answers.values():
        assert_guarded(response)
        assert response.headers["cache-control"] == "no-store", response.url


async def test_the_pages_load_only_the_services_own_assets_and_post_only_here(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/", "/sign-in"):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert_guarded(page, pages_policy())
        assert page.headers["cache-control"] == "no-store"
    policy = pages_policy()
    assert "'unsafe-inline'" not in policy
    assert "form-action 'self'" in policy
    style = await client.get("/static/ehcp.css")
    assert style.status_code == 200
    assert "no-store" not in style.headers.get("cache-control", "")  # an asset, not data


def test_the_councils_logo_may_come_from_its_own_site() -> None:
    assert "img-src 'self' https://www.council.example;" in pages_policy(
        "https://www.council.example/logo.svg"
    )
    assert "img-src 'self';" in pages_policy("/static/logo.svg")


async def test_the_documentation_pages_may_run_their_own_installed_scripts(client: httpx.AsyncClient) -> None:
    for path in ("/api/docs", "/api/redoc"):
        page = await client.get(path)
        assert page.status_code == 200
        assert_guarded(page, DOCS_POLICY)
        assert "default-src 'self'" in DOCS_POLICY
        assert "https:" not in DOCS_POLICY  # nothing from elsewhere

    asset = await client.get("/api/docs-assets/swagger-ui.css")
    assert asset.status_code == 200
    assert_guarded(asset)
    assert "no-store" not in asset.headers.get("cache-control", "")  # installed files, not data


async def test_behind_a_proxy_prefix_the_docs_are_still_known(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    app = create_app(settings, client=cast(Client, object()), session_factory=sessions)
    transport = httpx.ASGITransport(app=app, root_path="/ehcp")
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        page = await http.get("/ehcp/api/docs")
    assert page.headers["content-security-policy"] == DOCS_POLICY


@pytest.mark.parametrize("module", ["api.py", "api_processes.py", "stack.py"])
def test_uvicorn_is_started_without_its_server_banner(module: str) -> None:
    """uvicorn adds `server: uvicorn` below the app, where no middleware can remove it."""
    tree = ast.parse((CLI / module).read_text())
    starts = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "uvicorn"
        and node.func.attr in {"run", "Config"}
    ]
    assert starts, f"cli/{module} no longer starts uvicorn: move this test with it"
    for start in starts:
        banner = [k.value for k in start.keywords if k.arg == "server_header"]
        assert banner, f"cli/{module}:{start.lineno} starts uvicorn without server_header=False"
        assert isinstance(banner[0], ast.Constant)
        assert banner[0].value is False
