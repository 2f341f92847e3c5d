"""`ehcp users add|list|password|revoke|rotate|disable|enable`, `ehcp agencies add|list`: the accounts and
agencies the database holds.

An account's API token is printed once, when it is issued (`add`, `rotate`), and expires after
`EHCP_TOKEN_LIFETIME_DAYS`; `revoke` stops it at once and `disable` shuts the account without SQL. A
person signs in to the pages with an email address and a password: `add --email` and `password` make a
password and print it once (or take one from standard input with `--stdin`); only its hash is kept. Or
through the council's OpenID provider: the first time by the account's email address when the provider
vouches for it, or as an administrator links it (`add --oidc-subject`, `link`) to the identifier the
person is shown when refused. Each change is audited by db/users.py and db/sign_in.py.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, NoReturn, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from cli.settings import load_settings
from cli.shell import fail
from core.emails import InvalidEmail, checked_email
from core.settings import Settings
from db.agencies import create_agency, list_agencies
from db.base import utcnow
from db.engine import make_engine, make_session_factory
from db.errors import InvalidRecord
from db.models import AgencyKind, Role
from db.sign_in import PASSWORD_MAX, PASSWORD_MIN, new_password, set_sign_in
from db.users import Listing, UnknownUser, create_user, list_users, revoke_token, rotate_token, set_disabled

T = TypeVar("T")

app = typer.Typer()
users = typer.Typer(no_args_is_help=True, help="Staff and agency accounts, with their API tokens.")
app.add_typer(users, name="users")
agencies = typer.Typer(
    no_args_is_help=True, help="The schools, health, EP and social care services advice comes from."
)
app.add_typer(agencies, name="agencies")


@users.command(name="add")
def users_add(  # noqa: PLR0917 (Typer passes each option by name)
    username: Annotated[str, typer.Argument(help="A unique login name, e.g. j.smith")],
    role: Annotated[Role, typer.Option(help="What the account may do.")],
    display_name: Annotated[str | None, typer.Option(help="The person's name as staff see it.")] = None,
    agency_id: Annotated[str | None, typer.Option(help="For role agency: the agency it answers for.")] = None,
    email: Annotated[
        str | None, typer.Option(help="The person's email address: they sign in to the pages with it.")
    ] = None,
    stdin: Annotated[
        bool, typer.Option("--stdin", help="With --email: read the password from standard input.")
    ] = False,
    oidc_subject: Annotated[
        str | None, typer.Option(help="The person's identifier at the council's OpenID provider.")
    ] = None,
) -> None:
    """Create an account and print its API token once (only its hash is kept); with --email, a password
    to sign in to the pages, made and printed once unless read from standard input; with --oidc-subject,
    signing in through the council's OpenID provider."""
    if (role == "agency") != (agency_id is not None):
        fail("users add", "--agency-id is needed for role agency, and only for it")
    agency = _uuid("users add", "--agency-id", agency_id) if agency_id else None
    address = _email("users add", email) if email is not None else None
    password = _password("users add", stdin=stdin) if address is not None else None
    settings = load_settings("users add")

    async def create() -> tuple[datetime, str]:
        engine = make_engine(settings.database_url)
        try:
            async with make_session_factory(engine).begin() as session:
                user, token = await create_user(
                    session=session,
                    username=username,
                    display_name=display_name or username,
                    role=role,
                    agency_id=agency,
                    lifetime=_lifetime(settings),
                )
                if address is not None or oidc_subject is not None:
                    await set_sign_in(
                        session=session,
                        username=username,
                        email=address,
                        password=password,
                        oidc_subject=oidc_subject,
                    )
            return user.token_expires_at, token
        finally:
            await engine.dispose()

    try:
        expires, token = asyncio.run(create())
    except InvalidRecord as error:
        fail("users add", f"could not create '{username}': {error}")
    except Exception as error:  # the database's own message says what is wrong
        fail("users add", f"could not create '{username}': {_first_line(error)}")
    typer.echo(
        f"created {role} '{username}'. API token (shown once, keep it safe; "
        f"it expires {_at(expires)} UTC):\n{token}"
    )
    if address is not None and not stdin:
        typer.echo(f"sign in to the pages as {address} with the password (shown once):\n{password}")
    if oidc_subject is not None:
        typer.echo(f"'{username}' signs in through the council's OpenID provider as {oidc_subject}")


@users.command(name="link")
def users_link(
    username: Annotated[str, typer.Argument(help="The account, as `ehcp users list` names it.")],
    subject: Annotated[
        str, typer.Argument(help="The identifier the sign-in page showed the person when it refused them.")
    ],
) -> None:
    """Let the account sign in through the council's OpenID provider as `subject` (the provider's `sub`,
    or Entra ID's object ID with EHCP_OIDC_SUBJECT_CLAIM=oid), in place of any subject it had."""
    settings = load_settings("users link")

    async def link(session: AsyncSession) -> None:
        await set_sign_in(session=session, username=username, oidc_subject=subject)

    _in_database("users link", settings, link, username)
    typer.echo(f"'{username}' signs in through the council's OpenID provider as {subject}")


@users.command(name="password")
def users_password(
    username: Annotated[str, typer.Argument(help="The account, as `ehcp users list` names it.")],
    email: Annotated[str | None, typer.Option(help="Also set or change the account's email address.")] = None,
    stdin: Annotated[bool, typer.Option("--stdin", help="Read the password from standard input.")] = False,
) -> None:
    """Give the account a new password to sign in to the pages with, made and printed once unless read
    from standard input; the old one stops working at once."""
    address = _email("users password", email) if email is not None else None
    password = _password("users password", stdin=stdin)
    settings = load_settings("users password")

    async def set_it(session: AsyncSession) -> str | None:
        user = await set_sign_in(session=session, username=username, email=address, password=password)
        return user.email

    signs_in_as = _in_database("users password", settings, set_it, username)
    if signs_in_as is None:
        typer.echo(f"'{username}' has a new password but no email address yet: add one with --email")
    elif stdin:
        typer.echo(f"'{username}' signs in as {signs_in_as} with the password given")
    else:
        typer.echo(f"'{username}' signs in as {signs_in_as} with the password (shown once):\n{password}")


@users.command(name="list")
def users_list() -> None:
    """List the accounts: role, agency, created, token expiry, disabled (never a token); times in UTC."""
    settings = load_settings("users list")
    listings = _in_database("users list", settings, lambda session: list_users(session=session))
    if not listings:
        typer.echo("no accounts yet; `ehcp users add NAME --role ROLE` makes one")
        return
    now = utcnow()
    rows = [("NAME", "ROLE", "AGENCY", "CREATED (UTC)", "TOKEN EXPIRES (UTC)", "DISABLED")]
    rows += [
        (
            a.username,
            a.role,
            a.agency or "-",
            _at(a.created_at),
            _expiry(a, now),
            "yes" if a.disabled else "no",
        )
        for a in listings
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        typer.echo(
            "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]])
        )


@users.command(name="revoke")
def users_revoke(
    username: Annotated[str, typer.Argument(help="The account, as `ehcp users list` names it.")],
) -> None:
    """Stop the account's API token working, at once. `ehcp users rotate` issues a new one."""
    settings = load_settings("users revoke")
    changed = _in_database(
        "users revoke", settings, lambda session: revoke_token(session=session, username=username), username
    )
    state = "is revoked" if changed else "was already revoked"
    typer.echo(f"the API token of '{username}' {state}; `ehcp users rotate {username}` issues a new one")


@users.command(name="rotate")
def users_rotate(
    username: Annotated[str, typer.Argument(help="The account, as `ehcp users list` names it.")],
) -> None:
    """Issue the account a new API token and print it once; the old token stops working at once."""
    settings = load_settings("users rotate")
    user, token = _in_database(
        "users rotate",
        settings,
        lambda session: rotate_token(session=session, username=username, lifetime=_lifetime(settings)),
        username,
    )
    typer.echo(
        f"new API token for '{username}' (shown once, keep it safe; it expires "
        f"{_at(user.token_expires_at)} UTC; the old one no longer works):\n{token}"
    )
    if user.disabled:
        typer.echo(
            f"note: '{username}' is disabled, so the token works only after `ehcp users enable {username}`"
        )


@users.command(name="disable")
def users_disable(
    username: Annotated[str, typer.Argument(help="The account, as `ehcp users list` names it.")],
) -> None:
    """Disable the account: its token stops working until `ehcp users enable`."""
    _set_disabled("users disable", username, disabled=True)


@users.command(name="enable")
def users_enable(
    username: Annotated[str, typer.Argument(help="The account, as `ehcp users list` names it.")],
) -> None:
    """Enable a disabled account: its token works again, unless it has expired or was revoked."""
    _set_disabled("users enable", username, disabled=False)


def _set_disabled(command: str, username: str, *, disabled: bool) -> None:
    settings = load_settings(command)
    changed = _in_database(
        command,
        settings,
        lambda session: set_disabled(session=session, username=username, disabled=disabled),
        username,
    )
    state = "disabled" if disabled else "enabled"
    typer.echo(f"'{username}' {'is now' if changed else 'was already'} {state}")


def _in_database(
    command: str,
    settings: Settings,
    work: Callable[[AsyncSession], Awaitable[T]],
    username: str | None = None,
) -> T:
    """Run `work` in one transaction; a problem is one line naming it, and exit status 2."""

    async def run() -> T:
        engine = make_engine(settings.database_url)
        try:
            async with make_session_factory(engine).begin() as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except UnknownUser:
        _unknown(command, username or "")
    except InvalidRecord as error:
        fail(command, str(error))
    except Exception as error:  # the database's own message says what is wrong
        fail(command, f"the database refused: {_first_line(error)} (is it migrated? `ehcp migrate`)")


def _email(command: str, email: str) -> str:
    try:
        return checked_email(email.strip()).lower()
    except InvalidEmail as error:
        fail(command, f"--email: {error}")


def _password(command: str, *, stdin: bool) -> str:
    """A password read from standard input (its first line), or a new one to print."""
    if not stdin:
        return new_password()
    given = typer.get_text_stream("stdin").readline().rstrip("\r\n")
    if not PASSWORD_MIN <= len(given) <= PASSWORD_MAX:
        fail(command, f"the password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters, not {len(given)}")
    return given


def _unknown(command: str, username: str) -> NoReturn:
    fail(command, f"no account is named '{username}'; `ehcp users list` shows them")


def _lifetime(settings: Settings) -> timedelta:
    return timedelta(days=settings.token_lifetime_days)


def _at(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M}"


def _expiry(account: Listing, now: datetime) -> str:
    if account.token_revoked_at is not None:
        return f"revoked {_at(account.token_revoked_at)}"
    expires = _at(account.token_expires_at)
    return f"{expires} (expired)" if account.token_expires_at <= now else expires


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
    try:
        checked_email(email)  # advice requests (reg 6) go to it: refuse what is not an address now
    except InvalidEmail as error:
        fail("agencies add", f"--email: {error}")
    settings = load_settings("agencies add")

    async def create() -> uuid.UUID:
        engine = make_engine(settings.database_url)
        try:
            async with make_session_factory(engine).begin() as session:
                agency = await create_agency(
                    session=session, name=name, kind=kind, email=email, webhook_url=webhook_url
                )
            return agency.id
        finally:
            await engine.dispose()

    try:
        agency_id = asyncio.run(create())
    except Exception as error:
        fail("agencies add", f"could not add '{name}': {_first_line(error)}")
    typer.echo(f"added {kind} '{name}': {agency_id}")


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
