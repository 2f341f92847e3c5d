"""The FastAPI application: the JSON API under `/api` for caseworkers, agencies and managers.

`create_app(settings)` connects to Temporal and the database when it starts; tests (and the embedded
runner) hand in a client and a session factory they already hold. `/` says what the service is, and the
documentation is served from installed assets at `/api/docs` (`api/docs.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client

from api.body_limit import install_body_limit
from api.body_parse import install_readable_body
from api.docs import install_docs
from api.openapi_links import install_openapi_links
from api.pages import install_pages
from api.problems import install_error_handlers
from api.routes import advice, attention, cases, health, home, manager, plans
from api.schemas.common import document_problems
from api.security import install_security_headers
from core.settings import Settings
from core.temporal import connect
from db.engine import make_engine, make_session_factory

DESCRIPTION = """\
Education, Health and Care needs assessments and plans for an English local authority
(Children and Families Act 2014 Part 3; SEND Regulations 2014). Every request is a durable workflow
holding its statutory clocks; every command is refused before anything is written if the law or the
case's stage does not allow it.

Authenticate with `Authorization: Bearer <token>`. Commands take an `Idempotency-Key` header: send the
same key when retrying and the command is applied once.

Every error is `application/problem+json` (RFC 9457): a `type` for each kind of problem, its `title`, the
`status`, a `detail` saying what is wrong and what to do, the `field` at fault and, for invalid input, every
fault in `errors`.
"""

TAGS = [
    {"name": "caseworkers", "description": "Requests and the statutory steps on them (regs 3-14)."},
    {
        "name": "plans",
        "description": "EHC plans: annual reviews, amendments, phase transfers and ceasing (regs 18-31).",
    },
    {"name": "agencies", "description": "Advice requests sent to an agency and its advice (regs 6-8)."},
    {"name": "managers", "description": "Overdue steps, timeliness measures and exception approvals."},
    {"name": "operations", "description": "Service health."},
]


# The JSON API's routers, each under /api (OpenAPI lists every route of them: tests/integration/api).
API_ROUTERS = (
    cases.router,
    plans.router,
    advice.router,
    advice.by_post,
    manager.router,
    attention.router,
    health.router,
)


def create_app(
    settings: Settings,
    *,
    client: Client | None = None,
    session_factory: async_sessionmaker[AsyncSession] | None = None,
    temporal_ui_url: str | None = None,
) -> FastAPI:
    """The API; what is not handed in (Temporal client, session factory) is made when it starts.
    `temporal_ui_url`, the embedded stack's Temporal Web UI, is linked from `/` when given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine: AsyncEngine | None = None
        if app.state.sessions is None:
            size = settings.database_pool_size
            engine = make_engine(settings.database_url, pool_size=size, max_overflow=size)
            app.state.sessions = make_session_factory(engine)
        if app.state.temporal is None:
            app.state.temporal = await connect(settings)
        try:
            yield
        finally:
            if engine is not None:
                await engine.dispose()

    app = FastAPI(
        title="EHCP orchestration API",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs from installed assets, not FastAPI's CDN pages
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.temporal = client
    app.state.sessions = session_factory
    app.state.temporal_ui_url = temporal_ui_url
    install_error_handlers(app)
    for router in API_ROUTERS:
        app.include_router(router)
    app.include_router(home.router)
    install_openapi_links(app)  # OpenAPI links from an answer to what takes its ids
    install_docs(app)
    install_problem_documents(app)  # every error response documented as a Problem (api/schemas/common.py)
    install_readable_body(app)  # a body that cannot be read: 422 after authentication (api/body_parse.py)
    install_body_limit(app, settings)  # bodies over EHCP_MAX_BODY_BYTES (uploads: more) answer 413
    install_pages(app, settings)  # the GOV.UK pages, their assets and the session cookie (api/pages/)
    # every response: nosniff, no-store, CSP (api/security.py)
    install_security_headers(app, settings.la_logo_url)
    return app


def install_problem_documents(app: FastAPI) -> None:
    """The OpenAPI document FastAPI makes, with every error response as the API answers it: a problem."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return document_uploads(document_problems(generate()))  # in place, and the same on a second run

    app.openapi = openapi  # type: ignore[method-assign]


def document_uploads(document: dict[str, Any]) -> dict[str, Any]:
    """Each uploaded file has content: a form part with none is refused (api/services/uploads.py), which
    JSON Schema says as a binary string's `minLength` (FastAPI does not write it)."""
    for schema in document.get("components", {}).get("schemas", {}).values():
        files = schema.get("properties", {}).get("files", {})
        if files.get("type") == "array" and files.get("items", {}).get("contentMediaType"):
            files["items"]["minLength"] = 1
    return document
