"""The pages on the app: their assets, the session cookie, the routes, and what a page answers when it
cannot be shown (sign in first, not for your role, a form that expired)."""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from api.pages import (
    actions,
    assess,
    by_post,
    cases,
    dashboard,
    dashboard_lists,
    dashboard_owed,
    exceptions,
    inbox,
    oidc,
    request,
    sign_in,
    start,
)
from api.pages.sessions import COOKIE, PageProblem, SignInRequired
from api.pages.templating import render
from core.settings import Settings

STATIC = Path(__file__).parent.parent / "static"
STATIC_PATH = "/static"


def session_secret(settings: Settings) -> str:
    """The key that signs the cookie; a process of its own when none is set (`ehcp api` refuses that
    outside a demo: cli/settings.py)."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    return secrets.token_urlsafe(48)


def install_pages(app: FastAPI, settings: Settings) -> None:
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC), name="static")
    app.state.dashboard_figures = dashboard.KeptFigures()
    app.state.dashboard_retries = dashboard.KeptRetries()
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie=COOKIE,
        max_age=settings.session_idle_minutes * 60,
        same_site="lax",
        https_only=settings.session_cookie_secure,
    )
    # The pages at fixed addresses under /cases (a new request, an exception) and the decision whether to
    # assess before the other steps: all of them are also /cases/{case_id}/{step}.
    for module in (
        sign_in,
        oidc,
        start,
        request,
        cases,
        exceptions,
        by_post,
        assess,
        actions,
        inbox,
        dashboard,
        dashboard_lists,
        dashboard_owed,
    ):
        app.include_router(module.router)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, error: SignInRequired) -> RedirectResponse:
        return RedirectResponse(f"/sign-in?next={error.back_to}", status_code=303)

    @app.exception_handler(PageProblem)
    async def page_problem(request: Request, error: PageProblem) -> HTMLResponse:
        return render(
            request, "problem.html", status_code=error.status, title=error.title, message=error.message
        )
