"""`ehcp agencies add` refuses an email address that is not one: advice requests (reg 6) go to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from db.migrate import upgrade_sync

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ehcp.db'}"
    monkeypatch.setenv("EHCP_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout's
    upgrade_sync(url)
    return url


def ehcp(*args: str) -> Any:
    return runner.invoke(app, list(args))


@pytest.mark.parametrize(
    "email",
    [
        "senco",
        "Riverside SENCO <senco@riverside.sch.uk>",
        "senco@riverside.sch.uk, head@riverside.sch.uk",
        "senco@riverside.sch.uk\nBcc: someone@elsewhere.example",
        "senco@riverside",
        "senco@riverside.invalid",
        "",
    ],
)
def test_an_address_that_is_not_one_is_refused_naming_the_option(database: str, email: str) -> None:
    added = ehcp("agencies", "add", "Riverside Primary", "--kind", "school", "--email", email)

    assert added.exit_code == 2, added.output
    assert "ehcp agencies add: --email: not an email address" in added.output
    assert "such as name@example.org" in added.output
    assert "Riverside" not in ehcp("agencies", "list").output


def test_an_address_is_taken(database: str) -> None:
    added = ehcp(
        "agencies", "add", "Riverside Primary", "--kind", "school", "--email", "senco@riverside.sch.uk"
    )

    assert added.exit_code == 0, added.output
    assert "Riverside Primary" in ehcp("agencies", "list").output
