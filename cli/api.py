"""`ehcp api`: the HTTP API and pages under uvicorn, as production runs them."""

from __future__ import annotations

import typer
import uvicorn

from api.app import create_app
from cli.settings import load_service_settings, session_secret_problem
from cli.shell import fail
from core.logging import configure_logging

app = typer.Typer()


@app.command()
def api() -> None:
    """Serve the HTTP API and pages. Refuses the public development key, and pages without a session key,
    unless EHCP_DEMO=true."""
    settings = load_service_settings("api")
    if problem := session_secret_problem(settings):
        fail("api", problem)
    configure_logging(settings)
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        server_header=False,  # no "server: uvicorn" banner (api/security.py)
    )
