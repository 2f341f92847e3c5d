"""`ehcp api`: the HTTP API and pages under uvicorn, as production runs them.

With `EHCP_API_WORKERS` above 1, uvicorn starts that many processes on one port, each building the app
from the environment (`asgi_app`): a page is mostly Python, and one process uses one core.
"""

from __future__ import annotations

import typer
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from cli.settings import load_service_settings, session_secret_problem
from cli.shell import fail
from core.logging import configure_logging
from core.settings import Settings

app = typer.Typer()


def _checked() -> Settings:
    settings = load_service_settings("api")
    if problem := session_secret_problem(settings):
        fail("api", problem)
    configure_logging(settings)
    return settings


def asgi_app() -> FastAPI:
    """The app of one of several API processes: each reads the same settings from the environment."""
    return create_app(_checked())


@app.command()
def api() -> None:
    """Serve the HTTP API and pages. Refuses the public development key, and pages without a session key,
    unless EHCP_DEMO=true."""
    settings = _checked()
    served: FastAPI | str = create_app(settings) if settings.api_workers == 1 else "cli.api:asgi_app"
    uvicorn.run(
        served,
        factory=settings.api_workers > 1,
        workers=settings.api_workers,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        server_header=False,  # no "server: uvicorn" banner (api/security.py)
    )
