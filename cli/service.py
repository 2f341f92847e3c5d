"""`ehcp migrate`, `ehcp worker`, `ehcp api`, `ehcp users add`, `ehcp agencies add|list`."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from cli.timeline import fail
from core.logging import configure_logging
from core.settings import Settings


def load_settings(command: str, **overrides: Any) -> Settings:
    """The settings, or one line per problem naming the variable, and exit status 2."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
        fail(command, f"the settings are not valid: {problems}")


def ensure_sqlite_folder(url: str) -> None:
    """SQLite needs its folder to exist (var/ on a fresh checkout)."""
    if url.startswith("sqlite") and ":///" in url:
        Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)


def migrate() -> None:
    """Bring the database to the latest schema (Alembic); safe to run again."""
    from db.migrate import upgrade

    settings = load_settings("migrate")
    ensure_sqlite_folder(settings.database_url)
    typer.echo("==> migrating the database to the latest schema")
    try:
        asyncio.run(upgrade(settings.database_url))
    except OSError as error:
        fail("migrate", f"cannot reach the database ({error}); check EHCP_DATABASE_URL")
    typer.echo("==> the database is up to date")


def worker() -> None:
    """Run the Temporal worker: every workflow and activity, until Ctrl-C."""
    from worker.main import run_worker

    settings = load_settings("worker")
    configure_logging(settings)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(settings))


def api() -> None:
    """Serve the HTTP API and pages."""
    import uvicorn

    from api.app import create_app

    settings = load_settings("api")
    configure_logging(settings)
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_config=None)


class Role(StrEnum):
    caseworker = "caseworker"
    manager = "manager"
    agency = "agency"
    admin = "admin"


def users_add(
    username: Annotated[str, typer.Argument(help="A unique login name, e.g. j.smith")],
    role: Annotated[Role, typer.Option(help="What the account may do.")],
    display_name: Annotated[str | None, typer.Option(help="The person's name as staff see it.")] = None,
    agency_id: Annotated[str | None, typer.Option(help="For role agency: the agency it answers for.")] = None,
) -> None:
    """Create an account and print its API token once (only its hash is kept)."""
    from db.engine import make_engine, make_session_factory
    from db.users import create_user

    if (role is Role.agency) != (agency_id is not None):
        fail("users add", "--agency-id is needed for role agency, and only for it")
    agency = _uuid("users add", "--agency-id", agency_id) if agency_id else None
    settings = load_settings("users add")

    async def create() -> str:
        engine = make_engine(settings.database_url)
        try:
            async with make_session_factory(engine).begin() as session:
                _, token = await create_user(
                    session=session,
                    username=username,
                    display_name=display_name or username,
                    role=role.value,
                    agency_id=agency,
                )
            return token
        finally:
            await engine.dispose()

    try:
        token = asyncio.run(create())
    except Exception as error:  # the database's own message says what is wrong
        fail("users add", f"could not create '{username}': {_first_line(error)}")
    typer.echo(f"created {role.value} '{username}'. API token (shown once, keep it safe):\n{token}")


class AgencyKind(StrEnum):
    school = "school"
    early_years = "early_years"
    health = "health"
    educational_psychology = "educational_psychology"
    social_care = "social_care"
    other = "other"


def agencies_add(
    name: Annotated[str, typer.Argument(help="e.g. 'Riverside Primary School'")],
    kind: Annotated[AgencyKind, typer.Option(help="What sort of body it is.")],
    email: Annotated[str, typer.Option(help="Where advice requests are sent.")],
    webhook_url: Annotated[
        str | None, typer.Option(help="Its system's signed-webhook endpoint, if any.")
    ] = None,
) -> None:
    """Add an agency that advice can be requested from; prints its id."""
    from db.agencies import create_agency
    from db.engine import make_engine, make_session_factory

    settings = load_settings("agencies add")

    async def create() -> uuid.UUID:
        engine = make_engine(settings.database_url)
        try:
            async with make_session_factory(engine).begin() as session:
                agency = await create_agency(
                    session=session, name=name, kind=kind.value, email=email, webhook_url=webhook_url
                )
            return agency.id
        finally:
            await engine.dispose()

    try:
        agency_id = asyncio.run(create())
    except Exception as error:
        fail("agencies add", f"could not add '{name}': {_first_line(error)}")
    typer.echo(f"added {kind.value} '{name}': {agency_id}")


def agencies_list() -> None:
    """List the agencies with their ids."""
    from db.agencies import list_agencies
    from db.engine import make_engine, make_session_factory

    settings = load_settings("agencies list")

    async def read() -> list[tuple[str, str, str]]:
        engine = make_engine(settings.database_url)
        try:
            async with make_session_factory(engine)() as session:
                return [(str(a.id), a.kind, a.name) for a in await list_agencies(session=session)]
        finally:
            await engine.dispose()

    for agency_id, kind, name in asyncio.run(read()):
        typer.echo(f"{agency_id}  {kind:<24} {name}")


def _uuid(command: str, option: str, value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        fail(command, f"{option}: '{value}' is not an id; `ehcp agencies list` shows them")


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
