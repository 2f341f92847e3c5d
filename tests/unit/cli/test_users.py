"""`ehcp users list|revoke|rotate|disable|enable`: accounts an auditor accepts, run against a migrated
SQLite file. Tokens are printed once, when issued, and never listed; an unknown name is exit 2 with one
line saying how to list the accounts."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from cli.demo import renew_expired_tokens
from core.settings import Settings
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade_sync
from db.models import User
from db.users import create_user, find_user_by_token, lookup_token, revoke_token

runner = CliRunner()
TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$", re.MULTILINE)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ehcp.db'}"
    monkeypatch.setenv("EHCP_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout's
    upgrade_sync(url)
    return url


def ehcp(*args: str) -> Any:
    return runner.invoke(app, list(args))


def token_in(output: str) -> str:
    found: list[str] = TOKEN.findall(output)
    assert len(found) == 1, output
    return found[0]


def user_of(url: str, token: str, *, usable: bool = True) -> User | None:
    async def find() -> User | None:
        engine = make_engine(url)
        try:
            async with make_session_factory(engine)() as session:
                if usable:
                    return await find_user_by_token(session=session, token=token)
                return await lookup_token(session=session, token=token)
        finally:
            await engine.dispose()

    return asyncio.run(find())


def test_the_list_shows_accounts_and_never_a_token(database: str) -> None:
    empty = ehcp("users", "list")
    assert empty.exit_code == 0, empty.output
    assert "ehcp users add" in empty.stdout
    added = ehcp("users", "add", "j.smith", "--role", "manager")
    assert added.exit_code == 0, added.output
    token = token_in(added.stdout)
    assert "expires" in added.stdout
    assert ehcp("users", "disable", "j.smith").exit_code == 0

    listed = ehcp("users", "list")
    assert listed.exit_code == 0, listed.output
    header, row = listed.stdout.splitlines()
    assert header.split() == [
        "NAME",
        "ROLE",
        "AGENCY",
        "CREATED",
        "(UTC)",
        "TOKEN",
        "EXPIRES",
        "(UTC)",
        "DISABLED",
    ]
    assert row.split()[:3] == ["j.smith", "manager", "-"]
    assert row.split()[-1] == "yes"
    user = user_of(database, token, usable=False)
    assert user is not None
    assert f"{user.token_expires_at:%Y-%m-%d %H:%M}" in row
    assert token not in listed.stdout
    assert user.token_hash not in listed.stdout


def test_the_lifetime_setting_sets_when_a_token_expires(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EHCP_TOKEN_LIFETIME_DAYS", "7")
    token = token_in(ehcp("users", "add", "sys.mis", "--role", "admin").stdout)
    user = user_of(database, token)
    assert user is not None
    assert user.token_expires_at - user.created_at == timedelta(days=7)


def test_revoke_stops_the_token_and_rotate_issues_a_new_one(database: str) -> None:
    old = token_in(ehcp("users", "add", "cw", "--role", "caseworker").stdout)
    revoked = ehcp("users", "revoke", "cw")
    assert revoked.exit_code == 0, revoked.output
    assert "ehcp users rotate cw" in revoked.stdout
    assert user_of(database, old) is None
    assert "revoked" in ehcp("users", "list").stdout
    assert "already" in ehcp("users", "revoke", "cw").stdout

    rotated = ehcp("users", "rotate", "cw")
    assert rotated.exit_code == 0, rotated.output
    new = token_in(rotated.stdout)
    assert new != old
    assert user_of(database, new) is not None
    assert user_of(database, old, usable=False) is None
    assert "revoked" not in ehcp("users", "list").stdout


def test_disable_and_enable_without_sql(database: str) -> None:
    token = token_in(ehcp("users", "add", "cw", "--role", "caseworker").stdout)
    disabled = ehcp("users", "disable", "cw")
    assert disabled.exit_code == 0, disabled.output
    assert "'cw' is now disabled" in disabled.stdout
    assert user_of(database, token) is None
    assert "already" in ehcp("users", "disable", "cw").stdout
    rotated = ehcp("users", "rotate", "cw")
    assert "ehcp users enable cw" in rotated.stdout  # a new token is no use until the account is enabled
    enabled = ehcp("users", "enable", "cw")
    assert enabled.exit_code == 0, enabled.output
    assert user_of(database, token_in(rotated.stdout)) is not None


@pytest.mark.parametrize("command", ["revoke", "rotate", "disable", "enable"])
def test_an_unknown_account_is_exit_2_saying_how_to_list_them(database: str, command: str) -> None:
    result = ehcp("users", command, "ghost")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"ehcp users {command}: no account is named 'ghost'; `ehcp users list` shows them"
    ]


def test_an_unmigrated_database_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EHCP_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.chdir(tmp_path)
    result = ehcp("users", "list")
    assert result.exit_code == 2
    assert "ehcp migrate" in result.stderr


def test_the_demo_renews_its_expired_tokens_only(database: str, tmp_path: Path) -> None:
    """`make run` on a demo seeded long ago: the banner must not print a token that no longer works."""
    settings = Settings(_env_file=None, database_url=database)

    async def seed() -> dict[str, str]:
        engine = make_engine(database)
        tokens = {}
        try:
            async with make_session_factory(engine).begin() as session:
                long_ago = datetime(2024, 1, 2, tzinfo=UTC)
                for name in ("demo-caseworker", "demo-manager", "demo-admin"):
                    issued = long_ago if name != "demo-manager" else None
                    _, tokens[name] = await create_user(
                        session=session, username=name, display_name=name, role="manager", now=issued
                    )
                await revoke_token(session=session, username="demo-admin")
        finally:
            await engine.dispose()
        return tokens

    seeded = asyncio.run(seed())
    tokens_file = tmp_path / "demo-tokens.json"
    tokens_file.write_text(json.dumps(seeded))
    renewed = asyncio.run(renew_expired_tokens(settings, tokens_file))
    assert renewed["demo-caseworker"] != seeded["demo-caseworker"]
    assert user_of(database, renewed["demo-caseworker"]) is not None
    assert renewed["demo-manager"] == seeded["demo-manager"]  # still valid
    assert renewed["demo-admin"] == seeded["demo-admin"]  # revoked on purpose: left alone
    assert json.loads(tokens_file.read_text()) == renewed
