"""The front door works offline (issue 9 §12): the API documentation `ehcp run` prints is served from the
package's own assets, so it renders on a machine without internet, and `/` says what the service is and
where to go, without sign-in and without touching a case.

The apps built here without a session factory or Temporal client (their lifespan never runs under
`httpx.ASGITransport`) prove those pages need neither: they can reveal no case data.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from api.app import create_app
from cli.stack import TRY_PATHS, service_urls
from core.settings import Settings
from tests.integration.api.conftest import People

BASE = "http://ehcp.test"
CONTENT_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


class _Assets(HTMLParser):
    """The URLs a page loads: every script's `src` and every link's `href`."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


def assets_of(page: str) -> list[str]:
    parser = _Assets()
    parser.feed(page)
    return parser.urls


def client(*, temporal_ui_url: str | None = None) -> httpx.AsyncClient:
    app = create_app(Settings(_env_file=None), temporal_ui_url=temporal_ui_url)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)


@pytest.mark.parametrize(("path", "script"), [("/api/docs", "swagger-ui-bundle.js"), ("/api/redoc", "redoc")])
async def test_the_documentation_loads_only_the_services_own_assets(path: str, script: str) -> None:
    async with client() as http:
        page = await http.get(path)
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assets = assets_of(page.text)
        assert any(script in url for url in assets), assets
        assert "cdn" not in page.text.lower()
        assert "fonts.googleapis" not in page.text
        for url in assets:
            absolute = urljoin(str(page.url), url)
            assert urlsplit(absolute).netloc == urlsplit(BASE).netloc, f"{url} is loaded from another host"
            asset = await http.get(absolute)
            assert asset.status_code == 200, url
            suffix = re.search(r"\.\w+$", urlsplit(absolute).path)
            assert suffix, url
            assert CONTENT_TYPES[suffix.group()] in asset.headers["content-type"], url
            assert asset.content, url


async def test_swagger_ui_reads_the_services_openapi_document() -> None:
    async with client() as http:
        page = await http.get("/api/docs")
        (document_url,) = re.findall(r"url: '([^']+)'", page.text)
        document = await http.get(document_url)
        assert document.status_code == 200
        assert "/api/cases" in document.json()["paths"]
        # Tools and tests take it at FastAPI's usual address; the same document sits under /api too.
        assert (await http.get("/openapi.json")).json() == document.json()
        assert (await http.get("/api/openapi.json")).json() == document.json()


@pytest.mark.parametrize(("old", "new"), [("/docs", "/api/docs"), ("/redoc", "/api/redoc")])
async def test_fastapis_usual_documentation_addresses_lead_to_the_served_ones(old: str, new: str) -> None:
    async with client() as http:
        moved = await http.get(old)
        assert moved.is_redirect
        assert moved.headers["location"] == new


async def test_the_home_page_says_what_the_service_is_and_where_to_go() -> None:
    async with client() as http:
        page = await http.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert re.search(r'<html lang="en-GB"', page.text)
    assert re.search(r"<h1[^>]*>[^<]*(EHC|[Ee]ducation, health and care)[^<]*</h1>", page.text)
    links = re.findall(r'<a [^>]*href="([^"]+)"', page.text)
    assert "/sign-in" in links  # people sign in to the pages
    assert "/api/docs" in links  # systems read the API's documentation
    assert "/api/health" in links
    assert "Temporal" not in page.text  # no UI address was handed in
    # Only the service's own scripts and styles: nothing from elsewhere (the machine may be offline).
    assets = assets_of(page.text)
    assert assets
    assert all(urlsplit(url).netloc in ("", urlsplit(BASE).netloc) for url in assets), assets


async def test_the_home_page_links_the_temporal_ui_it_is_given() -> None:
    async with client(temporal_ui_url="http://127.0.0.1:8233") as http:
        page = await http.get("/")
    assert "http://127.0.0.1:8233" in re.findall(r'<a [^>]*href="([^"]+)"', page.text)


@pytest.mark.parametrize(
    "accept", ["application/json", "application/json, text/html;q=0.5", "text/html;q=0.1, application/json"]
)
async def test_the_home_page_answers_json_to_a_request_for_json(accept: str) -> None:
    async with client(temporal_ui_url="http://127.0.0.1:8233") as http:
        answer = await http.get("/", headers={"Accept": accept})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert "Accept" in answer.headers["vary"]
    body = answer.json()
    assert body["documentation"] == "/api/docs"
    assert body["openapi"] == "/openapi.json"
    assert body["health"] == "/api/health"
    assert body["temporal_ui"] == "http://127.0.0.1:8233"
    assert "EHC" in body["service"]


async def test_every_url_ehcp_run_prints_answers(api: httpx.AsyncClient, people: People) -> None:
    """Each address the banner prints that the API serves (the Temporal UI is the dev server's own)
    answers 200; and so do the requests it suggests trying, with the demo account's token."""
    settings = Settings(_env_file=None)
    api_base = f"http://{settings.api_host}:{settings.api_port}"
    urls = [url for _, url in service_urls(settings, ui_port=8233) if url.startswith(api_base)]
    assert len(urls) >= 3
    for url in urls:
        answer = await api.get(url.removeprefix(api_base) or "/")
        assert answer.status_code == 200, url
    accounts = {"demo-caseworker": people.caseworker, "demo-manager": people.manager}
    for user, path in TRY_PATHS:
        answer = await api.get(path, headers=accounts[user].auth)
        assert answer.status_code == 200, (path, answer.text)
