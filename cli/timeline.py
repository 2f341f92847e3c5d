"""`ehcp timeline` and `ehcp conventions`: the statute engine from the command line.

`ehcp timeline FILE` reads a case history as JSON (`-` for standard input) and prints every statutory
deadline with its status. Bad input exits with status 2 and one line naming the problem.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from cli.render import render_table
from cli.shell import fail
from statute.conventions import Conventions, describe
from statute.errors import StatuteError
from statute.history import parse_date, parse_history
from statute.timeline import compute_timeline

LONDON = ZoneInfo("Europe/London")

app = typer.Typer()


class Format(StrEnum):
    json = "json"
    table = "table"


def _read(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(
            "timeline", f"no file '{file}'; give the path of a case history in JSON, or - for standard input"
        )
    except (OSError, UnicodeDecodeError) as error:
        fail("timeline", f"cannot read '{file}': {error}")


def today_in_england() -> date:
    """The date in England now: the day statutory clocks are counted in."""
    return datetime.now(tz=LONDON).date()


@app.command()
def timeline(
    file: Annotated[str, typer.Argument(help="A case history in JSON, or - for standard input.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The day to judge statuses on (YYYY-MM-DD); default today.")
    ] = None,
    output: Annotated[
        Format, typer.Option("--format", help="json for programs, table for people.")
    ] = Format.json,
    convention: Annotated[
        list[str] | None,
        typer.Option(
            "--convention", "-c", help="Override a convention: NAME=VALUE (see `ehcp conventions`)."
        ),
    ] = None,
) -> None:
    """Every statutory deadline of a case: due, practical due, rule, status and exceptions."""
    text = _read(file)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        fail("timeline", f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}")
    try:
        conventions = Conventions().with_overrides(dict(_pair(item) for item in convention or []))
        history = parse_history(data)
        day = parse_date(as_of, "--as-of") if as_of is not None else history.as_of or today_in_england()
        result = compute_timeline(history, as_of=day, conventions=conventions)
    except StatuteError as error:
        fail("timeline", str(error))
    if output is Format.table:
        typer.echo(render_table(result))
    else:
        typer.echo(json.dumps(result.as_dict(), indent=2))


def _pair(item: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name:
        fail("timeline", f"--convention takes NAME=VALUE, not '{item}'")
    return name.strip(), value.strip()


@app.command()
def conventions() -> None:
    """The unverified readings of the law, each a setting: name, default and meaning."""
    for entry in describe():
        default = entry["default"]
        shown = str(default).lower() if isinstance(default, bool) else default
        typer.echo(f"{entry['name']} = {shown}\n    {entry['meaning']}")
