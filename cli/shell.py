"""What every `ehcp` command shares: a problem is one line on standard error, and exit status 2."""

from __future__ import annotations

from typing import NoReturn

import typer

USAGE_ERROR = 2


def fail(command: str, problem: str) -> NoReturn:
    """One line naming the problem, and exit status 2."""
    typer.echo(f"ehcp {command}: {problem}", err=True)
    raise typer.Exit(USAGE_ERROR)
