"""`ehcp worker`: the Temporal worker in this process, as production runs it (and `ehcp run`, as a child)."""

from __future__ import annotations

import asyncio
import contextlib

import typer

from cli.settings import load_service_settings
from core.logging import configure_logging
from worker.main import run_worker

app = typer.Typer()


@app.command()
def worker() -> None:
    """Run the Temporal worker: every workflow and activity, until Ctrl-C. Refuses the public development
    key unless EHCP_DEMO=true."""
    settings = load_service_settings("worker")
    configure_logging(settings)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(settings))
