"""`ehcp migrate`: bring the database to the latest schema, as production runs it before a release."""

from __future__ import annotations

import asyncio

import typer

from cli.settings import ensure_sqlite_folder, load_settings
from cli.shell import fail
from db.migrate import upgrade

app = typer.Typer()


@app.command()
def migrate() -> None:
    """Bring the database to the latest schema (Alembic); safe to run again."""
    settings = load_settings("migrate")
    ensure_sqlite_folder(settings.database_url)
    typer.echo("==> migrating the database to the latest schema")
    try:
        asyncio.run(upgrade(settings.database_url))
    except OSError as error:
        fail("migrate", f"cannot reach the database ({error}); check EHCP_DATABASE_URL")
    typer.echo("==> the database is up to date")
