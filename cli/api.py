"""`ehcp api`: the HTTP API and pages under uvicorn, as production runs them.

With `EHCP_API_WORKERS` above 1, that many processes serve one port, each building the app from the
environment (`asgi_app`): a page is mostly Python, and one process uses one core. On Linux each listens on
a socket of its own, so the kernel spreads the connections over them (cli/api_processes.py); elsewhere
uvicorn's workers share one.
"""

from __future__ import annotations

import typer
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from cli.api_processes import SPREAD, serve_app, serve_processes
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
    if settings.api_workers > 1 and SPREAD:  # each process on a socket of its own (cli/api_processes.py)
        host, port = settings.api_host, settings.api_port
        try:
            status = serve_processes(settings.api_workers, host, port, serve_app)
        except OSError as error:
            fail("api", f"cannot listen on {host}:{port} ({error.strerror}): set EHCP_API_PORT to one free")
        if status:
            typer.echo("ehcp api: an API process could not start (its log above says why)", err=True)
            raise typer.Exit(status)
        return
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
