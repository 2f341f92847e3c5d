"""`ehcp users add`, `ehcp agencies add|list`: the accounts and agencies the database holds."""

from __future__ import annotations

import asyncio
import uuid
from enum import StrEnum
from typing import Annotated

import typer

from cli.settings import load_settings
from cli.shell import fail
from db.agencies import create_agency, list_agencies
from db.engine import make_engine, make_session_factory
from db.users import create_user

app = typer.Typer()
users = typer.Typer(no_args_is_help=True, help="Staff and agency accounts, with their API tokens.")
app.add_typer(users, name="users")
agencies = typer.Typer(
    no_args_is_help=True, help="The schools, health, EP and social care services advice comes from."
)
app.add_typer(agencies, name="agencies")


class Role(StrEnum):
    caseworker = "caseworker"
    manager = "manager"
    agency = "agency"
    admin = "admin"


@users.command(name="add")
def users_add(
    username: Annotated[str, typer.Argument(help="A unique login name, e.g. j.smith")],
    role: Annotated[Role, typer.Option(help="What the account may do.")],
    display_name: Annotated[str | None, typer.Option(help="The person's name as staff see it.")] = None,
    agency_id: Annotated[str | None, typer.Option(help="For role agency: the agency it answers for.")] = None,
) -> None:
    """Create an account and print its API token once (only its hash is kept)."""
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


@agencies.command(name="add")
def agencies_add(
    name: Annotated[str, typer.Argument(help="e.g. 'Riverside Primary School'")],
    kind: Annotated[AgencyKind, typer.Option(help="What sort of body it is.")],
    email: Annotated[str, typer.Option(help="Where advice requests are sent.")],
    webhook_url: Annotated[
        str | None, typer.Option(help="Its system's signed-webhook endpoint, if any.")
    ] = None,
) -> None:
    """Add an agency that advice can be requested from; prints its id."""
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


@agencies.command(name="list")
def agencies_list() -> None:
    """List the agencies with their ids."""
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
