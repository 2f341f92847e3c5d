"""The settings as the commands that run the service read them: a problem is one line naming the variable.

Apart from `cli/shell.py` so that `ehcp timeline`, which needs no settings, does not load them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cli.shell import fail
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
