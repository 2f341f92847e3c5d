"""`ehcp users add --email` and `ehcp users password`: a person's sign-in to the pages, its password made
and printed once (or read from standard input), only its argon2id hash kept; and `ehcp api` refuses to
serve pages without a session key of the authority's, unless a demo."""

from __future__ import annotations

import asyncio
import re

import pytest
from typer.testing import Result

from cli import app
from cli.settings import session_secret_problem
from core.settings import Settings
from db.engine import make_engine, make_session_factory
from db.models import User
from db.sign_in import check_password

from .test_users import database, ehcp, runner

__all__ = ["database"]

PASSWORD = re.compile(r"^[A-Za-z0-9]{20}$", re.MULTILINE)


def signs_in(url: str, email: str, password: str) -> User | None:
    async def check() -> User | None:
        engine = make_engine(url)
        try:
            async with make_session_factory(engine)() as session:
                return await check_password(session=session, email=email, password=password)
        finally:
            await engine.dispose()

    return asyncio.run(check())


def test_add_with_an_email_prints_a_password_once_and_keeps_only_its_hash(database: str) -> None:
    added = ehcp("users", "add", "j.smith", "--role", "caseworker", "--email", "J.Smith@Council.example")
    assert added.exit_code == 0, added.output
    assert "sign in to the pages as j.smith@council.example" in added.output
    [password] = PASSWORD.findall(added.output)
    user = signs_in(database, "j.smith@council.example", password)
    assert user is not None
    assert user.password_hash is not None
    assert password not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")
    assert signs_in(database, "j.smith@council.example", password + "x") is None


def test_password_replaces_the_old_one_at_once(database: str) -> None:
    ehcp("users", "add", "j.smith", "--role", "caseworker", "--email", "j.smith@council.example")
    changed = ehcp("users", "password", "j.smith")
    assert changed.exit_code == 0, changed.output
    [new] = PASSWORD.findall(changed.output)
    assert signs_in(database, "j.smith@council.example", new) is not None


def test_a_password_from_standard_input_is_not_printed(database: str) -> None:
    ehcp("users", "add", "j.smith", "--role", "caseworker")
    given = "a long passphrase of mine"
    args = ["users", "password", "j.smith", "--email", "js@council.example", "--stdin"]
    result = ehcp_with_input(args, given)
    assert result.exit_code == 0, result.output
    assert given not in result.output
    assert signs_in(database, "js@council.example", given) is not None


def test_a_short_password_or_a_bad_address_is_named(database: str) -> None:
    ehcp("users", "add", "j.smith", "--role", "caseworker")
    short = ehcp_with_input(["users", "password", "j.smith", "--stdin"], "too short")
    assert short.exit_code == 2
    assert "the password must be 12 to 200 characters, not 9" in short.output
    bad = ehcp("users", "password", "j.smith", "--email", "not an address")
    assert bad.exit_code == 2
    assert "--email: not an email address" in bad.output


def test_two_accounts_cannot_share_an_address(database: str) -> None:
    ehcp("users", "add", "a", "--role", "caseworker", "--email", "team@council.example")
    ehcp("users", "add", "b", "--role", "caseworker")
    taken = ehcp("users", "password", "b", "--email", "TEAM@council.example")
    assert taken.exit_code == 2
    assert "another account has this email address" in taken.output


def ehcp_with_input(args: list[str], line: str) -> Result:
    return runner.invoke(app, args, input=line + "\n")


@pytest.mark.parametrize(
    ("secret", "demo", "refused"), [(None, False, True), (None, True, False), ("k" * 48, False, False)]
)
def test_the_api_refuses_pages_without_the_authoritys_session_key(
    secret: str | None, demo: bool, refused: bool
) -> None:
    settings = Settings(_env_file=None, session_secret=secret, demo=demo)
    problem = session_secret_problem(settings)
    assert (problem is not None) == refused
    if problem:
        assert "EHCP_SESSION_SECRET is not set" in problem
